"""Handling units (办理单位), boards (留言对象) and the responsibility catalogue (派单目录)."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Unit(models.Model):
    """A handling department, in a tree such as 省住建厅 → 市住建局 → 区住建局."""

    name = models.CharField(max_length=100)
    code = models.CharField(max_length=40, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    region = models.ForeignKey(
        "geo.Region", on_delete=models.PROTECT, related_name="units", help_text="Jurisdiction 管辖地区"
    )
    responsibilities = models.ManyToManyField(
        "taxonomy.Category", blank=True, related_name="units", help_text="Responsibility list 权责清单"
    )
    responsibility_notes = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def ancestor_ids(self) -> list[int]:
        ids: list[int] = []
        node: Unit | None = self
        while node is not None:
            ids.append(node.pk)
            node = node.parent
        return ids

    def descendant_ids(self) -> list[int]:
        """This unit and every unit below it (one query per level)."""
        ids = [self.pk]
        frontier = [self.pk]
        while frontier:
            frontier = list(Unit.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
            ids.extend(frontier)
        return ids


class BoardLevel(models.TextChoices):
    NATIONAL = "national", "国家部委 national"
    PROVINCE = "province", "省级 province"
    CITY = "city", "市级 city"
    COUNTY = "county", "县级 county"


class BoardKind(models.TextChoices):
    LEADER = "leader", "领导 leader post"
    INSTITUTION = "institution", "机构 institution"


class Board(models.Model):
    """Who a message is addressed to: a leader post (某市市长) or an institution (a ministry)."""

    name = models.CharField(max_length=100)
    code = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=16, choices=BoardKind.choices, default=BoardKind.LEADER)
    level = models.CharField(max_length=16, choices=BoardLevel.choices)
    region = models.ForeignKey("geo.Region", on_delete=models.PROTECT, related_name="boards")
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="boards",
        help_text="The office behind the board, if any",
    )
    is_active = models.BooleanField(default=True)
    platform_reviews_replies = models.BooleanField(
        default=False, help_text="Replies approved by the unit head also need platform review before publishing"
    )
    auto_dispatch = models.BooleanField(default=False, help_text="自动交办: dispatch confident messages by itself")
    auto_dispatch_threshold = models.FloatField(
        null=True,
        blank=True,
        help_text=(
            "自动交办置信度阈值；留空则用模型在验证集上为目标准确率选定的阈值 / confidence needed to dispatch by "
            "itself; blank: the threshold the model chose on validation data for the target precision"
        ),
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class CatalogueEntry(models.Model):
    """One line of the responsibility catalogue: category × region → unit, valid over a time span.

    Entries are never edited in place: a change closes the current entry (valid_to) and opens a new one, so the
    catalogue's history is the table itself.
    """

    category = models.ForeignKey("taxonomy.Category", on_delete=models.PROTECT, related_name="catalogue")
    region = models.ForeignKey("geo.Region", on_delete=models.PROTECT, related_name="catalogue")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="catalogue")
    valid_from = models.DateTimeField(default=timezone.now)
    valid_to = models.DateTimeField(null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who closed this entry (set with valid_to)",
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name_plural = "catalogue entries"
        ordering = ["category_id", "region_id", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "region"], condition=models.Q(valid_to=None), name="one_current_catalogue_entry"
            ),
        ]
        indexes = [models.Index(fields=["category", "region", "valid_from"], name="catalogue_history_idx")]

    def __str__(self) -> str:
        return f"{self.category} × {self.region} → {self.unit}"

    @property
    def is_current(self) -> bool:
        return self.valid_to is None


class ReplyTemplate(models.Model):
    """A reusable reply text (答复模板) for a unit's reply editor; without a unit it is offered to every unit."""

    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="reply_templates", help_text="Empty: all"
    )
    title = models.CharField("标题 title", max_length=80)
    body = models.TextField("内容 body")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title
