"""`liuyan synth national --seed N [--scale F] [--batch N] [--workers N]`: write the calibrated national data set."""

import sys
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any, TextIO

from tqdm import tqdm

from liuyan.common.commands import LiuyanCommand, count_int, positive_int
from liuyan.synth import national
from liuyan.synth.plan import build_plan


def _number(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise ArgumentTypeError(f"应为数字 / must be a number, not {value!r}") from None


class Command(LiuyanCommand):
    help = (
        "生成合成数据集 / write a synthetic data set. national: 2016–2025, 31 个省份, 约 550 万条留言及其办理过程，"
        "按《十四五时期领导留言板数据分析报告》的数字校准 / ≈ 5.5 M messages calibrated to the published report."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("dataset", help=f"数据集 / data set: {', '.join(national.DATASETS)}")
        parser.add_argument("--seed", type=int, required=True, help="随机种子 / random seed (same seed, same data)")
        parser.add_argument(
            "--scale", type=_number, default=1.0, help="规模比例 (0, 1] / fraction of the full size (1.0)"
        )
        parser.add_argument(
            "--batch",
            type=positive_int,
            default=national.DEFAULT_BATCH,
            help=f"每批（每个事务）留言数 / messages per batch and transaction ({national.DEFAULT_BATCH})",
        )
        parser.add_argument(
            "--workers",
            type=count_int,
            default=None,
            help="生成留言的进程数（默认：大规模时每个 CPU 一个）/ processes composing rows (default: one per CPU for a "
            "large load, 0 = in this process)",
        )
        parser.add_argument("--search", action="store_true", help="同时建立全文检索索引 / also build the search index")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条 / no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        dataset, scale, seed = options["dataset"], options["scale"], options["seed"]
        national.check_request(dataset, scale)  # before the plan is computed: bad input answers at once
        stream: TextIO = getattr(self.stderr, "_out", sys.stderr)
        total = build_plan(scale).messages()
        with tqdm(
            total=total,
            desc="留言 messages",
            unit="条",
            file=stream,
            disable=options["no_progress"] or not stream.isatty(),
        ) as bar:
            result = national.generate(
                seed=seed,
                scale=scale,
                dataset=dataset,
                batch=options["batch"],
                on_rows=bar.update,
                on_phase=lambda text: bar.set_description_str(text),
                search=options["search"],
                workers=options["workers"],
            )
        seconds = result.seconds
        lines = [
            f"已生成 {result.messages:,} 条留言 / wrote {result.messages:,} messages "
            f"(seed {seed}, scale {scale}) in {seconds['total_s']:.1f} s",
            "  " + ", ".join(f"{name} {n:,}" for name, n in result.rows.items()),
            "  " + ", ".join(f"{name} {value:.1f}" for name, value in seconds.items()),
        ]
        if not options["search"]:
            lines.append(
                "全文检索索引未建立：请运行 `liuyan search rebuild` / search index not built: run `liuyan search rebuild`"
            )
        self.stdout.write("\n".join(lines))
