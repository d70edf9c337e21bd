"""Administrative divisions (GB/T 2260) and custom gazetteer entries such as the de-identified 西地省 / A市."""

from typing import Any

from django.db import models


class RegionLevel(models.IntegerChoices):
    COUNTRY = 0, "国家 country"
    PROVINCE = 1, "省级 province"
    CITY = 2, "地级 city"
    COUNTY = 3, "县级 county"
    TOWN = 4, "乡级 town"


class Region(models.Model):
    """One division. Real ones carry their GB/T 2260 code; custom gazetteer entries get a `X`-prefixed code."""

    code = models.CharField(max_length=12, unique=True)
    name = models.CharField(max_length=60, db_index=True)
    level = models.PositiveSmallIntegerField(choices=RegionLevel.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    is_custom = models.BooleanField(default=False, help_text="Gazetteer entry, not a GB/T 2260 division")
    aliases = models.JSONField(default=list, blank=True, help_text="Other names, e.g. short forms 广东 / 粤")
    path = models.CharField(
        max_length=80,
        db_index=True,
        editable=False,
        help_text="Codes from the root joined by '/', ending in '/': subtree = path prefix",
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.path = (self.parent.path if self.parent else "") + self.code + "/"
        super().save(*args, **kwargs)

    def ancestors(self) -> list["Region"]:
        """This region and every region above it, nearest first."""
        chain: list[Region] = []
        node: Region | None = self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain

    def full_name(self) -> str:
        return "".join(r.name for r in reversed(self.ancestors()))
