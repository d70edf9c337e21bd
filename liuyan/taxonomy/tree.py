"""Keeps Category.path and level consistent with parent links when a category is renamed or moved."""

from django.db import transaction

from .models import PATH_SEPARATOR, Category


def expected_path(name: str, parent: Category | None) -> str:
    return (parent.path + PATH_SEPARATOR if parent is not None else "") + name


def save_category(category: Category) -> None:
    """Save with path and level computed from the parent; descendants follow a rename or a move."""
    old_path = None
    if category.pk is not None:
        old_path = Category.objects.filter(pk=category.pk).values_list("path", flat=True).first()
    category.path = expected_path(category.name, category.parent)
    category.level = category.parent.level + 1 if category.parent is not None else 1
    with transaction.atomic():
        category.save()
        if old_path and old_path != category.path:
            prefix = old_path + PATH_SEPARATOR
            below = list(Category.objects.filter(path__startswith=prefix))
            for node in below:
                node.path = category.path + PATH_SEPARATOR + node.path[len(prefix) :]
                node.level = node.path.count(PATH_SEPARATOR) + 1
            Category.objects.bulk_update(below, ["path", "level"], batch_size=500)
