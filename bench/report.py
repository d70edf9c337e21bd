"""Speed of the period report on a data set (not a test): the rollup read against one GROUP BY scan of messages.

`python -m bench.report --url DATABASE_URL [--period 2021-2025] [--baseline 2016-2020] [--repeat 5]` times, on
one database and in one run:
- `report`: `build_report` (every figure and the narrative, from the rollups), median of `--repeat` runs;
- `render`: the same report rendered to HTML and to XLSX (charts included);
- `scan`: one GROUP BY over the messages table (joined to the latest ratings) giving the same counters by
  local year × region × category, mapped to provinces and domains in Python — the least a report without
  rollups would have to do;
and checks that the scan and the report agree on valid messages, replies, ratings and 满意 by year and province.
Prints JSON. The national data set comes from `python -m bench.synth` (see there for the URLs it builds).
"""

import argparse
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from typing import Any

import django


def _scan_sql(vendor: str, zone: str, messages: str, ratings: str) -> str:
    if vendor == "sqlite":
        year = "CAST(strftime('%Y', m.submitted_at, '+8 hours') AS INTEGER)"  # Asia/Shanghai has no DST
    else:
        year = f"CAST(EXTRACT(YEAR FROM m.submitted_at AT TIME ZONE '{zone}') AS INTEGER)"
    valid = (
        "(m.accepted_at IS NOT NULL AND m.duplicate_of_id IS NULL AND m.reject_reason = '' "
        "AND m.state NOT IN ('merged', 'rejected'))"
    )
    return f"""
        SELECT {year} AS y, m.region_id, m.category_id,
               COUNT(*),
               SUM(CASE WHEN {valid} THEN 1 ELSE 0 END),
               SUM(CASE WHEN {valid} AND m.replied_at IS NOT NULL THEN 1 ELSE 0 END),
               SUM(CASE WHEN {valid} AND m.type = 'suggestion' THEN 1 ELSE 0 END),
               SUM(CASE WHEN {valid} AND m.type = 'suggestion' AND m.replied_at IS NOT NULL THEN 1 ELSE 0 END),
               SUM(CASE WHEN {valid} AND m.rated_at IS NOT NULL AND r.satisfaction IS NOT NULL THEN 1 ELSE 0 END),
               SUM(CASE WHEN {valid} AND m.rated_at IS NOT NULL AND r.satisfaction = 'satisfied' THEN 1 ELSE 0 END)
        FROM {messages} m
        LEFT JOIN (
            SELECT message_id, MAX(id) AS id FROM {ratings} GROUP BY message_id
        ) latest ON latest.message_id = m.id
        LEFT JOIN {ratings} r ON r.id = latest.id
        GROUP BY 1, 2, 3
    """


SCANNED = ("messages", "valid", "replied", "suggestions", "suggestions_replied", "rated", "satisfied")


def scan() -> dict[tuple[int, int, int], dict[str, int]]:
    """Counters by (year, province, domain) from one pass over the messages."""
    from django.conf import settings
    from django.db import connection

    from liuyan.messages.models import Message, Rating
    from liuyan.rollups import dimensions

    out: dict[tuple[int, int, int], dict[str, int]] = defaultdict(lambda: dict.fromkeys(SCANNED, 0))
    with connection.cursor() as cursor:
        cursor.execute(_scan_sql(connection.vendor, settings.TIME_ZONE, Message._meta.db_table, Rating._meta.db_table))
        for year, region_id, category_id, *counts in cursor.fetchall():
            key = (int(year), dimensions.province_of(region_id or 0), dimensions.domain_of(category_id or 0))
            into = out[key]
            for name, value in zip(SCANNED, counts, strict=True):
                into[name] += int(value or 0)
    return dict(out)


def _timed(fn: Any, repeat: int) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times, result


def _agreement(report: dict[str, Any], scanned: dict[tuple[int, int, int], dict[str, int]]) -> dict[str, Any]:
    from liuyan.geo.models import Region

    names = dict(Region.objects.values_list("pk", "name"))
    years = report["scope"]["period"]["years"]
    by_region: dict[tuple[str, str], int] = defaultdict(int)
    replied = satisfied = rated = 0
    for (year, province, _domain), c in scanned.items():
        if str(year) in years:
            by_region[(str(year), names.get(province, "未标注地区"))] += c["valid"]
            replied += c["replied"]
            rated += c["rated"]
            satisfied += c["satisfied"]
    mismatches = []
    for year in years:
        whole = sum(v for (y, _n), v in by_region.items() if y == year)
        for (y, name), valid in by_region.items():
            if y == year and valid:
                share = valid * 100 / whole
                if abs(share - report["region_share"][year].get(name, 0.0)) > 1e-9:
                    mismatches.append(f"{year} {name}")
    return {
        "region_shares_agree": not mismatches,
        "mismatches": mismatches[:10],
        "replied_agree": replied == report["replied"]["period"],
        "ratings_agree": (rated, satisfied) == (report["ratings"], report["satisfied"]),
    }


def run(period_text: str, baseline_text: str | None, repeat: int) -> dict[str, Any]:
    from django.db import connection

    from liuyan.messages.models import Message
    from liuyan.reports.period import build_report, parse_period
    from liuyan.reports.render import to_html, to_xlsx
    from liuyan.rollups.models import Rollup, Summary

    period = parse_period(period_text)
    baseline = parse_period(baseline_text) if baseline_text else None
    build_report(period, baseline)  # warm the region and category maps, as a running server has them
    report_times, report = _timed(lambda: build_report(period, baseline), repeat)
    html_times, _ = _timed(lambda: to_html(report), 1)
    xlsx_times, _ = _timed(lambda: to_xlsx(report), 1)
    scan_times, scanned = _timed(scan, max(1, min(repeat, 2)))
    median_report, median_scan = statistics.median(report_times), statistics.median(scan_times)
    return {
        "database": connection.vendor,
        "messages": Message.objects.count(),
        "rollup_rows": Rollup.objects.count(),
        "summary_rows": Summary.objects.count(),
        "period": period.label,
        "baseline": baseline.label if baseline else None,
        "report_s": {"median": round(median_report, 4), "max": round(max(report_times), 4), "runs": repeat},
        "render_html_s": round(html_times[0], 3),
        "render_xlsx_s": round(xlsx_times[0], 3),
        "scan_s": {"median": round(median_scan, 3), "runs": len(scan_times)},
        "report_over_scan": round(median_report / median_scan, 4) if median_scan else None,
        "agreement": _agreement(report, scanned),
        "figures": {
            "valid_messages": report["valid_messages"],
            "reply_rate": report["reply_rate"],
            "valid_growth_pct": report["valid_growth_pct"],
            "satisfaction_rate": report["satisfaction_rate"],
        },
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.report", description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="LIUYAN_DATABASE_URL of a data set (see bench/synth.py)")
    parser.add_argument("--period", default="2021-2025")
    parser.add_argument("--baseline", default="2016-2020")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    os.environ["LIUYAN_DATABASE_URL"] = args.url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyan.settings")
    django.setup()
    result = run(args.period, args.baseline, args.repeat)
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
