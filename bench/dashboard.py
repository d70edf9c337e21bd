"""Speed of the dashboard pages on a data set (not a test): server-side time and queries per page, cold and warm.

`python -m bench.dashboard --url DATABASE_URL [--repeat 10]` signs in as a national analyst (the user
`bench.analyst`, created in that database if missing: the national data set has province staff only) and as the
province supervisor `synth.440000.supervisor`, and requests /data/ through Django's test Client in this process (URL
resolution, middleware, the view, its queries, the template; no network) for: the country for a year, the
fourteenth five-year period against the thirteenth, a province drilled into, a domain drilled into, a province and
a domain, a board, and the supervisor's own province. Each page is timed `--repeat` times *cold* (the figure
cache emptied before every request: what the first viewer of a scope waits) and as often *warm* (the figures cached,
as for the next viewers in the next five minutes), plus one chart's SVG cold. Prints JSON: p50 / p95 / max in
milliseconds and the queries per request. The national data set comes from `python -m bench synth`.
"""

import argparse
import json
import os
import statistics
import sys
import time
from typing import Any

import django

ANALYST = "bench.analyst"
SUPERVISOR = "synth.440000.supervisor"  # 广东 in the national data set


def _ms(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "p50": round(statistics.median(ordered) * 1000, 1),
        "p95": round(p95 * 1000, 1),
        "max": round(ordered[-1] * 1000, 1),
    }


def _pages() -> list[tuple[str, str, dict[str, str]]]:
    from liuyan.orgs.models import Board
    from liuyan.taxonomy.models import Category

    housing = Category.objects.filter(parent__isnull=True, name="住房和城乡建设").values_list("pk", flat=True).first()
    board = Board.objects.filter(code="440000-SW").values_list("code", flat=True).first()
    pages: list[tuple[str, str, dict[str, str]]] = [
        ("country, 2025", ANALYST, {"period": "2025"}),
        ("country, 2021-2025 against 2016-2020", ANALYST, {"period": "2021-2025", "baseline": "2016-2020"}),
        ("province 广东, 2025", ANALYST, {"period": "2025", "region": "440000"}),
    ]
    if housing is not None:
        pages.append(("domain 住建, 2025", ANALYST, {"period": "2025", "category": str(housing)}))
        pages.append(("广东 × 住建, 2025", ANALYST, {"period": "2025", "region": "440000", "category": str(housing)}))
    if board is not None:
        pages.append(("board 440000-SW, 2025", ANALYST, {"period": "2025", "board": board}))
    pages.append(("supervisor of 广东, 2025", SUPERVISOR, {"period": "2025"}))
    return pages


def _analyst() -> None:
    from liuyan.accounts.models import Role, User

    if not User.objects.filter(username=ANALYST).exists():
        User.objects.create_user(username=ANALYST, password=None, role=Role.ANALYST)


def _timed(client: Any, path: str, params: dict[str, str], *, cold: bool, repeat: int) -> dict[str, Any]:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times: list[float] = []
    queries: list[int] = []
    for _ in range(repeat):
        if cold:
            cache.clear()
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            response = client.get(path, params)
            times.append(time.perf_counter() - began)
        if response.status_code != 200:
            raise SystemExit(f"{path} {params}: HTTP {response.status_code}")
        queries.append(len(captured.captured_queries))
    return {**_ms(times), "queries": max(queries)}


def run(repeat: int) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client

    from bench.pages import collect_static
    from liuyan.accounts.models import User
    from liuyan.messages.models import Message

    collect_static()
    _analyst()
    clients: dict[str, Client] = {}
    for username in (ANALYST, SUPERVISOR):
        clients[username] = Client()
        clients[username].force_login(User.objects.get(username=username))
    results = []
    for name, who, params in _pages():
        client = clients[who]
        client.get("/data/", params)  # the region and category maps loaded, as in a running server
        results.append(
            {
                "page": name,
                "as": who,
                "params": params,
                "cold_ms": _timed(client, "/data/", params, cold=True, repeat=repeat),
                "warm_ms": _timed(client, "/data/", params, cold=False, repeat=repeat),
            }
        )
    chart = _timed(clients[ANALYST], "/data/chart/trend.svg", {"period": "2025"}, cold=True, repeat=max(1, repeat // 2))
    return {
        "database": connection.vendor,
        "messages": Message.objects.count(),
        "repeat": repeat,
        "pages": results,
        "chart_trend_svg_cold_ms": chart,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.dashboard", description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="LIUYAN_DATABASE_URL of a data set (see bench/synth.py)")
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args(argv)
    os.environ["LIUYAN_DATABASE_URL"] = args.url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyan.settings")
    django.setup()
    json.dump(run(args.repeat), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
