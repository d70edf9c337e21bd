"""The period data-analysis report (数据分析报告): every figure of the national report, computed from the rollups.

`build_report(period, baseline, region=…, board=…)` returns a plain dict (the JSON format of `liuyan report`, which
`render` turns into HTML and XLSX). It reads the rollups through `liuyan.rollups.query.sums` in a handful of
grouped queries and never scans the messages. Percentages are in percent and unrounded; shares are over *valid*
messages (有效留言), as the national report counts throughout; the satisfaction rate is the report's 满意 / rated
(with 满意 + 基本满意 beside it, DOMAIN §5).
"""

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from liuyan.common.errors import InvalidInput
from liuyan.deadlines.clock import missing_years
from liuyan.geo.models import Region, RegionLevel
from liuyan.orgs.models import Board, BoardLevel
from liuyan.rollups import metrics
from liuyan.rollups.metrics import COUNTERS
from liuyan.rollups.models import NONE
from liuyan.rollups.query import Scope, sums
from liuyan.taxonomy.models import Category

# The five-year plans (五年规划) the national report names its periods after.
PLANS = {2001: "十五", 2006: "十一五", 2011: "十二五", 2016: "十三五", 2021: "十四五", 2026: "十五五"}
_PLAN_START = {name: year for year, name in PLANS.items()}
UNKNOWN_REGION = "未标注地区"
UNKNOWN_DOMAIN = "未分类"
ABOVE = 99.0  # the report lists the regions whose reply rate is above 99%


# The counters the region and domain tables read (each summed column costs at national scale).
_BY_REGION = ("valid", "replied")
_BY_DOMAIN = ("valid", "replied", "suggestions", "suggestions_replied", "rated", "satisfied")


@dataclass(frozen=True)
class Period:
    """Local dates [start, end) with the label the report prints."""

    start: dt.date
    end: dt.date
    label: str

    @property
    def years(self) -> list[str]:
        return [str(y) for y in range(self.start.year, (self.end - dt.timedelta(days=1)).year + 1)]

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    def overlaps(self, other: "Period") -> bool:
        return self.start < other.end and other.start < self.end

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "start": self.start.isoformat(),
            "end": self.last_day.isoformat(),
            "years": self.years,
        }


def _bad_period(text: str) -> InvalidInput:
    return InvalidInput(
        f"无法识别的期间：{text!r}（可用 2021-2025、2021、十四五、2025-01..2025-06、2025-01-01..2025-03-31）",
        f"unrecognised period {text!r} (use 2021-2025, 2021, 十四五, 2025-01..2025-06 or 2025-01-01..2025-03-31)",
        code="invalid_period",
        details={"period": text},
    )


def _month_start(text: str) -> dt.date:
    year, month = text.split("-")
    return dt.date(int(year), int(month), 1)


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _label(start: dt.date, end: dt.date) -> str:
    last = end - dt.timedelta(days=1)
    if start == dt.date(start.year, 1, 1) and end == dt.date(last.year + 1, 1, 1):
        if last.year - start.year == 4 and start.year in PLANS:
            return PLANS[start.year]
        return f"{start.year}年" if start.year == last.year else f"{start.year}–{last.year}年"
    return f"{start:%Y年%m月%d日}–{last:%Y年%m月%d日}"


