"""find_category: a category by path (`城乡建设 / 安全生产`) or by an unambiguous name."""

from .models import Category


def find_category(name_or_path: str) -> Category | None:
    """See CategoryManager.find_category."""
    return Category.objects.find_category(name_or_path)
