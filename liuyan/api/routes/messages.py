"""Submitting, listing and reading messages, and downloading their attachments."""

from typing import Any, cast

from django.http import FileResponse, HttpRequest
from ninja import File, Form, Query, Router, Status, UploadedFile

from liuyan.accounts.models import STAFF_ROLES, Role, User
from liuyan.api import lookups
from liuyan.api.auth import ANONYMOUS_OK, AUTH_OPTIONAL, user_of, via
from liuyan.api.errors import ERROR_STATUSES, ErrorOut
from liuyan.api.filters import MessageFilters, Paging, apply_filters
from liuyan.api.schemas import MessageDetail, MessagePage, SubmitForm, SubmitIn, SubmitOut
from liuyan.common import ratelimit
from liuyan.common.errors import NotFound
from liuyan.common.net import client_ip
from liuyan.common.paging import capped_count
from liuyan.messages import actions
from liuyan.messages.access import Actor, access_message_for, sees_personal_data, visible_messages_for
from liuyan.messages.models import Attachment, Message, Source
from liuyan.messages.present import (
    LIST_RELATED,
    choice,
    list_item_for,
    message_detail,
    personal_list_view,
    viewer_for,
)
from liuyan.messages.states import PUBLIC_STATUS, PublicStatus

router = Router(tags=["messages"])


def find_message(request: HttpRequest, number: str) -> Message:
    """A message by its number, if the caller may see it (404 hides what a citizen may not know exists)."""
    if not number or (number.isdigit() and len(number) < 12):
        raise NotFound("留言不存在", "message not found", code="message_not_found")
    return access_message_for(user_of(request), number)


# ---------------------------------------------------------------------------------------------------------------
# Submission


def _submit(request: HttpRequest, data: SubmitIn, files: list[UploadedFile]) -> dict[str, Any]:
    user = user_of(request)
    actor = Actor.of(user) if isinstance(user, User) else Actor(user=None, role=Role.CITIZEN)
    staff = isinstance(user, User) and user.role in STAFF_ROLES
    board = lookups.board_ref(data.board)
    category = lookups.category_ref(data.category) if data.category not in (None, "") else None
    region = lookups.region_ref(data.region) if data.region not in (None, "") else None

    limits = ratelimit.submission_limits(
        ip=client_ip(request),
        user_id=user.pk if isinstance(user, User) else None,
        contact_phone=data.contact_phone,
        account_phone=(user.phone or "") if isinstance(user, User) else "",
        staff=staff,
    )
    ratelimit.check(limits)

    if staff:
        source = Source.PHONE
    else:
        source = Source.API if via(request) == "token" else Source.WEB
    submission = actions.do_submit(
        actor,
        board=board,
        type=data.type,
        title=data.title,
        body=data.body,
        category=category,
        region=region,
        is_public=data.is_public,
        is_urgent=data.is_urgent,
        nickname=data.nickname,
        contact_name=data.contact_name,
        contact_phone=data.contact_phone,
        contact_email=data.contact_email,
        # Django's UploadedFile types name/size/content_type as optional; uploads always have them.
        attachments=cast("list[actions.UploadedFileLike]", files),
        source=source,
    )
    ratelimit.hit(ratelimit.names(limits))
    m = submission.message
    return {
        "number": m.number,
        "query_code": submission.query_code,
        "state": m.state,
        "public_status": choice(PUBLIC_STATUS[m.state], PublicStatus),
        "version": m.version,
        "submitted_at": m.submitted_at,
    }


@router.post(
    "/messages",
    auth=AUTH_OPTIONAL,
    openapi_extra=ANONYMOUS_OK,
    response={201: SubmitOut, ERROR_STATUSES: ErrorOut},
    summary="Submit a message",
    description="Anonymous (a contact phone is required), a signed-in citizen, or staff filing on a caller's "
    "behalf (帮办). The 查询码 in the response is shown only once. Rate-limited per IP, account and phone.",
)
def submit(request: HttpRequest, data: SubmitIn) -> Status[dict[str, Any]]:
    return Status(201, _submit(request, data, []))


@router.post(
    "/messages/with-attachments",
    auth=AUTH_OPTIONAL,
    openapi_extra=ANONYMOUS_OK,
    response={201: SubmitOut, ERROR_STATUSES: ErrorOut},
    summary="Submit a message with attachments (multipart)",
    description="The same fields as `POST /messages`, sent as multipart form fields, plus `files`.",
)
def submit_with_attachments(
    request: HttpRequest,
    data: Form[SubmitForm],
    files: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Status[dict[str, Any]]:
    return Status(201, _submit(request, data, list(files or [])))


# ---------------------------------------------------------------------------------------------------------------
# Reading


@router.get(
    "/messages",
    auth=AUTH_OPTIONAL,
    openapi_extra=ANONYMOUS_OK,
    response={200: MessagePage, ERROR_STATUSES: ErrorOut},
    summary="List messages",
    description="What the caller may see: the public sees public, accepted messages with masked text; citizens "
    "also their own; staff their units' or region's messages.",
)
def list_messages(request: HttpRequest, filters: Query[MessageFilters], paging: Query[Paging]) -> dict[str, Any]:
    user = user_of(request)
    messages = apply_filters(
        visible_messages_for(user), filters, user=user, search_original=personal_list_view(user)
    ).select_related(*LIST_RELATED)
    limit, offset = paging.window()
    count, exact = capped_count(messages)
    return {
        "count": count,
        "count_exact": exact,
        "limit": limit,
        "offset": offset,
        "items": [list_item_for(m, user) for m in messages[offset : offset + limit]],
    }


@router.get(
    "/messages/{number}",
    auth=AUTH_OPTIONAL,
    openapi_extra=ANONYMOUS_OK,
    response={200: MessageDetail, ERROR_STATUSES: ErrorOut},
    summary="A message with its timeline, replies and ratings",
    description="Personal data and the unmasked text only for the author and the staff handling it. "
    "`allowed_actions` lists what the caller can do now.",
)
def get_message(request: HttpRequest, number: str) -> dict[str, Any]:
    message = find_message(request, number)
    return message_detail(message, viewer_for(user_of(request), message))


@router.get(
    "/messages/{number}/attachments/{attachment_id}",
    auth=AUTH_OPTIONAL,
    response={ERROR_STATUSES: ErrorOut},
    url_name="message_attachment",
    summary="Download an attachment",
    description="For the author and staff who may see the message's personal data (attachments are not masked).",
    openapi_extra={
        **ANONYMOUS_OK,
        "responses": {200: {"description": "The file", "content": {"application/octet-stream": {}}}},
    },
)
def download_attachment(request: HttpRequest, number: str, attachment_id: int) -> FileResponse:
    user = user_of(request)
    message = find_message(request, number)
    attachment = Attachment.objects.filter(pk=attachment_id, message=message).first()
    if attachment is None or not sees_personal_data(user, message):
        raise NotFound("附件不存在", "attachment not found", code="attachment_not_found")
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
