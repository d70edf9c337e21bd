"""The national data set's counts, cell by cell (year × province × domain), from `calibration` by exact quotas.

`build_plan(scale)` decides how many valid messages each cell gets, how many of them are 建言, replied, rated,
满意 and 基本满意, and how many rejected messages each year and province has. Every calibrated figure is a ratio of
sums of these counts, and every sum that a figure divides is itself allocated by quota at the level the figure
reads it (a province's 十四五 replies, a domain's 2025 suggestions, a domain's 十四五 满意 …), so at any scale a
figure is off its target by less than half a message of its denominator. The generator (`national`) only decides
which message of a cell is which, and everything no figure reads (texts, times, counties, handling durations).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from liuyan.synth import calibration as cal
from liuyan.synth.quotas import capped_largest_remainder, largest_remainder, nearest_first, table

Key = tuple[int, int, int]  # (year, province index, domain index)


@dataclass
class Cell:
    """The valid messages of one year × province × domain, and what became of them."""

    valid: int = 0
    suggestions: int = 0
    replied_suggestions: int = 0
    replied_other: int = 0
    rated: int = 0
    satisfied: int = 0  # 满意
    basic: int = 0  # 基本满意 (the rest of the rated ones are 不满意)
    secretary: int = 0  # 甘肃 2025: messages addressed to the party secretary board (others choose freely)
    auto: int = 0  # … of which dispatched automatically

    @property
    def replied(self) -> int:
        return self.replied_suggestions + self.replied_other


@dataclass
class Plan:
    scale: float
    cells: dict[Key, Cell] = field(default_factory=dict)
    invalid: dict[tuple[int, int], int] = field(default_factory=dict)  # (year, province index) → rejected

    def valid(self) -> int:
        return sum(c.valid for c in self.cells.values())

    def messages(self) -> int:
        return self.valid() + sum(self.invalid.values())

    def year_cells(self, year: int) -> list[tuple[int, int, Cell]]:
        return [(p, d, c) for (y, p, d), c in sorted(self.cells.items()) if y == year]


PROVINCES = cal.PROVINCES
DOMAINS = cal.DOMAINS
NP, ND = len(PROVINCES), len(DOMAINS)


def _fill(fixed: dict[int, float], weights: Sequence[float]) -> list[float]:
    """Shares (fractions) with the `fixed` ones (percent) exact and the others filling the rest by weight."""
    rest = 100.0 - math.fsum(fixed.values())
    free = math.fsum(w for i, w in enumerate(weights) if i not in fixed)
    return [(fixed[i] if i in fixed else weights[i] * rest / free) / 100.0 for i in range(len(weights))]


def _between(a: Sequence[float], b: Sequence[float], t: float) -> list[float]:
    return [x + (y - x) * t for x, y in zip(a, b, strict=True)]


def province_shares(year: int) -> list[float]:
    """Share of the year's valid messages per province: 2016 by weight, published 2021 and 2025, linear between."""
    weights = [p.weight for p in PROVINCES]
    first = _fill({}, weights)
    y21 = _fill({i: p.share_2021 for i, p in enumerate(PROVINCES) if p.share_2021 is not None}, weights)
    y25 = _fill({i: p.share_2025 for i, p in enumerate(PROVINCES) if p.share_2025 is not None}, weights)
    return _trend(year, first, y21, y25)


def domain_shares(year: int) -> list[float]:
    first = _fill({}, [d.share_2016 for d in DOMAINS])
    y21 = _fill({i: d.share_2021 for i, d in enumerate(DOMAINS) if d.fixed}, [d.share_2021 for d in DOMAINS])
    y25 = _fill({i: d.share_2025 for i, d in enumerate(DOMAINS) if d.fixed}, [d.share_2025 for d in DOMAINS])
    return _trend(year, first, y21, y25)


def _trend(year: int, first: list[float], y21: list[float], y25: list[float]) -> list[float]:
    if year <= 2021:
        return _between(first, y21, (year - cal.FIRST_YEAR) / (2021 - cal.FIRST_YEAR))
    return _between(y21, y25, (year - 2021) / (2025 - 2021))


