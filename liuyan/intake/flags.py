"""key_flags: reasons to treat a message as a key message (重点留言), from word lists with weights.

Each flag has a code, a confidence in [0, 1] and a short Chinese reason naming the words that decided it
(含“拖欠工资”“农民工”). The lexicons below are the whole model; to tune it, edit them:

- every entry is (word, weight): the weight is how sure that word alone makes the flag (0.9: 燃气泄漏 is a hazard
  whatever else the text says; 0.3: 暴雨 only helps);
- `NEUTRAL` words absorb a match that would otherwise read as a flag word (地震局 is a unit, 防汛 a routine duty);
- `PATTERNS` are the few phrases with a gap (拖欠了三个月工资);
- a word right after a negation (没有安全隐患, 不存在, 未发现, 杜绝 …) counts at 15 %, after a hypothetical or a
  question in the same clause (如果, 万一, 是否, 担心 …) at 50 %;
- a flag's confidence combines its distinct words as independent evidence: 1 − Π(1 − weight).

Repeated complaints (多次反映) need the database and are flagged by the pipeline, not here.
"""

import re
from dataclasses import dataclass
from typing import Any

SAFETY_HAZARD = "safety_hazard"
THREAT_TO_LIFE_PROPERTY = "threat_to_life_property"
WAGE_ARREARS = "wage_arrears"
DISASTER = "disaster"
EXTREME_EMOTION = "extreme_emotion"

LABELS: dict[str, str] = {
    SAFETY_HAZARD: "安全隐患",
    THREAT_TO_LIFE_PROPERTY: "危及生命财产安全",
    WAGE_ARREARS: "拖欠工资",
    DISASTER: "灾害险情",
    EXTREME_EMOTION: "情绪激烈",
}
MIN_CONFIDENCE = 0.3  # flags below this are not returned
NEGATED_FACTOR = 0.15
HYPOTHETICAL_FACTOR = 0.5

