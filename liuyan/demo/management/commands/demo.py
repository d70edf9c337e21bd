"""`liuyan demo [--messages N] [--seed S] [--reset] [--quiet]`: build the 西地省 demo with simulated messages."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django.utils.dateparse import parse_datetime

from liuyan.common.commands import LiuyanCommand
from liuyan.demo.build import BuildResult, DemoError, build_demo
from liuyan.messages.states import State

OVERLAY_LABELS = {
    "yellow": "黄灯 yellow light",
    "red": "红灯 red light",
    "overdue": "超期 overdue",
    "urged": "催办 urged",
    "supervised": "督办 supervised",
    "escalated": "提级督办 escalated",
    "key": "重点留言 key",
    "reopened": "重办 reopened",
    "confidential": "保密 confidential",
    "anonymous": "匿名/代录 anonymous or assisted",
    "duplicates": "重复留言 duplicates",
    "transferred": "转办 transferred",
    "returned": "退回 returned",
    "extended": "延期 extended",
    "events": "事件 events",
}


class Command(LiuyanCommand):
    help = "构建演示数据：西地省、账号与模拟留言 / Build the demo: the 西地省 province, accounts and simulated messages"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--messages", type=int, default=2000, help="模拟留言数量 / how many messages (2000)")
        parser.add_argument("--seed", type=int, default=2026, help="随机种子 / random seed (2026)")
        parser.add_argument(
            "--reset", action="store_true", help="先删除已有演示留言 / delete the demo messages first, then rebuild"
        )
        parser.add_argument("--quiet", action="store_true", help="不显示进度和明细 / no progress bar or details")
        parser.add_argument(
            "--as-of",
            help="模拟历史截至该时刻（带时区 ISO），默认现在 / the simulated 'now' (ISO with time zone); default: now",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = None
        if options.get("as_of"):
            as_of = parse_datetime(options["as_of"])
            if as_of is None or as_of.tzinfo is None:
                raise CommandError("--as-of 应为带时区的 ISO 时间 / --as-of must be an ISO datetime with a time zone")
        quiet = options["quiet"]
        try:
            result = build_demo(
                messages=options["messages"],
                seed=options["seed"],
                reset=options["reset"],
                as_of=as_of,
                progress=not quiet,
            )
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        if not quiet:
            self._details(result)
        self._failures(result)
        self._summary(result)
        self.stdout.write("")
        self.stdout.write(result.logins)
        self.stdout.write("")
        self.stdout.write(f"账号表已写入 / logins written to {result.logins_path}")

    def _details(self, result: BuildResult) -> None:
        ref = result.reference
        if result.deleted:
            self.stdout.write(f"已删除演示留言 / deleted demo messages: {result.deleted}")
        self.stdout.write(
            "参考数据 reference data: "
            f"日历 calendar rows changed {ref.calendar_rows}, 分类 categories new {ref.categories}, "
            f"行政区划 divisions {ref.divisions}, 西地省地名 gazetteer new {ref.gazetteer}, "
            f"单位 units new {ref.units_created}, 留言对象 boards new {ref.boards_created}, "
            f"派单目录 catalogue entries {ref.catalogue_entries}, 时限规则 deadline policies {ref.policies}, "
            f"账号 accounts new {result.users_created}"
        )
        sim = result.simulation
        if sim is not None:
            self.stdout.write(
                f"模拟 simulation: {sim.cases} cases, {sim.steps} actions, {sim.ticks} deadline-ladder ticks "
                f"({', '.join(f'{k} {v}' for k, v in sorted(sim.ladder.items()))})"
            )
        self.stdout.write("")
        self.stdout.write("状态 state                             数量 count")
        for state in State:
            self.stdout.write(f"  {state.label:<34} {result.states.get(state.value, 0):>7}")
        self.stdout.write(f"  {'合计 total':<34} {sum(result.states.values()):>7}")
        self.stdout.write("")
        self.stdout.write("标记 overlays: " + ", ".join(f"{OVERLAY_LABELS[k]} {v}" for k, v in result.overlays.items()))
        if result.models is not None:
            for task, version in result.models.trained.items():
                self.stdout.write(f"智能判处模型 intake model {task}: trained {version}")
            for task, version in result.models.kept.items():
                self.stdout.write(f"智能判处模型 intake model {task}: kept the active {version}")

    def _failures(self, result: BuildResult) -> None:
        sim = result.simulation
        if sim is None or not sim.failures:
            return
        for key, count in sorted(sim.failures.items()):
            self.stderr.write(f"未能执行 failed {key}: {count}")
        for example in sim.examples[:5]:
            self.stderr.write(f"  {example}")

    def _summary(self, result: BuildResult) -> None:
        build = result.build
        if result.skipped:
            self.stdout.write(
                f"演示留言已存在（种子 {build.seed}，{build.built} 条），未重复生成；加 --reset 可重建 / "
                f"demo messages already built (seed {build.seed}, {build.built}); use --reset to rebuild"
            )
            return
        sim = result.simulation
        assert sim is not None
        rate = sim.messages / sim.seconds if sim.seconds else 0.0
        self.stdout.write(
            f"已生成 {sim.messages} 条演示留言，用时 {sim.seconds:.1f} 秒（{rate:.0f} 条/秒，其中规划 "
            f"{sim.plan_seconds:.1f} 秒） / built {sim.messages} demo messages in {sim.seconds:.1f} s "
            f"({rate:.0f} messages/s; planning {sim.plan_seconds:.1f} s)"
        )