def parse_period(text: str) -> Period:
    """`2021-2025`, `2021`, `十四五`, `2025-01`, `2025-01..2025-06` (months, inclusive) or
    `2025-01-01..2025-03-31` (days, inclusive)."""
    value = (text or "").strip().replace("－", "-").replace("—", "-").replace("–", "-")
    if not value:
        raise InvalidInput("期间不能为空", "the period is empty", code="invalid_period", details={"period": text})
    try:
        if value in _PLAN_START:
            first = _PLAN_START[value]
            start, end = dt.date(first, 1, 1), dt.date(first + 5, 1, 1)
        elif m := re.fullmatch(r"(\d{4})(?:-(\d{4}))?", value):
            first, last = int(m[1]), int(m[2] or m[1])
            start, end = dt.date(first, 1, 1), dt.date(last + 1, 1, 1)
        elif m := re.fullmatch(r"(\d{4}-\d{1,2})(?:\.\.(\d{4}-\d{1,2}))?", value):
            start = _month_start(m[1])
            end = _next_month(_month_start(m[2] or m[1]))
        elif m := re.fullmatch(r"(\d{4}-\d{1,2}-\d{1,2})\.\.(\d{4}-\d{1,2}-\d{1,2})", value):
            start = dt.date.fromisoformat(_pad(m[1]))
            end = dt.date.fromisoformat(_pad(m[2])) + dt.timedelta(days=1)
        else:
            raise _bad_period(text)
    except ValueError as error:  # month 13, 2月30日, year 0
        raise _bad_period(text) from error
    if end <= start:
        raise InvalidInput(
            f"期间为空：{text}（结束早于开始）",
            f"the period {text} is empty (it ends before it starts)",
            code="invalid_period",
            details={"period": text},
        )
    return Period(start, end, _label(start, end))


def _pad(day: str) -> str:
    year, month, date = day.split("-")
    return f"{year}-{int(month):02d}-{int(date):02d}"


def pct(numerator: int, denominator: int) -> float | None:
    return numerator * 100 / denominator if denominator else None


def _rate_pct(value: float | None) -> float | None:
    return None if value is None else value * 100


def _names(model: type[Region] | type[Category], ids: set[int], unknown: str) -> dict[int, str]:
    names = dict(model.objects.filter(pk__in=ids - {NONE}).values_list("pk", "name"))
    return {pk: names.get(pk, unknown) for pk in ids}


def _shares(rows: Mapping[int, Mapping[str, int]], names: Mapping[int, str]) -> dict[str, float]:
    """Each group's share of the valid messages of all groups, largest first."""
    whole = sum(c["valid"] for c in rows.values())
    shares = {names[key]: pct(c["valid"], whole) or 0.0 for key, c in rows.items() if c["valid"]}
    return dict(sorted(shares.items(), key=lambda item: -item[1]))


def _change(by_year: Mapping[str, Mapping[str, float]], first: str, last: str) -> dict[str, float]:
    """Percentage points from the first year to the last, for every name in either, largest rise first."""
    a, b = by_year.get(first, {}), by_year.get(last, {})
    change = {name: b.get(name, 0.0) - a.get(name, 0.0) for name in {*a, *b}}
    return dict(sorted(change.items(), key=lambda item: -item[1]))


def _by_year(groups: Mapping[tuple[Any, ...], Mapping[str, int]]) -> dict[str, dict[int, dict[str, int]]]:
    out: dict[str, dict[int, dict[str, int]]] = {}
    for (year, key), counts in groups.items():
        out.setdefault(str(year), {})[key] = dict(counts)
    return out


def _per_key(groups: Mapping[tuple[Any, ...], Mapping[str, int]]) -> dict[int, dict[str, int]]:
    """Groups (year, key) summed over the years."""
    out: dict[int, dict[str, int]] = {}
    for (_year, key), counts in groups.items():
        into = out.setdefault(key, dict.fromkeys(counts, 0))
        for name, value in counts.items():
            into[name] += value
    return out


def breakdown_region(region: Region | None, board: Board | None) -> tuple[Region | None, int]:
    """The region the report looks inside, and the level its region tables break down by: provinces for the
    country (or a national board), the next level down for a province or city."""
    inside = region
    if inside is None and board is not None and board.level != BoardLevel.NATIONAL:
        inside = board.region
    if inside is None or inside.level == RegionLevel.COUNTRY:
        return None, RegionLevel.PROVINCE
    return inside, min(inside.level + 1, RegionLevel.COUNTY)


