"""The search index of the public message text: an FTS5 table on SQLite, a tsvector + GIN table on PostgreSQL.

Both hold, per message id, the tokens of `liuyan.search.tokens` of the masked public title and body — never the
original text, or a public search for a phone number would tell whether a masked message contains it. Writes
happen in the caller's transaction (`index_message` from the actions that write the public text); deleting a
message removes its row (SQLite: an AFTER DELETE trigger; PostgreSQL: ON DELETE CASCADE), also for raw bulk
deletes such as the demo reset.

Queries are built here as strings of the backend's own query language from an already-tokenised Query, with every
token quoted, so nothing a user types is interpreted as FTS5 or tsquery syntax and nothing depends on the database's
text-search parser, dictionaries or locale.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from liuyan.messages.models import Message
from liuyan.search.tokens import Query, parse_query, tokens

SQLITE_TABLE = "search_fts"
SQLITE_TRIGGER = "search_fts_message_deleted"
POSTGRES_TABLE = "search_document"
POSTGRES_INDEX = "search_document_doc"
MESSAGE_TABLE = Message._meta.db_table  # "msgs_message"

DEFAULT_BATCH = 1000
PG_MAX_POSITIONS = 256  # PostgreSQL keeps at most 256 positions per lexeme and document

M = TypeVar("M", bound=Message)


class UnsupportedDatabase(RuntimeError):
    pass


def _vendor(connection: BaseDatabaseWrapper) -> str:
    if connection.vendor not in ("sqlite", "postgresql"):
        raise UnsupportedDatabase(f"full-text search supports SQLite and PostgreSQL, not {connection.vendor}")
    return str(connection.vendor)


# ---------------------------------------------------------------------------------------------------------------
# Schema (used by migration 0001 and by the post_migrate check of the SQLite trigger)


def _sqlite_trigger_sql(message_table: str) -> str:
    return (
        f"CREATE TRIGGER IF NOT EXISTS {SQLITE_TRIGGER} AFTER DELETE ON {message_table} "
        f"BEGIN DELETE FROM {SQLITE_TABLE} WHERE rowid = OLD.id; END"
    )


def create_schema(connection: BaseDatabaseWrapper, message_table: str = MESSAGE_TABLE) -> None:
    """Create the index table (and on SQLite the delete trigger) for `connection`'s vendor."""
    with connection.cursor() as cursor:
        if _vendor(connection) == "sqlite":
            # unicode61 splits our space-separated tokens and keeps each one whole (CJK bigrams, digits);
            # remove_diacritics 0 keeps them exactly as liuyan.search.tokens made them. No bm25 ranking: no sizes.
            cursor.execute(
                f"CREATE VIRTUAL TABLE {SQLITE_TABLE} USING fts5("
                "title, body, tokenize = 'unicode61 remove_diacritics 0', columnsize = 0)"
            )
            cursor.execute(_sqlite_trigger_sql(message_table))
        else:
            cursor.execute(
                f"CREATE TABLE {POSTGRES_TABLE} ("
                f"message_id bigint PRIMARY KEY REFERENCES {message_table} (id) ON DELETE CASCADE, "
                "doc tsvector NOT NULL)"
            )
            cursor.execute(f"CREATE INDEX {POSTGRES_INDEX} ON {POSTGRES_TABLE} USING gin (doc)")


