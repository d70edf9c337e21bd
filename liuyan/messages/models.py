"""Messages (留言) and everything that hangs off them: events, assignments, requests, replies, ratings."""

from collections.abc import Collection
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from liuyan.accounts.models import Role
from liuyan.messages.states import HANDLING_STATES, PUBLIC_STATUS, State

TITLE_MAX = 100
BODY_MAX = 10_000


class MessageType(models.TextChoices):
    COMPLAINT = "complaint", "投诉 Complaint"
    HELP = "help", "求助 Request for help"
    INQUIRY = "inquiry", "咨询 Inquiry"
    SUGGESTION = "suggestion", "建言 Suggestion"
    THANKS = "thanks", "感谢 Thanks"


class Source(models.TextChoices):
    WEB = "web", "网站 Web"
    API = "api", "接口 API"
    PHONE = "phone", "电话/代录 Phone or walk-in"
    IMPORT = "import", "导入 Import"
    DEMO = "demo", "演示 Demo"


class RejectReason(models.TextChoices):
    OUT_OF_SCOPE = "out_of_scope", "不属于受理范围 Out of scope"
    LEGAL_PROCESS = "legal_process", "已进入诉讼/仲裁/行政复议/信访程序 In a legal process"
    DUPLICATE = "duplicate", "重复留言 Duplicate"
    BAD_CONTACT = "bad_contact", "联系方式缺失或虚假 Missing or false contact"
    PROHIBITED = "prohibited", "含禁止内容 Prohibited content"


class ReturnBasis(models.TextChoices):
    FUNCTION = "function", "职能不符 Not our function"
    TERRITORY = "territory", "属地不符 Not our territory"
    OWNERSHIP = "ownership", "权属不清 Ownership unclear"


class WarningLight(models.TextChoices):
    NONE = "", "正常 None"
    YELLOW = "yellow", "黄灯 Due soon"
    RED = "red", "红灯 Overdue"


class SupervisionLevel(models.TextChoices):
    NONE = "", "无 None"
    GENERAL = "general", "一般督办 General"
    KEY = "key", "重点督办 Key"
    ESCALATED = "escalated", "提级督办 Escalated"


class ReviewStage(models.TextChoices):
    NONE = "", "—"
    UNIT = "unit", "单位审核 Unit head"
    PLATFORM = "platform", "平台审核 Platform"


# Whose turn it is at each stage of reply review.
REVIEWER_OF_STAGE: dict[str, str] = {ReviewStage.UNIT: Role.UNIT_HEAD, ReviewStage.PLATFORM: Role.REVIEWER}


