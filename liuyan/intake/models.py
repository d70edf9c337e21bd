"""What the intake pipeline read in a message, and the labelled examples the platform learns from."""

from django.conf import settings
from django.db import models


class Decision(models.TextChoices):
    AUTO = "auto", "自动交办 Auto-dispatch"
    HUMAN = "human", "人工交办 For a dispatcher"


class IntakeResult(models.Model):
    """One per message: the pipeline's reading (智能录入 + 智能判处) and its routing decision, kept for staff.

    Rewritten when the pipeline runs again (a re-run after a model update); the message's own fields change only
    through actions (the `intake` event records what the pipeline filled in)."""

    message = models.OneToOneField("msgs.Message", on_delete=models.CASCADE, related_name="intake")
    processed_at = models.DateTimeField()
    duration_ms = models.FloatField(default=0)
    models_used = models.JSONField(default=dict, help_text="task → model version")
    entities = models.JSONField(default=list, help_text="智能录入: [{kind, value, start, end}]")
    region = models.ForeignKey(
        "geo.Region", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", help_text="Where it is about"
    )
    region_confidence = models.FloatField(null=True, blank=True)
    region_evidence = models.JSONField(default=list)
    type = models.CharField(max_length=12, blank=True)
    type_confidence = models.FloatField(null=True, blank=True)
    type_reason = models.CharField(max_length=200, blank=True)
    category = models.ForeignKey(
        "taxonomy.Category", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    category_confidence = models.FloatField(null=True, blank=True)
    category_reason = models.CharField(max_length=200, blank=True)
    flags = models.JSONField(default=list, help_text="重点留言: [{code, confidence, reason}]")
    suggestions = models.JSONField(
        default=list, help_text="Top units, best first: [{unit, code, score, reason_zh, reason_en, source}]"
    )
    decision = models.CharField(max_length=8, choices=Decision.choices, default=Decision.HUMAN)
    confidence = models.FloatField(null=True, blank=True, help_text="The best unit's confidence")
    threshold = models.FloatField(null=True, blank=True, help_text="The confidence the decision was held against")
    reason_zh = models.CharField(max_length=300, blank=True)
    reason_en = models.CharField(max_length=300, blank=True)
    problems = models.JSONField(default=list, help_text="Why people must look: [{code, zh, en}]")

    class Meta:
        indexes = [models.Index(fields=["decision", "processed_at"])]

    def __str__(self) -> str:
        return f"intake {self.message_id}: {self.decision}"


class ExampleSource(models.TextChoices):
    DISPATCH = "dispatch", "人工交办 Dispatched by a person"
    CORRECTION = "correction", "人工纠正 Corrected by a person"
    RECLASSIFY = "reclassify", "人工改类 Reclassified by a person"
    RETURN = "return", "退回改派 Re-dispatched after a return"


class LabeledExample(models.Model):
    """A person's decision about a message, kept as training data: the platform learns from its own history.

    `label` is a unit code (task "department"), a category path ("category") or a message type ("type");
    `predicted` is what the pipeline had said, so that corrections can be counted."""

    task = models.CharField(max_length=12)
    message = models.ForeignKey("msgs.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField()
    label = models.CharField(max_length=255)
    predicted = models.CharField(max_length=255, blank=True)
    source = models.CharField(max_length=12, choices=ExampleSource.choices)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["task", "created_at"])]

    def __str__(self) -> str:
        return f"{self.task}: {self.label}"

    @property
    def is_correction(self) -> bool:
        return bool(self.predicted) and self.predicted != self.label
