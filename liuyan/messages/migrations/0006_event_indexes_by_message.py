"""Drop the event log's single-column indexes on action, at and message: no query reads them ((message, at) serves
the foreign key and the timeline). The indexes are dropped in place; the default AlterField would copy the whole
table on SQLite, once per field."""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models

DROPPED = (["action"], ["at"], ["message_id"])


def _drop(apps: Any, schema_editor: Any) -> None:
    event = apps.get_model("msgs", "Event")
    table = event._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        constraints = schema_editor.connection.introspection.get_constraints(cursor, table)
    for name, info in constraints.items():
        if info["index"] and not info["primary_key"] and not info["unique"] and info["columns"] in DROPPED:
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def _restore(apps: Any, schema_editor: Any) -> None:
    event = apps.get_model("msgs", "Event")
    for columns in DROPPED:
        field = event._meta.get_field(columns[0].removesuffix("_id"))
        schema_editor.execute(schema_editor._create_index_sql(event, fields=[field]))


class Migration(migrations.Migration):
    dependencies = [
        ("msgs", "0005_latest_replied_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(_drop, _restore)],
            state_operations=[
                migrations.AlterField(model_name="event", name="action", field=models.CharField(max_length=30)),
                migrations.AlterField(model_name="event", name="at", field=models.DateTimeField()),
                migrations.AlterField(
                    model_name="event",
                    name="message",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="events",
                        to="msgs.message",
                    ),
                ),
            ],
        ),
    ]
