"""Staff queues: review, dispatch, the unit inbox, requests to decide, supervision and unit scorecards.

(Being written in this session: placeholders until then.)"""

from django.http import Http404, HttpRequest, HttpResponse


def _building(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


work_home = review_queue = dispatch_queue = bulk_dispatch = unit_inbox = requests = supervision = scorecards = _building
