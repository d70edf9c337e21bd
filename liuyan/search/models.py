"""Django's view of the PostgreSQL search table, so that `flush` clears it together with the messages it references."""

from django.contrib.postgres.search import SearchVectorField
from django.db import models


class SearchDocument(models.Model):
    """One indexed message on PostgreSQL (message_id → tsvector).

    The table is created by migration 0001 (SQL per vendor) and read and written by raw SQL in
    `liuyan.search.index`, never through this model. The model exists so that Django knows the table: a flush
    (TransactionTestCase's teardown) is one TRUNCATE of every known table, and PostgreSQL refuses to truncate the
    messages table while an unknown table references it. `required_db_vendor` keeps it away from SQLite, whose
    FTS5 table is emptied by the delete trigger instead."""

    message_id = models.BigIntegerField(primary_key=True)
    doc = SearchVectorField()

    class Meta:
        db_table = "search_document"
        required_db_vendor = "postgresql"

    def __str__(self) -> str:
        return f"search document {self.message_id}"
