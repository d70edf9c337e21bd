"""The calibrated figures, measured from the rollups (and two from the messages) and expected from the plan.

`measured()` sums the rollup rows by local year of submission, province (the level-1 ancestor of the message's
region) and domain (the root of its category), the way the period report does, and returns every figure of
SEED-FIGURES that the data set is calibrated to. `expected(scale)` is the same dict computed from the targets, so a
test or a benchmark can compare the two key by key.
"""

from collections import defaultdict
from typing import Any

from django.db.models import Sum

from liuyan.geo.models import Region
from liuyan.messages.models import Event, Message
from liuyan.orgs.models import Board
from liuyan.rollups.models import Rollup
from liuyan.synth import calibration as cal
from liuyan.taxonomy.models import Category

COUNTED: tuple[str, ...] = ("messages", "valid", "replied", "closed", "rated", "satisfied", "basically_satisfied")
COUNTED += ("suggestions", "suggestions_replied")
Sums = dict[str, int]


def _province_of() -> dict[int, str]:
    """Region pk → the calibration's short name of its province."""
    short = {p.code: p.name for p in cal.PROVINCES}
    return {pk: short.get(path.split("/")[1], "") for pk, path in Region.objects.values_list("pk", "path")}


def _domain_of() -> dict[int, str]:
    return {pk: path.split(" / ")[0] for pk, path in Category.objects.values_list("pk", "path")}


def _pct(a: int, b: int) -> float:
    return 100.0 * a / b if b else 0.0


def sums() -> dict[tuple[int, str, str], Sums]:
    """Counters per (year, province, domain), from the rollups."""
    province_of, domain_of = _province_of(), _domain_of()
    out: dict[tuple[int, str, str], Sums] = defaultdict(lambda: dict.fromkeys(COUNTED, 0))
    rows = (
        Rollup.objects.values("day__year", "region_id", "category_id")
        .order_by()
        .annotate(**{name: Sum(name) for name in COUNTED})
    )
    for row in rows:
        values: dict[str, Any] = dict(row)
        key = (values["day__year"], province_of.get(values["region_id"], ""), domain_of.get(values["category_id"], ""))
        into = out[key]
        for name in COUNTED:
            into[name] += values[name] or 0
    return dict(out)


def _total(groups: dict[tuple[int, str, str], Sums], keep: Any) -> Sums:
    out = dict.fromkeys(COUNTED, 0)
    for key, counts in groups.items():
        if keep(*key):
            for name in COUNTED:
                out[name] += counts[name]
    return out


def measured() -> dict[str, Any]:
    """Every calibrated figure as the rollups give it (percentages in percent)."""
    g = sums()
    p13, p14 = cal.PERIODS[cal.P13], cal.PERIODS[cal.P14]
    t13 = _total(g, lambda y, _p, _d: y in p13)
    t14 = _total(g, lambda y, _p, _d: y in p14)
    figures: dict[str, Any] = {
        "messages": _total(g, lambda *_k: True)["messages"],
        "valid_13": t13["valid"],
        "valid_14": t14["valid"],
        "growth_pct": (t14["valid"] / t13["valid"] - 1) * 100 if t13["valid"] else 0.0,
        "replied_13": t13["replied"],
        "replied_14": t14["replied"],
        "reply_rate_13": _pct(t13["replied"], t13["valid"]),
        "reply_rate_14": _pct(t14["replied"], t14["valid"]),
        "suggestions_replied_14": t14["suggestions_replied"],
        "rated_14": t14["rated"],
        "satisfied_14": t14["satisfied"],
        "satisfaction_14": _pct(t14["satisfied"], t14["rated"]),
        "satisfaction_incl_basic_14": _pct(t14["satisfied"] + t14["basically_satisfied"], t14["rated"]),
    }
    for year in (2021, 2025):
        total = _total(g, lambda y, _p, _d, year=year: y == year)["valid"]
        for name in ("广东", "山东", "江苏"):
            n = _total(g, lambda y, p, _d, year=year, name=name: y == year and p == name)["valid"]
            figures[f"region_share_{year}_{name}"] = _pct(n, total)
        for name in ("住房和城乡建设", "教育", "人力资源和社会保障", "市场监管"):
            n = _total(g, lambda y, _p, d, year=year, name=name: y == year and d == name)["valid"]
            figures[f"domain_share_{year}_{name}"] = _pct(n, total)
        for name in (*cal.SUGGESTION_RISERS, *(d.name for d in cal.DOMAINS)):
            c = _total(g, lambda y, _p, d, year=year, name=name: y == year and d == name)
            figures[f"suggestion_share_{year}_{name}"] = _pct(c["suggestions"], c["valid"])
    provinces = {p.name: _total(g, lambda y, q, _d, name=p.name: y in p14 and q == name) for p in cal.PROVINCES}
    volumes = sorted(provinces, key=lambda name: -provinces[name]["replied"])
    figures["top_reply_volume_14"] = volumes[:3]
    figures["reply_rate_14_by_province"] = {n: _pct(c["replied"], c["valid"]) for n, c in provinces.items()}
    figures["above_99_14"] = sorted(n for n, c in provinces.items() if _pct(c["replied"], c["valid"]) > 99)
    domains = {d.name: _total(g, lambda y, _p, q, name=d.name: y in p14 and q == name) for d in cal.DOMAINS}
    satisfaction = {n: _pct(c["satisfied"], c["rated"]) for n, c in domains.items()}
    figures["satisfaction_14_by_domain"] = satisfaction
    figures["top_satisfaction_14"] = sorted(satisfaction, key=lambda n: -satisfaction[n])[:3]
    yunnan = _total(g, lambda y, p, _d: y == 2025 and p == cal.YUNNAN)
    figures["yunnan_2025_valid"] = yunnan["valid"]
    figures["yunnan_2025_closure"] = _pct(yunnan["closed"], yunnan["valid"])
    henan = _total(g, lambda y, p, _d: y == 2025 and p == cal.HENAN)
    figures["henan_2025_satisfaction"] = _pct(henan["satisfied"], henan["rated"])
    figures.update(_gansu())
    return figures


