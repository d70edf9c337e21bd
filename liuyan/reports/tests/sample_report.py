"""A hand-built report dict in the computation's output contract, with the national report's published figures."""

import copy
from typing import Any

YEARS = ["2021", "2022", "2023", "2024", "2025"]


def _yearly(first: float, last: float) -> dict[str, float]:
    """A share moving in equal steps from 2021 to 2025 (only the endpoints are published)."""
    step = (last - first) / (len(YEARS) - 1)
    return {y: first + i * step for i, y in enumerate(YEARS)}


# Published endpoints (SEED-FIGURES.md) where they exist; the other domains and regions are plausible fillers.
REGION_ENDPOINTS = {
    "广东省": (5.6, 10.7),
    "山东省": (4.1, 6.8),
    "河南省": (7.9, 8.3),
    "江苏省": (2.4, 4.5),
    "辽宁省": (3.1, 2.9),
    "安徽省": (3.3, 3.6),
    "北京市": (2.2, 2.0),
    "海南省": (0.9, 1.1),
}
DOMAIN_ENDPOINTS = {
    "住房和城乡建设": (37.6, 24.9),
    "人力资源和社会保障": (6.2, 14.9),
    "市场监管": (3.4, 9.5),
    "教育": (11.3, 7.5),
    "交通运输": (6.0, 6.4),
    "卫生健康": (5.1, 5.9),
    "文化旅游": (1.2, 1.6),
    "商务": (1.0, 1.3),
}


def _by_year(endpoints: dict[str, tuple[float, float]]) -> dict[str, dict[str, float]]:
    series = {name: _yearly(a, b) for name, (a, b) in endpoints.items()}
    return {y: {name: s[y] for name, s in series.items()} for y in YEARS}


SAMPLE_REPORT: dict[str, Any] = {
    "title": "2021–2025年留言板数据分析报告",
    "generated_at": "2026-03-20T09:30:00+08:00",
    "scope": {
        "period": {"label": "十四五", "start": "2021-01-01", "end": "2025-12-31", "years": YEARS},
        "baseline": {
            "label": "十三五",
            "start": "2016-01-01",
            "end": "2020-12-31",
            "years": ["2016", "2017", "2018", "2019", "2020"],
        },
        "region": None,
        "board": None,
        "breakdown_level": "province",
    },
    "valid_messages": {"period": 4_030_000, "baseline": 1_445_500},
    "replied": {"period": 3_800_290, "baseline": 1_201_210},
    "reply_rate": {"period": 94.3, "baseline": 83.1},
    "valid_growth_pct": 178.8,
    "region_share": _by_year(REGION_ENDPOINTS),
    "region_share_change_pp": {k: b - a for k, (a, b) in REGION_ENDPOINTS.items()},
    "domain_share": _by_year(DOMAIN_ENDPOINTS),
    "domain_share_change_pp": {k: b - a for k, (a, b) in DOMAIN_ENDPOINTS.items()},
    "domain_share_by_period": {
        "period": {"住房和城乡建设": 30.1, "人力资源和社会保障": 10.8, "市场监管": 6.6, "教育": 9.2, "交通运输": 6.2},
        "baseline": {"住房和城乡建设": 39.5, "人力资源和社会保障": 5.9, "市场监管": 3.0, "教育": 12.4, "交通运输": 6.1},
    },
    "domain_share_period_change_pp": {
        "住房和城乡建设": -9.4,
        "人力资源和社会保障": 4.9,
        "市场监管": 3.6,
        "教育": -3.2,
        "交通运输": 0.1,
    },
    "reply_volume_by_region": {
        "河南省": 352_118,
        "广东省": 331_907,
        "山东省": 268_455,
        "江苏省": 150_210,
        "安徽省": 141_002,
        "辽宁省": 118_734,
        "北京市": 80_310,
        "海南省": 41_299,
    },
    "reply_rate_by_region": {
        "河南省": 96.2,
        "广东省": 95.1,
        "山东省": 93.8,
        "江苏省": 92.0,
        "安徽省": 99.2,
        "辽宁省": 99.6,
        "北京市": 99.4,
        "海南省": 99.5,
    },
    "regions_reply_rate_above_99": ["辽宁省", "海南省", "北京市", "安徽省"],
    "suggestions_replied": 300_412,
    "suggestion_share_by_domain": {
        "2021": {"商务": 8.1, "民政": 6.3, "发展改革": 12.0, "水利": 5.2, "教育": 4.4},
        "2025": {"商务": 19.4, "民政": 17.0, "发展改革": 22.6, "水利": 15.9, "教育": 6.0},
    },
    "suggestion_share_change_pp": {"商务": 11.3, "民政": 10.7, "发展改革": 10.6, "水利": 10.7, "教育": 1.6},
    "ratings": 2_451_033,
    "satisfied": 2_041_711,
    "satisfaction_rate": 83.3,
    "satisfaction_rate_incl_basic": 91.7,
    "satisfaction_by_domain": {"人力资源和社会保障": 91.2, "文化旅游": 90.6, "市场监管": 89.8, "住房和城乡建设": 78.5},
    "narrative": [
        "十四五时期，有效留言量较十三五时期增长178.8%，403.0万条有效留言获得回复380.0万条，回复率由83.1%提升至94.3%。",
        "从地区看，广东省留言占比由2021年的5.6%升至2025年的10.7%，提高5.1个百分点；辽宁、海南、北京、安徽回复率超过99%。",
        "从领域看，住房和城乡建设领域留言占比下降12.7个百分点，人力资源和社会保障、市场监管领域分别上升8.7和6.1个百分点。",
    ],
    "warnings": ["2021年1月部分留言缺少领域分类，已计入“未分类”。"],
}


def sample_report() -> dict[str, Any]:
    """A fresh copy, so that a test may change it."""
    return copy.deepcopy(SAMPLE_REPORT)


def empty_report() -> dict[str, Any]:
    """A slice with no data at all: every figure None or empty, as the computation returns it."""
    return {
        "title": "2024年留言板数据分析报告",
        "generated_at": "2026-03-20T09:30:00+08:00",
        "scope": {
            "period": {"label": "2024年", "start": "2024-01-01", "end": "2024-12-31", "years": ["2024"]},
            "baseline": None,
            "region": "西地省",
            "board": "省委书记留言板",
            "breakdown_level": "city",
        },
        "valid_messages": {"period": 0, "baseline": None},
        "replied": {"period": 0, "baseline": None},
        "reply_rate": {"period": None, "baseline": None},
        "valid_growth_pct": None,
        "region_share": {},
        "region_share_change_pp": {},
        "domain_share": {},
        "domain_share_change_pp": {},
        "domain_share_by_period": {"period": {}, "baseline": {}},
        "domain_share_period_change_pp": {},
        "reply_volume_by_region": {},
        "reply_rate_by_region": {},
        "regions_reply_rate_above_99": [],
        "suggestions_replied": 0,
        "suggestion_share_by_domain": {},
        "suggestion_share_change_pp": {},
        "ratings": 0,
        "satisfied": 0,
        "satisfaction_rate": None,
        "satisfaction_rate_incl_basic": None,
        "satisfaction_by_domain": {},
        "narrative": [],
        "warnings": [],
    }