def suggestion_shares(year: int) -> list[float]:
    if year < 2021:
        return [d.suggestions_13 for d in DOMAINS]
    t = (year - 2021) / (2025 - 2021)
    return [d.suggestions_2021 + (d.suggestions_2025 - d.suggestions_2021) * t for d in DOMAINS]


def _solve(target: float, fixed: float, free: float, what: str) -> float:
    """The factor on the free part that makes fixed + factor × free = target."""
    if free <= 0:
        raise ValueError(f"nothing free to calibrate {what}")
    return (target - fixed) / free


def build_plan(scale: float = 1.0) -> Plan:
    """Every cell's counts at `scale` (1.0: the full ≈ 5.5 M messages)."""
    plan = Plan(scale)
    valid: dict[int, list[list[int]]] = {}  # year → [province][domain]
    for period, years in cal.PERIODS.items():
        total = round((cal.VALID_13 if period == cal.P13 else cal.VALID_14) * scale)
        for year, n in zip(years, largest_remainder(total, [cal.YEAR_WEIGHTS[y] for y in years]), strict=True):
            valid[year] = _valid_table(year, n)
    suggestions = {year: _suggestion_table(year, valid[year]) for year in cal.YEARS}
    for year in cal.YEARS:
        for p in range(NP):
            for d in range(ND):
                plan.cells[(year, p, d)] = Cell(valid=valid[year][p][d], suggestions=suggestions[year][p][d])
    for period, years in cal.PERIODS.items():
        replied = _replied_by_province(period, years, valid)
        suggestions_replied = _suggestions_replied(period, years, suggestions, scale)
        for year, row in zip(years, replied, strict=True):
            _replied_table(plan, year, row, suggestions_replied[year])
        _rated_and_satisfied(plan, period, years, scale)
    _rejected(plan)
    _gansu_boards(plan, scale)
    return plan


def _valid_table(year: int, total: int) -> list[list[int]]:
    s, d = province_shares(year), domain_shares(year)
    published = [i for i, p in enumerate(PROVINCES) if p.share_2021 is not None] if year >= 2021 else []
    fixed = [i for i, dom in enumerate(DOMAINS) if dom.fixed] if year >= 2021 else []
    rows, cols = nearest_first(total, s, published), nearest_first(total, d, fixed)
    return table([[total * sp * dd for dd in d] for sp in s], rows, cols)


def _suggestion_table(year: int, valid: list[list[int]]) -> list[list[int]]:
    sigma = suggestion_shares(year)
    # Each domain's 建言 count is the nearest integer to its share of the domain's valid messages: the figure.
    cols = [round(sum(valid[p][d] for p in range(NP)) * sigma[d]) for d in range(ND)]
    expected = [[valid[p][d] * sigma[d] for d in range(ND)] for p in range(NP)]
    rows = largest_remainder(sum(cols), [math.fsum(r) for r in expected])
    return table(expected, rows, cols, caps=valid)


def _reply_rates(period: str, years: Sequence[int], valid: dict[int, list[list[int]]]) -> dict[tuple[int, int], float]:
    """Each year × province's reply rate: fixed where the report names it, the others scaled to the national one."""
    base: dict[tuple[int, int], float] = {}
    fixed: dict[tuple[int, int], float] = {}
    for year in years:
        for p, province in enumerate(PROVINCES):
            if period == cal.P14 and province.name in cal.ABOVE_99:
                fixed[(year, p)] = province.reply_14
            elif period == cal.P14 and province.name == cal.YUNNAN:
                fixed[(year, p)] = cal.YUNNAN_REPLY_14[year]
            else:
                base[(year, p)] = province.reply_14 if period == cal.P14 else province.reply_13
    size = {(y, p): sum(valid[y][p]) for y in years for p in range(NP)}
    target = cal.REPLY_RATE[period] * sum(size.values())
    factor = _solve(
        target,
        math.fsum(size[k] * r for k, r in fixed.items()),
        math.fsum(size[k] * r for k, r in base.items()),
        f"the reply rate of {period}",
    )
    return {**fixed, **{k: r * factor for k, r in base.items()}}


