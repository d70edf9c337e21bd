"""`liuyan catalogue import FILE | lookup CATEGORY REGION_CODE`: the responsibility catalogue (派单目录)."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from liuyan.common.commands import LiuyanCommand
from liuyan.geo.models import Region
from liuyan.orgs.catalogue import catalogue_history, import_catalogue, responsible_entry
from liuyan.taxonomy.models import Category


class Command(LiuyanCommand):
    help = "派单目录：导入、查询 / Responsibility catalogue: import a file, look up who is responsible"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        importing = sub.add_parser("import", help="导入 CSV/XLSX（category_path,region_code,unit_code） / import")
        importing.add_argument("file")
        lookup = sub.add_parser("lookup", help="查询负责单位及变更历史 / show the responsible unit and history")
        lookup.add_argument("category", help="分类路径或名称 / category path or name")
        lookup.add_argument("region_code")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "import":
            report = import_catalogue(options["file"])
            for line in report.error_lines():
                self.stderr.write(line)
            if not report.ok:
                raise CommandError(report.summary())
            self.stdout.write(report.summary())
            return
        category = Category.objects.find_category(options["category"])
        region = Region.objects.filter(code=options["region_code"]).first()
        if category is None or region is None:
            raise CommandError("分类或地区不存在 / unknown category or region")
        entry = responsible_entry(category, region)
        if entry is None:
            self.stdout.write("无负责单位 / no responsible unit")
        else:
            self.stdout.write(f"{entry.unit.code} {entry.unit.name}（依据 / from: {entry.category} × {entry.region}）")
        for past in catalogue_history(category, region):
            until = past.valid_to.isoformat() if past.valid_to else "至今 now"
            self.stdout.write(f"  {past.valid_from.isoformat()} – {until}: {past.unit.code} {past.unit.name}")
