"""The multi-level category (领域) taxonomy messages are classified into."""

from django.db import models

PATH_SEPARATOR = " / "


def normalize_path(name_or_path: str) -> str:
    """`城乡建设/安全生产 /安全隐患` → `城乡建设 / 安全生产 / 安全隐患` (also accepts the full-width ／)."""
    parts = [" ".join(p.replace("\u3000", " ").split()) for p in name_or_path.replace("／", "/").split("/")]
    return PATH_SEPARATOR.join(p for p in parts if p)


class CategoryManager(models.Manager["Category"]):
    def find_category(self, name_or_path: str) -> "Category | None":
        """By full path (`城乡建设 / 安全生产`) or by a bare name when it is unambiguous; None otherwise.

        A bare name first matches a first-level category of that name; otherwise the only category with that name,
        or the only active one among several; when still ambiguous (三级 `其他` exists everywhere) it is None.
        """
        path = normalize_path(name_or_path)
        if not path:
            return None
        exact = self.filter(path=path).first()
        if exact is not None or PATH_SEPARATOR in path:
            return exact
        matches = list(self.filter(name=path)[:50])
        if len(matches) > 1:
            matches = [c for c in matches if c.is_active]
        return matches[0] if len(matches) == 1 else None


class Category(models.Model):
    """A node of the taxonomy: 一级 (domain) → 二级 → 三级."""

    name = models.CharField(max_length=60)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    level = models.PositiveSmallIntegerField(default=1)
    path = models.CharField(max_length=255, unique=True, help_text="Names from the root joined by ' / '")
    is_active = models.BooleanField(default=True)

    objects = CategoryManager()

    class Meta:
        ordering = ["path"]
        verbose_name_plural = "categories"
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="category_unique_name_per_parent")]

    def __str__(self) -> str:
        return self.path

    def ancestors(self) -> list["Category"]:
        """This category and every category above it, nearest first."""
        chain: list[Category] = []
        node: Category | None = self
        while node is not None and node not in chain:
            chain.append(node)
            node = node.parent
        return chain

    def root(self) -> "Category":
        node = self
        while node.parent is not None:
            node = node.parent
        return node
