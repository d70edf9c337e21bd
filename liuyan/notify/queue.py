"""Queueing notifications from inside lifecycle actions (same transaction: a rolled-back action notifies nobody)."""

from typing import TYPE_CHECKING

from liuyan.common.clock import now as clock_now
from liuyan.notify.models import Notification

if TYPE_CHECKING:
    from liuyan.accounts.models import User
    from liuyan.messages.models import Message
    from liuyan.orgs.models import Unit

# kind → (Chinese title, English title); {number} is the message number.
TEMPLATES: dict[str, tuple[str, str]] = {
    "submitted": ("您的留言 {number} 已提交", "Your message {number} was submitted"),
    "accepted": ("您的留言 {number} 已受理", "Your message {number} was accepted"),
    "rejected": ("您的留言 {number} 不予受理", "Your message {number} was not accepted"),
    "answered": ("您的留言 {number} 已答复", "Your message {number} has a reply"),
    "dispatched": ("新交办留言 {number}，请及时签收", "New message {number} for your unit: please sign for it"),
    "request_pending": ("留言 {number} 有待审批的申请", "Message {number} has a request to decide"),
    "request_decided": ("留言 {number} 的申请已审批", "The request on message {number} was decided"),
    "extended": ("您的留言 {number} 办理期限已延长", "The deadline of your message {number} was extended"),
    "need_info": ("您的留言 {number} 需要补充材料", "Your message {number} needs more information"),
    "info_supplied": ("留言 {number} 已补充材料", "Message {number} was supplemented"),
    "reply_to_review": ("留言 {number} 的答复待审核", "The reply to message {number} awaits review"),
    "reply_sent_back": ("留言 {number} 的答复被退回", "The reply to message {number} was sent back"),
    "rated": ("留言 {number} 已获评价", "Message {number} was rated"),
    "unsatisfied": ("留言 {number} 评价为不满意", "Message {number} was rated unsatisfied"),
    "follow_up": ("留言 {number} 有追问", "Message {number} has a follow-up question"),
    "reopened": ("留言 {number} 重办", "Message {number} was reopened"),
    "closed": ("您的留言 {number} 已办结", "Your message {number} is closed"),
    "due_soon": ("留言 {number} 即将到期", "Message {number} is due soon"),
    "overdue": ("留言 {number} 已超期", "Message {number} is overdue"),
    "urged": ("留言 {number} 被催办", "Message {number}: reminder from the supervisor"),
    "supervised": ("留言 {number} 被督办", "Message {number} is under supervision"),
    "key_message": ("重点留言 {number}", "Key message {number}"),
    "escalated": ("留言 {number} 已提级督办", "Message {number} was escalated"),
}


def queue(
    kind: str,
    message: "Message",
    *,
    recipient: "User | None" = None,
    unit: "Unit | None" = None,
    role: str = "",
    body: str = "",
) -> Notification:
    zh, en = TEMPLATES[kind]
    return Notification.objects.create(
        kind=kind,
        message=message,
        recipient=recipient,
        unit=unit,
        role=role,
        created_at=clock_now(),
        title=zh.format(number=message.number),
        title_en=en.format(number=message.number),
        body=body,
    )


def queue_for_author(kind: str, message: "Message", body: str = "") -> Notification | None:
    """Tell the message's author: their account, or the contact they left when writing anonymously."""
    if message.author_id is not None:
        return queue(kind, message, recipient=message.author, body=body)
    contact = message.contact_phone or message.contact_email
    if not contact:
        return None
    zh, en = TEMPLATES[kind]
    return Notification.objects.create(
        kind=kind,
        message=message,
        created_at=clock_now(),
        contact=contact,
        title=zh.format(number=message.number),
        title_en=en.format(number=message.number),
        body=body,
    )
