"""Typed request and response bodies of the API (pydantic models via django-ninja)."""

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field

# ---------------------------------------------------------------------------------------------------------------
# Shared pieces


class In(Schema):
    """Base of JSON request bodies: unknown fields are an error (a typo must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid")


class ChoiceOut(Schema):
    value: str
    zh: str
    en: str


class RegionRef(Schema):
    code: str
    name: str
    level: int


class CategoryRef(Schema):
    id: int
    name: str
    path: str


class UnitRef(Schema):
    code: str
    name: str


class BoardRef(Schema):
    code: str
    name: str
    level: str


class PageMeta(Schema):
    count: int = Field(description="Total number of matching items")
    limit: int
    offset: int


class OkOut(Schema):
    ok: bool = True


# ---------------------------------------------------------------------------------------------------------------
# Accounts


class TokenIn(In):
    login: str = Field(description="Username, phone number or e-mail address")
    password: str
    name: str = Field(default="api", max_length=80, description="A label for the token, e.g. the client's name")


class RegisterIn(In):
    phone: str = Field(default="", description="Mainland mobile number (11 digits); phone or e-mail is required")
    email: str = ""
    password: str
    nickname: str = Field(default="", max_length=40, description="Shown publicly instead of the real name")


class MeOut(Schema):
    id: int
    username: str
    role: ChoiceOut
    nickname: str
    display_name: str
    phone: str | None
    email: str
    unit: UnitRef | None
    region: RegionRef | None
    is_staff: bool


class TokenOut(Schema):
    token: str = Field(description="Send as `Authorization: Bearer <token>`; shown only once")
    token_type: str = "Bearer"
    user: MeOut


# ---------------------------------------------------------------------------------------------------------------
# Messages: submission

RefIn = int | str


class SubmitIn(In):
    board: RefIn = Field(description="Board code (e.g. `A-SZ`) or id")
    type: str = Field(description="complaint | help | inquiry | suggestion | thanks")
    title: str = Field(description="At most 100 characters")
    body: str = Field(description="At most 10,000 characters")
    category: RefIn | None = Field(default=None, description="Category id, or path such as `城乡建设 / 住房保障`")
    region: RefIn | None = Field(default=None, description="Region code (GB/T 2260 or gazetteer, e.g. `X0101`)")
    is_public: bool = Field(default=True, description="False: confidential (保密)")
    is_urgent: bool = False
    nickname: str = ""
    contact_name: str = ""
    contact_phone: str = Field(default="", description="Required for anonymous messages; never shown publicly")
    contact_email: str = ""


class SubmitForm(SubmitIn):
    """The multipart variant: the same fields as form fields (other form fields such as a CSRF token are ignored)."""

    model_config = ConfigDict(extra="ignore")
    board: str = Field(description="Board code or id")
    category: str | None = Field(default=None, description="Category id or path")
    region: str | None = Field(default=None, description="Region code")


class SubmitOut(Schema):
    number: str
    query_code: str = Field(description="查询码: with the number, tracks the message without an account. Shown once.")
    state: str
    public_status: ChoiceOut
    version: int
    submitted_at: dt.datetime


# ---------------------------------------------------------------------------------------------------------------
# Messages: reading


class MessageItem(Schema):
    number: str
    title: str = Field(description="Public (masked) title, or the original for viewers allowed to see it")
    type: ChoiceOut
    state: ChoiceOut
    public_status: ChoiceOut
    board: BoardRef
    region: RegionRef | None
    category: CategoryRef | None
    unit: UnitRef | None
    nickname: str
    is_public: bool
    is_urgent: bool
    submitted_at: dt.datetime
    replied_at: dt.datetime | None
    closed_at: dt.datetime | None
    due_at: dt.datetime | None
    warning: str
    is_overdue: bool
    is_key: bool
    supports: int
    opposes: int
    version: int


class MessagePage(PageMeta):
    count: int = Field(description="Matching messages, counted up to 10,000 (see count_exact)")
    count_exact: bool = Field(description="False: there are more than `count` matches (a long list is not counted)")
    items: list[MessageItem]


class EventOut(Schema):
    action: str
    zh: str
    en: str
    at: dt.datetime
    actor_role: str
    actor: str | None = Field(description="Who acted (staff viewers only)")
    from_state: str
    to_state: str
    reason: str | None
    data: dict[str, Any] | None


class ReplyOut(Schema):
    id: int
    kind: str
    status: str
    body: str
    regulations: list[str]
    unit: UnitRef | None
    round: int
    created_at: dt.datetime | None
    published_at: dt.datetime | None


class RatingOut(Schema):
    satisfaction: ChoiceOut
    resolved: bool | None
    reason: str | None
    round: int
    created_at: dt.datetime


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str


class DeadlinesOut(Schema):
    due_at: dt.datetime | None
    sign_due_at: dt.datetime | None
    contact_due_at: dt.datetime | None
    paused_at: dt.datetime | None
    warning: ChoiceOut
    is_overdue: bool
    extension_count: int


class PersonalOut(Schema):
    """Only for the author and the staff allowed to see personal data."""

    title: str
    body: str
    contact_name: str
    contact_phone: str
    contact_email: str
    author: str | None


class NoteOut(Schema):
    at: dt.datetime
    by: str
    body: str


class ContactOut(Schema):
    at: dt.datetime
    by: str
    channel: str
    summary: str


class RequestOut(Schema):
    id: int
    kind: str
    status: str
    unit: UnitRef
    requested_by: str
    requested_at: dt.datetime
    reason: str
    basis: str
    target_units: list[UnitRef]
    requested_due_at: dt.datetime | None
    decided_at: dt.datetime | None
    decision_note: str


class AssignmentOut(Schema):
    unit: UnitRef
    role: str
    is_active: bool


class StaffOut(Schema):
    """Handling details for staff who may see the message's personal data."""

    source: str
    review_stage: str
    reject_reason: str
    supervision_level: str
    urge_count: int
    key_reason: str
    is_problem_case: bool
    reopen_count: int
    follow_up_count: int
    transfer_count: int
    return_count: int
    assignments: list[AssignmentOut]
    requests: list[RequestOut]
    notes: list[NoteOut]
    contacts: list[ContactOut]


