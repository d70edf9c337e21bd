"""CSV export of public messages (masked text only) with their published replies, streamed."""

import csv
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, StreamingHttpResponse
from ninja import Query, Router

from liuyan.api.auth import ANONYMOUS_OK, AUTH_OPTIONAL
from liuyan.api.errors import ERROR_STATUSES, ErrorOut
from liuyan.api.filters import MessageFilters, apply_filters
from liuyan.dataio.exporter import HEADER, rows_of, with_published_replies
from liuyan.messages.access import visible_messages_for

router = Router(tags=["export"])


class _Echo:
    """A file-like object whose write() returns the line, for csv.writer inside a generator."""

    def write(self, value: str) -> str:
        return value


def _csv(rows: Iterator[list[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # BOM: spreadsheet programs then read the Chinese text as UTF-8
    yield writer.writerow(HEADER)
    for row in rows:
        yield writer.writerow(row)


@router.get(
    "/export/messages.csv",
    auth=AUTH_OPTIONAL,
    response={ERROR_STATUSES: ErrorOut},
    summary="Export public messages as CSV",
    description="Public, accepted messages only, with the masked text and published replies (UTF-8 with BOM), in "
    "the columns of `liuyan export messages` (the first ten are the contest import format). Takes the filters of "
    "`GET /messages`; newest first.",
    openapi_extra={**ANONYMOUS_OK, "responses": {200: {"description": "CSV file", "content": {"text/csv": {}}}}},
)
def export_messages(request: HttpRequest, filters: Query[MessageFilters]) -> StreamingHttpResponse:
    filters.ordering = "-submitted_at"
    filters.mine = None
    public = visible_messages_for(AnonymousUser())
    messages = with_published_replies(apply_filters(public, filters, user=AnonymousUser(), search_original=False))
    response = StreamingHttpResponse(_csv(rows_of(messages)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="liuyan-messages.csv"'
    return response