class Message(models.Model):
    """A citizen's message and its current lifecycle position. Only `liuyan.messages.actions` changes `state`."""

    number = models.CharField("编号 number", max_length=20, unique=True)
    external_id = models.CharField(
        max_length=64, unique=True, null=True, blank=True, help_text="Id in the source system, for idempotent imports"
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WEB)

    type = models.CharField(max_length=12, choices=MessageType.choices, db_index=True)
    # The foreign keys of region, board and unit, and state, have no index of their own: each leads a composite
    # below, which serves the same lookups (one index fewer to write per message and to build after a national
    # load). Category keeps its own: PostgreSQL's bitmap scan of a subtree's ids through it is what keeps the list
    # filtered by a category under 100 ms (100,000 messages, p95: 92–102 ms with it, 124–149 ms without).
    category = models.ForeignKey(
        "taxonomy.Category", null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    region = models.ForeignKey(
        "geo.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
        help_text="Where the problem is",
        db_index=False,
    )
    board = models.ForeignKey("orgs.Board", on_delete=models.PROTECT, related_name="messages", db_index=False)
    title = models.CharField(max_length=TITLE_MAX)
    body = models.TextField()
    public_title = models.CharField(max_length=TITLE_MAX, blank=True, help_text="Masked title shown publicly")
    public_body = models.TextField(blank=True, help_text="Masked body shown publicly")
    is_public = models.BooleanField(default=True, help_text="False: confidential 保密")
    is_urgent = models.BooleanField(default=False)

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    nickname = models.CharField(max_length=40, blank=True)
    contact_name = models.CharField(max_length=40, blank=True)
    contact_phone = models.CharField(max_length=20, blank=True)
    contact_email = models.EmailField(blank=True)
    query_code_hash = models.CharField(max_length=128, blank=True)

    state = models.CharField(max_length=20, choices=State.choices, default=State.SUBMITTED)
    version = models.PositiveIntegerField(default=0, help_text="Bumped by every action: compare-and-set guard")
    resume_state = models.CharField(max_length=20, blank=True, help_text="Where a pending return goes back to")
    review_stage = models.CharField(max_length=10, choices=ReviewStage.choices, blank=True, default="")
    unit = models.ForeignKey(
        "orgs.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
        help_text="Main handling unit 主办单位",
        db_index=False,
    )
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates")
    reject_reason = models.CharField(max_length=20, choices=RejectReason.choices, blank=True)

    submitted_at = models.DateTimeField(default=timezone.now, db_index=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    sign_due_at = models.DateTimeField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    contact_due_at = models.DateTimeField(null=True, blank=True)
    contacted_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    signed_on_time = models.BooleanField(null=True, blank=True)
    contacted_on_time = models.BooleanField(null=True, blank=True)
    replied_on_time = models.BooleanField(null=True, blank=True)

    warning = models.CharField(max_length=8, choices=WarningLight.choices, blank=True, default="")
    is_overdue = models.BooleanField(default=False)
    sla_stage = models.PositiveSmallIntegerField(default=0, help_text="Rungs of the deadline ladder passed")
    urge_count = models.PositiveIntegerField(default=0)
    supervision_level = models.CharField(max_length=10, choices=SupervisionLevel.choices, blank=True, default="")
    is_key = models.BooleanField(default=False, help_text="重点留言")
    key_reason = models.CharField(max_length=200, blank=True)
    is_problem_case = models.BooleanField(default=False, help_text="问题工单: reopened too many times")

    reopen_count = models.PositiveSmallIntegerField(default=0)
    follow_up_count = models.PositiveSmallIntegerField(default=0)
    transfer_count = models.PositiveSmallIntegerField(default=0)
    return_count = models.PositiveSmallIntegerField(default=0)
    extension_count = models.PositiveSmallIntegerField(default=0)
    supports = models.PositiveIntegerField(default=0)
    opposes = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [
            # Staff look callers up by their exact phone number (liuyan.search.search_filter).
            models.Index(fields=["contact_phone"], name="message_contact_phone_idx"),
            models.Index(fields=["state", "due_at"]),
            models.Index(fields=["unit", "state"]),
            models.Index(fields=["is_public", "state", "-submitted_at"]),
            # List filters (board, region, category): the newest first within one value, and is_public + state in
            # the index so that counting the public messages of a filter reads the index alone, not a row per
            # message (at a million messages: board X01-SW 358 → 66 ms on SQLite; see README, Benchmarks).
            models.Index(fields=["board", "-submitted_at", "is_public", "state"], name="msg_board_time_public"),
            models.Index(fields=["region", "-submitted_at", "is_public", "state"], name="msg_region_time_public"),
            models.Index(fields=["category", "-submitted_at", "is_public", "state"], name="msg_category_time_public"),
            # The latest replies (the home page): a walk down replied_at, small because unreplied rows are left out.
            models.Index(
                fields=["-replied_at", "-id"], condition=models.Q(replied_at__isnull=False), name="msg_latest_replied"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(state__in=sorted(HANDLING_STATES)) | models.Q(unit__isnull=False),
                name="handled_messages_have_a_unit",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="merged") | models.Q(duplicate_of__isnull=False),
                name="merged_messages_point_to_primary",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    # The row as it was read (attribute name → value), for the rollups' "before" of the next action: the
    # in-memory copy may be changed before the action commits, the row cannot be without its `version` moving.
    loaded: dict[str, Any] | None = None

    @classmethod
    def from_db(cls, db: str | None, field_names: Collection[str], values: Collection[Any], **kwargs: Any) -> "Message":
        instance = super().from_db(db, field_names, values, **kwargs)
        instance.loaded = dict(zip(field_names, values, strict=True))
        return instance

    @property
    def public_status(self) -> str:
        return PUBLIC_STATUS[self.state]

    def clean(self) -> None:
        errors = validate_text(self.title, self.body)
        if errors:
            raise ValidationError(errors)


def validate_text(title: str, body: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not title or not title.strip():
        errors["title"] = "标题不能为空 / the title is empty"
    elif len(title) > TITLE_MAX:
        errors["title"] = f"标题不能超过{TITLE_MAX}字 / the title is longer than {TITLE_MAX} characters"
    if not body or not body.strip():
        errors["body"] = "内容不能为空 / the body is empty"
    elif len(body) > BODY_MAX:
        errors["body"] = f"内容不能超过{BODY_MAX}字 / the body is longer than {BODY_MAX} characters"
    return errors


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="attachments/%Y/%m/")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class Event(models.Model):
    """Append-only audit record of one action on one message.

    The log is read message by message (its timeline), so its one index is (message, at), which also serves the
    foreign key; indexes on `action` or `at` alone would be written by every action and the national load (tens
    of millions of rows) for no query. `actor` keeps its index: deleting a user checks it (PROTECT)."""

    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="events", db_index=False)
    action = models.CharField(max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_role = models.CharField(max_length=16)
    at = models.DateTimeField()
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["message", "at"])]

    def __str__(self) -> str:
        return f"{self.message_id} {self.action} {self.from_state}→{self.to_state}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("events are append-only")


class AssignmentRole(models.TextChoices):
    MAIN = "main", "主办 Main"
    CO = "co", "协办 Co-handling"


class Assignment(models.Model):
    """A unit's hold on a message: the main unit, or a co-handling unit. Inactive rows are history."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField(max_length=4, choices=AssignmentRole.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["unit", "is_active"]),
            # A unit's current co-handling (协办) messages: a handful among the many it has held as main unit.
            models.Index(fields=["unit"], condition=models.Q(is_active=True, role="co"), name="active_cohandling_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "unit"], condition=models.Q(is_active=True), name="one_active_assignment_per_unit"
            ),
            models.UniqueConstraint(
                fields=["message"], condition=models.Q(is_active=True, role="main"), name="one_active_main_unit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} → {self.unit_id} ({self.role})"


class RequestKind(models.TextChoices):
    RETURN = "return", "退回 Return"
    TRANSFER = "transfer", "转办 Transfer"
    EXTENSION = "extension", "延期 Extension"
    COHANDLING = "cohandling", "协办 Co-handling"


class RequestStatus(models.TextChoices):
    PENDING = "pending", "待审批 Pending"
    APPROVED = "approved", "已同意 Approved"
    REFUSED = "refused", "未同意 Refused"


class HandlingRequest(models.Model):
    """A unit's request that the platform must decide: return, transfer, extension, co-handling."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="requests")
    kind = models.CharField(max_length=12, choices=RequestKind.choices)
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    reason = models.TextField()
    basis = models.CharField(max_length=12, choices=ReturnBasis.choices, blank=True)
    target_units = models.ManyToManyField("orgs.Unit", blank=True, related_name="+")
    requested_due_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "kind"], condition=models.Q(status="pending"), name="one_pending_request_per_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.status}"