class AllowedActionOut(Schema):
    action: str
    zh: str
    en: str
    path: str = Field(description="The endpoint that performs it")


class MessageDetail(MessageItem):
    body: str = Field(description="Public (masked) body, or the original for viewers allowed to see it")
    viewer: Literal["public", "author", "staff"]
    accepted_at: dt.datetime | None
    rated_at: dt.datetime | None
    duplicate_of: str | None
    deadlines: DeadlinesOut
    timeline: list[EventOut]
    replies: list[ReplyOut]
    ratings: list[RatingOut]
    attachments: list[AttachmentOut]
    personal: PersonalOut | None
    staff: StaffOut | None
    allowed_actions: list[AllowedActionOut]


# ---------------------------------------------------------------------------------------------------------------
# Lifecycle action bodies. `version`: the message version the client last saw; a different current version
# gives 409 (someone acted in between).


class ActionIn(In):
    version: int | None = Field(default=None, description="Optimistic concurrency: the version you last saw")


class NoteIn(ActionIn):
    note: str = ""


class ReasonIn(ActionIn):
    reason: str = ""


class RejectIn(ActionIn):
    reason_code: str = Field(description="out_of_scope | legal_process | duplicate | bad_contact | prohibited")
    reason: str = ""
    duplicate_of: str | None = Field(default=None, description="Number of the message this one duplicates")


class AnswerIn(ActionIn):
    body: str
    regulations: list[str] = []


class MergeIn(ActionIn):
    primary: str = Field(description="Number of the primary message")
    reason: str = ""


class ReclassifyIn(ActionIn):
    type: str | None = None
    category: RefIn | None = None
    region: RefIn | None = None
    board: RefIn | None = None
    is_urgent: bool | None = None
    reason: str = ""


