"""Notifications queued by lifecycle actions: in-app inbox rows, also e-mailed by `liuyan notify send`."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Notification(models.Model):
    """One notice for a person, for every staff member of a unit, or for every holder of a platform role."""

    kind = models.CharField(max_length=40, db_index=True)
    message = models.ForeignKey(
        "msgs.Message", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    unit = models.ForeignKey("orgs.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=16, blank=True, help_text="Every user of this role (platform roles)")
    contact = models.CharField(max_length=120, blank=True, help_text="Phone/e-mail for anonymous authors")
    title = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # E-mail delivery (liuyan.notify.deliver): `delivered_at` is set when a sender claims the row and stays set
    # once it is processed; `delivery` says how it went.
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivery = models.CharField(
        max_length=255,
        blank=True,
        help_text='"" pending · "sending" claimed · "email:N" sent to N addresses · "none" nobody to e-mail · '
        '"retry: …" last attempt failed, will retry · "failed: …" gave up',
    )
    attempts = models.PositiveSmallIntegerField(default=0, help_text="E-mail delivery attempts so far")
    next_attempt_at = models.DateTimeField(null=True, blank=True, help_text="No retry before this time")

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["unit", "read_at"]),
            # The sender's work list stays small however many rows have been delivered.
            models.Index(
                fields=["created_at"],
                name="notify_undelivered_idx",
                condition=Q(delivered_at__isnull=True) | Q(delivery="sending"),
            ),
        ]

    def __str__(self) -> str:
        return self.title
