"""Citizens' pages: writing a message, its confirmation, tracking by 查询码, my messages, my notifications.

(Being written in this session: placeholders until then.)"""

from django.http import Http404, HttpRequest, HttpResponse


def _building(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


choose_board = write = write_done = track = tracked = my_messages = notifications = mark_read = _building
