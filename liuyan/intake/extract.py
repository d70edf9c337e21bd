"""extract: structured facts in a message (智能录入): who can be reached, where, which organisation, when.

`extract(text)` returns an `Extraction` of entities, each with its kind, a normalised value, and its span:

- personal data (phone, id_card, email, bank_card, plate) come from `liuyan.messages.privacy`, the very patterns
  public masking uses; only spans that pass their checks (ID checksum and birth date, Luhn, area codes) are kept:
  precision over recall. `value`: digits only (phones without +86), upper-case X, plates without separators;
- place: division names as they appear, found by `liuyan.intake.locate.find_mentions` on the region table;
  `detail` lists the candidate region primary keys ("12" or "12,34" when ambiguous);
- address: road / estate / building / unit / room / village-group phrases (人民路128号, 幸福里小区3栋2单元502室,
  李家庄村3组), joined with a division name written right before them (A3区人民路128号);
- organisation: a name ending in an institution word (…有限公司, …局, …委员会, …医院, …小学, …银行, …物业,
  …街道办事处, …派出所 …), its left edge at punctuation, a function word (的, 在, 向, 我 …) or a verb of
  complaint (投诉, 反映 …); adjacent parts are joined (A市人民政府 + 办公厅, …物业 + 管理有限公司);
- datetime: 2024年3月5日, 2024-03-05 12:30, 3月5日, 昨天, 上周, 上午9点, 春节前 …; `value` is ISO 8601 where the
  text is absolute (2024-03-05, 2024-03, 2024, 09:00, 2024-03-05T09:00) or made absolute by `today`
  (昨天 → today − 1), `--03-05` for a date without a year, otherwise the words themselves; `detail` says which:
  absolute / partial / relative / vague.

Names are found by expanding left from a suffix over at most a few characters, never by a pattern free to run
across a sentence, so the cost is linear in the text.
"""

import bisect
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from liuyan.intake.locate import WEAK, find_mentions
from liuyan.messages.privacy import HOUSE_NUMBER, TakenSpans, ascii_digits, find_personal_data, starting_with

PHONE = "phone"
ID_CARD = "id_card"
EMAIL = "email"
BANK_CARD = "bank_card"
PLATE = "plate"
ADDRESS = "address"
PLACE = "place"
ORGANISATION = "organisation"
DATETIME = "datetime"
KINDS = (PHONE, ID_CARD, EMAIL, BANK_CARD, PLATE, ADDRESS, PLACE, ORGANISATION, DATETIME)


@dataclass(frozen=True, slots=True)
class Entity:
    kind: str
    value: str  # normalised (see the module docstring)
    start: int
    end: int
    text: str  # as written
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "value": self.value,
            "start": self.start,
            "end": self.end,
            "text": self.text,
        }
        if self.detail:
            data["detail"] = self.detail
        return data


@dataclass(frozen=True)
class Extraction:
    entities: tuple[Entity, ...]

    def of_kind(self, kind: str) -> list[Entity]:
        return [e for e in self.entities if e.kind == kind]

    def values(self, kind: str) -> list[str]:
        return [e.value for e in self.entities if e.kind == kind]

    def to_json(self) -> list[dict[str, Any]]:
        return [e.to_json() for e in self.entities]


