"""Short names (aliases) of divisions: 广东省 → 广东 / 粤, 延边朝鲜族自治州 → 延边 / 延边州, 朝阳区 → 朝阳."""

from .models import RegionLevel

# One-character abbreviations (简称) of the provincial-level divisions, by the first two code digits.
PROVINCE_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "11": ("京",),
    "12": ("津",),
    "13": ("冀",),
    "14": ("晋",),
    "15": ("蒙",),
    "21": ("辽",),
    "22": ("吉",),
    "23": ("黑",),
    "31": ("沪",),
    "32": ("苏",),
    "33": ("浙",),
    "34": ("皖",),
    "35": ("闽",),
    "36": ("赣",),
    "37": ("鲁",),
    "41": ("豫",),
    "42": ("鄂",),
    "43": ("湘",),
    "44": ("粤",),
    "45": ("桂",),
    "46": ("琼",),
    "50": ("渝",),
    "51": ("川", "蜀"),
    "52": ("贵", "黔"),
    "53": ("云", "滇"),
    "54": ("藏",),
    "61": ("陕", "秦"),
    "62": ("甘", "陇"),
    "63": ("青",),
    "64": ("宁",),
    "65": ("新",),
    "71": ("台",),
    "81": ("港",),
    "82": ("澳",),
}

# The 55 minority nationalities, as they appear inside names of autonomous divisions.
ETHNIC_GROUPS = (
    "蒙古",
    "回",
    "藏",
    "维吾尔",
    "苗",
    "彝",
    "壮",
    "布依",
    "朝鲜",
    "满",
    "侗",
    "瑶",
    "白",
    "土家",
    "哈尼",
    "哈萨克",
    "傣",
    "黎",
    "傈僳",
    "佤",
    "畲",
    "高山",
    "拉祜",
    "水",
    "东乡",
    "纳西",
    "景颇",
    "柯尔克孜",
    "土",
    "达斡尔",
    "仫佬",
    "羌",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "塔吉克",
    "怒",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "德昂",
    "保安",
    "裕固",
    "京",
    "塔塔尔",
    "独龙",
    "鄂伦春",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
)
_ETHNIC_SUFFIXES = sorted(
    [g + "族" for g in ETHNIC_GROUPS] + [g for g in ETHNIC_GROUPS if len(g) >= 2], key=len, reverse=True
)

_PROVINCE_SUFFIXES = ("特别行政区", "自治区", "省", "市")
# Longest first, so that 新区 wins over 区 and 自治州 over 州. Each entry: (suffix, is_autonomous, usual short form).
_LOCAL_SUFFIXES: tuple[tuple[str, bool, str], ...] = (
    ("自治州", True, "州"),
    ("自治县", True, "县"),
    ("自治旗", True, "旗"),
    ("地区", False, ""),
    ("新区", False, ""),
    ("林区", False, ""),
    ("矿区", False, ""),
    ("特区", False, ""),
    ("市", False, ""),
    ("区", False, ""),
    ("县", False, ""),
    ("盟", False, ""),
    ("旗", False, ""),
)


def _strip_ethnic(stem: str) -> str:
    """海西蒙古族藏族 → 海西; keeps at least two characters (鄂伦春 stays 鄂伦春)."""
    changed = True
    while changed:
        changed = False
        for suffix in _ETHNIC_SUFFIXES:
            if stem.endswith(suffix) and len(stem) - len(suffix) >= 2:
                stem = stem[: -len(suffix)]
                changed = True
                break
    if stem.endswith("族") and stem[:-1] in ETHNIC_GROUPS and len(stem) >= 3:
        stem = stem[:-1]  # 鄂温克族(自治旗) → 鄂温克
    return stem


def short_names(name: str, level: int, code: str = "") -> list[str]:
    """Aliases of a division name, without the name itself; short forms under two characters are left out."""
    found: list[str] = []

    def add(alias: str) -> None:
        if len(alias) >= 2 and alias != name and alias not in found:
            found.append(alias)

    if level == RegionLevel.PROVINCE:
        for suffix in _PROVINCE_SUFFIXES:
            if name.endswith(suffix):
                stem = name[: -len(suffix)]
                add(_strip_ethnic(stem) if suffix == "自治区" else stem)
                break
        if code and not code.startswith("X"):
            found.extend(a for a in PROVINCE_ABBREVIATIONS.get(code[:2], ()) if a not in found)
        return found
    if level in (RegionLevel.CITY, RegionLevel.COUNTY):
        for suffix, autonomous, usual in _LOCAL_SUFFIXES:
            if name.endswith(suffix):
                stem = name[: -len(suffix)]
                if autonomous:
                    stem = _strip_ethnic(stem)
                    add(stem)
                    add(stem + usual)  # 延边州, 大厂县: the forms people actually write
                else:
                    add(stem)
                break
    return found
