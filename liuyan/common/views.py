"""The landing page: what this server offers until the web portal arrives (and, in demo mode, who to log in as)."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from liuyan.messages.models import Message
from liuyan.messages.states import PUBLIC_LISTED_STATES


def home(request: HttpRequest) -> HttpResponse:
    logins = settings.VAR_DIR / "demo-logins.txt"
    context = {
        "public_messages": Message.objects.filter(is_public=True, state__in=PUBLIC_LISTED_STATES).count(),
        "demo_logins": logins.read_text(encoding="utf-8") if settings.DEMO_MODE and logins.exists() else "",
    }
    return render(request, "common/home.html", context)
