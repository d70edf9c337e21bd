"""Admin screens: the catalogue is read-only history, and adding an entry goes through set_responsible_unit."""

import pytest
from django.urls import reverse

from liuyan.orgs.catalogue import responsible_unit, set_responsible_unit
from liuyan.orgs.models import CatalogueEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """Render admin pages without a collectstatic manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def test_it_lists_every_reference_screen(world, admin_client):
    set_responsible_unit(world.leaf, world.city, world.city_unit)
    for model in ("geo/region", "taxonomy/category", "orgs/unit", "orgs/board", "orgs/catalogueentry"):
        response = admin_client.get(f"/admin/{model}/")
        assert response.status_code == 200, model
    assert admin_client.get("/admin/geo/region/?q=A3").status_code == 200
    assert admin_client.get("/admin/orgs/catalogueentry/?current=yes").status_code == 200
    assert admin_client.get(reverse("admin:orgs_unit_change", args=[world.city_unit.pk])).status_code == 200
    assert admin_client.get(reverse("admin:orgs_catalogueentry_add")).status_code == 200


def test_it_adds_catalogue_entries_through_set_responsible_unit(world, admin_client, admin_user):
    first = set_responsible_unit(world.leaf, world.city, world.city_unit)
    response = admin_client.post(
        reverse("admin:orgs_catalogueentry_add"),
        {
            "category_choice": world.leaf.pk,
            "region_choice": world.city.pk,
            "unit_choice": world.other_unit.pk,
            "note": "职能划转",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    first.refresh_from_db()
    assert first.valid_to is not None and first.ended_by == admin_user
    current = CatalogueEntry.objects.get(valid_to=None)
    assert (current.unit, current.changed_by, current.note) == (world.other_unit, admin_user, "职能划转")
    assert responsible_unit(world.leaf, world.city) == world.other_unit


def test_it_refuses_to_add_the_unit_that_is_already_responsible(world, admin_client):
    set_responsible_unit(world.leaf, world.city, world.city_unit)
    response = admin_client.post(
        reverse("admin:orgs_catalogueentry_add"),
        {"category_choice": world.leaf.pk, "region_choice": world.city.pk, "unit_choice": world.city_unit.pk},
    )
    assert response.status_code == 200
    assert CatalogueEntry.objects.count() == 1


def test_it_never_edits_or_deletes_an_entry_in_place(world, admin_client):
    entry = set_responsible_unit(world.leaf, world.city, world.city_unit)
    url = reverse("admin:orgs_catalogueentry_change", args=[entry.pk])
    assert admin_client.get(url).status_code == 200  # view only
    response = admin_client.post(url, {"unit": world.other_unit.pk, "note": "x"})
    assert response.status_code == 403
    assert admin_client.post(reverse("admin:orgs_catalogueentry_delete", args=[entry.pk])).status_code == 403
    entry.refresh_from_db()
    assert (entry.unit, entry.note, entry.valid_to) == (world.city_unit, "", None)


def test_it_ends_responsibilities_with_an_admin_action(world, admin_client, admin_user):
    entry = set_responsible_unit(world.leaf, world.city, world.city_unit)
    response = admin_client.post(
        reverse("admin:orgs_catalogueentry_changelist"), {"action": "end_selected", "_selected_action": [entry.pk]}
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.valid_to is not None and entry.ended_by == admin_user


def test_it_keeps_category_paths_right_when_edited_in_the_admin(world, admin_client):
    response = admin_client.post(
        reverse("admin:taxonomy_category_change", args=[world.sub.pk]),
        {"name": "公用事业", "parent": world.domain.pk, "is_active": "on"},
    )
    assert response.status_code == 302
    world.leaf.refresh_from_db()
    assert world.leaf.path == "住房和城乡建设 / 公用事业 / 供水"
    response = admin_client.post(
        reverse("admin:taxonomy_category_add"), {"name": "供电", "parent": world.sub.pk, "is_active": "on"}
    )
    assert response.status_code == 302
    assert world.sub.children.get(name="供电").path == "住房和城乡建设 / 公用事业 / 供电"


def test_it_moves_a_region_subtree_in_the_admin(world, admin_client):
    response = admin_client.post(
        reverse("admin:geo_region_change", args=[world.city.pk]),
        {"code": "X0101", "name": "A市", "level": 2, "parent": world.china.pk, "is_custom": "on", "aliases": "[]"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    world.district.refresh_from_db()
    assert world.district.path == "000000/X0101/X010103/"
    response = admin_client.post(
        reverse("admin:geo_region_change", args=[world.city.pk]),
        {"code": "X0101", "name": "A市", "level": 2, "parent": world.district.pk, "is_custom": "on", "aliases": "[]"},
    )
    assert response.status_code == 200  # a region cannot move below itself