LEXICON: dict[str, tuple[tuple[str, float], ...]] = {
    SAFETY_HAZARD: (
        ("安全隐患", 0.7),
        ("重大隐患", 0.8),
        ("消防隐患", 0.8),
        ("火灾隐患", 0.8),
        ("隐患", 0.4),
        ("燃气泄漏", 0.9),
        ("燃气泄露", 0.9),
        ("煤气泄漏", 0.9),
        ("煤气泄露", 0.9),
        ("天然气泄漏", 0.9),
        ("天然气泄露", 0.9),
        ("漏气", 0.6),
        ("燃气味", 0.6),
        ("煤气味", 0.6),
        ("电线裸露", 0.8),
        ("线路老化", 0.6),
        ("电线老化", 0.6),
        ("私拉电线", 0.6),
        ("私拉乱接", 0.6),
        ("飞线充电", 0.6),
        ("漏电", 0.7),
        ("触电", 0.7),
        ("危房", 0.8),
        ("危楼", 0.8),
        ("墙体开裂", 0.6),
        ("墙体裂缝", 0.6),
        ("房屋开裂", 0.6),
        ("摇摇欲坠", 0.8),
        ("随时可能倒塌", 0.9),
        ("随时倒塌", 0.9),
        ("倒塌", 0.5),
        ("坍塌", 0.6),
        ("塌陷", 0.6),
        ("消防通道堵塞", 0.8),
        ("堵塞消防通道", 0.8),
        ("占用消防通道", 0.8),
        ("堵占消防通道", 0.8),
        ("消防通道被占", 0.8),
        ("消防通道", 0.4),
        ("灭火器过期", 0.6),
        ("消防设施损坏", 0.6),
        ("消防栓没水", 0.6),
        ("电梯故障", 0.6),
        ("电梯困人", 0.8),
        ("电梯坠落", 0.9),
        ("电梯下坠", 0.9),
        ("井盖缺失", 0.7),
        ("井盖丢失", 0.7),
        ("井盖破损", 0.6),
        ("高空坠物", 0.7),
        ("高空抛物", 0.6),
        ("易燃易爆", 0.7),
        ("危险化学品", 0.7),
        ("危化品", 0.7),
        ("违规储存", 0.4),
        ("脚手架", 0.3),
        ("深基坑", 0.5),
        ("安全事故", 0.6),
        ("存在安全风险", 0.6),
        # A disaster named as a risk is a hazard (these win over 火灾 / 爆炸 of DISASTER: longest match first).
        ("引发火灾", 0.6),
        ("造成火灾", 0.6),
        ("导致火灾", 0.6),
        ("火灾风险", 0.6),
        ("引发爆炸", 0.6),
        ("发生爆炸", 0.6),
        ("起火爆炸", 0.6),
    ),
    THREAT_TO_LIFE_PROPERTY: (
        ("自杀", 0.9),
        ("轻生", 0.9),
        ("跳楼", 0.9),
        ("跳河", 0.9),
        ("喝农药", 0.9),
        ("服毒", 0.9),
        ("割腕", 0.9),
        ("被打", 0.8),
        ("殴打", 0.8),
        ("打伤", 0.8),
        ("打人", 0.7),
        ("砍伤", 0.9),
        ("持刀", 0.8),
        ("行凶", 0.9),
        ("威胁", 0.35),
        ("恐吓", 0.6),
        ("扬言", 0.5),
        ("报复", 0.5),
        ("生命危险", 0.8),
        ("生命安全", 0.4),
        ("人身安全", 0.4),
        ("危及生命", 0.8),
        ("家暴", 0.8),
        ("家庭暴力", 0.8),
        ("性侵", 0.9),
        ("猥亵", 0.8),
        ("抢劫", 0.9),
        ("绑架", 0.9),
        ("失踪", 0.7),
        ("非法拘禁", 0.8),
        ("黑恶势力", 0.7),
        ("涉黑", 0.7),
        ("涉恶", 0.6),
        ("诈骗", 0.5),
        ("被骗", 0.5),
        ("骗走", 0.5),
        ("非法集资", 0.8),
        ("集资诈骗", 0.8),
        ("传销", 0.5),
        ("套路贷", 0.7),
        ("高利贷", 0.5),
        ("暴力催收", 0.7),
        ("跑路", 0.6),
        ("爆雷", 0.7),
        ("卷款", 0.7),
        ("强拆", 0.6),
        ("暴力拆迁", 0.8),
        ("倾家荡产", 0.6),
        ("血本无归", 0.6),
        ("巨额", 0.3),
        ("跳下去", 0.6),
    ),
    WAGE_ARREARS: (
        ("欠薪", 0.9),
        ("讨薪", 0.9),
        ("拖欠工资", 0.9),
        ("拖欠农民工工资", 0.95),
        ("克扣工资", 0.8),
        ("拖欠工人工资", 0.9),
        ("农民工工资", 0.8),
        ("工资拖欠", 0.9),
        ("拿不到工资", 0.8),
        ("领不到工资", 0.8),
        ("没有拿到工资", 0.8),
        ("未发工资", 0.8),
        ("没发工资", 0.8),
        ("不发工资", 0.8),
        ("工资未发", 0.8),
        ("工资没发", 0.8),
        ("工资不发", 0.8),
        ("讨要工资", 0.9),
        ("追讨工资", 0.9),
        ("血汗钱", 0.3),
        ("工钱", 0.5),
        ("农民工", 0.25),
        ("工程款", 0.3),
        ("劳务费", 0.4),
        ("拖欠", 0.3),
    ),
    DISASTER: (
        ("洪水", 0.8),
        ("洪涝", 0.8),
        ("山洪", 0.9),
        ("内涝", 0.7),
        ("被淹", 0.6),
        ("淹没", 0.6),
        ("水淹", 0.6),
        ("积水严重", 0.5),
        ("倒灌", 0.5),
        ("山体滑坡", 0.9),
        ("滑坡", 0.7),
        ("泥石流", 0.9),
        ("塌方", 0.7),
        ("地质灾害", 0.8),
        ("地震", 0.5),
        ("火灾", 0.8),
        ("着火", 0.8),
        ("起火", 0.8),
        ("失火", 0.8),
        ("大火", 0.8),
        ("山火", 0.9),
        ("火情", 0.8),
        ("爆炸", 0.8),
        ("台风", 0.6),
        ("暴雨", 0.4),
        ("冰雹", 0.6),
        ("雪灾", 0.8),
        ("冰冻", 0.4),
        ("旱灾", 0.7),
        ("干旱", 0.5),
        ("决堤", 0.9),
        ("溃坝", 0.9),
        ("溃堤", 0.9),
        ("管涌", 0.9),
        ("险情", 0.7),
        ("堰塞湖", 0.9),
        ("受灾", 0.7),
        ("灾情", 0.7),
    ),
    EXTREME_EMOTION: (
        ("绝望", 0.7),
        ("活不下去", 0.9),
        ("不想活", 0.9),
        ("没法活", 0.8),
        ("同归于尽", 0.95),
        ("以死相逼", 0.9),
        ("以死明志", 0.9),
        ("死给你们看", 0.95),
        ("走投无路", 0.8),
        ("逼死", 0.8),
        ("豁出去", 0.7),
        ("拼了", 0.6),
        ("忍无可忍", 0.6),
        ("崩溃", 0.5),
        ("求求你们", 0.4),
        ("跪求", 0.5),
        ("天理何在", 0.5),
        ("还有没有王法", 0.5),
        ("无法无天", 0.4),
        ("欺人太甚", 0.5),
        ("泪流满面", 0.4),
        ("含泪", 0.4),
        ("求助无门", 0.5),
        ("投诉无门", 0.5),
    ),
}

