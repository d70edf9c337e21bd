"""Drop the message table's single-column indexes on board, region, unit and state: each column leads a composite
index (msg_board_time_public, msg_region_time_public, (unit, state), (state, due_at)) that serves the same
lookups (category keeps its own: see the model). Dropped in place (on PostgreSQL with state's varchar_pattern_ops
twin); the default AlterField would copy the whole table on SQLite, once per field."""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models

DROPPED = (["board_id"], ["region_id"], ["unit_id"], ["state"])


def _drop(apps: Any, schema_editor: Any) -> None:
    message = apps.get_model("msgs", "Message")
    with schema_editor.connection.cursor() as cursor:
        constraints = schema_editor.connection.introspection.get_constraints(cursor, message._meta.db_table)
    for name, info in constraints.items():
        if info["index"] and not info["primary_key"] and not info["unique"] and info["columns"] in DROPPED:
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def _restore(apps: Any, schema_editor: Any) -> None:
    message = apps.get_model("msgs", "Message")
    for columns in DROPPED:
        field = message._meta.get_field(columns[0].removesuffix("_id"))
        schema_editor.execute(schema_editor._create_index_sql(message, fields=[field]))
        like = getattr(schema_editor, "_create_like_index_sql", None)  # PostgreSQL's twin for LIKE on a varchar
        if like is not None and (statement := like(message, field)) is not None:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("geo", "0001_initial"),
        ("msgs", "0006_event_indexes_by_message"),
        ("orgs", "0004_alter_board_auto_dispatch_threshold"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(_drop, _restore)],
            state_operations=[
                migrations.AlterField(
                    model_name="message",
                    name="board",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="messages",
                        to="orgs.board",
                    ),
                ),
                migrations.AlterField(
                    model_name="message",
                    name="region",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        help_text="Where the problem is",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="messages",
                        to="geo.region",
                    ),
                ),
                migrations.AlterField(
                    model_name="message",
                    name="state",
                    field=models.CharField(
                        choices=[
                            ("submitted", "已提交 Submitted"),
                            ("under_review", "待审核 Under review"),
                            ("rejected", "不予受理 Rejected"),
                            ("answered_directly", "直接答复 Answered directly"),
                            ("merged", "已合并 Merged as duplicate"),
                            ("accepted", "已受理·待交办 Accepted"),
                            ("dispatched", "已交办·待签收 Dispatched"),
                            ("in_progress", "办理中 In progress"),
                            ("return_requested", "申请退回/转办 Return requested"),
                            ("waiting_citizen", "待补充 Waiting for the citizen"),
                            ("reply_review", "答复待审核 Reply under review"),
                            ("replied", "已回复 Replied"),
                            ("rated", "已评价 Rated"),
                            ("closed", "已办结 Closed"),
                            ("archived", "已归档 Archived"),
                        ],
                        default="submitted",
                        max_length=20,
                    ),
                ),
                migrations.AlterField(
                    model_name="message",
                    name="unit",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        help_text="Main handling unit 主办单位",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="messages",
                        to="orgs.unit",
                    ),
                ),
            ],
        ),
    ]