# ---------------------------------------------------------------------------------------------------------------
# Names grown leftwards from a suffix


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_NAME_CHAR = re.compile(r"[\u4e00-\u9fffA-Za-z0-9０-９]")
_DIVISION_CHARS = frozenset("省市区县镇乡")
# Characters a name never starts after: function words and pronouns (punctuation is no name character anyway).
_STOP_CHARS = frozenset("的在于是被把让给向对从到跟与及我你他她它们这那该本其此每各个几找去说请经由称等将")
# More for addresses (estate and road names have no verbs or particles: 严重干扰小区, 和谐之路) …
_ADDRESS_STOP_CHARS = _STOP_CHARS | frozenset("了过着很都也还又就才已要想会能可看做找嫌侵占扰规之访求选住")
# … and for organisations (跪求市政府, 上诉法院, 就读小学).
_ORG_STOP_CHARS = _STOP_CHARS | frozenset("任求问送跪诉读须虽据还某己整因过所或然况时后进入往了")
# Words a name never starts after (投诉A市…局 → A市…局): the name starts right after the last one.
_STOP_WORDS = _words(
    "位于 住在 地址 反映 投诉 举报 联系 咨询 要求 希望 通过 经过 关于 建议 请问 起诉 隔壁 附近 旁边 对面 门口"
    " 家住 根据 作为 还有 发现 追究 可以 上诉 进入 采用 一个 一家 一所 一些 某些 这些 那些 自己 整个 所有 以来 就读"
    " 急送 现为 同志 虽然 因为 必须 后因 后报 报警 到了 来到 去了 已经 已造成 造成 导致 涉嫌 监督 一起 部分 多数"
)
# Organisation words that end an address name too: 金鹗山办事处万家坡社区 → 万家坡社区.
_ADDRESS_STOP_WORDS = _STOP_WORDS | _words(
    "办事处 街道 政府 公司 委员会 居委会 学校 医院 小区 社区 物业 业主 考虑 公告 方式 影响 保证 听闻 距离 设计 入驻"
    " 紧邻 紧临 靠近 重视 方便 协助 启动 中间 需要 借道 不为 晚上 白天 仍未 目前 现在 一直 居住 购买 购房 入住 搬到"
    " 属于 就是 都是 还是 不是 成为 所在 本人 修路 无路"
)
# Estate "names" that only describe one (居民小区, 高层生活小区, 养老公寓): no address.
_GENERIC_ESTATE_NAMES = (
    "居民",
    "家属",
    "生活",
    "高层",
    "平层",
    "养老",
    "老旧",
    "封闭",
    "开放式",
    "安置",
    "商品房",
    "新建",
    "周边",
    "周围",
    "整个",
    "这些",
    "农村",
    "城市",
)
# 住房和城乡建设局, 人力资源和社会保障局, 发展和改革委员会: 和 inside a department name.
_AND_CONTINUES = ("城乡", "社会", "信息", "旅游", "改革", "计划", "科技", "体育", "广播", "自然", "生态", "应急")


def _grow_left(
    text: str, end: int, limit: int, floor: int, *, stops: frozenset[str], words: frozenset[str], divisions_stop: bool
) -> int:
    """Where a name ending at `end` starts: at most `limit` name characters back, never before `floor`, never
    across a stop character, and right after the last stop word inside."""
    start = end
    while start > floor and end - start < limit:
        ch = text[start - 1]
        if not _NAME_CHAR.match(ch) or ch in stops:
            break
        if divisions_stop and ch in _DIVISION_CHARS:
            break
        if ch == "和" and not text.startswith(_AND_CONTINUES, start):
            break
        start -= 1
    name = text[start:end]
    cut = max((name.rfind(w) + len(w) for w in words if w in name), default=0)
    start += cut
    if start < end and start > floor and text[start - 1 : start + 1] in words:
        start += 1  # 监督|泰华一村: the name began inside a stop word
    return start


# ---------------------------------------------------------------------------------------------------------------
# Addresses

