"""Notifications queued by lifecycle actions: in-app inbox rows, delivered by e-mail/SMS senders later."""

from django.conf import settings
from django.db import models
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
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"]), models.Index(fields=["unit", "read_at"])]

    def __str__(self) -> str:
        return self.title