def _gansu() -> dict[str, int]:
    """甘肃 2025 on its party secretary board: messages, and how many were dispatched by the system itself."""
    code = next(p.code for p in cal.PROVINCES if p.name == cal.GANSU)
    board = Board.objects.filter(code=f"{code}-SW").first()
    if board is None:
        return {"gansu_2025_secretary": 0, "gansu_2025_auto": 0}
    messages = Message.objects.filter(board=board, submitted_at__year=2025)
    auto = Event.objects.filter(message__in=messages, action="dispatch", actor_role="system").count()
    return {"gansu_2025_secretary": messages.count(), "gansu_2025_auto": auto}


def expected(scale: float) -> dict[str, Any]:
    """The targets at `scale`: whole counts scaled (and rounded as the plan rounds them), shares as published."""
    valid_13, valid_14 = round(cal.VALID_13 * scale), round(cal.VALID_14 * scale)
    shares = {"广东": (5.6, 10.7), "山东": (4.1, 6.8), "江苏": (2.4, 4.5)}
    figures: dict[str, Any] = {
        "valid_13": valid_13,
        "valid_14": valid_14,
        "growth_pct": (cal.GROWTH_14_OVER_13 - 1) * 100,
        "replied_13": round(cal.REPLY_RATE[cal.P13] * valid_13),
        "replied_14": round(cal.REPLY_RATE[cal.P14] * valid_14),
        "reply_rate_13": cal.REPLY_RATE[cal.P13] * 100,
        "reply_rate_14": cal.REPLY_RATE[cal.P14] * 100,
        "suggestions_replied_14": round(cal.SUGGESTIONS_REPLIED_14 * scale),
        "rated_14": round(cal.RATED_14 * scale),
        "satisfaction_14": cal.SATISFACTION_14 * 100,
        "top_reply_volume_14": ["河南", "广东", "山东"],
        "above_99_14": sorted(cal.ABOVE_99),
        "top_satisfaction_14": list(cal.TOP_SATISFACTION),
        "gansu_2025_secretary": round(cal.GANSU_SECRETARY_2025 * scale),
        "gansu_2025_auto": round(cal.GANSU_AUTO_2025 * scale),
    }
    for name, (a, b) in shares.items():
        figures[f"region_share_2021_{name}"], figures[f"region_share_2025_{name}"] = a, b
    for d in cal.DOMAINS:
        if d.fixed:
            figures[f"domain_share_2021_{d.name}"] = d.share_2021
            figures[f"domain_share_2025_{d.name}"] = d.share_2025
        if d.name in cal.TOP_SATISFACTION:
            figures.setdefault("satisfaction_14_by_domain", {})[d.name] = d.satisfaction_14 * 100
    return figures
