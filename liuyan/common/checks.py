"""System checks for deployment settings (`liuyan check --deploy`)."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.security, deploy=True)
def check_secret_key(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    if getattr(settings, "USING_DEMO_SECRET", False):
        return [Warning("LIUYAN_SECRET_KEY is not set: the public demo key is in use", id="liuyan.W001")]
    return []
