"""A record of each `liuyan demo` run that built messages: parameters, timing, and the showcase tracking code."""

from django.db import models
from django.utils import timezone


class DemoBuild(models.Model):
    """One demo build. A row without `finished_at` means the build was interrupted (rerun with --reset)."""

    seed = models.BigIntegerField()
    messages = models.PositiveIntegerField(help_text="Messages requested")
    built = models.PositiveIntegerField(default=0, help_text="Messages created")
    as_of = models.DateTimeField(help_text="The simulated 'now' the demo history leads up to")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    showcase = models.JSONField(
        default=dict, blank=True, help_text="An anonymous demo message's number and 查询码, for the logins table"
    )

    class Meta:
        ordering = ["-started_at"]
        verbose_name = "演示数据构建 demo build"

    def __str__(self) -> str:
        return f"demo seed={self.seed} messages={self.built}/{self.messages}"