_D = "[0-9０-９]"
_CN_NUM = "[一二三四五六七八九十百零〇两]"
_ROAD_SUFFIX = "(?:大道|大街|路(?!灯|面|边|旁|况|线|过|人|费|由|程|牌|基|沿|网|途|政|段)|街(?!道|办)|巷|胡同)"
_ESTATE_SUFFIX = "(?:小区|社区|花园|花苑|家园|公寓|大厦|新村|家属院|家属区|宿舍|安置区|村(?!民|里|级|务|干部|委|庄))"
_WEAK_ESTATE_SUFFIX = "(?:苑|府|城|湾|庭|园|居|里|院|楼|阁|轩|邸|郡|墅)"
_NUMBERED = (
    rf"(?:{_D}{{1,5}}(?:-{_D}{{1,5}})?(?:号院|号楼|号|弄|栋|幢|座|单元|层|楼|室|号房|房|组)"
    rf"|{_CN_NUM}{{1,3}}(?:组|栋|单元|号楼))"
)
_NAMED_SUFFIX = re.compile(
    rf"(?P<road>{_ROAD_SUFFIX}(?:[东西南北中]段|{_CN_NUM}{{1,2}}段)?)"
    rf"|(?P<estate>{_ESTATE_SUFFIX})"
    rf"|(?P<weak>{_WEAK_ESTATE_SUFFIX})(?={_D}{{1,3}}(?:号楼|栋|幢|座|单元))"
)
_BUILDING_FIRST = re.compile(rf"{_D}{{1,3}}(?:号楼|栋|幢)")
_NUMBERED_RE = starting_with("0-9０-９" + _CN_NUM[1:-1], rf"(?<![0-9０-９\-]){_NUMBERED}+")
_ADDRESS_NAME_LIMIT = 6
_VILLAGE_NAME_LIMIT = 4
_LONE_ROAD_NAME_LIMIT = 4  # a road on its own (no number, no estate after it) has a short name: 开元路, 冷江东路
# Words that end like a road or a village but are none (道路, 马路, 农村 …).
_NOT_ROADS = _words(
    "道路 马路 公路 铁路 线路 思路 出路 网路 电路 一路 沿路 过路 让路 修路 套路 门路 走路 上路 进路 水路 陆路 来路"
    " 后路 小路 大路 回家路 退路 无路 修路 封路 快速路 一条街 逛街 上街 临街 沿街 满街 当街 一街 整条街 农村 乡村 新农村 城中村 本村 全村 该村 我村"
    " 邻村 进村 村村 各村 小区 社区 本小区 该小区 全小区 各小区 老小区 新小区 大街小巷 弄 里弄 胡同 巷"
)
_NOT_ROAD_ENDINGS = ("道路", "马路", "公路", "铁路", "线路", "网路", "电路", "农村", "乡村", "城中村")


@dataclass
class _Part:
    start: int
    end: int
    kind: str  # road / estate / weak (苑, 府 … before a building number) / number
    name_length: int = 0


def _addresses(text: str, places: list[tuple[int, int]]) -> list[Entity]:
    parts: list[_Part] = []
    floor = 0
    for m in _NAMED_SUFFIX.finditer(text):
        if m.start() < floor:
            continue
        limit = _VILLAGE_NAME_LIMIT if m.group() == "村" else _ADDRESS_NAME_LIMIT
        start = _grow_left(
            text, m.start(), limit, floor, stops=_ADDRESS_STOP_CHARS, words=_ADDRESS_STOP_WORDS, divisions_stop=True
        )
        phrase = text[start : m.end()]
        short = m.start() - start < (1 if m.group() == "村" else 2)
        if short and not (m.start() - start == 1 and text[start].isdigit()):  # 王村 and 2路 are names, 上街 not
            continue
        if phrase in _NOT_ROADS or phrase.endswith(_NOT_ROAD_ENDINGS) or phrase[-len(m.group()) - 1 :] in _NOT_ROADS:
            continue  # 道路, 修路, 走头无路: words, not roads
        if m.lastgroup == "estate" and text[start : m.start()].endswith(_GENERIC_ESTATE_NAMES):
            continue
        parts.append(_Part(start, m.end(), m.lastgroup or "", m.start() - start))
        floor = m.end()
    named_ends = {p.end for p in parts}
    for m in _NUMBERED_RE.finditer(text):
        start = m.start()
        if start not in named_ends and _BUILDING_FIRST.match(text, start):
            # 碧水蓝天3号楼: an estate written without 小区 or 花园 still names the building's estate.
            name_start = _grow_left(
                text,
                start,
                _ADDRESS_NAME_LIMIT,
                0,
                stops=_ADDRESS_STOP_CHARS,
                words=_ADDRESS_STOP_WORDS,
                divisions_stop=True,
            )
            if start - name_start >= 2 and not text[name_start:start].isdigit():
                parts.append(_Part(name_start, start, "estate", start - name_start))
        parts.append(_Part(start, m.end(), "number"))
    if not parts:
        return []
    parts.sort(key=lambda p: (p.start, -p.end))
    chains: list[list[_Part]] = []
    for part in parts:
        if chains and part.start <= chains[-1][-1].end:
            if part.end > chains[-1][-1].end:
                chains[-1].append(part)
        else:
            chains.append([part])
    place_ends = {end: start for start, end in places}
    found: list[Entity] = []
    for chain in chains:
        first = chain[0]
        if first.kind == "number":
            continue  # a bare 3号 or 5层 is no address
        start, end = first.start, chain[-1].end
        while start in place_ends:  # A市A3区人民路: the division names written right before belong to it
            start = place_ends[start]
        lone_road = len(chain) == 1 and first.kind == "road" and start == first.start
        if lone_road and first.name_length > _LONE_ROAD_NAME_LIMIT:
            continue  # 几年上访路: a long "road" name with no number and no place before it is rarely a road
        raw = text[start:end]
        found.append(Entity(ADDRESS, ascii_digits(raw), start, end, raw))
    return found


