"""`python -m bench pages`: server-side time and queries per request of the portal and API pages on the fixture.

Each request goes through Django's test Client in this process: URL resolution, middleware, the view, its
queries and the template or JSON rendering — no network, no WSGI server, no browser. Every case draws its inputs
(board, region, category, status, message number …) from a seeded generator, sends `warmup` untimed requests, then
`requests` timed ones, and reports p50 / p95 / max milliseconds and the queries per request
(django.test.utils.CaptureQueriesContext). A case whose URL does not resolve yet (a portal page still being
written) is skipped with a note, so the same command measures it once it exists.
"""

import contextlib
import json
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

HANDLER = "handler"  # the demo login of A市住房和城乡建设局 (X0101-ZJ), the busiest unit of the fixture
INBOX_TABS = ("sign", "handling", "due_soon", "overdue", "reply_review")
# The unit inbox's tabs as filters of the JSON list (what the same unit sees through the API).
API_TABS: dict[str, dict[str, str]] = {
    "sign": {"state": "dispatched"},
    "handling": {"state": "in_progress"},
    "due_soon": {"warning": "yellow"},
    "overdue": {"overdue": "true"},
    "reply_review": {"state": "reply_review"},
}
LISTED_STATUSES = ("accepted", "handling", "replied", "rated", "closed")
COMMON_WORDS = ("小区", "反映", "问题")  # in most messages
RARE_WORDS = ("蓝天幼儿园", "星光网吧", "柳湾镇")  # a slot value or two out of many: well under 1% of messages
DEEP_PAGE = 500  # 20 a page: rows 9,981–10,000
DEEP_OFFSET = (DEEP_PAGE - 1) * 20


@dataclass(frozen=True)
class Case:
    name: str
    url: Callable[[random.Random], str]
    login: bool = False  # as the `handler` demo login


@dataclass
class Inputs:
    boards: list[str]
    regions: list[str]
    categories: list[int]
    public_numbers: list[str]
    replied_numbers: list[str]
    unit_numbers: list[str]


def _inputs(seed: int) -> Inputs:
    """Real values from the fixture: the province's boards (not the ministries, which get no fixture messages),
    regions (cities and counties), first-level categories, and samples of public, replied and the handler's own
    messages."""
    from liuyan.accounts.models import User
    from liuyan.geo.models import Region
    from liuyan.messages.models import Message
    from liuyan.messages.states import PUBLIC_LISTED_STATES
    from liuyan.orgs.models import Board
    from liuyan.taxonomy.models import Category

    rng = random.Random(f"{seed}:inputs")
    top = Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    ids = [rng.randint(1, top) for _ in range(4000)] if top else []
    public = Message.objects.filter(pk__in=ids, is_public=True, state__in=PUBLIC_LISTED_STATES)
    replied = public.filter(state__in=["replied", "rated", "closed", "archived"])
    handler = User.objects.select_related("unit").get(username=HANDLER)
    unit_ids = list(Message.objects.filter(unit=handler.unit).values_list("pk", flat=True))
    unit_sample = rng.sample(unit_ids, min(len(unit_ids), 500))
    return Inputs(
        boards=sorted(Board.objects.filter(is_active=True, code__startswith="X01").values_list("code", flat=True)),
        regions=sorted(Region.objects.filter(code__startswith="X01", level__in=[2, 3]).values_list("code", flat=True)),
        categories=sorted(Category.objects.filter(parent=None, is_active=True).values_list("pk", flat=True)),
        public_numbers=sorted(public.values_list("number", flat=True)),
        replied_numbers=sorted(replied.values_list("number", flat=True)),
        unit_numbers=sorted(Message.objects.filter(pk__in=unit_sample).values_list("number", flat=True)),
    )


def _q(path: str, **params: Any) -> str:
    return f"{path}?{urlencode(params)}" if params else path


def fixed(url: str) -> Callable[[random.Random], str]:
    return lambda rng: url


