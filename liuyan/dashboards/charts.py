"""The dashboard's charts: Vega-Lite specs from `liuyan.reports.charts` over the page's figures, their one-line
summaries (the images' alt text) and their SVGs, cached under the scope."""

from collections.abc import Callable
from typing import Any

from liuyan.dashboards.data import Dashboard, Filters, ShareRow, cached, dashboard
from liuyan.reports import charts
from liuyan.web.i18n import bi

SHARE_LIMIT = 15  # bars of a share chart; the table lists every row


def _show_every_other_label(spec: dict[str, Any]) -> dict[str, Any]:
    """Thin out the month labels of a long trend (60 months of 十四五 do not fit side by side): Vega's parity
    strategy drops every other label until none overlap."""
    for layer in spec.get("layer", [spec]):
        axis = layer.get("encoding", {}).get("x", {}).get("axis")
        if isinstance(axis, dict):
            axis["labelOverlap"] = "parity"
    return spec


def trend_spec(board: Dashboard) -> dict[str, Any]:
    valid, replied = bi("有效留言", "Valid"), bi("已回复", "Replied")
    series = {
        valid: {p.label: float(p.valid) for p in board.trend},
        replied: {p.label: float(p.replied) for p in board.trend},
    }
    spec = charts.line_spec(
        series,
        title=bi("月度有效留言与回复", "Valid and replied messages by month"),
        x_title=bi("月份", "Month"),
        y_title=bi("件数", "Messages"),
        unit=bi("件", "messages"),
        x_order=[p.label for p in board.trend],
    )
    return _show_every_other_label(spec)


def _share_spec(rows: list[ShareRow] | None, title: str, category_title: str, group: str) -> dict[str, Any]:
    shares = {row.name: (row.share or 0.0) * 100 for row in rows or []}
    return charts.share_bar_spec({group: shares}, title=title, category_title=category_title, limit=SHARE_LIMIT)


def regions_spec(board: Dashboard, filters: Filters) -> dict[str, Any]:
    return _share_spec(
        board.regions,
        bi("各地区有效留言占比", "Share of valid messages by region"),
        bi("地区", "Region"),
        filters.period.label,
    )


def categories_spec(board: Dashboard, filters: Filters) -> dict[str, Any]:
    title = (
        bi("各领域有效留言占比", "Share of valid messages by domain")
        if board.category_is_domain
        else bi("各子类有效留言占比", "Share of valid messages by sub-category")
    )
    return _share_spec(board.categories, title, bi("领域", "Domain"), filters.period.label)


SPECS: dict[str, Callable[[Dashboard, Filters], dict[str, Any]]] = {
    "trend": lambda board, _filters: trend_spec(board),
    "regions": regions_spec,
    "categories": categories_spec,
}


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _share_summary(rows: list[ShareRow] | None, what: str) -> str:
    if not rows:
        return bi(f"{what}：无数据", f"{what}: no data")
    top = sorted(rows, key=lambda r: -(r.share or 0))[:3]
    parts = "、".join(f"{r.name}（{_pct(r.share)}）" for r in top)
    parts_en = ", ".join(f"{r.name} ({_pct(r.share)})" for r in top)
    return bi(f"{what}：共{len(rows)}项，占比最高的是{parts}", f"{what}: {len(rows)} rows; largest {parts_en}")


def summary(name: str, board: Dashboard) -> str:
    """A chart's content in one line, for its alt text (the full data is in the table beside it)."""
    if name == "trend":
        if not board.trend:
            return bi("月度趋势：无数据", "Monthly trend: no data")
        peak = max(board.trend, key=lambda p: p.valid)
        valid, replied = board.totals["valid"], board.totals["replied"]
        first, last = board.trend[0].label, board.trend[-1].label
        return bi(
            f"月度有效留言与回复折线图：{first}至{last}共{len(board.trend)}个月，有效留言{valid:,}件、已回复{replied:,}件，"
            f"有效留言最多的月份是{peak.label}（{peak.valid:,}件）",
            f"Line chart of valid and replied messages by month, {first} to {last}: {valid:,} valid, {replied:,} "
            f"replied; the busiest month was {peak.label} ({peak.valid:,})",
        )
    if name == "regions":
        return _share_summary(board.regions, bi("各地区有效留言占比条形图", "Bar chart of the regions' shares"))
    return _share_summary(board.categories, bi("各领域有效留言占比条形图", "Bar chart of the domains' shares"))


def svg(name: str, filters: Filters) -> str:
    """The chart as SVG, rendered once per scope and language for a few minutes (rendering takes tens of
    milliseconds; the figures come from the same cache as the page's)."""
    build = SPECS[name]

    def render() -> str:
        return charts.to_svg(build(dashboard(filters), filters))

    text: str = cached(f"svg-{name}", filters, render)
    return text
