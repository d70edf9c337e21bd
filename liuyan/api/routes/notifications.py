"""The signed-in user's notifications: personal ones, their unit's, and their platform role's."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from liuyan.api.auth import AUTH_REQUIRED, require_user
from liuyan.api.errors import ERROR_STATUSES, ErrorOut
from liuyan.api.filters import Paging
from liuyan.api.schemas import NotificationOut, NotificationPage
from liuyan.notify import inbox
from liuyan.notify.inbox import notifications_for
from liuyan.notify.models import Notification

router = Router(tags=["notifications"])


def _out(n: Notification) -> dict[str, Any]:
    return {
        "id": n.pk,
        "kind": n.kind,
        "title": n.title,
        "title_en": n.title_en,
        "body": n.body,
        "message": n.message.number if n.message is not None else None,
        "created_at": n.created_at,
        "read_at": n.read_at,
    }


@router.get(
    "/notifications",
    auth=AUTH_REQUIRED,
    response={200: NotificationPage, ERROR_STATUSES: ErrorOut},
    summary="My notifications",
    description="Newest first. Unit and role notifications are shared: one reader marks them read for all.",
)
def list_notifications(request: HttpRequest, paging: Query[Paging], unread: bool | None = None) -> dict[str, Any]:
    user = require_user(request)
    items = notifications_for(user)
    unread_count = items.filter(read_at__isnull=True).count()
    if unread is not None:
        items = items.filter(read_at__isnull=unread)
    items = items.select_related("message").order_by("-created_at", "-id")
    limit, offset = paging.window()
    return {
        "count": items.count(),
        "unread": unread_count,
        "limit": limit,
        "offset": offset,
        "items": [_out(n) for n in items[offset : offset + limit]],
    }


@router.post(
    "/notifications/{notification_id}/read",
    auth=AUTH_REQUIRED,
    response={200: NotificationOut, ERROR_STATUSES: ErrorOut},
    summary="Mark a notification read",
)
def mark_read(request: HttpRequest, notification_id: int) -> dict[str, Any]:
    return _out(inbox.mark_read(require_user(request), notification_id))
