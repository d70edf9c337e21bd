"""The responsibility catalogue: history of changes, fallbacks up both trees, point-in-time lookups."""

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from liuyan.common.clock import frozen_at
from liuyan.common.errors import InvalidInput
from liuyan.orgs.catalogue import (
    CurrentCatalogue,
    catalogue_history,
    end_responsibility,
    import_catalogue,
    responsible_entry,
    responsible_unit,
    set_responsible_unit,
)
from liuyan.orgs.models import CatalogueEntry

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2025, 1, 1, 9, 0, tzinfo=dt.UTC)


def at(days: int) -> dt.datetime:
    return T0 + dt.timedelta(days=days)


def test_it_keeps_the_history_of_changes(world, django_user_model):
    admin = django_user_model.objects.create(username="admin")
    with frozen_at(at(0)):
        first = set_responsible_unit(world.leaf, world.city, world.city_unit, note="初始")
    with frozen_at(at(10)):
        second = set_responsible_unit(world.leaf, world.city, world.other_unit, by=admin, note="划转")
    first.refresh_from_db()
    assert (first.valid_from, first.valid_to, first.ended_by) == (at(0), at(10), admin)
    assert (second.valid_from, second.valid_to, second.changed_by, second.note) == (at(10), None, admin, "划转")
    assert list(catalogue_history(world.leaf, world.city)) == [second, first]
    assert responsible_unit(world.leaf, world.city) == world.other_unit


def test_it_does_nothing_when_the_unit_is_unchanged(world):
    first = set_responsible_unit(world.leaf, world.city, world.city_unit)
    again = set_responsible_unit(world.leaf, world.city, world.city_unit, note="重复")
    assert again == first
    assert CatalogueEntry.objects.count() == 1


def test_it_refuses_inactive_units(world):
    world.other_unit.is_active = False
    world.other_unit.save()
    with pytest.raises(InvalidInput):
        set_responsible_unit(world.leaf, world.city, world.other_unit)


def test_it_falls_back_to_the_parent_category(world):
    set_responsible_unit(world.sub, world.city, world.city_unit)
    assert responsible_unit(world.leaf, world.city) == world.city_unit
    set_responsible_unit(world.domain, world.district, world.district_unit)
    assert responsible_unit(world.leaf, world.district) == world.district_unit
    assert responsible_unit(world.domain, world.other_district) is None


def test_it_falls_back_to_the_parent_region(world):
    set_responsible_unit(world.leaf, world.province, world.province_unit)
    set_responsible_unit(world.sub, world.city, world.city_unit)
    # Region first: the city's entry for the parent category beats the province's for the exact category.
    assert responsible_unit(world.leaf, world.district) == world.city_unit
    assert responsible_unit(world.other_leaf, world.district) == world.city_unit
    entry = responsible_entry(world.leaf, world.district)
    assert entry is not None and (entry.category, entry.region) == (world.sub, world.city)
    set_responsible_unit(world.leaf, world.district, world.district_unit)
    assert responsible_unit(world.leaf, world.district) == world.district_unit
    assert responsible_unit(world.leaf, world.other_district) == world.city_unit


def test_it_reaches_the_country_root(world):
    set_responsible_unit(world.domain, world.china, world.province_unit)
    assert responsible_unit(world.other_leaf, world.other_district) == world.province_unit
    assert responsible_unit(None, world.city) is None
    assert responsible_unit(world.leaf, None) is None


def test_it_looks_up_the_unit_valid_at_a_past_time(world):
    with frozen_at(at(0)):
        set_responsible_unit(world.leaf, world.city, world.city_unit)
    with frozen_at(at(10)):
        set_responsible_unit(world.leaf, world.city, world.other_unit)
    with frozen_at(at(20)):
        end_responsibility(world.leaf, world.city)
    assert responsible_unit(world.leaf, world.city, at=at(-1)) is None
    assert responsible_unit(world.leaf, world.city, at=at(0)) == world.city_unit
    assert responsible_unit(world.leaf, world.city, at=at(9)) == world.city_unit
    assert responsible_unit(world.leaf, world.city, at=at(10)) == world.other_unit
    assert responsible_unit(world.leaf, world.city, at=at(25)) is None
    assert responsible_unit(world.leaf, world.city) is None


def test_it_falls_back_further_after_a_responsibility_ends(world, django_user_model):
    clerk = django_user_model.objects.create(username="clerk")
    set_responsible_unit(world.leaf, world.province, world.province_unit)
    set_responsible_unit(world.leaf, world.city, world.city_unit)
    ended = end_responsibility(world.leaf, world.city, by=clerk)
    assert ended is not None and ended.valid_to is not None and ended.ended_by == clerk
    assert end_responsibility(world.leaf, world.city) is None
    assert responsible_unit(world.leaf, world.district) == world.province_unit