# ---------------------------------------------------------------------------------------------------------------
# Organisations

_ORG_SUFFIXES = _words(
    "股份有限公司 有限责任公司 有限公司 分公司 集团 公司 委员会 居委会 村委会 管委会 村委 街道办事处 办事处 街道办"
    " 派出所 司法所 供电所 财政所 国土所 律师事务所 事务所 研究所 管理所 卫生所 检验所 管理处 医院 卫生院 诊所"
    " 学校 大学 学院 中学 小学 幼儿园 银行 分行 支行 信用社 营业部 物业 局 分局 厅 办公厅 办公室 法院 检察院 人民政府 政府"
    " 服务中心 管理中心 指挥中心 调度中心 监测中心 救助中心 疾控中心 活动中心 培训中心 交易中心 保障中心 医疗中心"
    " 急救中心 体检中心 加工厂 工厂 厂 超市 农贸市场 菜市场 批发市场 综合市场 大药房 药店"
)
_ORG_SUFFIX_RE = re.compile("|".join(sorted(_ORG_SUFFIXES, key=lambda w: (-len(w), w))))
_ORG_NAME_LIMIT = 18
_ORG_NAME_WITHOUT_PLACE = 8
_DATE_PREFIX = re.compile(r".*[0-9０-９]+[年月日号]")
_DIVISION_WORD = re.compile(r"(?<![小社园街城郊])[省市区县镇乡]")
_ORG_MAX_LENGTH = 40
# Parts that always join the organisation right before them (…银行 + A市分行, …政府 + 办公厅).
_SUB_UNITS = ("分公司", "分局", "分行", "支行", "营业部", "办公厅", "办公室", "分院", "分校")
# Endings that look like an organisation but are none (骗局, 格局 …), and what must not follow a suffix.
_NOT_ORGS = _words("结局 格局 布局 当局 大局 骗局 僵局 饭局 赌局 出局 开局 终局 全局 时局 定局 残局 败局 胜局")
_GENERIC_ORGS = _words("工厂 政府 学校 医院 银行 公司 物业 大学 中学 小学 超市 药店")
_NOT_AFTER: dict[str, str] = {
    "物业": "费管服",
    "银行": "卡账流贷",
    "中学": "生",
    "小学": "生",
    "大学": "生",
    "学院": "派",
    "厂": "家区房长商",
    "分行": "政为",
    "公司": "化",
    "局": "面势长",
    "政府": "部",
}


# An organisation joins the one right before it when it is a sub-unit, or a company name in two parts
# (…物业 + 管理有限公司, …集团 + 有限公司).
_JOINS_AFTER = ("物业", "集团", "公司")


