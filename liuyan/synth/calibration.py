"""The targets of the national synthetic data set: the published figures of SEED-FIGURES.md as constants.

Source: 《"十四五"时期人民网"领导留言板"数据分析报告》 (released 2026-03-20, as reported by 人民日报), copied in
`../shared/spec/SEED-FIGURES.md`. Every published number below cites its line there ("SEED: …"); everything the
report does not say is a design choice, marked "(design)", chosen to be plausible and to leave the published
figures true (e.g. only 4 provinces above 99% reply rate). `liuyan.synth.plan` turns this table into exact counts
per year × province × domain; nothing here is random.

All rates are of *valid* messages (accepted, not rejected, not merged), by the local year of submission, as the
report and `liuyan.rollups.metrics` count them.
"""

from dataclasses import dataclass

FIRST_YEAR = 2016
LAST_YEAR = 2025
YEARS = tuple(range(FIRST_YEAR, LAST_YEAR + 1))
# SEED: "Periods: 十三五 = 2016–2020, 十四五 = 2021–2025".
PERIODS: dict[str, tuple[int, ...]] = {"十三五": YEARS[:5], "十四五": YEARS[5:]}
P13, P14 = "十三五", "十四五"

# SEED: "Valid messages in 十四五 grew 178.8% over 十三五 (十四五 = 2.788 × 十三五)" and the consistent reading
# "十四五 ≈ 4.03 M valid …; 十三五 ≈ 1.45 M valid": 1,445,500 × 2.788 = 4,030,054.
GROWTH_14_OVER_13 = 2.788
VALID_13 = 1_445_500
VALID_14 = round(VALID_13 * GROWTH_14_OVER_13)

# SEED: "Reply rate of valid messages: 十三五 83.1% → 十四五 94.3%" (3.80 M and 1.20 M replies).
REPLY_RATE: dict[str, float] = {P13: 0.831, P14: 0.943}

# How each period's valid messages spread over its years (design: steady growth, as the board's usage grew).
YEAR_WEIGHTS: dict[int, float] = {
    2016: 0.14,
    2017: 0.17,
    2018: 0.20,
    2019: 0.23,
    2020: 0.26,
    2021: 0.155,
    2022: 0.18,
    2023: 0.20,
    2024: 0.22,
    2025: 0.245,
}

# Rejected and duplicate messages, on top of the valid ones, as a share of all messages (design: the published
# figures count valid messages only; ≈ 5.5 M messages in all, as the task asks).
INVALID_SHARE = 0.005
REJECT_CODES: dict[str, float] = {
    "out_of_scope": 30,
    "legal_process": 20,
    "duplicate": 30,
    "bad_contact": 10,
    "prohibited": 10,
}


@dataclass(frozen=True)
class Province:
    """One of the 31 provinces on the board, with how many messages it gets and how well it answers them."""

    code: str  # GB/T 2260
    name: str  # the short name the report uses
    weight: float  # share of the year's valid messages (design), rescaled around the published shares
    share_2021: float | None = None  # SEED: published share of 2021 (percent), else None
    share_2025: float | None = None  # SEED: published share of 2025 (percent), else None
    reply_13: float = 0.83  # reply rate in 十三五 before the period's rates are scaled to the national one (design)
    reply_14: float = 0.94  # … in 十四五; `fixed_reply_14` provinces keep theirs exactly
    satisfaction: float = 0.0  # 满意 rate offset from the national one, in points (design)


