"""locate: the region a message is about, from the division names it mentions (智能录入 · 地区).

Matching. Every region name and alias in the database (GB/T 2260 divisions and custom gazetteer entries such as
西地省 / A市 / A3区) goes into one in-process table keyed by its first two characters; a left-to-right scan takes
the longest name at each position (leftmost-longest, like Aho-Corasick), so 朝阳新居 never yields 朝阳 when a
longer name matches, and the cost is one dictionary probe per character. The table is built from
`liuyan.geo.region_lookup`'s name index and rebuilt whenever that one is (its time-to-live, the Region signals and
every `clear_region_cache()` of the loaders), so one database read serves both.

How much a mention counts (its strength):
- an official name (A3区, 朝阳区, 西地省): 1.0; an official name of two Chinese characters (和县, 城区, 郊区), and a few
  names that are also everyday words (新城区, 城关区 …): 0.3, they count fully only when another mention confirms them;
- a short name (alias) followed by its own division suffix (延边州 for 延边朝鲜族自治州): 1.0; followed by another
  one (泰山街道, 朝阳镇: a township named like the county) it is no mention;
- a province's or city's short name on its own (广东, 深圳): 0.6; a county's short name on its own (朝阳, 海淀) and
  a city's that is an everyday word too (中山, 阿里, 三明): 0.3, and nothing at all unless another mention or the
  author's region confirms it (资源, 平原, 繁荣昌盛 are everyday words);
- a short name followed by a road, estate or institution word (中山路, 朝阳新居, 中山大学) is no mention at all.

Choosing. Each candidate region scores its own mentions plus every mention of its ancestors (A市 + A3区 → A3区
scores both); an ambiguous name splits its weight between its candidates (two 朝阳区). The best score wins, then
the deeper region, then the earlier mention. Confidence grows with the score and falls with the strongest rival
that is neither an ancestor nor a descendant. The author's region adds a small bonus to candidates on its branch
(a tie-breaker) and is the fallback, at confidence 0.3, when the text names no region.
"""

import math
import threading
from dataclasses import dataclass, field
from typing import Any

STRONG = 1.0
MEDIUM = 0.6
WEAK = 0.3
AUTHOR_BONUS = 0.2
AUTHOR_FALLBACK_CONFIDENCE = 0.3
MIN_SCORE = 0.2  # below this the text says too little (one weak name nothing confirms); the author's region is used
REPEAT_FACTOR = 0.3  # each further mention of the same name adds this share of its strength

DIVISION_SUFFIXES = "省市区县州盟旗镇乡"
# After a short name, these words make it part of another name: 中山路, 朝阳新居, 中山大学, 长安街.
NOT_A_PLACE_AFTER = (
    "路",
    "街",
    "巷",
    "大道",
    "道",
    "弄",
    "胡同",
    "小区",
    "花园",
    "花苑",
    "新村",
    "新居",
    "新城",
    "家园",
    "苑",
    "府",
    "公寓",
    "大厦",
    "广场",
    "公园",
    "村",
    "桥",
    "站",
    "大学",
    "中学",
    "小学",
    "学校",
    "学院",
    "医院",
    "银行",
    "酒店",
    "宾馆",
    "饭店",
    "商场",
    "超市",
    "集团",
    "公司",
    "号",
    "湖",
    "河",
    "江",
    "山",
    "门",
)
# Official names that are everyday words as well (城区 "urban area", 新城区 "new town") count as weak.
EVERYDAY_NAMES = frozenset(
    {"城区", "郊区", "矿区", "东区", "西区", "新城区", "老城区", "城关区", "市中区", "城中区", "城北区", "城东区"}
    | {"城西区", "城南区", "新区", "开发区", "高新区", "市辖区", "长安区", "和平区", "新华区", "向阳区", "胜利区"}
)