def _rates(c: Mapping[str, int]) -> dict[str, float | None]:
    return {
        "reply_rate": _rate_pct(metrics.reply_rate(c)),
        "closure_rate": _rate_pct(metrics.closure_rate(c)),
        "on_time_rate": _rate_pct(metrics.on_time_rate(c)),
        "sign_on_time_rate": _rate_pct(metrics.sign_on_time_rate(c)),
        "response_rate": _rate_pct(metrics.response_rate(c)),
        "resolution_rate": _rate_pct(metrics.resolution_rate(c)),
        "satisfaction_rate": _rate_pct(metrics.satisfaction_rate(c, strict=True)),
        "satisfaction_rate_incl_basic": _rate_pct(metrics.satisfaction_rate(c)),
        "reopen_rate": _rate_pct(metrics.reopen_rate(c)),
        "return_rate": _rate_pct(metrics.return_rate(c)),
        "direct_answer_rate": _rate_pct(metrics.direct_answer_rate(c)),
        "suggestion_share": _rate_pct(metrics.suggestion_share(c)),
        "mean_reply_days": metrics.mean_reply_days(c),
    }


def _title(period: Period, region: Region | None, board: Board | None) -> str:
    where = board.name if board is not None else (region.name if region is not None else "")
    when = f"“{period.label}”时期" if period.label in _PLAN_START else period.label
    return f"{when}{where}留言板数据分析报告"