class ReplyKind(models.TextChoices):
    UNIT = "unit", "单位答复 Unit reply"
    DIRECT = "direct", "直接答复 Direct answer"
    GROUP = "group", "合并答复 Group reply"
    IMPORTED = "imported", "导入 Imported"


class ReplyStatus(models.TextChoices):
    IN_REVIEW = "in_review", "审核中 In review"
    SENT_BACK = "sent_back", "已退回 Sent back"
    PUBLISHED = "published", "已发布 Published"


class Reply(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="replies")
    kind = models.CharField(max_length=10, choices=ReplyKind.choices, default=ReplyKind.UNIT)
    body = models.TextField()
    regulations = models.JSONField(default=list, blank=True, help_text="Cited laws and regulations")
    unit = models.ForeignKey("orgs.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="replies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_reply = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=ReplyStatus.choices, default=ReplyStatus.IN_REVIEW)
    round = models.PositiveSmallIntegerField(default=0, help_text="Handling round (0, then 1.. after reopening)")
    created_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "replies"

    def __str__(self) -> str:
        return f"reply to {self.message_id} ({self.status})"


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意 Satisfied"
    BASIC = "basic", "基本满意 Basically satisfied"
    UNSATISFIED = "unsatisfied", "不满意 Unsatisfied"


class Rating(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="ratings")
    satisfaction = models.CharField(max_length=12, choices=Satisfaction.choices)
    resolved = models.BooleanField(null=True, blank=True, help_text="已解决 / 未解决; empty if not answered")
    reason = models.TextField(blank=True)
    round = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.message_id} {self.satisfaction}"


class ContactChannel(models.TextChoices):
    PHONE = "phone", "电话 Phone"
    VISIT = "visit", "上门走访 Visit"
    SMS = "sms", "短信 SMS"
    MEETING = "meeting", "约见面谈 Meeting"


class ContactLog(models.Model):
    """A handler's record of contacting the citizen (phone call, visit, SMS)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="contacts")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=20, choices=ContactChannel.choices, default=ContactChannel.PHONE)
    summary = models.TextField()
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.message_id} {self.channel}"


class Note(models.Model):
    """An internal note, visible to staff only."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="notes")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    at = models.DateTimeField()

    def __str__(self) -> str:
        return self.body[:40]