# SEED (Regions): 广东 5.6% → 10.7%, 山东 4.1% → 6.8%, 江苏 2.4% → 4.5% (2021 → 2025); "Largest reply volumes in
# 十四五: 河南, 广东, 山东"; "Reply rate above 99% in 十四五: 辽宁, 海南, 北京, 安徽". The weights of the others are a
# design choice (河南 the largest by volume, as on the real board); their 2021 and 2025 shares fill what the three
# published provinces leave, in proportion to their weights.
PROVINCES: tuple[Province, ...] = (
    Province("110000", "北京", 2.6, reply_13=0.90, reply_14=0.994, satisfaction=1.0),
    Province("120000", "天津", 2.1, reply_13=0.88, reply_14=0.96),
    Province("130000", "河北", 4.6, reply_13=0.80, reply_14=0.93, satisfaction=-1.0),
    Province("140000", "山西", 3.3, reply_13=0.78, reply_14=0.92),
    Province("150000", "内蒙古", 2.5, reply_13=0.76, reply_14=0.92, satisfaction=-1.5),
    Province("210000", "辽宁", 3.4, reply_13=0.88, reply_14=0.995, satisfaction=1.0),
    Province("220000", "吉林", 2.7, reply_13=0.80, reply_14=0.95),
    Province("230000", "黑龙江", 3.0, reply_13=0.77, reply_14=0.93, satisfaction=-1.0),
    Province("310000", "上海", 2.2, reply_13=0.90, reply_14=0.97, satisfaction=1.0),
    Province("320000", "江苏", 2.0, share_2021=2.4, share_2025=4.5, reply_13=0.86, reply_14=0.97, satisfaction=0.5),
    Province("330000", "浙江", 2.6, reply_13=0.90, reply_14=0.975, satisfaction=1.5),
    Province("340000", "安徽", 4.0, reply_13=0.87, reply_14=0.993, satisfaction=0.5),
    Province("350000", "福建", 2.4, reply_13=0.85, reply_14=0.96),
    Province("360000", "江西", 3.1, reply_13=0.80, reply_14=0.94),
    Province("370000", "山东", 3.6, share_2021=4.1, share_2025=6.8, reply_13=0.88, reply_14=0.975, satisfaction=0.5),
    Province("410000", "河南", 9.8, reply_13=0.86, reply_14=0.975, satisfaction=1.0),
    Province("420000", "湖北", 3.9, reply_13=0.80, reply_14=0.94),
    Province("430000", "湖南", 4.3, reply_13=0.79, reply_14=0.93, satisfaction=-0.5),
    Province("440000", "广东", 4.8, share_2021=5.6, share_2025=10.7, reply_13=0.84, reply_14=0.935),
    Province("450000", "广西", 3.2, reply_13=0.76, reply_14=0.92, satisfaction=-1.0),
    Province("460000", "海南", 1.4, reply_13=0.86, reply_14=0.996, satisfaction=1.0),
    Province("500000", "重庆", 2.6, reply_13=0.84, reply_14=0.95),
    Province("510000", "四川", 4.4, reply_13=0.80, reply_14=0.93, satisfaction=-0.5),
    Province("520000", "贵州", 2.8, reply_13=0.75, reply_14=0.92, satisfaction=-1.0),
    Province("530000", "云南", 3.0, reply_13=0.80, reply_14=0.975),
    Province("540000", "西藏", 0.3, reply_13=0.70, reply_14=0.90, satisfaction=-2.0),
    Province("610000", "陕西", 3.6, reply_13=0.80, reply_14=0.93),
    Province("620000", "甘肃", 2.0, reply_13=0.78, reply_14=0.94),
    Province("630000", "青海", 0.8, reply_13=0.72, reply_14=0.91, satisfaction=-1.5),
    Province("640000", "宁夏", 1.0, reply_13=0.76, reply_14=0.93),
    Province("650000", "新疆", 1.6, reply_13=0.72, reply_14=0.91, satisfaction=-1.5),
)
PROVINCE_BY_NAME = {p.name: p for p in PROVINCES}

# SEED: "Reply rate above 99% in 十四五: 辽宁, 海南, 北京, 安徽" — kept exactly; every other province's 十四五 rate
# is scaled so that the national rate is 94.3%, and stays below 99%.
ABOVE_99 = ("辽宁", "海南", "北京", "安徽")
# SEED (Other figures): "云南: 20,000+ messages from netizens in 2025, closure rate (办结率) above 98%". Its reply
# (and, since every reply is closed by the data set's date, closure) rate climbs to 99.5% in 2025 while its
# 十四五 rate stays below 99% (design of the path).
YUNNAN = "云南"
YUNNAN_REPLY_14: dict[int, float] = {2021: 0.955, 2022: 0.965, 2023: 0.975, 2024: 0.985, 2025: 0.995}
YUNNAN_MIN_2025 = 20_000
YUNNAN_CLOSURE_2025 = 0.98
# SEED: "河南: 2025 average satisfaction of replies above 85%" (we hold the stricter 满意-only rate there).
HENAN = "河南"
HENAN_SATISFACTION_2025 = 0.87
HENAN_SATISFACTION_MIN = 0.85
# SEED: "甘肃: in 2025, 8,269 messages to the provincial party secretary board were dispatched automatically,
# 78.4% of the total (so ≈ 10,547 messages)".
GANSU = "甘肃"
GANSU_SECRETARY_2025 = 10_547
GANSU_AUTO_2025 = 8_269


@dataclass(frozen=True)
class Domain:
    """A first-level category (领域) of the default taxonomy with its shares and 建言 and 满意 rates."""

    name: str
    share_2016: float  # share of the year's valid messages in percent (design), filled around published ones
    share_2021: float  # SEED for the four published domains (see below), design for the others
    share_2025: float
    suggestions_13: float  # 建言 share of the domain's valid messages in 十三五 (design: the column opened 2021)
    suggestions_2021: float  # … in 2021 (design)
    suggestions_2025: float  # … in 2025 (SEED: > +10 pp for 商务, 民政, 发展改革, 水利)
    satisfaction_14: float  # 满意 rate in 十四五 (SEED for the three published domains; design for the others)
    fixed: bool = False  # the shares of 2021 and 2025 are published figures, not rescaled