def cases(inp: Inputs) -> list[Case]:
    def pick(values: list[Any]) -> Callable[[random.Random], Any]:
        return lambda rng: rng.choice(values)

    board, region, category = pick(inp.boards), pick(inp.regions), pick(inp.categories)
    status, common, rare = pick(list(LISTED_STATUSES)), pick(list(COMMON_WORDS)), pick(list(RARE_WORDS))
    public, replied, own = pick(inp.public_numbers), pick(inp.replied_numbers), pick(inp.unit_numbers)
    api = "/api/v1/messages"
    out = [
        Case("portal list", lambda r: "/messages/"),
        Case("portal list ?board", lambda r: _q("/messages/", board=board(r))),
        Case("portal list ?region", lambda r: _q("/messages/", region=region(r))),
        Case("portal list ?category", lambda r: _q("/messages/", category=category(r))),
        Case("portal list ?status", lambda r: _q("/messages/", status=status(r))),
        Case("portal list ?q common", lambda r: _q("/messages/", q=common(r))),
        Case("portal list ?q rare", lambda r: _q("/messages/", q=rare(r))),
        Case(f"portal list ?page={DEEP_PAGE}", lambda r: _q("/messages/", page=DEEP_PAGE)),
        Case("portal message", lambda r: f"/messages/{public(r)}/"),
        Case("portal message (replied)", lambda r: f"/messages/{replied(r)}/"),
        *(Case(f"portal inbox tab={tab}", fixed(_q("/work/inbox/", tab=tab)), login=True) for tab in INBOX_TABS),
        Case("api list", lambda r: api),
        Case("api list ?board", lambda r: _q(api, board=board(r))),
        Case("api list ?region", lambda r: _q(api, region=region(r))),
        Case("api list ?category", lambda r: _q(api, category=category(r))),
        Case("api list ?public_status", lambda r: _q(api, public_status=status(r))),
        Case("api list ?q common", lambda r: _q(api, q=common(r))),
        Case("api list ?q rare", lambda r: _q(api, q=rare(r))),
        Case(f"api list ?offset={DEEP_OFFSET}", lambda r: _q(api, offset=DEEP_OFFSET)),
        Case("api message", lambda r: f"{api}/{public(r)}"),
        Case("api message (replied)", lambda r: f"{api}/{replied(r)}"),
        Case("api unit list (handler)", lambda r: api, login=True),
        *(Case(f"api unit list {tab} (handler)", fixed(_q(api, **p)), login=True) for tab, p in API_TABS.items()),
        Case("api message (handler, own unit)", lambda r: f"{api}/{own(r)}", login=True),
    ]
    return out


def collect_static() -> None:
    """Pages link their CSS through the manifest storage, as `liuyan serve` does after collectstatic: collect into a
    temporary directory so that the benchmark leaves var/ alone."""
    import tempfile

    from django.conf import settings
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.core.management import call_command

    settings.STATIC_ROOT = tempfile.mkdtemp(prefix="liuyan-bench-static-")
    staticfiles_storage._setup()  # type: ignore[attr-defined]  # re-read STATIC_ROOT
    began = time.perf_counter()
    call_command("collectstatic", interactive=False, verbosity=0)
    print(
        f"static files collected into {settings.STATIC_ROOT} in {time.perf_counter() - began:.1f} s",
        file=sys.stderr,
        flush=True,
    )


