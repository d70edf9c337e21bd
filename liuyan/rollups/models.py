"""One rollup row per (submission day, region, board, unit, category, type) with the counters of `metrics`.

The key columns are plain integers, not foreign keys: 0 stands for "none" (no region, no unit yet, no category), so
the key is NOT NULL and one ordinary unique constraint serves the upsert (`INSERT … ON CONFLICT (key) DO UPDATE`,
the same SQL on SQLite and PostgreSQL). Counts are attributed to the local date the message was submitted.
"""

from django.db import models

from liuyan.rollups.metrics import COUNTERS

NONE = 0  # the key's "no region / unit / category" sentinel
KEY_FIELDS: tuple[str, ...] = ("day", "region_id", "board_id", "unit_id", "category_id", "type")


class Counted(models.Model):
    """The counters of `metrics.COUNTERS`, one column each."""

    messages = models.IntegerField(default=0, db_default=0)
    valid = models.IntegerField(default=0, db_default=0)
    replied = models.IntegerField(default=0, db_default=0)
    replied_on_time = models.IntegerField(default=0, db_default=0)
    closed = models.IntegerField(default=0, db_default=0)
    closed_on_time = models.IntegerField(default=0, db_default=0)
    dispatched = models.IntegerField(default=0, db_default=0)
    signed_on_time = models.IntegerField(default=0, db_default=0)
    contacted_on_time = models.IntegerField(default=0, db_default=0)
    rated = models.IntegerField(default=0, db_default=0)
    satisfied = models.IntegerField(default=0, db_default=0)
    basically_satisfied = models.IntegerField(default=0, db_default=0)
    unsatisfied = models.IntegerField(default=0, db_default=0)
    resolution_answered = models.IntegerField(default=0, db_default=0)
    resolved = models.IntegerField(default=0, db_default=0)
    returns = models.IntegerField(default=0, db_default=0)
    transfers = models.IntegerField(default=0, db_default=0)
    reopened = models.IntegerField(default=0, db_default=0)
    answered_directly = models.IntegerField(default=0, db_default=0)
    suggestions = models.IntegerField(default=0, db_default=0)
    suggestions_replied = models.IntegerField(default=0, db_default=0)
    reply_hours = models.BigIntegerField(default=0, db_default=0)

    class Meta:
        abstract = True

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTERS}


class Rollup(Counted):
    day = models.DateField(help_text="Local date of submission")
    region_id = models.IntegerField(default=NONE, help_text="geo.Region id, 0: none")
    board_id = models.IntegerField(help_text="orgs.Board id")
    unit_id = models.IntegerField(default=NONE, help_text="orgs.Unit id of the main unit, 0: none")
    category_id = models.IntegerField(default=NONE, help_text="taxonomy.Category id, 0: none")
    type = models.CharField(max_length=12)

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


class Grain(models.IntegerChoices):
    """The dimensions a summary row keeps (besides the month); the others are summed away."""

    TYPE = 9, "类型 type (the whole country)"
    PROVINCE_DOMAIN = 1, "省份 × 领域 province × domain"
    PROVINCE_TYPE = 2, "省份 × 类型 province × type"
    BOARD_DOMAIN = 3, "留言板 × 领域 board × domain"
    BOARD_PROVINCE = 4, "留言板 × 省份 board × province"
    BOARD_TYPE = 5, "留言板 × 类型 board × type"
    UNIT_PROVINCE = 6, "办理单位 × 省份 unit × province"
    CITY_DOMAIN = 7, "地市 × 领域 city × domain (with the province)"
    CATEGORY_PROVINCE = 8, "分类 × 省份 category × province (with the domain)"


# Each grain is also kept summed to years, as grain + YEARLY with `month` on January 1st: a report or dashboard
# over whole years reads twelve times fewer rows (the five-year comparison read 130,000 monthly rows).
YEARLY = 100


def yearly(grain: int) -> int:
    """The grain summed to years."""
    return grain + YEARLY


SUMMARY_GRAINS: list[tuple[int, str]] = [
    *Grain.choices,
    *((yearly(grain), f"{label} (年 yearly)") for grain, label in Grain.choices),
]