# Words that contain a flag word but mean something else: matched first (longest wins) and ignored.
NEUTRAL: tuple[str, ...] = (
    "地震局",
    "防汛",
    "防洪",
    "抗震",
    "防火",
    "消防通道畅通",
    "排查隐患",
    "隐患排查",
    "安全隐患排查",
    "消除隐患",
    "火灾保险",
    "爆炸性新闻",
    "反诈",
    "防诈骗",
    "防范诈骗",
    "电信诈骗宣传",
    "地震带",
    "威胁到",  # 威胁到健康 is as ordinary as 影响; the other threat words still count
)

# Phrases with a gap: (pattern, weight, the words to name in the reason).
PATTERNS: dict[str, tuple[tuple[str, float, str], ...]] = {
    WAGE_ARREARS: (
        (r"(?:拖欠|欠)(?:了|着|我们|我|工人|大家)?[^，。！？；\n]{0,8}?(?:工资|薪水|薪资|工钱)", 0.9, "拖欠…工资"),
        (
            r"(?:工资|工钱)[^，。！？；\n]{0,8}?(?:一直|至今|迟迟|还|都)(?:没|未|不)(?:有)?(?:发|给|结)",
            0.85,
            "工资至今未发",
        ),
    ),
    THREAT_TO_LIFE_PROPERTY: (
        (r"(?:被|遭)[^，。！？；\n]{0,4}?(?:打|砍|捅|刺)(?:伤|了|成)", 0.8, "被…打伤"),
        (r"从[^，。！？；\n]{0,6}?(?:楼|桥|顶)上?跳下", 0.9, "从…跳下"),
    ),
    SAFETY_HAZARD: (
        (r"消防通道[^，。！？；\n]{0,6}?(?:堵|占|封|锁)", 0.8, "消防通道被堵占"),
        (r"电梯[^，。！？；\n]{0,6}?(?:困|坠落|下坠|下滑|冲顶|夹人|夹伤)", 0.8, "电梯困人/坠落"),
    ),
    EXTREME_EMOTION: ((r"(?:死|跳楼|自焚)(?:给|在)[^，。！？；\n]{0,6}?(?:看|门口|面前)", 0.9, "以死相逼"),),
}

_FRAUD = ("诈骗", "被骗", "骗走", "集资", "跑路", "爆雷", "传销", "套路贷", "卷款")
_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*(万|亿)")
_BIG_AMOUNT_WAN = 10.0  # 10万元 or more makes a fraud "巨额"
_EXCLAMATIONS = re.compile(r"[!！]+")

_NEGATION = re.compile(
    r"(?:没有|没|无|并无|毫无|不存在|未发现|未出现|未|排除|消除|杜绝|不是|并非|不会|不再|防止|预防|避免|严禁|禁止)"
    r"(?:任何|什么|明显|重大|发生|出现|存在|发现|了|的|有|过)*$"
)
_HYPOTHETICAL = re.compile(r"(?:如果|假如|假设|万一|一旦|要是|倘若|若是|是否|有没有|会不会|担心|以免|以防|防范)")
_CLAUSE_END = re.compile(r"[，,。！!？?；;\n]")
_WINDOW = 10


@dataclass(frozen=True)
class Flag:
    code: str
    confidence: float
    reason: str  # 含“拖欠工资”“农民工”
    terms: tuple[str, ...]  # the words that counted, strongest first

    @property
    def label(self) -> str:
        return LABELS[self.code]

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "label": self.label,
            "confidence": self.confidence,
            "reason": self.reason,
            "terms": list(self.terms),
        }


