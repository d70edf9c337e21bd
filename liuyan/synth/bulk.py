"""Bulk loading of generated rows: executemany on SQLite, COPY on PostgreSQL, secondary indexes rebuilt after.

Worker processes can take the writing off the main one: on PostgreSQL each COPYs its batches over a connection of
its own; on SQLite, which has one writer, each writes its batch into a part file of its own and the main process
copies the part in with INSERT … SELECT (the database engine's copy, not a Python loop over rows).

Rows are tuples in the generator's column order; columns the generator leaves out get their model default, checked
once per table against the model (a column added to a model later either has a default or stops the load with a
clear error, never a silently wrong row). For a large load the non-unique secondary indexes of the tables written
are dropped first and created again from their own saved definitions at the end, so the schema ends up exactly as
migrated; unique indexes and constraints stay in place throughout.
"""

import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Model


@dataclass
class Table:
    model: type[Model]
    columns: tuple[str, ...]
    sql: str = ""
    defaults: tuple[Any, ...] = ()
    names: str = ""  # the quoted column list of `sql`


def utc_text(postgres: bool) -> Callable[[int | None], str | None]:
    """Integer UTC timestamps as the database's text: Django's SQLite format, or with a zone for PostgreSQL. Tens
    of millions of calls: a day's prefix is formatted once and the time of day comes from a table of 86,400."""
    suffix = "+00" if postgres else ""
    clock = [f"{h:02d}:{m:02d}:{s:02d}{suffix}" for h in range(24) for m in range(60) for s in range(60)]
    days: dict[int, str] = {}

    def when(ts: int | None) -> str | None:
        if ts is None:
            return None
        day, second = divmod(ts, 86400)
        prefix = days.get(day)
        if prefix is None:
            prefix = days[day] = time.strftime("%Y-%m-%d ", time.gmtime(day * 86400))
        return prefix + clock[second]

    return when


