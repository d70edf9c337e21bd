"""One rollup row per (submission day, region, board, unit, category, type) with the counters of `metrics`.

The key columns are plain integers, not foreign keys: 0 stands for "none" (no region, no unit yet, no category), so
the key is NOT NULL and one ordinary unique constraint serves the upsert (`INSERT … ON CONFLICT (key) DO UPDATE`,
the same SQL on SQLite and PostgreSQL). Counts are attributed to the local date the message was submitted.
"""

from django.db import models

from liuyan.rollups.metrics import COUNTERS

NONE = 0  # the key's "no region / unit / category" sentinel
KEY_FIELDS: tuple[str, ...] = ("day", "region_id", "board_id", "unit_id", "category_id", "type")


class Rollup(models.Model):
    day = models.DateField(help_text="Local date of submission")
    region_id = models.IntegerField(default=NONE, help_text="geo.Region id, 0: none")
    board_id = models.IntegerField(help_text="orgs.Board id")
    unit_id = models.IntegerField(default=NONE, help_text="orgs.Unit id of the main unit, 0: none")
    category_id = models.IntegerField(default=NONE, help_text="taxonomy.Category id, 0: none")
    type = models.CharField(max_length=12)

    messages = models.IntegerField(default=0)
    valid = models.IntegerField(default=0)
    replied = models.IntegerField(default=0)
    replied_on_time = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    closed_on_time = models.IntegerField(default=0)
    dispatched = models.IntegerField(default=0)
    signed_on_time = models.IntegerField(default=0)
    contacted_on_time = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    basically_satisfied = models.IntegerField(default=0)
    unsatisfied = models.IntegerField(default=0)
    resolution_answered = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    returns = models.IntegerField(default=0)
    transfers = models.IntegerField(default=0)
    reopened = models.IntegerField(default=0)
    answered_directly = models.IntegerField(default=0)
    suggestions = models.IntegerField(default=0)
    suggestions_replied = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=list(KEY_FIELDS), name="rollup_key")]
        indexes = [
            # Day ranges, then one dimension: the report and dashboards filter by period and one of these.
            models.Index(fields=["region_id", "day"], name="rollup_region_day"),
            models.Index(fields=["board_id", "day"], name="rollup_board_day"),
            models.Index(fields=["unit_id", "day"], name="rollup_unit_day"),
            models.Index(fields=["category_id", "day"], name="rollup_category_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} r{self.region_id} b{self.board_id} u{self.unit_id} c{self.category_id} {self.type}"

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTERS}
