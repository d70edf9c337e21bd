"""The multi-level category (领域) taxonomy messages are classified into."""

from django.db import models


class Category(models.Model):
    """A node of the taxonomy: 一级 (domain) → 二级 → 三级."""

    name = models.CharField(max_length=60)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    level = models.PositiveSmallIntegerField(default=1)
    path = models.CharField(max_length=255, unique=True, help_text="Names from the root joined by ' / '")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["path"]
        verbose_name_plural = "categories"
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="category_unique_name_per_parent")]

    def __str__(self) -> str:
        return self.path

    def root(self) -> "Category":
        node = self
        while node.parent is not None:
            node = node.parent
        return node
