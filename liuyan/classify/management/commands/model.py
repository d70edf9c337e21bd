"""`liuyan model train | evaluate | list | use`: the text classifiers' versioned models."""

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from liuyan.common.commands import LiuyanCommand
from liuyan.common.errors import InvalidInput, LiuyanError

TASKS = ("category", "type", "department")


def _fraction(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise InvalidInput(f"不是数字：{value}", f"not a number: {value}") from None


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


class Command(LiuyanCommand):
    help = "文本分类模型 / Text classifiers: `model train | evaluate | list | use`"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)

        train = sub.add_parser(
            "train",
            help="用标注文件训练并启用新版本 / train a new version from labelled files and activate it",
            description=(
                "Formats recognised by their columns: 留言主题+留言详情/一级标签 (contest raw), seg_text/一级标签 "
                "(contest segmented), message/request_type (MSGABench), question/department (MSGABench QA); "
                "any other with --text-col and --label-col. Part of the examples (--validation-fraction) is held "
                "out to measure the model and choose its auto-dispatch threshold."
            ),
        )
        train.add_argument("--task", required=True, choices=TASKS)
        source = train.add_mutually_exclusive_group(required=True)
        source.add_argument("--labeled", nargs="+", metavar="FILE", help="CSV 或 XLSX / CSV or XLSX")
        source.add_argument(
            "--from-history",
            action="store_true",
            help="用平台自身的办理历史训练：已受理留言的领域与类型、已答复留言的办理单位，以及人工纠正 / train on "
            "the platform's own history: reviewed messages' category and type, answered messages' unit, and "
            "people's corrections (category: taxonomy paths; department: unit codes)",
        )
        train.add_argument("--text-col", help="文本列 / text column")
        train.add_argument("--label-col", help="标签列 / label column")
        train.add_argument(
            "--target-precision",
            type=_fraction,
            default=0.98,
            help="自动交办的目标准确率（默认 0.98） / precision wanted for automatic dispatch (default 0.98)",
        )
        train.add_argument(
            "--validation-fraction",
            type=_fraction,
            default=0.2,
            help="留作验证的比例（默认 0.2） / share of examples held out for validation (default 0.2)",
        )
        train.add_argument("--seed", type=int, default=0, help="随机种子 / random seed of the split (0)")
        train.add_argument(
            "--refit",
            action="store_true",
            help="验证后用全部样本重新训练（阈值沿用验证集上选定的） / after validation, train again on all examples "
            "(keeping the threshold chosen on the validation split)",
        )
        train.add_argument("--no-activate", action="store_true", help="只保存，不启用 / save without activating")
        train.add_argument("--json", action="store_true", help="输出 JSON / print JSON")

        evaluate = sub.add_parser("evaluate", help="在标注文件上评估模型 / evaluate a model on a labelled file")
        evaluate.add_argument("--task", required=True, choices=TASKS)
        evaluate.add_argument("--labeled", required=True, nargs="+", metavar="FILE")
        evaluate.add_argument("--text-col")
        evaluate.add_argument("--label-col")
        evaluate.add_argument("--version", help="模型版本（默认：当前启用的） / version (default: the active one)")
        evaluate.add_argument("--json", action="store_true", help="输出 JSON / print JSON")

        listing = sub.add_parser("list", help="列出模型版本 / list the saved versions")
        listing.add_argument("--task", choices=TASKS)
        listing.add_argument("--json", action="store_true", help="输出 JSON / print JSON")

        use = sub.add_parser("use", help="启用某个版本（可用于回滚） / activate a version (also to roll back)")
        use.add_argument("--task", required=True, choices=TASKS)
        use.add_argument("version")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['what']}")(options)
        except LiuyanError as exc:
            raise CommandError(str(exc)) from exc

    # -- subcommands ------------------------------------------------------------------------------------------

    def _read(self, options: dict[str, Any]) -> tuple[list[Any], list[Any]]:
        from liuyan.classify.data import read_labeled_file

        files = [
            read_labeled_file(path, text_col=options["text_col"], label_col=options["label_col"])
            for path in options["labeled"]
        ]
        examples = [example for f in files for example in f.examples]
        return files, examples

    def _train(self, options: dict[str, Any]) -> None:
        from liuyan.classify import store

        if options["from_history"]:
            from liuyan.intake.training import history_examples

            files: list[Any] = []
            examples = history_examples(options["task"])
            description = f"平台办理历史 / the platform's history ({len(examples)} examples)"
        else:
            files, examples = self._read(options)
            description = "; ".join(f"{f.path.name} ({f.format}, {len(f.examples)} examples)" for f in files)
        version = store.train(
            options["task"],
            examples,
            target_precision=options["target_precision"],
            validation_fraction=options["validation_fraction"],
            seed=options["seed"],
            source_description=description,
            sources=files,
            activate=not options["no_activate"],
            refit=options["refit"],
        )
        meta = store.load(options["task"], version).meta
        if options["json"]:
            self.stdout.write(json.dumps(meta, ensure_ascii=False, indent=2))
            return
        for f in files:
            self.stdout.write(
                f"{f.path.name}: {f.format}, {f.rows} 行 rows, {len(f.examples)} 条样本 examples, "
                f"{f.skipped} 行跳过 skipped"
            )
        if meta["dropped_labels"]:
            dropped = ", ".join(f"{label} ({n})" for label, n in meta["dropped_labels"].items())
            self.stdout.write(f"样本过少未训练的标签 / labels with too few examples, left out: {dropped}")
        self._print_metrics(meta["validation"], heading="验证集 / validation split")
        self.stdout.write(
            f"训练 / trained on {meta['examples']['train']}, 验证 / validated on {meta['examples']['validation']} "
            f"in {meta['training_seconds']} s; {meta['features']} features, {meta['model_bytes'] / 1e6:.1f} MB"
        )
        state = "未启用 / saved, not active" if options["no_activate"] else "已启用 / active"
        self.stdout.write(self.style.SUCCESS(f"{options['task']} {version} — {state}"))

    def _print_metrics(self, metrics: dict[str, Any], *, heading: str) -> None:
        if not metrics:
            self.stdout.write(f"{heading}: —")
            return
        auto = metrics["auto_dispatch"]
        threshold = "—（达不到目标 / target not reached）" if auto["threshold"] is None else f"{auto['threshold']:.4f}"
        self.stdout.write(
            f"{heading}: {metrics['examples']} 条 examples, accuracy {_percent(metrics['accuracy'])}, "
            f"macro-F1 {metrics['macro_f1']:.4f}; 自动交办 auto-dispatch threshold {threshold}, "
            f"coverage {_percent(auto['coverage'])}, precision {_percent(auto['precision'])}"
        )
        width = max((len(label) for label in metrics["per_class"]), default=0)
        for label, row in metrics["per_class"].items():
            self.stdout.write(
                f"  {label.ljust(width)}  P {row['precision']:.3f}  R {row['recall']:.3f}  F1 {row['f1']:.3f}"
                f"  n {row['support']}"
            )

    def _evaluate(self, options: dict[str, Any]) -> None:
        from liuyan.classify import store
        from liuyan.classify.training import evaluate

        task = options["task"]
        if options["version"]:
            loaded = store.load(task, options["version"])
        else:
            active = store.load_active(task)
            if active is None:
                raise CommandError(
                    f"任务 {task} 没有启用的模型（先运行 `liuyan model train --task {task} …`） / "
                    f"no active model for task {task} (run `liuyan model train --task {task} …` first)"
                )
            loaded = active
        files, examples = self._read(options)
        metrics = evaluate(loaded.classifier, examples, loaded.threshold)
        result = {
            "task": task,
            "version": loaded.version,
            "files": [f.summary() for f in files],
            "examples": metrics["examples"],
            "macro_f1": metrics["macro_f1"],
            "accuracy": metrics["accuracy"],
            "per_class": metrics["per_class"],
            "auto_dispatch": metrics["auto_dispatch"],
            "target_precision": loaded.meta.get("target_precision"),
            "unknown_labels": metrics["unknown_labels"],
        }
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{task} {loaded.version}")
        self._print_metrics(metrics, heading=", ".join(f.path.name for f in files))
        if metrics["unknown_labels"]:
            self.stdout.write(
                f"模型不认识的标签 / labels the model does not know: {', '.join(metrics['unknown_labels'])}"
            )

    def _list(self, options: dict[str, Any]) -> None:
        from liuyan.classify import store

        models = store.list_models(options["task"])
        if options["json"]:
            self.stdout.write(json.dumps([m.as_dict() for m in models], ensure_ascii=False, indent=2))
            return
        if not models:
            self.stdout.write("没有模型 / no models")
            return
        for m in models:
            marker = "*" if m.active else " "
            f1 = "—" if m.macro_f1 is None else f"{m.macro_f1:.4f}"
            threshold = "—" if m.threshold is None else f"{m.threshold:.3f}"
            self.stdout.write(
                f"{marker} {m.task:<10} {m.version}  {m.created_at[:19]}  {m.labels} labels  {m.examples} examples  "
                f"macro-F1 {f1}  threshold {threshold}  coverage {_percent(m.coverage)}  {m.source_description}"
            )

    def _use(self, options: dict[str, Any]) -> None:
        from liuyan.classify import store

        store.use(options["task"], options["version"])
        self.stdout.write(self.style.SUCCESS(f"{options['task']}: {options['version']} 已启用 / is now active"))