def build_report(
    period: Period, baseline: Period | None = None, *, region: Region | None = None, board: Board | None = None
) -> dict[str, Any]:
    """The report's figures (see the module docstring), with `narrative` and `warnings`."""
    if baseline is not None and baseline.overlaps(period):
        raise InvalidInput(
            f"对比期（{baseline.label}）与报告期（{period.label}）重叠",
            f"the baseline ({baseline.label}) overlaps the period ({period.label})",
            code="overlapping_periods",
            details={"period": period.as_dict(), "baseline": baseline.as_dict()},
        )
    inside, level = breakdown_region(region, board)
    board_id = board.pk if board is not None else None
    now = Scope(period.start, period.end, region, board_id)
    before = Scope(baseline.start, baseline.end, region, board_id) if baseline is not None else None

    total_now = _sum(sums(now, ("year",)))
    total_before = _sum(sums(before, ("year",))) if before is not None else None
    region_groups = sums(
        Scope(period.start, period.end, inside, board_id), ("year", "region"), region_level=level, counters=_BY_REGION
    )
    domain_groups = sums(now, ("year", "domain"), counters=_BY_DOMAIN)
    domain_before = sums(before, ("domain",), counters=("valid",)) if before is not None else {}

    region_names = _names(Region, {key for _y, key in region_groups}, UNKNOWN_REGION)
    domain_ids = {key for _y, key in domain_groups} | {key for (key,) in domain_before}
    domain_names = _names(Category, domain_ids, UNKNOWN_DOMAIN)
    years = period.years
    first, last = years[0], years[-1]

    regions_by_year = _by_year(region_groups)
    region_share = {year: _shares(regions_by_year.get(year, {}), region_names) for year in years}
    regions = _per_key(region_groups)
    reply_volume = {region_names[k]: c["replied"] for k, c in regions.items() if c["valid"]}
    reply_volume = dict(sorted(reply_volume.items(), key=lambda item: -item[1]))
    reply_rate_by_region = {region_names[k]: pct(c["replied"], c["valid"]) for k, c in regions.items() if c["valid"]}
    reply_rate_by_region = dict(sorted(reply_rate_by_region.items(), key=lambda item: -(item[1] or 0)))
    above = [name for name, rate in reply_rate_by_region.items() if rate is not None and rate > ABOVE]

    domains_by_year = _by_year(domain_groups)
    domain_share = {year: _shares(domains_by_year.get(year, {}), domain_names) for year in years}
    domains = _per_key(domain_groups)
    domain_period = _shares(domains, domain_names)
    domain_baseline = _shares({key: c for (key,), c in domain_before.items()}, domain_names) if before else {}
    suggestion_share = {
        year: {
            domain_names[k]: pct(c["suggestions"], c["valid"]) or 0.0
            for k, c in domains_by_year.get(year, {}).items()
            if c["valid"]
        }
        for year in years
    }
    satisfaction_by_domain = {
        domain_names[k]: pct(c["satisfied"], c["rated"]) for k, c in domains.items() if c["rated"]
    }
    satisfaction_by_domain = dict(sorted(satisfaction_by_domain.items(), key=lambda item: -(item[1] or 0)))

    report: dict[str, Any] = {
        "title": _title(period, region, board),
        "generated_at": timezone.localtime().isoformat(timespec="seconds"),
        "scope": {
            "period": period.as_dict(),
            "baseline": baseline.as_dict() if baseline is not None else None,
            "region": region.name if region is not None else None,
            "board": board.name if board is not None else None,
            "breakdown_level": {1: "province", 2: "city", 3: "county"}.get(level, "county"),
        },
        "valid_messages": {"period": total_now["valid"], "baseline": _get(total_before, "valid")},
        "replied": {"period": total_now["replied"], "baseline": _get(total_before, "replied")},
        "reply_rate": {
            "period": pct(total_now["replied"], total_now["valid"]),
            "baseline": pct(total_before["replied"], total_before["valid"]) if total_before else None,
        },
        "valid_growth_pct": (
            (total_now["valid"] / total_before["valid"] - 1) * 100
            if total_before is not None and total_before["valid"]
            else None
        ),
        "messages": {"period": total_now["messages"], "baseline": _get(total_before, "messages")},
        "rates": {
            "period": _rates(total_now),
            "baseline": _rates(total_before) if total_before is not None else None,
        },
        "region_share": region_share,
        "region_share_change_pp": _change(region_share, first, last),
        "domain_share": domain_share,
        "domain_share_change_pp": _change(domain_share, first, last),
        "domain_share_by_period": {"period": domain_period, "baseline": domain_baseline},
        "domain_share_period_change_pp": _change({"b": domain_baseline, "p": domain_period}, "b", "p")
        if before
        else {},
        "reply_volume_by_region": reply_volume,
        "reply_rate_by_region": reply_rate_by_region,
        "regions_reply_rate_above_99": above,
        "suggestions_replied": total_now["suggestions_replied"],
        "suggestions": total_now["suggestions"],
        "suggestion_share_by_domain": suggestion_share,
        "suggestion_share_change_pp": _change(suggestion_share, first, last),
        "ratings": total_now["rated"],
        "satisfied": total_now["satisfied"],
        "satisfaction_rate": pct(total_now["satisfied"], total_now["rated"]),
        "satisfaction_rate_incl_basic": pct(
            total_now["satisfied"] + total_now["basically_satisfied"], total_now["rated"]
        ),
        "satisfaction_by_domain": satisfaction_by_domain,
        "warnings": _warnings(period, baseline, total_now, total_before),
    }
    from liuyan.reports.narrative import narrate  # the narrative reads the figures above

    report["narrative"] = narrate(report)
    return report


def _sum(groups: Mapping[tuple[Any, ...], Mapping[str, int]]) -> dict[str, int]:
    out = dict.fromkeys(COUNTERS, 0)
    for counts in groups.values():
        for name in COUNTERS:
            out[name] += counts[name]
    return out


def _get(counts: Mapping[str, int] | None, name: str) -> int | None:
    return None if counts is None else counts[name]


def _warnings(
    period: Period, baseline: Period | None, now: Mapping[str, int], before: Mapping[str, int] | None
) -> list[str]:
    warnings: list[str] = []
    if not now["messages"]:
        warnings.append(f"报告期（{period.label}）内没有留言 / no messages in the period")
    if baseline is not None and before is not None and not before["messages"]:
        warnings.append(f"对比期（{baseline.label}）内没有留言，无法计算增长 / no messages in the baseline")
    spans = [period] + ([baseline] if baseline is not None else [])
    missing = sorted({year for p in spans for year in missing_years(p.start, p.last_day)})
    if missing:
        years = "、".join(str(y) for y in missing)
        warnings.append(
            f"{years}年没有节假日数据，按时率按无节假日计算，仅供参考 / no holiday calendar for {years}: "
            "on-time figures assume no holidays"
        )
    return warnings
