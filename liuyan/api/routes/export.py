"""CSV export of public messages (masked text only) with their published replies, streamed."""

import csv
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from ninja import Query, Router

from liuyan.api.auth import ANONYMOUS_OK, AUTH_OPTIONAL
from liuyan.api.errors import ERROR_STATUSES, ErrorOut
from liuyan.api.filters import MessageFilters, apply_filters
from liuyan.api.present import split_label
from liuyan.messages.access import visible_messages_for
from liuyan.messages.models import Message, MessageType, Reply, ReplyStatus
from liuyan.messages.states import PUBLIC_STATUS, PublicStatus

router = Router(tags=["export"])

CHUNK = 500
COLUMNS = [
    "number",
    "submitted_at",
    "type",
    "category",
    "region_code",
    "region",
    "board",
    "nickname",
    "public_status",
    "title",
    "body",
    "unit",
    "replied_at",
    "reply",
]


class _Echo:
    """A file-like object whose write() returns the line, for csv.writer inside a generator."""

    def write(self, value: str) -> str:
        return value


def _when(value: Any) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value is not None else ""


def _rows(messages: "Any") -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # BOM: spreadsheet programs then read the Chinese text as UTF-8
    yield writer.writerow(COLUMNS)
    last_id: int | None = None
    while True:
        chunk_qs = messages if last_id is None else messages.filter(id__lt=last_id)
        chunk: list[Message] = list(chunk_qs[:CHUNK])
        if not chunk:
            return
        last_id = chunk[-1].pk
        replies: dict[int, list[Reply]] = {}
        for reply in (
            Reply.objects.filter(message__in=chunk, status=ReplyStatus.PUBLISHED)
            .select_related("unit")
            .order_by("published_at", "id")
        ):
            replies.setdefault(reply.message_id, []).append(reply)
        for m in chunk:
            published = replies.get(m.pk, [])
            latest = published[-1] if published else None
            yield writer.writerow(
                [
                    m.number,
                    _when(m.submitted_at),
                    split_label(MessageType(m.type).label)[0],
                    m.category.path if m.category is not None else "",
                    m.region.code if m.region is not None else "",
                    m.region.name if m.region is not None else "",
                    m.board.name,
                    m.nickname,
                    split_label(PublicStatus(PUBLIC_STATUS[m.state]).label)[0],
                    m.public_title,
                    m.public_body,
                    latest.unit.name if latest is not None and latest.unit is not None else "",
                    _when(latest.published_at) if latest is not None else "",
                    "\n\n".join(r.body for r in published),
                ]
            )
        if len(chunk) < CHUNK:
            return


@router.get(
    "/export/messages.csv",
    auth=AUTH_OPTIONAL,
    response={ERROR_STATUSES: ErrorOut},
    summary="Export public messages as CSV",
    description="Public, accepted messages only, with the masked text and published replies (UTF-8 with BOM). "
    "Takes the filters of `GET /messages`; newest first.",
    openapi_extra={**ANONYMOUS_OK, "responses": {200: {"description": "CSV file", "content": {"text/csv": {}}}}},
)
def export_messages(request: HttpRequest, filters: Query[MessageFilters]) -> StreamingHttpResponse:
    filters.ordering = "-submitted_at"
    filters.mine = None
    public = visible_messages_for(AnonymousUser())
    messages = (
        apply_filters(public, filters, user=AnonymousUser(), search_original=False)
        .select_related("board", "region", "category")
        .order_by("-id")
    )
    response = StreamingHttpResponse(_rows(messages), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="liuyan-messages.csv"'
    return response