def drop_schema(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if _vendor(connection) == "sqlite":
            cursor.execute(f"DROP TRIGGER IF EXISTS {SQLITE_TRIGGER}")
            cursor.execute(f"DROP TABLE IF EXISTS {SQLITE_TABLE}")
        else:
            cursor.execute(f"DROP TABLE IF EXISTS {POSTGRES_TABLE}")


def _sqlite_has(connection: BaseDatabaseWrapper, kind: str, name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = %s AND name = %s", [kind, name])
        return cursor.fetchone() is not None


def ensure_schema(connection: BaseDatabaseWrapper) -> bool:
    """After every migrate: put back the SQLite delete trigger, which a table rebuild drops (Django alters a SQLite
    table by copying it). Returns whether the index follows message deletes. Nothing before migration 0001."""
    if connection.vendor == "sqlite":
        if not _sqlite_has(connection, "table", SQLITE_TABLE):
            return False
        with connection.cursor() as cursor:
            cursor.execute(_sqlite_trigger_sql(MESSAGE_TABLE))
        return True
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [POSTGRES_TABLE])
            return bool(cursor.fetchone()[0])
    return False


# ---------------------------------------------------------------------------------------------------------------
# Documents and queries in each backend's language


def _pg_quote(token: str) -> str:
    """A lexeme literal of tsvector/tsquery input: in single quotes, with ' doubled and \\ escaped."""
    if "'" in token or "\\" in token:
        token = token.replace("\\", "\\\\").replace("'", "''")
    return f"'{token}'"


def _fts_quote(token: str) -> str:
    """An FTS5 string: in double quotes, with " doubled; inside quotes nothing is FTS5 syntax."""
    return '"' + token.replace('"', '""') + '"'


def sqlite_document(title: str, body: str) -> tuple[str, str]:
    """The FTS5 columns: space-separated tokens (title and body apart, so no phrase runs across them)."""
    return " ".join(tokens(title)), " ".join(tokens(body))


def postgres_document(title: str, body: str) -> str:
    """A tsvector literal (`'电梯':1 '梯坏':2,9 …`): positions are token positions; the body starts one position
    after a gap, so no phrase runs from the title into the body. A lexeme keeps its first 256 positions (as
    PostgreSQL would); PostgreSQL clamps positions above 16383."""
    title_tokens = tokens(title)
    numbered = [*enumerate(title_tokens, 1), *enumerate(tokens(body), len(title_tokens) + 2)]
    positions: dict[str, int | list[int]] = {}  # most lexemes occur once: a bare int until they repeat
    get = positions.get
    for position, token in numbered:
        seen = get(token)
        if seen is None:
            positions[token] = position
        elif isinstance(seen, int):
            positions[token] = [seen, position]
        elif len(seen) < PG_MAX_POSITIONS:
            seen.append(position)
    return " ".join(
        [
            f"{_pg_quote(t)}:{p}" if isinstance(p, int) else f"{_pg_quote(t)}:{','.join(map(str, p))}"
            for t, p in positions.items()
        ]
    )


def fts5_query(query: Query) -> str:
    """`"电梯 梯坏" AND "水"*`: each phrase a quoted token sequence (adjacent positions), a trailing * for a
    prefix, ANDed."""
    parts = []
    for phrase in query.phrases:
        text = _fts_quote(" ".join(phrase.tokens))
        parts.append(text + "*" if phrase.prefix else text)
    return " AND ".join(parts)


def tsquery(query: Query) -> str:
    """`('电梯' <-> '梯坏') & ('水':*)`: each phrase its lexemes followed-by (<->), :* for a prefix, ANDed."""
    parts = []
    for phrase in query.phrases:
        lexemes = [_pg_quote(t) for t in phrase.tokens]
        if phrase.prefix:
            lexemes[-1] += ":*"
        parts.append("(" + " <-> ".join(lexemes) + ")")
    return " & ".join(parts)


def match_sql(query: Query, *, using: str = DEFAULT_DB_ALIAS) -> tuple[str, list[Any]]:
    """SQL selecting the ids of messages whose public text matches `query`, and its parameters."""
    if _vendor(connections[using]) == "sqlite":
        return f"SELECT rowid FROM {SQLITE_TABLE} WHERE {SQLITE_TABLE} MATCH %s", [fts5_query(query)]
    return f"SELECT message_id FROM {POSTGRES_TABLE} WHERE doc @@ %s::tsquery", [tsquery(query)]


# ---------------------------------------------------------------------------------------------------------------
# Writing


def _batches(rows: Iterable[tuple[int, str, str]], size: int) -> Iterator[list[tuple[int, str, str]]]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


def _write(connection: BaseDatabaseWrapper, chunk: list[tuple[int, str, str]]) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.executemany(
                f"INSERT OR REPLACE INTO {SQLITE_TABLE} (rowid, title, body) VALUES (%s, %s, %s)",
                [(pk, *sqlite_document(title, body)) for pk, title, body in chunk],
            )
        else:
            values = ", ".join(["(%s, %s::tsvector)"] * len(chunk))
            params: list[Any] = []
            for pk, title, body in chunk:
                params += [pk, postgres_document(title, body)]
            cursor.execute(
                f"INSERT INTO {POSTGRES_TABLE} (message_id, doc) VALUES {values} "
                "ON CONFLICT (message_id) DO UPDATE SET doc = EXCLUDED.doc",
                params,
            )


def index_rows(
    rows: Iterable[tuple[int, str, str]], *, batch: int = DEFAULT_BATCH, using: str = DEFAULT_DB_ALIAS
) -> int:
    """Upsert (message id, public title, public body) rows, `batch` rows per statement; returns how many.

    The caller passes the masked public text. Runs in the caller's transaction (or autocommit per batch)."""
    connection = connections[using]
    _vendor(connection)
    count = 0
    for chunk in _batches(rows, max(1, batch)):
        _write(connection, chunk)
        count += len(chunk)
    return count


def index_message(message: Message) -> None:
    """(Re)index one message from its masked public title and body. Call in the transaction that wrote them."""
    index_rows([(message.pk, message.public_title, message.public_body)], using=message._state.db or DEFAULT_DB_ALIAS)


def remove(ids: Iterable[int], *, using: str = DEFAULT_DB_ALIAS) -> int:
    """Drop index rows (deleted messages go by themselves; this is for rows that should not be searchable)."""
    connection = connections[using]
    table, key = (SQLITE_TABLE, "rowid") if _vendor(connection) == "sqlite" else (POSTGRES_TABLE, "message_id")
    removed = 0
    for chunk in _batches(((int(pk), "", "") for pk in ids), DEFAULT_BATCH):
        with connection.cursor() as cursor:
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM {table} WHERE {key} IN ({marks})", [pk for pk, _t, _b in chunk])
            removed += max(cursor.rowcount, 0)
    return removed


# ---------------------------------------------------------------------------------------------------------------
# Reading


def looks_like_number(text: str) -> bool:
    """A message number: the submission day and the row id, 16 digits or more (20260302 00001234)."""
    return text.isascii() and text.isdigit() and len(text) >= 16


def looks_like_phone(text: str) -> bool:
    """What submission accepts as a contact phone: digits, +, - and spaces, with 7 to 15 digits."""
    digits = sum(c.isdigit() for c in text)
    return bool(text) and set(text) <= _PHONE_CHARS and 7 <= digits <= 15


_PHONE_CHARS = set("0123456789+- ")


def search_filter(queryset: "QuerySet[M]", query: str | Query, *, or_number_or_phone: bool = False) -> "QuerySet[M]":
    """Narrow a Message queryset to the messages whose public text matches `query` (a search box's text, parsed
    by `parse_query`, which raises InvalidInput for an empty or oversized query). Ordering, limits and visibility
    stay the caller's: this adds `id IN (…)` and nothing else.

    `or_number_or_phone` (staff lists): also the message whose number is exactly the query, and the messages whose
    contact phone is exactly the query (staff look up callers by phone)."""
    using = queryset.db
    parsed = query if isinstance(query, Query) else parse_query(query)
    sql, params = match_sql(parsed, using=using)
    exact = query.strip() if isinstance(query, str) else ""
    if or_number_or_phone and looks_like_number(exact):
        sql += f" UNION SELECT id FROM {MESSAGE_TABLE} WHERE number = %s"
        params.append(exact)
    if or_number_or_phone and looks_like_phone(exact):
        sql += f" UNION SELECT id FROM {MESSAGE_TABLE} WHERE contact_phone = %s"  # message_contact_phone_idx
        params.append(exact)
    return queryset.filter(pk__in=RawSQL(sql, params))


# ---------------------------------------------------------------------------------------------------------------
# Maintenance


@dataclass
class Status:
    backend: str
    messages: int
    indexed: int
    missing: int  # messages without an index row
    orphans: int  # index rows without a message
    follows_deletes: bool  # the delete trigger (SQLite) or the cascading foreign key (PostgreSQL) is in place


def _key(connection: BaseDatabaseWrapper) -> tuple[str, str]:
    return (SQLITE_TABLE, "rowid") if _vendor(connection) == "sqlite" else (POSTGRES_TABLE, "message_id")


def status(*, using: str = DEFAULT_DB_ALIAS) -> Status:
    connection = connections[using]
    table, key = _key(connection)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {MESSAGE_TABLE}")
        messages = cursor.fetchone()[0]
        cursor.execute(f"SELECT count(*) FROM {table}")
        indexed = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT count(*) FROM {MESSAGE_TABLE} m WHERE NOT EXISTS (SELECT 1 FROM {table} s WHERE s.{key} = m.id)"
        )
        missing = cursor.fetchone()[0]
    if connection.vendor == "sqlite":
        follows = _sqlite_has(connection, "trigger", SQLITE_TRIGGER)
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM pg_constraint WHERE contype = 'f' AND conrelid = %s::regclass "
                "AND confrelid = %s::regclass AND confdeltype = 'c'",
                [POSTGRES_TABLE, MESSAGE_TABLE],
            )
            follows = cursor.fetchone() is not None
    return Status(
        backend="SQLite FTS5" if connection.vendor == "sqlite" else "PostgreSQL tsvector + GIN",
        messages=messages,
        indexed=indexed,
        missing=missing,
        orphans=indexed - (messages - missing),
        follows_deletes=follows,
    )