def _organisations(text: str, place_starts: list[int]) -> list[Entity]:
    found: list[Entity] = []
    floor = 0
    for m in _ORG_SUFFIX_RE.finditer(text):
        suffix = m.group()
        after = text[m.end() : m.end() + 1]
        if after and after in _NOT_AFTER.get(suffix, ""):
            continue
        start = _grow_left(
            text, m.start(), _ORG_NAME_LIMIT, floor, stops=_ORG_STOP_CHARS, words=_STOP_WORDS, divisions_stop=False
        )
        # 望西地省旅游局, 现为F市爱心培幼儿园: a division name inside is where the organisation's name begins.
        first_place = bisect.bisect_left(place_starts, start)  # place_starts is in text order
        if first_place < len(place_starts) and place_starts[first_place] < m.start():
            start = place_starts[first_place]
        else:
            dated = _DATE_PREFIX.match(text, start, m.start())
            if dated is not None:
                start = dated.end()  # 2003年9月江押中学
            if m.start() - start > _ORG_NAME_WITHOUT_PLACE:
                # A long name: it begins shortly before its first division word (何谈教育江押镇中学 → 江押镇中学,
                # A市住房和城乡建设局 stays); without one it has swallowed part of a sentence.
                division = _DIVISION_WORD.search(text, start, m.start())
                if division is None:
                    continue
                start = max(start, division.start() - 2)
        name = text[start : m.start()]
        previous = found[-1] if found else None
        joins = previous is not None and previous.end == start and len(name) <= 8
        joins = joins and previous is not None and m.end() - previous.start <= _ORG_MAX_LENGTH
        part_of_name = not any(c in _DIVISION_CHARS for c in name)  # A市程明物业 starts a name of its own
        if (
            joins
            and previous is not None
            and (suffix in _SUB_UNITS or (part_of_name and previous.text.endswith(_JOINS_AFTER)))
        ):
            found.pop()
            start = previous.start
        elif len(name) < 2 and not (name and name in _DIVISION_CHARS):  # 市政府 yes, 该公司 / 上大学 no
            continue
        raw = text[start : m.end()]
        if raw in _GENERIC_ORGS or raw[-2:] in _NOT_ORGS:
            continue
        found.append(Entity(ORGANISATION, ascii_digits(raw), start, m.end(), raw))
        floor = m.end()
    return found


# ---------------------------------------------------------------------------------------------------------------
# Dates and times

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_PERIODS = "凌晨|清晨|早上|早晨|上午|中午|午后|下午|傍晚|晚上|夜里|夜间|深夜|半夜|今早|今晚|昨晚|昨夜|前晚"
_RELATIVE_DAYS = {
    "今天": 0,
    "今日": 0,
    "今早": 0,
    "今晨": 0,
    "今晚": 0,
    "昨天": -1,
    "昨日": -1,
    "昨晚": -1,
    "昨夜": -1,
    "前天": -2,
    "前晚": -2,
    "明天": 1,
    "明日": 1,
    "后天": 2,
}
_RELATIVE_YEARS = {"今年": 0, "去年": -1, "前年": -2, "明年": 1}
_RELATIVE_MONTHS = {"本月": 0, "这个月": 0, "上个月": -1, "上月": -1, "下个月": 1, "下月": 1}
_RELATIVE_WEEKS = {"本周": 0, "这周": 0, "这礼拜": 0, "上周": -1, "上礼拜": -1, "上星期": -1, "下周": 1, "下星期": 1}
_VAGUE = "近日|近期|最近|前几天|前段时间|这几天|这段时间|年初|年底|年末"
_HOLIDAYS = "春节|元旦|国庆|中秋|端午|清明|除夕|元宵|五一"
_RELATIVE = "|".join(
    sorted([*_RELATIVE_DAYS, *_RELATIVE_YEARS, *_RELATIVE_MONTHS, *_RELATIVE_WEEKS], key=len, reverse=True)
)
_HOUR = rf"(?:{_D}{{1,2}}|[一二三四五六七八九十]{{1,3}})"
_DATETIME_FIRST = "0-9０-９一二三四五六七八九十" + "".join(
    sorted({w[0] for w in (*_RELATIVE.split("|"), *_VAGUE.split("|"), *_HOLIDAYS.split("|"))})
)
_DATETIME = starting_with(
    _DATETIME_FIRST,
    rf"(?<![0-9０-９])(?P<y>(?:19|20){_D}{{2}})\s*年\s*(?:(?P<m>{_D}{{1,2}})\s*月\s*(?:(?P<d>{_D}{{1,2}})\s*[日号])?)?"
    rf"|(?<![0-9０-９])(?P<iy>(?:19|20){_D}{{2}})(?P<sep>[-/.])(?P<im>{_D}{{1,2}})(?P=sep)(?P<id>{_D}{{1,2}})"
    rf"(?![0-9０-９])"
    rf"|(?<![0-9０-９年.\-/])(?P<mm>{_D}{{1,2}})\s*月\s*(?P<md>{_D}{{1,2}})\s*[日号]"
    rf"|(?<![一二三四五六七八九十年])(?P<cm>十[一二]?|[一二三四五六七八九])月(?:份|(?P<cd>[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九])[日号])"
    rf"|(?P<rel>{_RELATIVE})"
    rf"|(?P<holiday>(?:{_HOLIDAYS})(?:节)?(?:前后|前夕|前|后|期间|假期|当天))"
    rf"|(?P<vague>{_VAGUE})",
)
_TIME = re.compile(
    rf"\s*(?:(?P<period>{_PERIODS}))?(?:(?P<h>{_HOUR})(?:点|时)(?:(?P<min>{_D}{{1,2}})分|(?P<half>半)|钟|整)?"
    rf"|(?P<th>[01]?\d|2[0-3])[:：](?P<tm>[0-5]\d)(?:[:：][0-5]\d)?(?![0-9]))"
)
_STANDALONE_TIME = starting_with(
    "0-9０-９" + "".join(sorted({w[0] for w in _PERIODS.split("|")})),
    rf"(?P<period>{_PERIODS})(?P<h>{_HOUR})(?:点|时)(?:(?P<min>{_D}{{1,2}})分|(?P<half>半)|钟|整)?"
    rf"|(?<![0-9０-９:：])(?P<h2>{_D}{{1,2}})(?:点|时)(?:(?P<min2>{_D}{{1,2}})分|(?P<half2>半)|钟|整)"
    rf"|(?<![0-9０-９:：])(?P<th>[01]?\d|2[0-3])[:：](?P<tm>[0-5]\d)(?![0-9:：])",
)