def _resolves(url: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve(url.split("?", 1)[0])
    except Resolver404:
        return False
    return True


def measure(case: Case, *, requests: int, warmup: int, seed: int, max_seconds: float = 90.0) -> dict[str, Any]:
    """Time one case; skipped (with the reason) when its URL does not resolve or does not answer 200. A slow case
    stops after `max_seconds` of timed requests (at least 20 of them), so a run stays bounded."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from liuyan.accounts.models import User

    rng = random.Random(f"{seed}:{case.name}")
    client = Client(raise_request_exception=False)
    if case.login:
        client.force_login(User.objects.get(username=HANDLER))
    first = case.url(rng)
    if not _resolves(first):
        return {"case": case.name, "skipped": f"{first.split('?')[0]} does not exist yet (404)"}
    times: list[float] = []
    queries: list[int] = []
    statuses: dict[int, int] = {}
    example = first
    timed_since = 0.0
    for i in range(warmup + requests):
        if i == warmup:
            timed_since = time.perf_counter()
        elif i > warmup + 20 and time.perf_counter() - timed_since > max_seconds:
            break
        url = first if i == 0 else case.url(rng)
        # The query log keeps at most 9,000 entries (then CaptureQueriesContext would count 0): empty it first.
        connection.queries_log.clear()
        began = time.perf_counter()  # before the context, which opens the connection a real request opens too
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        elapsed = (time.perf_counter() - began) * 1000
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if response.status_code != 200:
            if i < warmup + 1 and response.status_code in (404, 500, 501):
                return {"case": case.name, "skipped": f"{url} answered {response.status_code}", "example": url}
            continue
        if i >= warmup:
            times.append(elapsed)
            queries.append(len(captured.captured_queries))
    if not times:
        return {"case": case.name, "skipped": f"no 200 answers ({statuses})", "example": example}
    return {
        "case": case.name,
        "requests": len(times),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(statistics.quantiles(times, n=20)[18], 1) if len(times) >= 20 else round(max(times), 1),
        "max_ms": round(max(times), 1),
        "queries_p50": int(statistics.median(queries)),
        "queries_max": max(queries),
        "statuses": statuses,
        "example": example,
    }


@contextlib.contextmanager
def sqlite_statistics(keep: bool) -> Iterator[None]:
    """With keep=False, hide SQLite's planner statistics (sqlite_stat1, from the fixture's ANALYZE) for the run, as
    in a Django SQLite database nobody ever analysed; they are put back afterwards."""
    from django.db import connection

    if keep or connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_stat1_saved")
        cur.execute("CREATE TABLE bench_stat1_saved AS SELECT * FROM sqlite_stat1")
        cur.execute("DELETE FROM sqlite_stat1")
    connection.close()  # the next connection plans without statistics
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute("INSERT INTO sqlite_stat1 SELECT * FROM bench_stat1_saved")
            cur.execute("DROP TABLE bench_stat1_saved")
        connection.close()


def run(
    *,
    database: str,
    marker: dict[str, Any],
    requests: int = 200,
    warmup: int = 10,
    seed: int = 2026,
    only: list[str] | None = None,
    json_out: str = "",
    statistics_kept: bool = True,
    max_seconds: float = 90.0,
) -> list[dict[str, Any]]:
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    collect_static()
    inputs = _inputs(seed)
    selected = [c for c in cases(inputs) if not only or any(s in c.name for s in only)]
    stats = "" if statistics_kept or database != "sqlite" else " WITHOUT planner statistics (sqlite_stat1 hidden)"
    print(
        f"{database}{stats}: {marker['messages']:,} messages (seed {marker['seed']}, as of {marker['as_of']}); "
        f"{requests} timed requests per case after {warmup} untimed; in-process test Client, server side only",
        flush=True,
    )
    with sqlite_statistics(statistics_kept):
        return _run_cases(selected, database, marker, requests, warmup, seed, json_out, max_seconds)


def _run_cases(
    selected: list[Case],
    database: str,
    marker: dict[str, Any],
    requests: int,
    warmup: int,
    seed: int,
    json_out: str,
    max_seconds: float,
) -> list[dict[str, Any]]:
    print(f"{'case':<40} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>8}", flush=True)
    results = []
    for case in selected:
        result = measure(case, requests=requests, warmup=warmup, seed=seed, max_seconds=max_seconds)
        results.append(result)
        if "skipped" in result:
            print(f"{case.name:<40} skipped: {result['skipped']}", flush=True)
            continue
        q = result["queries_max"]
        queries = f"{result['queries_p50']}" if q == result["queries_p50"] else f"{result['queries_p50']}–{q}"
        print(
            f"{case.name:<40} {result['requests']:>4} {result['p50_ms']:>8} {result['p95_ms']:>8} "
            f"{result['max_ms']:>8} {queries:>8}",
            flush=True,
        )
    if json_out:
        with open(json_out, "w", encoding="utf-8") as out:
            json.dump({"database": database, "fixture": marker, "results": results}, out, ensure_ascii=False, indent=2)
    skipped = [r["case"] for r in results if "skipped" in r]
    if skipped:
        print(
            f"skipped {len(skipped)} case(s); rerun later: .venv/bin/python -m bench pages --db {database} "
            f"--messages {marker['messages']}",
            flush=True,
        )
    return results