@dataclass
class Loader:
    """Writes batches of rows into `tables` (name → model and columns) on the default connection."""

    tables: dict[str, Table]
    postgres: bool = field(init=False)
    saved_indexes: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"
        for table in self.tables.values():
            self._prepare(table)

    def _prepare(self, table: Table) -> None:
        fields = {f.column: f for f in table.model._meta.concrete_fields}
        unknown = set(table.columns) - set(fields)
        if unknown:
            raise RuntimeError(f"{table.model.__name__} has no column(s) {sorted(unknown)}")
        extra: list[str] = []
        defaults: list[Any] = []
        for name, f in fields.items():
            if name in table.columns or f.primary_key:
                continue
            value = f.get_default()
            if value is None and not f.null:
                raise RuntimeError(f"{table.model.__name__}.{name} needs a value from the generator")
            defaults.append(json.dumps(value) if isinstance(value, dict | list) else value)
            extra.append(str(name))
        names = table.names = ", ".join(connection.ops.quote_name(str(c)) for c in (*table.columns, *extra))
        name = connection.ops.quote_name(table.model._meta.db_table)
        if self.postgres:
            table.sql = f"COPY {name} ({names}) FROM STDIN"
        else:
            table.sql = f"INSERT INTO {name} ({names}) VALUES ({', '.join('?' for _ in (*table.columns, *extra))})"
        table.defaults = tuple(defaults)

    def write(self, rows: dict[str, list[tuple[Any, ...]]]) -> None:
        """Insert every table's rows (in the caller's transaction), tables in the order of `tables`."""
        raw: Any = connection.connection
        for name, table in self.tables.items():
            batch = rows.get(name)
            if not batch:
                continue
            full = self._full(table, batch)
            if self.postgres:
                with raw.cursor() as cursor, cursor.copy(table.sql) as copy:
                    for row in full:
                        copy.write_row(row)
            else:
                raw.executemany(table.sql, full)

    def _full(self, table: Table, batch: list[tuple[Any, ...]]) -> Iterable[tuple[Any, ...]]:
        return (r + table.defaults for r in batch) if table.defaults else batch

    def write_part(self, rows: dict[str, list[tuple[Any, ...]]], path: str) -> None:
        """Write the rows into a new SQLite file at `path`, one table per table written, for `merge_part`."""
        part = sqlite3.connect(path, isolation_level=None)
        try:
            part.execute("PRAGMA journal_mode = OFF")
            part.execute("PRAGMA synchronous = OFF")
            part.execute("BEGIN")
            for name, table in self.tables.items():
                batch = rows.get(name)
                if batch:
                    part.execute(
                        f"CREATE TABLE {connection.ops.quote_name(table.model._meta.db_table)} ({table.names})"
                    )
                    part.executemany(table.sql, self._full(table, batch))
            part.execute("COMMIT")
        finally:
            part.close()

    def merge_part(self, path: str) -> None:
        """Copy a part file's rows into the database (SQLite), all of them or none, and delete the file."""
        q = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute("ATTACH DATABASE %s AS part", [path])  # not allowed inside a transaction
            try:
                cursor.execute("SELECT name FROM part.sqlite_master WHERE type = 'table'")
                present = {str(row[0]) for row in cursor.fetchall()}
                with transaction.atomic():
                    for table in self.tables.values():
                        db_table = table.model._meta.db_table
                        if db_table in present:
                            cursor.execute(
                                f"INSERT INTO main.{q(db_table)} ({table.names}) SELECT {table.names} "
                                f"FROM part.{q(db_table)}"
                            )
            finally:
                cursor.execute("DETACH DATABASE part")
        os.unlink(path)

    # -- a large load ---------------------------------------------------------------------------------------------

    def begin_large_load(self) -> None:
        """Drop the secondary indexes and relax durability for the load (both undone by `end_large_load`)."""
        self.relax_session()
        self.saved_indexes = self._drop_indexes()

    def relax_session(self) -> None:
        """Settings of this connection for a load (for the main connection, and each worker's own on PostgreSQL)."""
        connection.ensure_connection()
        with connection.cursor() as cursor:
            if self.postgres:
                cursor.execute("SET synchronous_commit = off")
                cursor.execute("SET maintenance_work_mem = '1GB'")
                cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                row = cursor.fetchone()
                if row and row[0]:
                    # Foreign keys are not checked row by row during the load (their triggers would dominate the
                    # time); the constraints stay, and the generator writes every referenced row first.
                    cursor.execute("SET session_replication_role = replica")
            else:
                # As on PostgreSQL: no row-by-row foreign key checks during the load (outside any transaction,
                # where SQLite allows the switch); `end_large_load` turns them on again.
                cursor.execute("PRAGMA foreign_keys = OFF")
                cursor.execute("PRAGMA synchronous = OFF")
                cursor.execute("PRAGMA cache_size = -1048576")  # 1 GiB page cache while loading
                cursor.execute("PRAGMA temp_store = MEMORY")
                # Helper threads for the sorts of CREATE INDEX at the end (SQLite's default is none).
                cursor.execute(f"PRAGMA threads = {min(os.cpu_count() or 1, 8)}")

    def end_large_load(self, on_index: Callable[[str, float], object] | None = None) -> None:
        self.relax_session()  # again: the connection may be a new one since (workers fork with none open)
        with connection.cursor() as cursor:
            for name, sql in self.saved_indexes:
                began = time.monotonic()
                cursor.execute(sql)
                if on_index is not None:
                    on_index(name, time.monotonic() - began)
            self.saved_indexes = []
            if self.postgres:
                cursor.execute("SET synchronous_commit = on")
                cursor.execute("SET session_replication_role = DEFAULT")
            else:
                cursor.execute("PRAGMA synchronous = FULL")
                cursor.execute("PRAGMA foreign_keys = ON")

    def _drop_indexes(self) -> list[tuple[str, str]]:
        saved: list[tuple[str, str]] = []
        with connection.cursor() as cursor:
            for table in self.tables.values():
                db_table = table.model._meta.db_table
                if self.postgres:
                    cursor.execute(
                        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = "
                        "x.indexrelid JOIN pg_class t ON t.oid = x.indrelid WHERE t.relname = %s AND NOT x.indisunique "
                        "AND NOT x.indisprimary",
                        [db_table],
                    )
                else:
                    cursor.execute(
                        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                        "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%'",
                        [db_table],
                    )
                saved.extend((str(name), str(sql)) for name, sql in cursor.fetchall())
            for name, _sql in saved:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        return saved

    def finish(self, *, vacuum: bool = False) -> None:
        """Move the id sequences past explicitly numbered rows (PostgreSQL) and refresh the planner statistics.

        `vacuum` (PostgreSQL, outside a transaction): VACUUM the tables as well, which sets their visibility map.
        Until that is set the planner will not use an index-only scan, so a list's capped count walks the table
        instead of its index (0.1 s instead of a few ms on a million messages); autovacuum sets it sooner or later,
        and not at all where it is off."""
        models = [t.model for t in self.tables.values()]
        command = "VACUUM (ANALYZE)" if vacuum and self.postgres and not connection.in_atomic_block else "ANALYZE"
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)
            for table in self.tables.values():
                cursor.execute(f"{command} {connection.ops.quote_name(table.model._meta.db_table)}")
