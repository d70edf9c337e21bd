"""Importing the category taxonomy from CSV/XLSX, and the default taxonomy shipped with Liuyan."""

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from liuyan.taxonomy.importer import DEFAULT_TAXONOMY, import_taxonomy, load_default_taxonomy
from liuyan.taxonomy.models import Category

pytestmark = pytest.mark.django_db

CONTEST_TAXONOMY = Path(settings.SHARED_DATA_DIR) / "tipdm2020c" / "taxonomy.csv"
HEADER = "一级分类,二级分类,三级分类\n"


def write(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "t.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


@pytest.mark.shared_data
def test_it_imports_the_contest_taxonomy_with_15_first_level_classes():
    if not CONTEST_TAXONOMY.exists():
        pytest.skip(f"{CONTEST_TAXONOMY} is absent")
    report = import_taxonomy(CONTEST_TAXONOMY)
    assert report.ok, report.error_lines()
    assert Category.objects.filter(level=1).count() == 15
    assert Category.objects.filter(level=3).count() == 517
    leaf = Category.objects.get(path="城乡建设 / 安全生产 / 安全隐患")
    assert leaf.parent == Category.objects.get(path="城乡建设 / 安全生产")
    assert (leaf.level, leaf.root().name) == (3, "城乡建设")
    again = import_taxonomy(CONTEST_TAXONOMY)
    assert (again.created, again.updated, again.skipped) == (0, 0, report.created)


def test_it_loads_the_default_taxonomy_with_the_national_domains():
    report = load_default_taxonomy()
    assert report.ok, report.error_lines()
    domains = set(Category.objects.filter(level=1).values_list("name", flat=True))
    assert domains == {
        "住房和城乡建设",
        "教育",
        "人力资源和社会保障",
        "市场监管",
        "交通运输",
        "生态环境",
        "卫生健康",
        "农业农村",
        "公安政法",
        "民政",
        "商务",
        "发展改革",
        "水利",
        "文化旅游",
        "自然资源",
        "财政税务",
        "科技工业信息化",
        "应急管理安全生产",
        "党务政务",
        "其他",
    }
    for domain in Category.objects.filter(level=1):
        assert domain.children.count() >= 3
    utilities = {c.name for c in Category.objects.get(path="住房和城乡建设 / 市政公用事业").children.all()}
    assert {"供水", "供电", "供气", "供暖"} <= utilities
    assert Category.objects.filter(level=3).exists()
    assert load_default_taxonomy().created == 0


@pytest.mark.shared_data
def test_it_is_not_a_copy_of_the_contest_file():
    if not CONTEST_TAXONOMY.exists():
        pytest.skip("contest taxonomy absent")
    ours = set(DEFAULT_TAXONOMY.read_text(encoding="utf-8").splitlines()[1:])
    theirs = set(CONTEST_TAXONOMY.read_text(encoding="utf-8-sig").splitlines()[1:])
    assert len(ours & theirs) < 5


def test_it_fills_blank_cells_from_the_row_above_and_strips_whitespace(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(
        ("\ufeff" + HEADER + " 教育 , 义务教育 ,入学\n,,课后服务\n, 学前教育\u3000,\n,,入园\n\n民政,,\n").encode(
            "utf-8"
        )
    )
    report = import_taxonomy(path)
    assert report.ok, report.error_lines()
    assert set(Category.objects.values_list("path", flat=True)) == {
        "教育",
        "教育 / 义务教育",
        "教育 / 义务教育 / 入学",
        "教育 / 义务教育 / 课后服务",
        "教育 / 学前教育",
        "教育 / 学前教育 / 入园",
        "民政",
    }
    assert report.created == 7


def test_it_refuses_the_whole_file_on_bad_rows(tmp_path):
    path = write(tmp_path, "教育,义务教育,入学\n,,\n,小学/初中,\n民政,,\n,,低保\n交通,,铁路\n" + "长" * 61 + ",,\n")
    report = import_taxonomy(path)
    assert [e.row for e in report.errors] == [4, 6, 7, 8]
    assert all(e.zh and e.en for e in report.errors)
    assert not Category.objects.exists()


def test_it_reports_a_missing_header(tmp_path):
    report = import_taxonomy(write(tmp_path, "教育,义务教育\n", header="大类,小类\n"))
    assert [e.row for e in report.errors] == [1]
    assert "一级分类" in report.errors[0].zh


def test_it_reactivates_categories_and_reads_xlsx(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["一级分类", "二级分类", "三级分类"])
    sheet.append(["教育", "义务教育", "入学"])
    sheet.append([None, None, "减负"])  # merged cells come out empty
    book.save(tmp_path / "t.xlsx")
    assert import_taxonomy(tmp_path / "t.xlsx").created == 4
    Category.objects.filter(name="减负").update(is_active=False)
    report = import_taxonomy(tmp_path / "t.xlsx")
    assert (report.created, report.updated, report.skipped) == (0, 1, 3)
    assert Category.objects.get(name="减负").is_active


def test_it_runs_from_the_command(tmp_path):
    out = StringIO()
    call_command("taxonomy", "load-default", stdout=out)
    call_command("taxonomy", "import", str(write(tmp_path, "教育,义务教育,入学\n")), stdout=out)
    call_command("taxonomy", "status", stdout=out)
    assert "level 1: 20" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("taxonomy", "import", str(write(tmp_path, ",,入学\n")), stderr=StringIO())
