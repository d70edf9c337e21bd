"""find_category by path or by an unambiguous name, and keeping paths right when the tree is edited."""

import pytest

from liuyan.taxonomy.importer import load_default_taxonomy
from liuyan.taxonomy.lookup import find_category
from liuyan.taxonomy.models import Category
from liuyan.taxonomy.tree import save_category

pytestmark = pytest.mark.django_db


def path_of(name_or_path: str) -> str | None:
    category = find_category(name_or_path)
    return category.path if category is not None else None


@pytest.fixture
def taxonomy() -> None:
    load_default_taxonomy()


def test_it_finds_by_path_in_any_spelling(taxonomy):
    expected = Category.objects.get(path="住房和城乡建设 / 市政公用事业 / 供水")
    assert find_category("住房和城乡建设 / 市政公用事业 / 供水") == expected
    assert find_category("住房和城乡建设/市政公用事业/供水") == expected
    assert Category.objects.find_category(" 住房和城乡建设 ／市政公用事业/ 供水 ") == expected
    assert find_category("住房和城乡建设 / 没有") is None


def test_it_finds_by_an_unambiguous_name(taxonomy):
    assert path_of("供暖") == "住房和城乡建设 / 市政公用事业 / 供暖"
    assert path_of("教育") == "教育"
    assert path_of("其他") == "其他"  # the first-level one wins over deeper 其他
    assert find_category("安全隐患") is not None


def test_it_returns_none_for_ambiguous_names_unless_only_one_is_active():
    root_a = Category.objects.create(name="甲", path="甲")
    root_b = Category.objects.create(name="乙", path="乙")
    Category.objects.create(name="其它", parent=root_a, level=2, path="甲 / 其它")
    other = Category.objects.create(name="其它", parent=root_b, level=2, path="乙 / 其它")
    assert find_category("其它") is None
    Category.objects.filter(pk=other.pk).update(is_active=False)
    assert path_of("其它") == "甲 / 其它"
    assert find_category("") is None


def test_it_moves_and_renames_subtrees_consistently(taxonomy):
    water = Category.objects.get(path="住房和城乡建设 / 市政公用事业")
    water.name = "公用事业"
    water.parent = Category.objects.get(path="发展改革")
    save_category(water)
    heating = Category.objects.get(name="供暖")
    assert heating.path == "发展改革 / 公用事业 / 供暖"
    assert heating.level == 3
    assert [c.name for c in heating.ancestors()] == ["供暖", "公用事业", "发展改革"]