# Short names of cities that are everyday words too (孙中山, 阿里巴巴, 三明治, 长治久安): weak like a county's.
EVERYDAY_ALIASES = frozenset({"中山", "阿里", "大同", "三明", "长治", "白山", "黄山", "安康", "金昌", "海东", "通化"})


@dataclass(frozen=True, slots=True)
class RegionRef:
    pk: int
    path: str
    name: str

    @property
    def depth(self) -> int:
        """1 for the root 中国, 2 for a province, 3 for a city, …: deeper is more specific."""
        return self.path.count("/")


@dataclass(frozen=True, slots=True)
class Candidate:
    region: RegionRef
    strength: float


@dataclass(frozen=True, slots=True)
class Mention:
    """A division name as it appears in the text, with every region it may mean."""

    text: str
    start: int
    end: int
    candidates: tuple[Candidate, ...]

    @property
    def strength(self) -> float:
        return max(c.strength for c in self.candidates)


@dataclass(frozen=True)
class Location:
    region_id: int
    path: str
    name: str
    confidence: float  # in [0, 1]
    evidence: tuple[str, ...]  # the matched strings that decided it, in text order
    reason: str  # in Chinese, for staff: 文中提及“A市”“A3区”
    from_author: bool = False  # the author's region was the fallback: the text names no region

    def to_json(self) -> dict[str, Any]:
        return {
            "region_id": self.region_id,
            "path": self.path,
            "name": self.name,
            "confidence": self.confidence,
            "evidence": list(self.evidence),
            "reason": self.reason,
            "from_author": self.from_author,
        }


@dataclass
class _Matcher:
    source: object  # the region_lookup index this was built from
    by_prefix: dict[str, tuple[int, ...]]  # first two characters → name lengths, longest first
    names: dict[str, tuple[tuple[RegionRef, bool], ...]]  # name → (region, is an alias)
    by_pk: dict[int, RegionRef] = field(default_factory=dict)
    by_path: dict[str, RegionRef] = field(default_factory=dict)


_lock = threading.Lock()
_matcher: _Matcher | None = None
_last: tuple[_Matcher, str, tuple[Mention, ...]] | None = None  # extract and locate read the same text in turn


def clear_locate_cache() -> None:
    global _matcher, _last
    with _lock:
        _matcher = None
        _last = None


def _build(source: Any) -> _Matcher:
    by_pk: dict[int, RegionRef] = {}
    for name, entries in source.by_name.items():
        for entry in entries:
            by_pk[entry.pk] = RegionRef(entry.pk, entry.path, name)
    names: dict[str, list[tuple[RegionRef, bool]]] = {}
    for table, is_alias in ((source.by_name, False), (source.by_alias, True)):
        for name, entries in table.items():
            if len(name) < 2:
                continue  # one-character abbreviations (粤, 京) are everywhere in ordinary text
            for entry in entries:
                ref = by_pk.get(entry.pk)
                if ref is not None and ref.depth >= 2:  # never the root 中国
                    names.setdefault(name, []).append((ref, is_alias))
    lengths: dict[str, set[int]] = {}
    for name in names:
        lengths.setdefault(name[:2], set()).add(len(name))
    by_prefix = {prefix: tuple(sorted(ls, reverse=True)) for prefix, ls in lengths.items()}
    by_path = {ref.path: ref for ref in by_pk.values()}
    return _Matcher(source, by_prefix, {k: tuple(v) for k, v in names.items()}, by_pk, by_path)


