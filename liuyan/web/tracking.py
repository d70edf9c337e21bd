"""An anonymous author's proof (message number + 查询码), remembered in their session for a while so that they can
rate, follow up or supplement without typing the code again."""

import time

from django.http import HttpRequest

from liuyan.messages.models import Message

SESSION_KEY = "ly_tracked"
PROOF_SECONDS = 2 * 3600


def remember_tracked(request: HttpRequest, message: Message) -> None:
    proofs = _live(request)
    proofs[message.number] = [message.pk, int(time.time()) + PROOF_SECONDS]
    request.session[SESSION_KEY] = proofs


def tracked_message(request: HttpRequest, number: str) -> Message | None:
    """The message this session proved it may act on as its anonymous author, if the proof is still fresh."""
    proof = _live(request).get(number)
    if proof is None:
        return None
    return Message.objects.select_related("board", "category", "region", "unit").filter(pk=proof[0]).first()


def _live(request: HttpRequest) -> dict[str, list[int]]:
    now = time.time()
    stored = request.session.get(SESSION_KEY) or {}
    return {n: p for n, p in stored.items() if isinstance(p, list) and len(p) == 2 and p[1] > now}