class RedactIn(ActionIn):
    public_title: str
    public_body: str
    reason: str


class DispatchIn(ActionIn):
    unit: str = Field(description="Main unit code")
    co_units: list[str] = Field(default_factory=list, description="Co-handling unit codes")
    note: str = ""
    confidence: float | None = None


class ReturnIn(ActionIn):
    reason: str
    basis: str = Field(description="function | territory | ownership")


class TransferRequestIn(ActionIn):
    target_unit: str
    reason: str
    basis: str = ""


class ApproveReturnIn(ActionIn):
    to_unit: str | None = Field(default=None, description="Unit code to re-dispatch to at once (optional)")
    note: str = ""


class TransferIn(ActionIn):
    unit: str
    reason: str


class CohandlingIn(ActionIn):
    units: list[str]
    reason: str


class DecideIn(ActionIn):
    approve: bool
    note: str = ""


class ExtensionIn(ActionIn):
    due_at: dt.datetime = Field(description="Requested new deadline, with a time zone")
    reason: str


class DecideExtensionIn(DecideIn):
    due_at: dt.datetime | None = Field(default=None, description="Approved deadline (default: the requested one)")


class ContactIn(ActionIn):
    summary: str
    channel: str = "phone"


class QuestionIn(ActionIn):
    question: str


class SupplementIn(ActionIn):
    supplement: str = ""


class BodyIn(ActionIn):
    body: str


class ReplyIn(ActionIn):
    body: str
    regulations: list[str] = []


class RateIn(ActionIn):
    satisfaction: str = Field(description="satisfied | basic | unsatisfied")
    resolved: bool | None = None
    reason: str = Field(default="", description="Required when unsatisfied")


class SuperviseIn(ActionIn):
    level: str = Field(description="general | key | escalated")
    note: str = ""


class FlagKeyIn(ActionIn):
    reason: str
    is_key: bool = True


# Tracking by number + 查询码


class TrackIn(In):
    number: str
    code: str
    version: int | None = None


class TrackRateIn(TrackIn):
    satisfaction: str
    resolved: bool | None = None
    reason: str = ""


class TrackQuestionIn(TrackIn):
    question: str


class TrackSupplementIn(TrackIn):
    supplement: str


# ---------------------------------------------------------------------------------------------------------------
# Reference data


class RegionOut(Schema):
    code: str
    name: str
    level: int
    parent: str | None
    path: str
    is_custom: bool


class RegionPage(PageMeta):
    items: list[RegionOut]


class RegionDetail(RegionOut):
    full_name: str
    ancestors: list[RegionRef]
    children: list[RegionRef]


class CategoryOut(Schema):
    id: int
    name: str
    path: str
    level: int
    parent: int | None
    is_active: bool


class CategoryPage(PageMeta):
    items: list[CategoryOut]


class UnitOut(Schema):
    code: str
    name: str
    parent: str | None
    region: RegionRef
    is_active: bool


class UnitPage(PageMeta):
    items: list[UnitOut]


class BoardOut(Schema):
    code: str
    name: str
    kind: str
    level: str
    region: RegionRef
    is_active: bool


class BoardPage(PageMeta):
    items: list[BoardOut]


class CatalogueOut(Schema):
    category: CategoryRef
    region: RegionRef
    unit: UnitRef | None = Field(description="Responsible unit; null when the catalogue has no entry")
    matched_category: CategoryRef | None = Field(description="The catalogue entry's category (may be a parent)")
    matched_region: RegionRef | None = Field(description="The catalogue entry's region (may be a parent)")
    valid_from: dt.datetime | None


# ---------------------------------------------------------------------------------------------------------------
# Notifications


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    title_en: str
    body: str
    message: str | None = Field(description="Message number")
    created_at: dt.datetime
    read_at: dt.datetime | None


class NotificationPage(PageMeta):
    unread: int
    items: list[NotificationOut]
