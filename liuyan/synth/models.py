"""The record of a synthetic data set written into this database (what, with which seed and scale, how long)."""

from django.db import models


class SynthRun(models.Model):
    """One `liuyan synth` run. A row without `finished_at` is an interrupted run: the database is half-written."""

    dataset = models.CharField(max_length=20)
    seed = models.BigIntegerField()
    scale = models.FloatField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    messages = models.PositiveIntegerField(default=0)
    details = models.JSONField(default=dict, blank=True, help_text="Row counts and the phases' durations")

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.dataset} seed={self.seed} scale={self.scale}"
