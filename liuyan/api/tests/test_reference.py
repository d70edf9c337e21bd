"""Reference data: regions, categories, units, boards and the responsibility catalogue, open to everybody."""

from typing import Any

from liuyan.api.tests.conftest import err
from liuyan.orgs.catalogue import set_responsible_unit
from liuyan.orgs.models import Unit


def codes(response: Any, key: str = "code") -> list[Any]:
    assert response.status_code == 200, response.json()
    return [item[key] for item in response.json()["items"]]


def test_it_lists_regions_with_filters_and_paging(world, anon):
    assert codes(anon.get("regions")) == ["X01", "X0101", "X010101", "X0102"]
    assert codes(anon.get("regions", {"parent": "X01"})) == ["X0101", "X0102"]
    assert codes(anon.get("regions", {"level": 3})) == ["X010101"]
    assert codes(anon.get("regions", {"q": "A1"})) == ["X010101"]
    page = anon.get("regions", {"limit": 2, "offset": 2}).json()
    assert page["count"] == 4 and [r["code"] for r in page["items"]] == ["X010101", "X0102"]
    assert err(anon.get("regions", {"parent": "NOPE"}))["code"] == "invalid_region"


def test_it_shows_a_region_with_its_ancestors_and_children(world, anon):
    body = anon.get("regions/X010101").json()
    assert body["full_name"] == "西地省A市A1区"
    assert [r["code"] for r in body["ancestors"]] == ["X01", "X0101"]
    assert body["parent"] == "X0101" and body["children"] == []
    assert [r["code"] for r in anon.get("regions/X01").json()["children"]] == ["X0101", "X0102"]
    r = anon.get("regions/X999")
    assert r.status_code == 404 and err(r)["code"] == "region_not_found"


def test_it_lists_categories(world, anon):
    top = anon.get("categories", {"level": 1}).json()["items"]
    assert {c["name"] for c in top} == {"城乡建设", "环境保护", "交通运输"}
    children = anon.get("categories", {"parent": world.housing.parent_id}).json()["items"]
    assert {c["path"] for c in children} == {"城乡建设 / 住房保障", "城乡建设 / 物业管理"}
    assert codes(anon.get("categories", {"q": "噪音"}), "id") == [world.noise.pk]
    assert err(anon.get("categories", {"parent": 99999}))["code"] == "invalid_category"


def test_it_lists_units(world, anon):
    assert codes(anon.get("units", {"region": "X0101"})) == ["A-HBJ", "A-ZJJ", "A1-ZJJ"]
    assert codes(anon.get("units", {"parent": "XD-ZJT"})) == ["A-ZJJ", "B-ZJJ"]
    assert codes(anon.get("units", {"q": "生态"})) == ["A-HBJ"]
    Unit.objects.filter(code="A-HBJ").update(is_active=False)
    assert codes(anon.get("units", {"region": "X0101", "active": "true"})) == ["A-ZJJ", "A1-ZJJ"]
    assert err(anon.get("units", {"parent": "NOPE"}))["code"] == "invalid_unit"


def test_it_lists_boards(world, anon):
    assert codes(anon.get("boards")) == ["A-SZ", "B-SZ", "XD-SW"]
    assert codes(anon.get("boards", {"level": "city"})) == ["A-SZ", "B-SZ"]
    assert codes(anon.get("boards", {"region": "X0102"})) == ["B-SZ"]
    item = anon.get("boards", {"region": "X0101"}).json()["items"][0]
    assert item == {
        "code": "A-SZ",
        "name": "A市市长",
        "kind": "leader",
        "level": "city",
        "region": {"code": "X0101", "name": "A市", "level": 2},
        "is_active": True,
    }


def test_it_looks_up_the_responsible_unit_with_fallbacks(world, anon):
    set_responsible_unit(world.housing.parent, world.city_a, world.a_housing)
    body = anon.get("catalogue", {"category": str(world.housing.pk), "region": "X010101"}).json()
    assert body["unit"] == {"code": "A-ZJJ", "name": "A市住房和城乡建设局"}
    assert body["matched_category"]["path"] == "城乡建设"
    assert body["matched_region"]["code"] == "X0101"
    by_path = anon.get("catalogue", {"category": "城乡建设 / 住房保障", "region": "X0101"}).json()
    assert by_path["unit"]["code"] == "A-ZJJ"
    nobody = anon.get("catalogue", {"category": str(world.traffic.pk), "region": "X0102"}).json()
    assert nobody["unit"] is None and nobody["matched_category"] is None


def test_it_refuses_a_catalogue_lookup_with_unknown_references(world, anon):
    assert err(anon.get("catalogue", {"category": "不存在", "region": "X01"}))["code"] == "invalid_category"
    assert err(anon.get("catalogue", {"category": str(world.traffic.pk), "region": "NOPE"}))["code"] == (
        "invalid_region"
    )
    assert anon.get("catalogue", {"region": "X01"}).status_code == 422