# Which of the summary's dimension columns each grain fills (the rest hold NONE / "").
GRAIN_DIMENSIONS: dict[int, tuple[str, ...]] = {
    Grain.TYPE: ("type",),
    # In the order of their usual size at national scale (rows a month), so the first that holds a query's
    # dimensions is the cheapest: 5 types, 31 × 5 types, ~100 boards (mostly one province each), 31 × 20 domains, …
    Grain.PROVINCE_TYPE: ("province", "type"),
    Grain.BOARD_PROVINCE: ("board", "province"),
    Grain.BOARD_TYPE: ("board", "type"),
    Grain.PROVINCE_DOMAIN: ("province", "domain"),
    Grain.BOARD_DOMAIN: ("board", "domain"),
    Grain.UNIT_PROVINCE: ("unit", "province"),
    # A city or a category determines its province or domain: keeping both adds no rows, and lets one grain
    # filter by the coarser and group by the finer.
    Grain.CITY_DOMAIN: ("province", "city", "domain"),
    Grain.CATEGORY_PROVINCE: ("province", "domain", "category"),
}
SUMMARY_KEY_FIELDS: tuple[str, ...] = (
    "grain",
    "month",
    "province_id",
    "city_id",
    "domain_id",
    "category_id",
    "board_id",
    "unit_id",
    "type",
)


class Summary(Counted):
    """The rollups summed to months (and years) and to two coarse dimensions at a time (see `Grain`), for
    national-scale reads.

    A day × region × board × unit × category × type row is close to one message at national scale (a few
    thousand messages a day spread over thousands of counties and units), so a report over years would read
    nearly as many rollup rows as messages. The national report and the dashboards' top levels only need months
    by province, city, domain (一级 category), category, board, unit and type, two at a time: a few hundred thousand rows at most over a
    decade, whatever the volume. Folded from the log the actions append to (`upkeep.fold`); rebuilt from the daily
    rows. The yearly grains (`yearly(grain)`) hold the same rows summed to years.
    """

    grain = models.PositiveSmallIntegerField(choices=SUMMARY_GRAINS)
    month = models.DateField(help_text="First day of the local month of submission (of its year: a yearly grain)")
    province_id = models.IntegerField(default=NONE, help_text="geo.Region id of the province, 0: none / not kept")
    city_id = models.IntegerField(default=NONE, help_text="geo.Region id of the city (地级), 0: none / not kept")
    domain_id = models.IntegerField(default=NONE, help_text="taxonomy.Category id of the domain, 0: none / not kept")
    category_id = models.IntegerField(default=NONE, help_text="taxonomy.Category id (the leaf), 0: none / not kept")
    board_id = models.IntegerField(default=NONE, help_text="orgs.Board id, 0: not kept")
    unit_id = models.IntegerField(default=NONE, help_text="orgs.Unit id of the main unit, 0: none / not kept")
    type = models.CharField(max_length=12, default="", help_text="Message type, empty: not kept")

    class Meta:
        constraints = [models.UniqueConstraint(fields=list(SUMMARY_KEY_FIELDS), name="summary_key")]
        indexes = [models.Index(fields=["grain", "month"], name="summary_grain_month")]

    def __str__(self) -> str:
        return f"{self.get_grain_display()} {self.month:%Y-%m} p{self.province_id} d{self.domain_id} b{self.board_id}"


class PendingDelta(Counted):
    """A daily key's counter change not yet folded into the summaries (`liuyan rollup fold`).

    The summaries' rows are few and hot: every action in a province this month touches the same province ×
    type row, so updating them inside each action would make concurrent actions queue on one row lock and add
    nine row writes to each. Instead the action appends its daily delta here (insert-only: nothing to lock or
    wait for), `fold` moves the log into the summaries in one transaction, and every read adds the deltas not
    folded yet, so figures are exact whether or not the fold has run.
    """

    day = models.DateField()
    region_id = models.IntegerField(default=NONE)
    board_id = models.IntegerField()
    unit_id = models.IntegerField(default=NONE)
    category_id = models.IntegerField(default=NONE)
    type = models.CharField(max_length=12)

    class Meta:
        indexes = [models.Index(fields=["day"], name="pending_delta_day")]

    def __str__(self) -> str:
        return f"pending {self.day} r{self.region_id} b{self.board_id} {self.type}"