def _cn_number(text: str) -> int:
    """1-31 in Arabic or Chinese digits (十一, 二十三, 三十)."""
    text = ascii_digits(text)
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)
    return _CN_DIGITS.get(text, 0)


def _hour(raw: str | None, period: str | None) -> int | None:
    if raw is None:
        return None
    hour = _cn_number(raw)
    if period in ("下午", "傍晚", "晚上", "夜里", "夜间", "今晚", "昨晚", "昨夜", "前晚", "午后") and hour < 12:
        hour += 12
    if period in ("中午",) and hour < 5:
        hour += 12
    if period in ("深夜", "半夜") and 6 <= hour < 12:
        hour += 12
    return hour if 0 <= hour <= 24 else None


def _time_value(m: re.Match[str]) -> str | None:
    groups = m.groupdict()
    if groups.get("th") is not None:
        return f"{int(groups['th']):02d}:{groups['tm']}"
    raw_hour = groups.get("h") or groups.get("h2")
    hour = _hour(raw_hour, groups.get("period"))
    if hour is None:
        return None
    minute_raw = groups.get("min") or groups.get("min2")
    minute = int(ascii_digits(minute_raw)) if minute_raw else (30 if groups.get("half") or groups.get("half2") else 0)
    if hour == 24 and minute == 0:
        hour = 0
    return f"{hour:02d}:{minute:02d}" if hour < 24 and minute < 60 else None


def _valid_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _date_value(m: re.Match[str], today: dt.date | None) -> tuple[str, str] | None:
    """(value, detail) of a date match; None when it names no real date (2月30日)."""
    g = m.groupdict()
    if g["y"] is not None:
        year = int(ascii_digits(g["y"]))
        if g["m"] is None:
            return f"{year:04d}", "absolute"
        month = int(ascii_digits(g["m"]))
        if not 1 <= month <= 12:
            return None
        if g["d"] is None:
            return f"{year:04d}-{month:02d}", "absolute"
        day = _valid_date(year, month, int(ascii_digits(g["d"])))
        return (day.isoformat(), "absolute") if day else None
    if g["iy"] is not None:
        day = _valid_date(int(ascii_digits(g["iy"])), int(ascii_digits(g["im"])), int(ascii_digits(g["id"])))
        return (day.isoformat(), "absolute") if day else None
    if g["mm"] is not None or g["cm"] is not None:
        month = _cn_number(g["mm"] or g["cm"])
        day_raw = g["md"] if g["mm"] is not None else g["cd"]
        if not 1 <= month <= 12:
            return None
        if day_raw is None:
            return (f"{today.year:04d}-{month:02d}", "absolute") if today else (f"--{month:02d}", "partial")
        day_number = _cn_number(day_raw)
        if _valid_date(2024, month, day_number) is None:  # 2024: a leap year, so 2月29日 passes
            return None
        if today is None:
            return f"--{month:02d}-{day_number:02d}", "partial"
        year = today.year
        resolved = _valid_date(year, month, day_number)
        if resolved is None or resolved > today + dt.timedelta(days=31):
            year -= 1  # a message mostly tells what happened: 12月20日 written in January is last December
            resolved = _valid_date(year, month, day_number)
        return (resolved.isoformat(), "absolute") if resolved else None
    if g["rel"] is not None:
        word = g["rel"]
        if today is None:
            return word, "relative"
        if word in _RELATIVE_DAYS:
            return (today + dt.timedelta(days=_RELATIVE_DAYS[word])).isoformat(), "absolute"
        if word in _RELATIVE_YEARS:
            return f"{today.year + _RELATIVE_YEARS[word]:04d}", "absolute"
        if word in _RELATIVE_MONTHS:
            index = today.year * 12 + today.month - 1 + _RELATIVE_MONTHS[word]
            return f"{index // 12:04d}-{index % 12 + 1:02d}", "absolute"
        year, week, _ = (today + dt.timedelta(weeks=_RELATIVE_WEEKS[word])).isocalendar()
        return f"{year:04d}-W{week:02d}", "absolute"
    word = g["holiday"] or g["vague"] or m.group()
    return word, "vague"


