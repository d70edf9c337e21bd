"""Importing custom gazetteers such as the shipped 西地省 sample, and refusing bad files as a whole."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from liuyan.geo.gazetteer import SAMPLE_GAZETTEER, import_gazetteer
from liuyan.geo.loader import load_divisions
from liuyan.geo.models import Region, RegionLevel

pytestmark = pytest.mark.django_db

HEADER = "code,name,level,parent_code,aliases\n"


def write(tmp_path: Path, body: str, name: str = "g.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_it_imports_the_shipped_xidi_sample():
    report = import_gazetteer(SAMPLE_GAZETTEER)
    assert report.ok, report.error_lines()
    province = Region.objects.get(code="X01")
    assert (province.name, province.level, province.is_custom, province.aliases) == (
        "西地省",
        RegionLevel.PROVINCE,
        True,
        ["西地"],
    )
    assert province.path == "000000/X01/"
    cities = Region.objects.filter(parent=province)
    assert cities.count() == 12
    assert set(cities.values_list("name", flat=True)) == {f"{c}市" for c in "ABCDEFGHIJKL"}
    a3 = Region.objects.get(name="A3区")
    assert a3.path == "000000/X01/X0101/X010103/"
    assert Region.objects.get(name="K8县").parent == Region.objects.get(name="K市")
    for city in cities:
        assert 6 <= city.children.count() <= 9
    assert report.created == Region.objects.filter(is_custom=True).count()


def test_it_sits_beside_the_real_divisions_and_is_idempotent():
    load_divisions()
    first = import_gazetteer(SAMPLE_GAZETTEER)
    second = import_gazetteer(SAMPLE_GAZETTEER)
    assert (second.created, second.updated, second.skipped) == (0, 0, first.created)
    assert Region.objects.filter(level=RegionLevel.PROVINCE).count() == 35


def test_it_updates_names_aliases_and_parents_by_code(tmp_path):
    import_gazetteer(
        write(tmp_path, "X01,西地省,province,,\nX0101,A市,city,X01,\nX0102,B市,city,X01,\nX010101,A1区,county,X0101,\n")
    )
    report = import_gazetteer(write(tmp_path, "X0102,B城,city,X01,B|乙市\nX010101,A1区,county,X0102,\n"))
    assert (report.created, report.updated) == (0, 2)
    moved = Region.objects.get(code="X010101")
    assert moved.parent == Region.objects.get(code="X0102")
    assert moved.path == "000000/X01/X0102/X010101/"
    assert Region.objects.get(code="X0102").aliases == ["B", "乙市"]


def test_it_accepts_a_real_division_as_parent(tmp_path):
    load_divisions()
    report = import_gazetteer(write(tmp_path, "X110108001,中关村街道,town,110108,中关村\n"))
    assert report.ok, report.error_lines()
    town = Region.objects.get(code="X110108001")
    assert town.path == "000000/110000/110108/X110108001/"


def test_it_writes_nothing_and_reports_every_bad_row(tmp_path):
    path = write(
        tmp_path,
        (
            "X01,西地省,province,,\n"  # row 2: good
            "110101,东城区,county,X01,\n"  # row 3: not an X code
            "X0101,,city,X01,\n"  # row 4: no name
            "X0102,B市,metropolis,X01,\n"  # row 5: bad level
            "X0103,C市,city,X99,\n"  # row 6: unknown parent
            "X0104,D市,city,,\n"  # row 7: only provinces may have no parent
            "X010101,A1区,county,X01,\n"  # row 8: good (county under province is allowed)
            "X0105,E市,city,X010101,\n"  # row 9: parent below the row
            "X01,西地省,province,,\n"  # row 10: repeated code
        ),
    )
    report = import_gazetteer(path)
    assert not report.ok
    assert sorted({e.row for e in report.errors}) == [3, 4, 5, 10]  # field checks come first
    assert all(e.zh and e.en for e in report.errors)
    assert not Region.objects.exists()

    report = import_gazetteer(
        write(
            tmp_path,
            "X01,西地省,province,,\nX0103,C市,city,X99,\nX0104,D市,city,,\n"
            "X010101,A1区,county,X01,\nX0105,E市,city,X010101,\n",
        )
    )
    assert [e.row for e in report.errors] == [3, 4, 6]
    assert "X99" in report.errors[0].en
    assert not Region.objects.exists()


def test_it_reports_a_missing_column(tmp_path):
    path = tmp_path / "g.csv"
    path.write_text("code,name\nX01,西地省\n", encoding="utf-8")
    report = import_gazetteer(path)
    assert [e.row for e in report.errors] == [1]
    assert "level" in report.errors[0].en


def test_it_reads_xlsx_and_bom_csv(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["code", "name", "level", "parent_code", "aliases"])
    sheet.append(["X01", "西地省", "province", None, "西地"])
    sheet.append(["X0101", " A市 ", "city", "X01", None])
    book.save(tmp_path / "g.xlsx")
    assert import_gazetteer(tmp_path / "g.xlsx").created == 2
    bom = tmp_path / "bom.csv"
    bom.write_bytes(("\ufeff" + HEADER + "X0102,B市,city,X01,\n").encode("utf-8"))
    assert import_gazetteer(bom).created == 1
    assert Region.objects.get(code="X0101").name == "A市"


def test_it_fails_the_command_on_bad_rows(tmp_path):
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("regions", "import-gazetteer", str(write(tmp_path, "Y01,西地省,province,,\n")), stderr=err)
    assert "row 2" in err.getvalue()
    out = StringIO()
    call_command("regions", "import-gazetteer", stdout=out)
    assert "created 103" in out.getvalue()
