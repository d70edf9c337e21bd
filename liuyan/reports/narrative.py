"""The report's narrative in Chinese, written from its figures: what moved most, what leads, what stands out.

Each paragraph picks its subjects from the numbers (the regions whose share rose or fell most, the domains that
moved by more than a threshold, the leaders of a ranking, the outliers) and words them by direction and size, so
the text changes with the data instead of filling fixed blanks. Inputs are the dict of `period.build_report`.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from liuyan.geo.models import RegionLevel
from liuyan.geo.names import short_names

NOTABLE_REGION_PP = 1.0  # a region's share moving by at least this many points is worth a sentence
NOTABLE_DOMAIN_PP = 2.0
SUGGESTION_RISE_PP = 10.0  # the national report's "more than 10 points"
LEADERS = 3
_CN_COUNT = {1: "一", 2: "两", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八", 9: "九", 10: "十"}
_LEVELS = {"province": RegionLevel.PROVINCE, "city": RegionLevel.CITY, "county": RegionLevel.COUNTY}


def amount(n: int) -> str:
    """420,123 → 42.0万; 8,269 → 8269."""
    return f"{n / 10_000:.1f}万" if n >= 10_000 else str(n)


def p(value: float) -> str:
    return f"{value:.1f}%"


def pp(value: float) -> str:
    return f"{abs(value):.1f}个百分点"


def _joined(items: Sequence[str]) -> str:
    return "、".join(items)


def _period_name(label: str) -> str:
    return f"“{label}”时期" if label.endswith("五") else label


class _Regions:
    """Short names (广东省 → 广东) and the collective noun (三省, 四个省（区、市）) of the breakdown level."""

    def __init__(self, level: str) -> None:
        self.level = _LEVELS.get(level, RegionLevel.PROVINCE)

    def short(self, name: str) -> str:
        aliases = short_names(name, self.level)
        return aliases[0] if aliases else name

    def names(self, names: Sequence[str]) -> str:
        return _joined([self.short(n) for n in names])

    def group(self, names: Sequence[str]) -> str:
        n = len(names)
        count = _CN_COUNT.get(n, str(n))
        if self.level == RegionLevel.PROVINCE:
            if all(name.endswith("省") for name in names):
                return f"{count}省"
            return f"{count}个省（区、市）"
        if self.level == RegionLevel.CITY:
            return f"{count}个市（州）"
        return f"{count}个县（市、区）"


def _overall(r: Mapping[str, Any]) -> str:
    label = _period_name(r["scope"]["period"]["label"])
    baseline = r["scope"]["baseline"]
    valid, replied, rate = r["valid_messages"], r["replied"], r["reply_rate"]
    text = f"{label}，共收到有效留言{amount(valid['period'])}条"
    growth = r["valid_growth_pct"]
    if baseline is not None and growth is not None:
        before = _period_name(baseline["label"])
        if abs(growth) < 0.05:
            text += f"，与{before}（{amount(valid['baseline'])}条）基本持平"
        else:
            verb = "增长" if growth > 0 else "下降"
            text += f"，较{before}（{amount(valid['baseline'])}条）{verb}{abs(growth):.1f}%"
    text += f"；其中{amount(replied['period'])}条得到回复"
    if baseline is not None and replied["baseline"] is not None and rate["baseline"] is not None:
        more = replied["period"] - replied["baseline"]
        text += f"，比{_period_name(baseline['label'])}{'多' if more >= 0 else '少'}{amount(abs(more))}条"
        if rate["period"] is not None:
            delta = rate["period"] - rate["baseline"]
            if abs(delta) < 0.05:
                text += f"，回复率保持在{p(rate['period'])}"
            else:
                verb = "提升" if delta > 0 else "下降"
                text += f"，回复率由{p(rate['baseline'])}{verb}至{p(rate['period'])}"
    elif rate["period"] is not None:
        text += f"，回复率为{p(rate['period'])}"
    return text + "。"


def _movers(change: Mapping[str, float], threshold: float, rising: bool) -> list[str]:
    chosen = [name for name, d in change.items() if (d >= threshold if rising else d <= -threshold)]
    chosen.sort(key=lambda name: -change[name] if rising else change[name])
    return chosen[:LEADERS]


def _region_shares(r: Mapping[str, Any], regions: _Regions) -> list[str]:
    years = r["scope"]["period"]["years"]
    if len(years) < 2:
        return []
    first, last = years[0], years[-1]
    shares, change = r["region_share"], r["region_share_change_pp"]
    sentences: list[str] = []
    for rising in (True, False):
        names = _movers(change, NOTABLE_REGION_PP, rising)
        if not names:
            continue
        a = _joined([p(shares.get(first, {}).get(n, 0.0)) for n in names])
        b = _joined([p(shares.get(last, {}).get(n, 0.0)) for n in names])
        several = len(names) > 1
        subject = f"{regions.names(names)}{regions.group(names) if several else ''}群众留言量在各地留言总量中的占比"
        verb = "增长" if rising else "下降"
        if several:
            sentences.append(f"{subject}，分别从{first}年的{a}{verb}至{last}年的{b}")
        else:
            sentences.append(f"{subject}从{first}年的{a}{verb}至{last}年的{b}")
    if not sentences:
        return ["各地留言量占比总体稳定，变化均不足1个百分点"]
    return sentences


def _replies_by_region(r: Mapping[str, Any], regions: _Regions) -> list[str]:
    sentences: list[str] = []
    volume = r["reply_volume_by_region"]
    leaders = [name for name, n in list(volume.items())[:LEADERS] if n]
    if len(leaders) >= 2:
        counts = _joined([f"{amount(volume[n])}条" for n in leaders])
        sentences.append(
            f"从回复量看，{regions.names(leaders)}{regions.group(leaders)}群众留言回复量居前，分别为{counts}"
        )
    above = r["regions_reply_rate_above_99"]
    if above:
        sentences.append(f"{regions.names(above)}{regions.group(above) if len(above) > 1 else ''}回复率超过99%")
    return sentences


def _domains(r: Mapping[str, Any]) -> list[str]:
    years = r["scope"]["period"]["years"]
    first, last = years[0], years[-1]
    shares, change = r["domain_share"], r["domain_share_change_pp"]
    sentences: list[str] = []
    top_first = next(iter(shares.get(first, {})), None)
    if len(years) >= 2 and top_first is not None:
        a, b = shares[first][top_first], shares.get(last, {}).get(top_first, 0.0)
        d = change.get(top_first, 0.0)
        verb = "上升" if d > 0 else "下降"
        still = "，仍居各领域首位" if next(iter(shares.get(last, {})), None) == top_first else ""
        if abs(d) >= 0.05:
            sentences.append(
                f"{top_first}领域留言占比由{first}年的{p(a)}{verb}至{last}年的{p(b)}，{verb}{pp(d)}{still}"
            )
        else:
            sentences.append(f"{top_first}领域留言占比保持在{p(b)}左右{still}")
    elif top_first is not None:
        sentences.append(f"{top_first}领域留言占比最高，为{p(shares[first][top_first])}")
    if len(years) >= 2:
        for rising in (True, False):
            names = [n for n in _movers(change, NOTABLE_DOMAIN_PP, rising) if n != top_first]
            if not names:
                continue
            verb = "上升" if rising else "下降"
            if len(names) == 1:
                sentences.append(f"{names[0]}领域占比{verb}{pp(change[names[0]])}")
            else:
                points = _joined([f"{abs(change[n]):.1f}" for n in names])
                sentences.append(f"{_joined(names)}领域占比分别{verb}{points}个百分点")
    return sentences


def _suggestions(r: Mapping[str, Any]) -> list[str]:
    label = _period_name(r["scope"]["period"]["label"])
    years = r["scope"]["period"]["years"]
    sentences: list[str] = []
    if r["suggestions_replied"]:
        sentences.append(f"{label}共有{amount(r['suggestions_replied'])}条群众建言得到回复")
    if len(years) >= 2:
        change = r["suggestion_share_change_pp"]
        big = [n for n, d in change.items() if d > SUGGESTION_RISE_PP]
        if big:
            sentences.append(
                f"{years[-1]}年{_joined(big)}领域建言在本领域留言中的占比较{years[0]}年提高"
                f"{SUGGESTION_RISE_PP:.0f}个百分点以上"
            )
        else:
            rising = _movers(change, 1.0, True)
            if rising:
                points = _joined([f"{change[n]:.1f}" for n in rising])
                sentences.append(f"{_joined(rising)}领域建言占比较{years[0]}年提高较多，分别提高{points}个百分点")
    return sentences


def _satisfaction(r: Mapping[str, Any]) -> list[str]:
    if not r["ratings"] or r["satisfaction_rate"] is None:
        return []
    text = f"群众对{amount(r['ratings'])}条回复作出评价，其中“满意”{amount(r['satisfied'])}条，满意率为{p(r['satisfaction_rate'])}"
    if r["satisfaction_rate_incl_basic"] is not None:
        text += f"（含“基本满意”为{p(r['satisfaction_rate_incl_basic'])}）"
    sentences = [text]
    by_domain = [(n, v) for n, v in r["satisfaction_by_domain"].items() if v is not None]
    if len(by_domain) >= LEADERS + 1:
        top = by_domain[:LEADERS]
        listed = _joined([f"{n}（{p(v)}）" for n, v in top])
        sentences.append(f"分领域看，{listed}领域满意率位居前列")
        low_name, low = by_domain[-1]
        if r["satisfaction_rate"] - low >= 5:
            sentences.append(f"{low_name}领域满意率相对较低（{p(low)}），低于总体{pp(r['satisfaction_rate'] - low)}")
    return sentences


def narrate(report: Mapping[str, Any]) -> list[str]:
    """The narrative paragraphs (Chinese)."""
    if not report["valid_messages"]["period"]:
        return [f"{_period_name(report['scope']['period']['label'])}内没有有效留言，暂无可分析的数据。"]
    regions = _Regions(report["scope"]["breakdown_level"])
    paragraphs = [_overall(report)]
    for sentences in (
        _region_shares(report, regions) + _replies_by_region(report, regions),
        _domains(report),
        _suggestions(report),
        _satisfaction(report),
    ):
        if sentences:
            paragraphs.append("；".join(sentences) + "。")
    return paragraphs