def _replied_by_province(period: str, years: Sequence[int], valid: dict[int, list[list[int]]]) -> list[list[int]]:
    """Replies per year × province: each province's period total and each year's total exact."""
    rates = _reply_rates(period, years, valid)
    size = [[sum(valid[y][p]) for p in range(NP)] for y in years]
    expected = [[size[i][p] * rates[(y, p)] for p in range(NP)] for i, y in enumerate(years)]
    total = round(cal.REPLY_RATE[period] * sum(map(sum, size)))
    rows = largest_remainder(total, [math.fsum(r) for r in expected])
    cols = largest_remainder(total, [math.fsum(expected[i][p] for i in range(len(years))) for p in range(NP)])
    return table(expected, rows, cols, caps=size)


def _suggestions_replied(
    period: str, years: Sequence[int], suggestions: dict[int, list[list[int]]], scale: float
) -> dict[int, int]:
    per_year = [sum(map(sum, suggestions[y])) for y in years]
    if period == cal.P14:
        total = round(cal.SUGGESTIONS_REPLIED_14 * scale)
    else:
        total = round(cal.SUGGESTION_REPLY_RATE_13 * sum(per_year))
    return dict(zip(years, capped_largest_remainder(total, per_year, per_year), strict=True))


def _replied_table(plan: Plan, year: int, by_province: list[int], suggestions_replied: int) -> None:
    """Which domain's messages (建言 or not) the year's replies of each province go to."""
    cells = [[plan.cells[(year, p, d)] for d in range(ND)] for p in range(NP)]
    sugg = [[c.suggestions for c in row] for row in cells]
    other = [[c.valid - c.suggestions for c in row] for row in cells]
    total = sum(by_province)
    rate_other = (total - suggestions_replied) / max(1, sum(map(sum, other)))
    rate_sugg = suggestions_replied / max(1, sum(map(sum, sugg)))
    caps = [sugg[p] + other[p] for p in range(NP)]
    expected = [
        [sugg[p][d] * rate_sugg for d in range(ND)] + [other[p][d] * rate_other for d in range(ND)] for p in range(NP)
    ]
    cols = largest_remainder(suggestions_replied, [sum(sugg[p][d] for p in range(NP)) for d in range(ND)])
    cols += largest_remainder(total - suggestions_replied, [sum(other[p][d] for p in range(NP)) for d in range(ND)])
    result = table(expected, by_province, cols, caps=caps)
    for p in range(NP):
        for d in range(ND):
            cells[p][d].replied_suggestions = result[p][d]
            cells[p][d].replied_other = result[p][ND + d]


def _rated_and_satisfied(plan: Plan, period: str, years: Sequence[int], scale: float) -> None:
    rows_keys = [(y, p) for y in years for p in range(NP)]
    cells = [[plan.cells[(y, p, d)] for d in range(ND)] for y, p in rows_keys]
    replied = [[c.replied for c in row] for row in cells]
    all_replied = sum(map(sum, replied))
    rated_total = round(cal.RATED_14 * scale) if period == cal.P14 else round(cal.RATED_SHARE_13 * all_replied)
    share = rated_total / max(1, all_replied)
    rows = largest_remainder(rated_total, [sum(r) for r in replied])
    cols = _rated_by_domain(rated_total, [sum(replied[i][d] for i in range(len(cells))) for d in range(ND)], period)
    rated = table([[v * share for v in r] for r in replied], rows, cols, caps=replied)

    national = cal.SATISFACTION_14 if period == cal.P14 else cal.SATISFACTION_13
    satisfied_total = round(rated_total * national)
    row_rated = [sum(r) for r in rated]
    row_fixed = {
        i: cal.HENAN_SATISFACTION_2025
        for i, (y, p) in enumerate(rows_keys)
        if period == cal.P14 and y == 2025 and PROVINCES[p].name == cal.HENAN
    }
    row_rates = _scaled_rates(
        row_rated, [national + PROVINCES[p].satisfaction / 100 for _y, p in rows_keys], row_fixed, satisfied_total
    )
    col_rated = [sum(rated[i][d] for i in range(len(cells))) for d in range(ND)]
    col_fixed = {
        d: DOMAINS[d].satisfaction_14
        for d in range(ND)
        if period == cal.P14 and DOMAINS[d].name in cal.TOP_SATISFACTION
    }
    col_rates = _scaled_rates(col_rated, [d.satisfaction_14 for d in DOMAINS], col_fixed, satisfied_total)
    rows = nearest_first(satisfied_total, [n * r for n, r in zip(row_rated, row_rates, strict=True)], list(row_fixed))
    cols = nearest_first(satisfied_total, [n * r for n, r in zip(col_rated, col_rates, strict=True)], list(col_fixed))
    expected = [[rated[i][d] * row_rates[i] * col_rates[d] / national for d in range(ND)] for i in range(len(cells))]
    satisfied = table(expected, rows, cols, caps=rated)
    flat = [cell for row in cells for cell in row]
    for i, row in enumerate(cells):
        for d, cell in enumerate(row):
            cell.rated, cell.satisfied = rated[i][d], satisfied[i][d]
    # 基本满意: a share of the rest of the period's ratings, placed by quota (a cell-by-cell rounding would favour
    # it wherever one rating is left).
    rest = [c.rated - c.satisfied for c in flat]
    for cell, n in zip(
        flat, capped_largest_remainder(round(sum(rest) * cal.BASIC_SHARE_OF_REST), rest, rest), strict=True
    ):
        cell.basic = n


