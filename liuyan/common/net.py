"""The client's address, also behind the load balancers of a multi-server deployment."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or with LIUYAN_TRUSTED_PROXY_HOPS=N the address the N-th trusted proxy saw (X-Forwarded-For
    read from the right, so a client cannot forge it by sending its own header)."""
    hops = settings.TRUSTED_PROXY_HOPS
    if hops > 0:
        chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(chain) >= hops:
            return str(chain[-hops])
    return str(request.META.get("REMOTE_ADDR") or "unknown")