def rebuild(
    *, batch: int = DEFAULT_BATCH, using: str = DEFAULT_DB_ALIAS, on_batch: Callable[[int], object] | None = None
) -> int:
    """Reindex every message from the messages table, `batch` messages per transaction, and drop rows of messages
    that no longer exist. Idempotent; safe while the site runs (on PostgreSQL each batch holds a share lock on its
    message rows, so a concurrent redaction's index write lands after the batch's, not before it).
    `on_batch(n)` is told how many messages each batch indexed. Returns how many messages were indexed."""
    connection = connections[using]
    vendor = _vendor(connection)
    ensure_schema(connection)
    lock = " FOR SHARE" if vendor == "postgresql" else ""
    last, total = 0, 0
    while True:
        with transaction.atomic(using=using), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, public_title, public_body FROM {MESSAGE_TABLE} WHERE id > %s ORDER BY id LIMIT %s{lock}",
                [last, max(1, batch)],
            )
            rows = [(int(pk), str(title), str(body)) for pk, title, body in cursor.fetchall()]
            if not rows:
                break
            index_rows(rows, batch=batch, using=using)
        last = rows[-1][0]
        total += len(rows)
        if on_batch is not None:
            on_batch(len(rows))
    table, key = _key(connection)
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {key} NOT IN (SELECT id FROM {MESSAGE_TABLE})")
    optimise(using=using)
    return total


def optimise(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """After a bulk load: merge FTS5's segments into one b-tree (SQLite) or refresh planner statistics (PostgreSQL)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if _vendor(connection) == "sqlite":
            cursor.execute(f"INSERT INTO {SQLITE_TABLE} ({SQLITE_TABLE}) VALUES ('optimize')")
        else:
            cursor.execute(f"ANALYZE {POSTGRES_TABLE}")