def test_it_skips_inactive_units_in_current_lookups(world):
    set_responsible_unit(world.leaf, world.province, world.province_unit)
    set_responsible_unit(world.leaf, world.city, world.city_unit)
    world.city_unit.is_active = False
    world.city_unit.save()
    assert responsible_unit(world.leaf, world.city) == world.province_unit


def test_the_in_memory_catalogue_answers_like_the_database_lookup(world, django_assert_num_queries):
    set_responsible_unit(world.leaf, world.province, world.province_unit)
    set_responsible_unit(world.sub, world.city, world.city_unit)
    set_responsible_unit(world.domain, world.china, world.other_unit)
    set_responsible_unit(world.leaf, world.district, world.district_unit)
    world.district_unit.is_active = False
    world.district_unit.save()
    current = CurrentCatalogue()
    regions = [world.china, world.province, world.city, world.district, world.other_district]
    categories = [world.domain, world.sub, world.leaf, world.other_leaf]
    with django_assert_num_queries(0):
        answers = {(c.pk, r.pk): current.unit(c.pk, r.pk) for c in categories for r in regions}
    for c in categories:
        for r in regions:
            assert answers[(c.pk, r.pk)] == responsible_unit(c, r), (c.path, r.code)
    assert answers[(world.leaf.pk, world.district.pk)] == world.city_unit  # inactive district unit skipped


def test_it_needs_only_a_few_queries(world, django_assert_max_num_queries):
    set_responsible_unit(world.domain, world.province, world.province_unit)
    with django_assert_max_num_queries(2):
        assert responsible_unit(world.leaf, world.district) == world.province_unit


def test_it_allows_only_one_current_entry_per_category_and_region(world):
    CatalogueEntry.objects.create(category=world.leaf, region=world.city, unit=world.city_unit)
    with pytest.raises(IntegrityError), transaction.atomic():
        CatalogueEntry.objects.create(category=world.leaf, region=world.city, unit=world.other_unit)
    CatalogueEntry.objects.create(
        category=world.leaf, region=world.city, unit=world.other_unit, valid_from=at(0), valid_to=at(1)
    )  # closed entries may repeat
    assert CatalogueEntry.objects.filter(valid_to=None).count() == 1


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "catalogue.csv"
    path.write_text("category_path,region_code,unit_code\n" + body, encoding="utf-8")
    return path


def test_it_imports_a_catalogue_file(world, tmp_path):
    set_responsible_unit(world.leaf, world.city, world.other_unit)
    path = write(
        tmp_path,
        (
            "住房和城乡建设 / 市政公用事业 / 供水,X0101,A-ZJJ\n"
            "住房和城乡建设/市政公用事业,X01,XD-ZJT\n"
            "供暖,X010103,A3-ZJJ\n"
        ),
    )
    report = import_catalogue(path)
    assert report.ok, report.error_lines()
    assert (report.created, report.updated, report.skipped) == (2, 1, 0)
    assert responsible_unit(world.leaf, world.city) == world.city_unit
    assert responsible_unit(world.other_leaf, world.district) == world.district_unit
    assert import_catalogue(path).skipped == 3
    assert catalogue_history(world.leaf, world.city).count() == 2


def test_it_refuses_a_catalogue_file_with_bad_rows(world, tmp_path):
    world.other_unit.is_active = False
    world.other_unit.save()
    path = write(
        tmp_path,
        (
            "住房和城乡建设 / 市政公用事业 / 供水,X0101,A-ZJJ\n"  # 2 good
            "住房和城乡建设 / 没有,X0101,A-ZJJ\n"  # 3 unknown category
            "住房和城乡建设,X99,A-ZJJ\n"  # 4 unknown region
            "住房和城乡建设,X01,NOPE\n"  # 5 unknown unit
            "住房和城乡建设,X01,A-GS\n"  # 6 inactive unit
            "住房和城乡建设/市政公用事业/供水,X0101,XD-ZJT\n"  # 7 repeats row 2
        ),
    )
    report = import_catalogue(path)
    assert [e.row for e in report.errors] == [3, 4, 5, 6, 7]
    assert "row 2" in report.errors[-1].en
    assert not CatalogueEntry.objects.exists()


def test_it_runs_the_catalogue_command(world, tmp_path):
    out, err = StringIO(), StringIO()
    call_command("catalogue", "import", str(write(tmp_path, "供水,X0101,A-ZJJ\n")), stdout=out)
    assert "created 1" in out.getvalue()
    call_command("catalogue", "lookup", "供水", "X010103", stdout=out)
    assert "A-ZJJ" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("catalogue", "import", str(write(tmp_path, "供水,X0101,NOPE\n")), stderr=err)
    assert "row 2" in err.getvalue()


def test_it_does_not_move_time_backwards(world):
    with frozen_at(at(10)):
        set_responsible_unit(world.leaf, world.city, world.city_unit)
    with frozen_at(at(5)), pytest.raises(InvalidInput):
        set_responsible_unit(world.leaf, world.city, world.other_unit)
    assert timezone.is_aware(CatalogueEntry.objects.get().valid_from)
