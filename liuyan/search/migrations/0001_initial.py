"""The search index table: FTS5 + delete trigger on SQLite, tsvector + GIN with a cascading key on PostgreSQL."""

import django.contrib.postgres.search
from django.db import migrations, models

MESSAGE_TABLE = "msgs_message"


def create_index(apps, schema_editor):
    from liuyan.search import index

    connection = schema_editor.connection
    index.create_schema(connection, MESSAGE_TABLE)
    # An existing database keeps working: index the messages it already has (nothing to do on a fresh one).
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {MESSAGE_TABLE}")
        existing = cursor.fetchone()[0]
    if existing:
        index.rebuild(using=connection.alias)


def drop_index(apps, schema_editor):
    from liuyan.search import index

    index.drop_schema(schema_editor.connection)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("msgs", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # Django's record of the PostgreSQL table (see SearchDocument); the tables themselves are vendor SQL.
            state_operations=[
                migrations.CreateModel(
                    name="SearchDocument",
                    fields=[
                        ("message_id", models.BigIntegerField(primary_key=True, serialize=False)),
                        ("doc", django.contrib.postgres.search.SearchVectorField()),
                    ],
                    options={
                        "db_table": "search_document",
                        "required_db_vendor": "postgresql",
                    },
                ),
            ],
            database_operations=[migrations.RunPython(create_index, drop_index)],
        ),
    ]
