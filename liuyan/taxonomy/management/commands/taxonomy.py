"""`liuyan taxonomy import FILE | load-default | status`: load the category (领域) taxonomy."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django.db.models import Count

from liuyan.common.commands import LiuyanCommand
from liuyan.common.reports import ImportReport
from liuyan.taxonomy.importer import import_taxonomy, load_default_taxonomy
from liuyan.taxonomy.models import Category


class Command(LiuyanCommand):
    help = "分类体系：导入或加载默认分类 / Category taxonomy: import a file or load the default one"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        importing = sub.add_parser("import", help="导入 CSV/XLSX（一级分类,二级分类,三级分类） / import a file")
        importing.add_argument("file")
        sub.add_parser("load-default", help="加载内置默认分类 / load the shipped default taxonomy")
        sub.add_parser("status", help="各级分类数量 / how many categories at each level")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "import":
            self._finish(import_taxonomy(options["file"]))
        elif action == "load-default":
            self._finish(load_default_taxonomy())
        else:
            rows = Category.objects.order_by("level").values("level").annotate(n=Count("pk"))
            for row in rows:
                self.stdout.write(f"{row['level']} 级 / level {row['level']}: {row['n']}")
            inactive = Category.objects.filter(is_active=False).count()
            self.stdout.write(f"停用 inactive: {inactive}")

    def _finish(self, report: ImportReport) -> None:
        for line in report.error_lines():
            self.stderr.write(line)
        if not report.ok:
            raise CommandError(report.summary())
        self.stdout.write(report.summary())