# SEED (Domains): 住房和城乡建设 37.6% (2021) → 24.9% (2025), −12.7 pp; 教育 −3.8 pp; 人力资源和社会保障 +8.7 pp;
# 市场监管 +6.1 pp. The report gives 2021 and 2025 only for 住建; for the other three the 2021 level is a design
# choice and the 2025 level is it plus the published change. SEED (Satisfaction): 人力资源和社会保障 91.2%,
# 文化旅游 90.6%, 市场监管 89.8% "(the highest)". SEED (Suggestions): 商务, 民政, 发展改革, 水利 up > 10 pp.
DOMAINS: tuple[Domain, ...] = (
    Domain("住房和城乡建设", 40.0, 37.6, 24.9, 0.006, 0.055, 0.07, 0.80, fixed=True),
    Domain("教育", 10.0, 9.0, 5.2, 0.008, 0.08, 0.1, 0.84, fixed=True),
    Domain("人力资源和社会保障", 5.2, 6.3, 15.0, 0.006, 0.06, 0.08, 0.912, fixed=True),
    Domain("市场监管", 2.6, 3.2, 9.3, 0.005, 0.06, 0.08, 0.898, fixed=True),
    Domain("交通运输", 6.5, 6.5, 6.5, 0.008, 0.09, 0.11, 0.83),
    Domain("生态环境", 5.0, 5.0, 5.0, 0.006, 0.07, 0.09, 0.82),
    Domain("卫生健康", 5.0, 5.5, 5.5, 0.006, 0.07, 0.09, 0.84),
    Domain("农业农村", 4.5, 4.5, 4.5, 0.006, 0.07, 0.09, 0.83),
    Domain("公安政法", 4.0, 4.0, 4.0, 0.004, 0.05, 0.06, 0.82),
    Domain("民政", 2.6, 2.8, 2.8, 0.008, 0.06, 0.19, 0.86),
    Domain("商务", 1.3, 1.4, 1.4, 0.008, 0.08, 0.21, 0.85),
    Domain("发展改革", 1.4, 1.6, 1.6, 0.010, 0.10, 0.23, 0.84),
    Domain("水利", 1.3, 1.3, 1.3, 0.008, 0.06, 0.19, 0.85),
    Domain("文化旅游", 1.5, 1.6, 1.6, 0.008, 0.1, 0.12, 0.906),
    Domain("自然资源", 2.6, 2.6, 2.6, 0.004, 0.05, 0.06, 0.80),
    Domain("财政税务", 1.6, 1.6, 1.6, 0.004, 0.05, 0.06, 0.84),
    Domain("科技工业信息化", 1.2, 1.2, 1.2, 0.010, 0.11, 0.13, 0.85),
    Domain("应急管理安全生产", 1.3, 1.3, 1.3, 0.006, 0.06, 0.07, 0.84),
    Domain("党务政务", 2.0, 2.0, 2.0, 0.010, 0.09, 0.11, 0.80),
    Domain("其他", 1.0, 1.0, 1.0, 0.010, 0.09, 0.11, 0.82),
)
DOMAIN_BY_NAME = {d.name: d for d in DOMAINS}
# SEED: "By domain: 人力资源和社会保障 91.2%, 文化旅游 90.6%, 市场监管 89.8% (the highest)".
TOP_SATISFACTION = ("人力资源和社会保障", "文化旅游", "市场监管")
# SEED: "the share of suggestions among all messages of the domain rose by more than 10 pp versus 2021 in each of:
# 商务, 民政, 发展改革, 水利".
SUGGESTION_RISERS = ("商务", "民政", "发展改革", "水利")
SUGGESTION_RISE_MIN = 0.10

# SEED: "300,000 constructive suggestions got replies in 十四五".
SUGGESTIONS_REPLIED_14 = 300_000
# 十三五 has no published figure: about as well answered as the other messages then (design).
SUGGESTION_REPLY_RATE_13 = 0.80

# SEED: "2.45 million+ replies were rated by citizens, 2.04 million+ of them 满意 → satisfaction 83.3%".
RATED_14 = 2_450_000
SATISFACTION_14 = 0.833
# 十三五 has no published figure (design): half the replies rated, 78% 满意.
RATED_SHARE_13 = 0.50
SATISFACTION_13 = 0.78
# Of the ratings that are not 满意, this share is 基本满意 and the rest 不满意 (design: 满意 + 基本满意 ≈ 92%).
BASIC_SHARE_OF_REST = 0.55

# The data set's "now": after the last reply of 2025 was rated or closed, before the report's release
# (SEED: "released 2026-03-20"). Unrated replies close 15 days after publication, closed ones archive after 90.
AS_OF = "2026-03-01T00:00:00+08:00"
