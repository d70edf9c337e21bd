"""`python -m bench plans`: the query plans and timings of the message list's COUNT and first page on the fixture.

The querysets are the API list's own (`visible_messages_for` + `apply_filters`, as `GET /api/v1/messages` builds
them), for the public and for the `handler` demo login; each SQL statement is captured as Django sends it and run
again under EXPLAIN QUERY PLAN (SQLite) or EXPLAIN (ANALYZE, BUFFERS) (PostgreSQL).
"""

import time
from typing import Any

CASES: list[tuple[str, dict[str, Any], bool]] = [
    ("public, no filter", {}, False),
    ("public, board X01-SW", {"board": "X01-SW"}, False),
    ("public, board X0102-SZ", {"board": "X0102-SZ"}, False),
    ("public, region X0101 (A市)", {"region": "X0101"}, False),
    ("public, region X010203 (a county)", {"region": "X010203"}, False),
    ("public, category 住房和城乡建设", {"category": "住房和城乡建设"}, False),
    ("public, status handling", {"public_status": "handling"}, False),
    ("public, status closed", {"public_status": "closed"}, False),
    ("handler, no filter", {}, True),
    ("handler, state dispatched", {"state": "dispatched"}, True),
    ("handler, overdue", {"overdue": True}, True),
]


def _explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute(f"EXPLAIN QUERY PLAN {sql}")
            return "\n".join(f"    {row[-1]}" for row in cur.fetchall())
        cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(f"    {row[0]}" for row in cur.fetchall())


def run(*, only: list[str] | None = None) -> None:
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from liuyan.accounts.models import User
    from liuyan.api.filters import MessageFilters, apply_filters
    from liuyan.messages.access import visible_messages_for
    from liuyan.messages.present import LIST_RELATED, personal_list_view
    from liuyan.taxonomy.models import Category

    handler = User.objects.select_related("unit").get(username="handler")
    for name, params, staff in CASES:
        if only and not any(s in name for s in only):
            continue
        user: Any = handler if staff else AnonymousUser()
        if "category" in params:
            params = {**params, "category": Category.objects.get(path=params["category"]).pk}
        messages = apply_filters(
            visible_messages_for(user), MessageFilters(**params), user=user, search_original=personal_list_view(user)
        ).select_related(*LIST_RELATED)
        print(f"== {name}")
        for label in ("count", "page 1"):
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                size = messages.count() if label == "count" else len(list(messages[:20]))
                elapsed = (time.perf_counter() - began) * 1000
            print(f"  {label}: {elapsed:.1f} ms ({size:,})")
            for q in captured.captured_queries:
                print(f"  SQL: {q['sql'][:600]}")
                print(_explain(q["sql"]))
