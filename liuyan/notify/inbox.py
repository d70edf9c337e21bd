"""Whose notifications are whose: a person's own, their unit's, and their platform role's (the one home of the rule)."""

from django.db.models import Q, QuerySet

from liuyan.accounts.models import PLATFORM_ROLES, UNIT_ROLES, User
from liuyan.common.clock import now
from liuyan.common.errors import NotFound
from liuyan.messages.access import on_visible_message
from liuyan.notify.models import Notification


def notifications_for(user: User) -> "QuerySet[Notification]":
    """Mine (recipient), my unit's (unit staff) and my role's (platform staff, within my region's messages)."""
    mine = Q(recipient=user)
    if user.role in UNIT_ROLES and user.unit_id is not None:
        mine |= Q(unit_id=user.unit_id)
    if user.role in PLATFORM_ROLES:
        in_reach = Q(message__isnull=True) | Q(on_visible_message(user))
        mine |= Q(role=user.role) & in_reach
    return Notification.objects.filter(mine)


def mark_read(user: User, notification_id: int) -> Notification:
    """Mark one of `user`'s notifications read (shared ones for everybody who shares them); NotFound otherwise."""
    notification = notifications_for(user).select_related("message").filter(pk=notification_id).first()
    if notification is None:
        raise NotFound("通知不存在", "notification not found", code="notification_not_found")
    if notification.read_at is None:
        notification.read_at = now()
        notification.save(update_fields=["read_at"])
    return notification