def _get_matcher() -> _Matcher:
    global _matcher
    from liuyan.geo import region_lookup  # here, so extract and locate import without Django set up

    # The shared name index of geo.region_lookup (rebuilt on its schedule and on every region change).
    source = region_lookup._get_index()
    with _lock:
        if _matcher is None or _matcher.source is not source:
            _matcher = _build(source)
        return _matcher


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _strength(name: str, ref: RegionRef, is_alias: bool, text: str, end: int) -> tuple[float, int]:
    """How much this reading of text[..end] counts, and where the mention ends (0.0: not a mention)."""
    after = text[end : end + 2]
    if not is_alias:
        if name in EVERYDAY_NAMES or (len(name) == 2 and _is_cjk(name[0]) and _is_cjk(name[1])):
            return WEAK, end
        return STRONG, end
    if after[:1] and after[0] == ref.name[-1]:
        return STRONG, end + 1  # 延边 + 州 (延边朝鲜族自治州)
    if after[:2] == "街道" or (after[:1] and after[0] in DIVISION_SUFFIXES):
        return 0.0, end  # 泰山街道, 朝阳镇: a township named like the county, not the county
    if after.startswith(NOT_A_PLACE_AFTER):
        return 0.0, end
    county = ref.depth > 3 or (ref.name.endswith(("区", "县", "旗")) and not ref.name.endswith("地区"))
    if county or name in EVERYDAY_ALIASES:  # 重庆's 荣昌区 and 海南's 定安县 sit right below the province
        return WEAK, end
    return MEDIUM, end


def find_mentions(text: str) -> list[Mention]:
    """Division names in `text`, leftmost-longest and without overlaps, in text order."""
    global _last
    if len(text) < 2:
        return []
    matcher = _get_matcher()
    last = _last
    if last is not None and last[0] is matcher and last[1] == text:
        return list(last[2])
    found = _scan(matcher, text)
    _last = (matcher, text, tuple(found))
    return found


def _scan(matcher: _Matcher, text: str) -> list[Mention]:
    by_prefix, names = matcher.by_prefix, matcher.names
    found: list[Mention] = []
    n = len(text)
    i = 0
    while i < n - 1:
        lengths = by_prefix.get(text[i : i + 2])
        if lengths is None:
            i += 1
            continue
        if text[i].isascii() and i > 0 and text[i - 1].isascii() and text[i - 1].isalnum():
            i += 1  # A3区 inside QA3区: the code is part of a longer Latin word
            continue
        taken = 0  # characters consumed: an accepted mention, or a name that turned out part of another word
        for length in lengths:
            name = text[i : i + length]
            readings = names.get(name)
            if readings is None or len(name) != length:
                continue
            candidates: list[Candidate] = []
            end = i + length
            for ref, is_alias in readings:
                strength, stop = _strength(name, ref, is_alias, text, i + length)
                if strength > 0:
                    candidates.append(Candidate(ref, strength))
                    end = max(end, stop)
            if candidates:
                found.append(Mention(text[i:end], i, end, tuple(_best_per_region(candidates))))
                taken = end - i
                break
            taken = max(taken, length)  # 朝阳 of 朝阳新居: skip it, so 阳新 inside is not read either
        i += taken or 1
    return found


def _best_per_region(candidates: list[Candidate]) -> list[Candidate]:
    best: dict[int, Candidate] = {}
    for c in candidates:
        if c.region.pk not in best or c.strength > best[c.region.pk].strength:
            best[c.region.pk] = c
    return list(best.values())


@dataclass
class _Group:
    """All mentions of one name: its candidates, total weight and first position."""

    text: str
    candidates: tuple[Candidate, ...]
    weight: float
    first: int


def _groups(mentions: list[Mention]) -> list[_Group]:
    by_key: dict[tuple[int, ...], _Group] = {}
    for m in mentions:
        key = tuple(sorted(c.region.pk for c in m.candidates))
        group = by_key.get(key)
        if group is None:
            by_key[key] = _Group(m.text, m.candidates, m.strength, m.start)
        else:
            group.weight += REPEAT_FACTOR * m.strength
    return list(by_key.values())


def _on_branch(a: RegionRef, b: RegionRef) -> bool:
    return a.path.startswith(b.path) or b.path.startswith(a.path)