def _datetimes(text: str, today: dt.date | None) -> list[Entity]:
    found: list[Entity] = []
    dates = TakenSpans()
    for m in _DATETIME.finditer(text):
        if dates.overlaps(m.start(), m.end()):
            continue  # inside the time of day that extended the date before
        parsed = _date_value(m, today)
        if parsed is None:
            continue
        value, detail = parsed
        end = m.end()
        time = _TIME.match(text, end)
        if time is not None and time.end() > end and (time.group("h") or time.group("th")):
            clock = _time_value(time)
            if clock is not None:
                end = time.end()
                value = f"{value}T{clock}" if detail == "absolute" and len(value) == 10 else f"{value} {clock}"
        elif time is not None and time.group("period") and time.end() > end:
            end = time.end()  # 昨天晚上
            value = value if detail == "absolute" else text[m.start() : end]
        found.append(Entity(DATETIME, value, m.start(), end, text[m.start() : end], detail))
        dates.add(m.start(), end)
    for m in _STANDALONE_TIME.finditer(text):
        if dates.overlaps(m.start(), m.end()):
            continue
        clock = _time_value(m)
        if clock is not None:
            found.append(Entity(DATETIME, clock, m.start(), m.end(), m.group(), "absolute"))
    found.sort(key=lambda e: e.start)
    return found


# ---------------------------------------------------------------------------------------------------------------


def _places(text: str) -> list[Entity]:
    """Division mentions; a weak one (a county's short name, 和县) only when another mention is its ancestor."""
    mentions = find_mentions(text)
    paths = [c.region.path for m in mentions if m.strength > WEAK for c in m.candidates]
    found = []
    for m in mentions:
        if m.strength <= WEAK and not any(
            c.region.path.startswith(p) and c.region.path != p for c in m.candidates for p in paths
        ):
            continue
        found.append(Entity(PLACE, m.text, m.start, m.end, m.text, ",".join(str(c.region.pk) for c in m.candidates)))
    return found


def extract(text: str, *, today: dt.date | None = None, places: bool = True) -> Extraction:
    """Every entity in `text`, in text order. `today` makes relative dates absolute (the message's date);
    `places=False` skips the region table (no database needed)."""
    if not text:
        return Extraction(())
    entities: list[Entity] = []
    personal = TakenSpans()
    for span in find_personal_data(text, house_numbers=False):
        if span.valid and span.kind != HOUSE_NUMBER:
            raw = text[span.start : span.end]
            entities.append(Entity(span.kind, span.value, span.start, span.end, raw, span.detail))
            personal.add(span.start, span.end)
    place_entities = _places(text) if places else []
    entities.extend(place_entities)
    for entity in _addresses(text, [(e.start, e.end) for e in place_entities]):
        if not personal.overlaps(entity.start, entity.end):
            entities.append(entity)
    entities.extend(_organisations(text, [e.start for e in place_entities]))
    for entity in _datetimes(text, today):
        if not personal.overlaps(entity.start, entity.end):
            entities.append(entity)
    entities.sort(key=lambda e: (e.start, -e.end))
    return Extraction(tuple(entities))