def _rated_by_domain(total: int, replied: list[int], period: str) -> list[int]:
    """Ratings per domain in proportion to its replies; a domain whose 满意 rate is published gets, within a few
    ratings of its share, the count whose nearest 满意 count comes closest to that rate (no figure reads how many
    ratings a domain has, and at small scales 90.6% of 196 ratings is not a whole number of them)."""
    cols = largest_remainder(total, replied)
    if period != cal.P14:
        return cols
    chosen: dict[int, int] = {}
    for d, domain in enumerate(DOMAINS):
        if domain.name in cal.TOP_SATISFACTION and cols[d] > 0:
            rate = domain.satisfaction_14
            near = range(max(1, cols[d] - 6), min(replied[d], cols[d] + 6) + 1)
            chosen[d] = min(near, key=lambda n: (abs(round(n * rate) / n - rate), abs(n - cols[d])))
    others = [d for d in range(ND) if d not in chosen]
    for d, n in zip(others, largest_remainder(total - sum(chosen.values()), [replied[d] for d in others]), strict=True):
        chosen[d] = n
    return [chosen[d] for d in range(ND)]


def _scaled_rates(sizes: Sequence[int], base: Sequence[float], fixed: dict[int, float], total: int) -> list[float]:
    """`base` rates with the `fixed` ones exact and the others scaled so that Σ size × rate = total."""
    factor = _solve(
        total,
        math.fsum(sizes[i] * r for i, r in fixed.items()),
        math.fsum(sizes[i] * r for i, r in enumerate(base) if i not in fixed),
        "a satisfaction rate",
    )
    return [fixed[i] if i in fixed else base[i] * factor for i in range(len(base))]


def _rejected(plan: Plan) -> None:
    share = cal.INVALID_SHARE / (1 - cal.INVALID_SHARE)
    for year in cal.YEARS:
        sizes = [sum(c.valid for p2, _d, c in plan.year_cells(year) if p2 == p) for p in range(NP)]
        for p, n in enumerate(largest_remainder(round(sum(sizes) * share), sizes)):
            plan.invalid[(year, p)] = n


def _gansu_boards(plan: Plan, scale: float) -> None:
    """SEED: 甘肃 2025, 10,547 messages to the party secretary board, 8,269 of them dispatched automatically."""
    p = next(i for i, province in enumerate(PROVINCES) if province.name == cal.GANSU)
    cells = [plan.cells[(2025, p, d)] for d in range(ND)]
    secretary = round(cal.GANSU_SECRETARY_2025 * scale)
    auto = round(cal.GANSU_AUTO_2025 * scale)
    valid = [c.valid for c in cells]
    for cell, n in zip(cells, capped_largest_remainder(min(secretary, sum(valid)), valid, valid), strict=True):
        cell.secretary = n
    caps = [min(c.secretary, c.replied) for c in cells]
    for cell, n in zip(
        cells, capped_largest_remainder(min(auto, sum(caps)), [c.secretary for c in cells], caps), strict=True
    ):
        cell.auto = n