@dataclass
class _Scored:
    score: float
    region: RegionRef
    group: _Group
    evidence: list[_Group]

    def key(self) -> tuple[float, int, int]:
        return (round(self.score, 6), self.region.depth, -self.group.first)


def _score(groups: list[_Group], author: RegionRef | None) -> list[_Scored]:
    scored: list[_Scored] = []
    at_path: dict[str, list[_Group]] = {}
    for group in groups:
        for cand in group.candidates:
            at_path.setdefault(cand.region.path, []).append(group)
    for group in groups:
        readings = []
        for cand in group.candidates:
            # The other names that mean this region or one of its ancestors (a path prefix): a few lookups.
            confirming: dict[int, _Group] = {}
            path = cand.region.path
            cut = path.find("/")
            while cut != -1:
                for g in at_path.get(path[: cut + 1], ()):
                    if g is not group:
                        confirming[id(g)] = g
                cut = path.find("/", cut + 1)
            readings.append((cand, sum(g.weight for g in confirming.values()), list(confirming.values())))
        top = max(s for _, s, _ in readings)
        winners = sum(1 for _, s, _ in readings if s == top)
        strongest = max(c.strength for c in group.candidates)
        for cand, support_weight, support in readings:
            if support_weight < top:
                continue  # another reading of this name is the one its context confirms
            own = group.weight * cand.strength / strongest / winners
            if cand.strength < MEDIUM and not support:
                own = 0.0  # a weak reading nothing confirms (资源, 平原, 繁荣昌盛): only the author's region may
            score = own + support_weight
            if author is not None and _on_branch(cand.region, author):
                score += AUTHOR_BONUS
            scored.append(_Scored(score, cand.region, group, sorted([group, *support], key=lambda g: g.first)))
    scored.sort(key=_Scored.key, reverse=True)
    return scored


def _common_ancestor(regions: list[RegionRef], by_path: dict[str, RegionRef]) -> RegionRef | None:
    parts = [r.path.rstrip("/").split("/") for r in regions]
    common: list[str] = []
    for codes in zip(*parts, strict=False):
        if len(set(codes)) != 1:
            break
        common.append(codes[0])
    return by_path.get("/".join(common) + "/") if common else None


def locate(text: str, *, author_region_id: int | None = None) -> Location | None:
    """The region `text` is about, the most specific one its mentions agree on; None when nothing points anywhere."""
    matcher = _get_matcher()
    author = matcher.by_pk.get(author_region_id) if author_region_id is not None else None
    scored = _score(_groups(find_mentions(text)), author)
    if scored and scored[0].score >= MIN_SCORE:
        best = scored[0]
        region: RegionRef | None = best.region
        tied = [s.region for s in scored if s.group is best.group and s.key()[0] == best.key()[0]]
        if len(tied) > 1:  # one ambiguous name and nothing to tell its readings apart (two 朝阳区)
            common = _common_ancestor(tied, matcher.by_path)
            region = common if common is not None and common.depth >= 2 else None
        if region is not None:
            rival = max((s.score for s in scored if not _on_branch(s.region, region)), default=0.0)
            confidence = (1 - math.exp(-1.6 * best.score)) * best.score / (best.score + rival)
            evidence = tuple(dict.fromkeys(g.text for g in best.evidence))
            reason = "文中提及" + "".join(f"“{e}”" for e in evidence)
            if rival:
                reason += "，另提及其他地区，置信度较低"
            return Location(region.pk, region.path, region.name, round(min(confidence, 0.97), 3), evidence, reason)
    if author is not None:
        return Location(
            author.pk,
            author.path,
            author.name,
            AUTHOR_FALLBACK_CONFIDENCE,
            (),
            "文中未提及地区，按留言人所在地区",
            True,
        )
    return None


def mentions_json(mentions: list[Mention]) -> list[dict[str, Any]]:
    return [
        {"text": m.text, "start": m.start, "end": m.end, "regions": [c.region.pk for c in m.candidates]}
        for m in mentions
    ]
