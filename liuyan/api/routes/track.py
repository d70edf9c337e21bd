"""Tracking by message number + 查询码, and the anonymous author's own actions (rate, follow up, supplement)."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja import Router

from liuyan.api.auth import ANONYMOUS_OK, AUTH_OPTIONAL
from liuyan.api.errors import ERROR_STATUSES, ErrorOut
from liuyan.api.schemas import MessageDetail, TrackIn, TrackQuestionIn, TrackRateIn, TrackSupplementIn
from liuyan.common.net import client_ip
from liuyan.messages import actions
from liuyan.messages.access import Actor, access_by_query_code
from liuyan.messages.actions.engine import check_version
from liuyan.messages.models import Message
from liuyan.messages.present import message_detail, viewer_for_query_code

router = Router(tags=["tracking"])


def _track(request: HttpRequest, number: str, code: str) -> Message:
    return access_by_query_code(number, code, client=client_ip(request))


def _act(request: HttpRequest, data: TrackIn, run: Callable[[Actor, Message], object]) -> dict[str, Any]:
    message = _track(request, data.number, data.code)
    check_version(message, data.version)
    run(Actor.anonymous_author(message), message)
    return message_detail(message, viewer_for_query_code(message))


@router.get(
    "/track",
    auth=AUTH_OPTIONAL,
    openapi_extra=ANONYMOUS_OK,
    response={200: MessageDetail, ERROR_STATUSES: ErrorOut},
    summary="Track a message by number and 查询码",
    description="What the author sees (contact data masked). Wrong codes are limited per client and number.",
)
def track(request: HttpRequest, number: str, code: str) -> dict[str, Any]:
    message = _track(request, number, code)
    return message_detail(message, viewer_for_query_code(message))


@router.post(
    "/track",
    auth=AUTH_OPTIONAL,
    openapi_extra=ANONYMOUS_OK,
    response={200: MessageDetail, ERROR_STATUSES: ErrorOut},
    summary="Track a message by number and 查询码 (in the body)",
    description="Like `GET /track`, keeping the 查询码 out of URLs and logs.",
)
def track_post(request: HttpRequest, data: TrackIn) -> dict[str, Any]:
    message = _track(request, data.number, data.code)
    check_version(message, data.version)
    return message_detail(message, viewer_for_query_code(message))


@router.post(
    "/track/rate",
    auth=AUTH_OPTIONAL,
    openapi_extra=ANONYMOUS_OK,
    response={200: MessageDetail, ERROR_STATUSES: ErrorOut},
    summary="评价 Rate the reply (anonymous author)",
)
def track_rate(request: HttpRequest, data: TrackRateIn) -> dict[str, Any]:
    return _act(
        request,
        data,
        lambda a, m: actions.do_rate(a, m, satisfaction=data.satisfaction, resolved=data.resolved, reason=data.reason),
    )


@router.post(
    "/track/follow-up",
    auth=AUTH_OPTIONAL,
    openapi_extra=ANONYMOUS_OK,
    response={200: MessageDetail, ERROR_STATUSES: ErrorOut},
    summary="追问 Follow up (anonymous author)",
)
def track_follow_up(request: HttpRequest, data: TrackQuestionIn) -> dict[str, Any]:
    return _act(request, data, lambda a, m: actions.do_follow_up(a, m, question=data.question))


@router.post(
    "/track/supplement",
    auth=AUTH_OPTIONAL,
    openapi_extra=ANONYMOUS_OK,
    response={200: MessageDetail, ERROR_STATUSES: ErrorOut},
    summary="补充材料 Supply requested information (anonymous author)",
)
def track_supplement(request: HttpRequest, data: TrackSupplementIn) -> dict[str, Any]:
    return _act(request, data, lambda a, m: actions.do_resume(a, m, supplement=data.supplement))
