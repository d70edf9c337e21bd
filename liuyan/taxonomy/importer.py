"""Imports the category taxonomy from CSV/XLSX (columns 一级分类, 二级分类, 三级分类) and ships a default one."""

from pathlib import Path

from django.db import transaction

from liuyan.common.reports import ImportReport, read_table

from .models import PATH_SEPARATOR, Category

LEVEL_COLUMNS = ["一级分类", "二级分类", "三级分类", "四级分类"]
DEFAULT_TAXONOMY = Path(__file__).resolve().parent / "data" / "default_taxonomy.csv"
_NAME_MAX = Category._meta.get_field("name").max_length or 60
_PATH_MAX = Category._meta.get_field("path").max_length or 255


def _rows_to_paths(path: str | Path, report: ImportReport) -> list[tuple[str, ...]]:
    """Category paths, one per row, after filling blank "same as above" cells from the previous row."""
    table = read_table(path)
    if not table.check_columns(LEVEL_COLUMNS[:1], report):
        return []
    columns = [c for c in LEVEL_COLUMNS if c in table.columns]
    paths: list[tuple[str, ...]] = []
    previous: list[str] = []
    for number, cells in table.rows:
        values = [cells[c] for c in columns]
        deepest = max((i for i, v in enumerate(values) if v), default=-1)
        if deepest < 0:
            continue
        filled: list[str] = []
        diverged = False  # an explicit cell differs from the row above: blanks after it cannot inherit
        error = False
        for i in range(deepest + 1):
            value = values[i]
            if value:
                diverged = diverged or i >= len(previous) or previous[i] != value
            elif i < len(previous) and not diverged:
                value = previous[i]  # blank cell: same as above
            else:
                report.add_error(
                    number,
                    f"“{columns[i]}”为空，且无法沿用上一行",
                    f"'{columns[i]}' is blank and cannot be taken from the row above",
                )
                error = True
                break
            if "/" in value or "／" in value:
                report.add_error(number, f"分类名称“{value}”不能包含 /", f"category name '{value}' contains '/'")
                error = True
            elif len(value) > _NAME_MAX:
                report.add_error(
                    number, f"分类名称超过 {_NAME_MAX} 字", f"category name is longer than {_NAME_MAX} characters"
                )
                error = True
            filled.append(value)
        if error:
            continue
        if len(PATH_SEPARATOR.join(filled)) > _PATH_MAX:
            report.add_error(number, f"分类路径超过 {_PATH_MAX} 字", f"category path is longer than {_PATH_MAX}")
            continue
        paths.append(tuple(filled))
        previous = filled
    if not paths and report.ok:
        report.add_error(1, "文件中没有分类", "the file holds no category")
    return paths


def import_taxonomy(path: str | Path) -> ImportReport:
    """Validate every row, then create the missing categories (idempotent by path); write nothing on a bad row.

    Blank cells mean "same as above" (as in exports of merged cells). A row may stop early to declare an upper
    category by itself. Counts are of categories: created, re-activated (updated), already present (skipped).
    """
    report = ImportReport()
    rows = _rows_to_paths(path, report)
    if not report.ok:
        return report
    nodes: dict[str, tuple[int, str, str]] = {}  # path -> (level, name, parent path)
    for parts in rows:
        for depth in range(1, len(parts) + 1):
            node_path = PATH_SEPARATOR.join(parts[:depth])
            nodes.setdefault(node_path, (depth, parts[depth - 1], PATH_SEPARATOR.join(parts[: depth - 1])))
    with transaction.atomic():
        existing = {c.path: c for c in Category.objects.filter(path__in=list(nodes))}
        pk_of = {p: c.pk for p, c in existing.items()}
        reactivate = [c for c in existing.values() if not c.is_active]
        report.skipped = len(existing) - len(reactivate)
        if reactivate:
            for category in reactivate:
                category.is_active = True
            Category.objects.bulk_update(reactivate, ["is_active"])
            report.updated = len(reactivate)
        for level in sorted({n[0] for n in nodes.values()}):
            new = [
                Category(
                    name=name, level=level, path=node_path, is_active=True, parent_id=pk_of[parent] if parent else None
                )
                for node_path, (lvl, name, parent) in nodes.items()
                if lvl == level and node_path not in pk_of
            ]
            if not new:
                continue
            created = Category.objects.bulk_create(new, batch_size=500)
            report.created += len(created)
            if any(c.pk is None for c in created):
                pk_of.update(Category.objects.filter(path__in=[c.path for c in created]).values_list("path", "pk"))
            else:
                pk_of.update((c.path, c.pk) for c in created)
    return report


def load_default_taxonomy() -> ImportReport:
    """Load the taxonomy shipped with Liuyan (liuyan/taxonomy/data/default_taxonomy.csv)."""
    return import_taxonomy(DEFAULT_TAXONOMY)