def _compile() -> tuple[re.Pattern[str], dict[str, tuple[str, float]]]:
    table: dict[str, tuple[str, float]] = {}
    for code, entries in LEXICON.items():
        for word, weight in entries:
            table[word] = (code, weight)
    for word in NEUTRAL:
        table[word] = ("", 0.0)
    words = sorted(table, key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words)), table


_WORDS, _TABLE = _compile()
_PATTERNS = {code: [(re.compile(p), w, label) for p, w, label in entries] for code, entries in PATTERNS.items()}


def _context_factor(text: str, start: int) -> tuple[float, str]:
    window = text[max(0, start - _WINDOW) : start]
    ends = [m.end() for m in _CLAUSE_END.finditer(window)]
    if ends:
        window = window[ends[-1] :]  # only the clause the word is in
    if _NEGATION.search(window):
        return NEGATED_FACTOR, "否定"
    if _HYPOTHETICAL.search(window):
        return HYPOTHETICAL_FACTOR, "假设"
    return 1.0, ""


class _Evidence:
    def __init__(self) -> None:
        self.words: dict[str, tuple[float, str]] = {}  # word → (adjusted weight, "否定"/"假设"/"")

    def add(self, word: str, weight: float, context: str) -> None:
        old = self.words.get(word)
        if old is None or weight > old[0]:
            self.words[word] = (weight, context)

    def flag(self, code: str) -> Flag:
        remaining = 1.0
        for weight, _context in self.words.values():
            remaining *= 1 - weight
        ranked = sorted(self.words.items(), key=lambda kv: -kv[1][0])
        counted = [w for w, (_weight, context) in ranked if not context]
        softened = [(w, context) for w, (_weight, context) in ranked if context]
        parts = []
        if counted:
            parts.append("含" + "".join(f"“{w}”" for w in counted))
        for context in ("假设", "否定"):
            words = [w for w, c in softened if c == context]
            if words:
                parts.append(f"{context}说法" + "".join(f"“{w}”" for w in words))
        return Flag(code, round(min(1 - remaining, 0.99), 3), "；".join(parts), tuple(w for w, _ in ranked))


def key_flags(text: str, *, min_confidence: float = MIN_CONFIDENCE) -> list[Flag]:
    """Key-message flags raised by `text`, most confident first; each names the words that raised it."""
    evidence: dict[str, _Evidence] = {}
    if not text:
        return []
    for m in _WORDS.finditer(text):
        code, weight = _TABLE[m.group()]
        if not code:
            continue
        factor, context = _context_factor(text, m.start())
        evidence.setdefault(code, _Evidence()).add(m.group(), weight * factor, context)
        if code == DISASTER and context == "假设":  # 一旦发生火灾后果不堪设想: a hazard, not a disaster
            evidence.setdefault(SAFETY_HAZARD, _Evidence()).add(m.group(), weight * factor, context)
    for code, patterns in _PATTERNS.items():
        for pattern, weight, label in patterns:
            found = pattern.search(text)
            if found is not None:
                factor, context = _context_factor(text, found.start())
                evidence.setdefault(code, _Evidence()).add(label, weight * factor, context)
    threat = evidence.get(THREAT_TO_LIFE_PROPERTY)
    if threat is not None and any(w.startswith(_FRAUD) for w in threat.words):
        amounts = [float(a) * (10_000 if unit == "亿" else 1) for a, unit in _AMOUNT.findall(text)]
        if amounts and max(amounts) >= _BIG_AMOUNT_WAN:
            threat.add(f"涉及金额{max(amounts):g}万", 0.4, "")
    marks = [len(m.group()) for m in _EXCLAMATIONS.finditer(text)]
    if sum(marks) >= 3:  # 3 marks: 0.25, each further one +0.05; runs of three or more (！！！): 0.4, 0.5; at most 0.5
        weight = 0.25 + 0.05 * (sum(marks) - 3)
        runs = sum(1 for n in marks if n >= 3)
        if runs:
            weight = max(weight, 0.3 + 0.1 * runs)
        weight = min(weight, 0.5)
        evidence.setdefault(EXTREME_EMOTION, _Evidence()).add(f"{sum(marks)}个感叹号", weight, "")
    flags = [ev.flag(code) for code, ev in evidence.items()]
    flags = [f for f in flags if f.confidence >= min_confidence]
    flags.sort(key=lambda f: -f.confidence)
    return flags
