"""Personal data in message text: one set of patterns for masking (public rendering) and for extraction (智能录入).

`find_personal_data(text)` finds phone numbers, ID card numbers, bank card numbers, e-mail addresses, licence plates
and the house-number part of detailed addresses (unit and room numbers). Every span says whether it passes the
kind's validity checks (ID checksum and birth date, Luhn, area codes): extraction keeps only valid spans, masking
masks every span of the right shape too (a mistyped ID number is still somebody's ID number).

`mask_personal_data(text)` replaces them with partly starred forms (138****5678), keeping the text readable.
Every pattern is anchored on a boundary that stops a match from starting inside a longer run of the same
characters, so the cost stays linear in the length of the text.
"""

import bisect
import re
from dataclasses import dataclass

PHONE = "phone"
ID_CARD = "id_card"
BANK_CARD = "bank_card"
EMAIL = "email"
PLATE = "plate"
HOUSE_NUMBER = "house_number"  # unit and room numbers of a detailed address (masked, never extracted alone)

_D = "[0-9０-９]"


def starting_with(chars: str, pattern: str) -> re.Pattern[str]:
    """`pattern`, told which characters a match starts with: a leading lookahead lets the engine skip every other
    position quickly (patterns that open with a lookbehind have no first-character set of their own)."""
    return re.compile(f"(?=[{chars}])(?:{pattern})")


_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")

# A long number (15-19 digits, optionally grouped by spaces or dashes, an ID may end in X): ID and bank cards.
_LONG_NUMBER = starting_with(
    "0-9０-９", rf"(?<![0-9０-９A-Za-z])(?:{_D}(?:[ \-]?{_D}){{14,18}})(?:[ \-]?[Xx])?(?![0-9０-９A-Za-z])"
)
# Mobile: 1[3-9]x with 8 more digits, optionally +86 / 0086 / 86 in front and spaces or dashes between groups.
_MOBILE = starting_with(
    "+018", rf"(?<![0-9０-９+])(?:(?:\+|00)?86[ \-]?)?(1[3-9]{_D}(?:[ \-]?{_D}){{8}})(?![0-9０-９])"
)
# Landline with area code: 010 / 02x (3 digits) or 0[3-9]xx (4 digits), then a local number of 7-8 digits.
_LANDLINE = starting_with(
    "0(（",
    rf"(?<![0-9０-９])(?:\(|（)?(0(?:10|2{_D}|[3-9]{_D}{{2}}))(?:\)|）)?[ \-]?([2-9]{_D}{{2,3}}[ \-]?{_D}{{4}})"
    rf"(?![0-9０-９])",
)
# Service numbers 400 / 800 (10 digits).
_SERVICE = starting_with("48", rf"(?<![0-9０-９])([48]00[ \-]?{_D}{{3}}[ \-]?{_D}{{4}})(?![0-9０-９])")
# E-mail: starts at the beginning of a run of local-part characters (no quadratic rescans); domain with a dot.
_EMAIL = starting_with(
    "A-Za-z0-9",
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){1,6}",
)
# Licence plates: province abbreviation, issuing-office letter (no I/O), then five characters (ordinary), six
# (new-energy: D/F… first or last) or four plus a suffix 挂/学/警/港/澳/领; embassy plates 使 + six digits.
PLATE_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PL = "[A-HJ-NP-Z0-9]"
_PLATE = starting_with(
    PLATE_PROVINCES + "使",
    rf"(?<![A-Za-z0-9])(?:[{PLATE_PROVINCES}][A-HJ-NP-Z][·•.\- ]?"
    rf"(?:[A-HJ-NP-Z][A-HJ-NP-Z0-9]\d{{4}}(?![A-Za-z0-9])|\d{{5}}[A-HJ-NP-Z](?![A-Za-z0-9])|"
    rf"{_PL}{{4}}[挂学警港澳领]|{_PL}{{5}}(?![A-Za-z0-9]))|使\d{{6}}(?![0-9]))",
)
# House numbers: unit (2单元 → *单元), room (502室 → ***室, 2单元502 → *单元***), 3-2-502 shorthand.
UNIT_NUMBER = rf"{_D}{{1,2}}(?=单元)"
ROOM_NUMBER = rf"(?<![0-9０-９])(?:{_D}{{3,5}}(?=室|房|号房)|(?<=单元){_D}{{2,5}}(?![0-9０-９号栋幢楼层]))"
_UNIT = starting_with("0-9０-９", rf"(?<![0-9０-９]){UNIT_NUMBER}")
_ROOM = starting_with("0-9０-９", ROOM_NUMBER)
_SHORTHAND = starting_with("0-9０-９", rf"(?<![0-9０-９\-])({_D}{{1,3}})-({_D}{{1,2}})-({_D}{{3,5}})(?![0-9０-９\-])")

_ANY_DIGIT = re.compile("[0-9０-９]")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


@dataclass(frozen=True, slots=True)
class PersonalSpan:
    """One piece of personal data in a text: `value` is normalised (digits only, upper-case X and plate letters)."""

    kind: str
    start: int
    end: int
    value: str
    valid: bool  # passes the kind's checks; False: right shape only (masked anyway, never extracted)
    detail: str = ""  # phone: mobile / landline / service; id_card: 18 / 15


def ascii_digits(text: str) -> str:
    return text.translate(_DIGITS)


def id_checksum_ok(number: str) -> bool:
    """GB 11643: the 18th character is the ISO 7064 MOD 11-2 check of the first 17 digits."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(c) * w for c, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def _date_ok(year: int, month: int, day: int) -> bool:
    if not 1 <= month <= 12 or not 1 <= day <= _DAYS_IN_MONTH[month - 1]:
        return False
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return not (month == 2 and day == 29 and not leap)


def id_shape_ok(number: str) -> bool:
    """A plausible ID number: region code starting 1-8, a real birth date (18: 1900-2099; 15: 19yy)."""
    if len(number) == 18:
        if not number[:17].isdigit() or number[0] not in "12345678" or number[6:8] not in ("19", "20"):
            return False
        return _date_ok(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    if len(number) == 15 and number.isdigit() and number[0] in "12345678":
        return _date_ok(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
    return False


def luhn_ok(number: str) -> bool:
    if not number.isdigit():
        return False
    total = 0
    for i, c in enumerate(reversed(number)):
        d = int(c)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _grouping_ok(raw: str) -> bool:
    """Digits written in groups (6222 0212 3456 …): every group but the last has at least three digits."""
    groups = re.split(r"[ \-]", raw)
    return all(len(g) >= 3 for g in groups[:-1])


def _classify_long(raw: str, start: int, end: int) -> PersonalSpan | None:
    if not _grouping_ok(raw):
        return None
    number = ascii_digits(re.sub(r"[ \-]", "", raw)).upper()
    n = len(number)
    if n == 18 and id_shape_ok(number):
        if id_checksum_ok(number):
            return PersonalSpan(ID_CARD, start, end, number, True, "18")
        if number.isdigit() and luhn_ok(number) and number[0] in "345689":
            return PersonalSpan(BANK_CARD, start, end, number, True)
        return PersonalSpan(ID_CARD, start, end, number, False, "18")
    if n == 15 and id_shape_ok(number):
        return PersonalSpan(ID_CARD, start, end, number, True, "15")
    if 16 <= n <= 19 and number.isdigit():
        luhn = luhn_ok(number)
        if luhn and number[0] in "345689":
            return PersonalSpan(BANK_CARD, start, end, number, True)
        if luhn or number.startswith(("62", "4")) or number[:2] in ("51", "52", "53", "54", "55"):
            return PersonalSpan(BANK_CARD, start, end, number, False)
    return None


class TakenSpans:
    """Non-overlapping [start, end) ranges in order: does a new one overlap any? O(log n) per question."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect.bisect_left(self._starts, end)  # ranges starting before `end` are candidates
        return i > 0 and self._ends[i - 1] > start

    def add(self, start: int, end: int) -> None:
        i = bisect.bisect_left(self._starts, start)
        self._starts.insert(i, start)
        self._ends.insert(i, end)


def find_personal_data(text: str, *, house_numbers: bool = True) -> list[PersonalSpan]:
    """Every personal identifier in `text`, without overlaps, in text order (longer numbers win over phones)."""
    spans: list[PersonalSpan] = []
    if not text:
        return spans
    taken = TakenSpans()

    def keep(span: PersonalSpan) -> None:
        if not taken.overlaps(span.start, span.end):
            spans.append(span)
            taken.add(span.start, span.end)

    if "@" in text:
        for m in _EMAIL.finditer(text):
            domain = m.group().rsplit(".", 1)[1]
            keep(PersonalSpan(EMAIL, m.start(), m.end(), m.group().lower(), domain.isalpha()))
    if _ANY_DIGIT.search(text) is None:
        return spans
    for m in _LONG_NUMBER.finditer(text):
        span = _classify_long(m.group(), m.start(), m.end())
        if span is not None:
            keep(span)
    for m in _MOBILE.finditer(text):
        digits = ascii_digits(re.sub(r"[ \-]", "", m.group(1)))
        keep(PersonalSpan(PHONE, m.start(), m.end(), digits, True, "mobile"))
    for m in _LANDLINE.finditer(text):
        digits = ascii_digits(m.group(1) + re.sub(r"[ \-]", "", m.group(2)))
        keep(PersonalSpan(PHONE, m.start(), m.end(), digits, True, "landline"))
    for m in _SERVICE.finditer(text):
        digits = ascii_digits(re.sub(r"[ \-]", "", m.group(1)))
        keep(PersonalSpan(PHONE, m.start(), m.end(), digits, True, "service"))
    for m in _PLATE.finditer(text):
        value = re.sub(r"[·•.\- ]", "", m.group())
        if sum(c.isdigit() for c in value) >= 2:
            keep(PersonalSpan(PLATE, m.start(), m.end(), value, True))
    if house_numbers:
        for pattern in (_SHORTHAND, _UNIT, _ROOM):
            for m in pattern.finditer(text):
                keep(PersonalSpan(HOUSE_NUMBER, m.start(), m.end(), ascii_digits(m.group()), True))
    spans.sort(key=lambda s: s.start)
    return spans


def _keep_ends(text: str, head: int, tail: int) -> str:
    digits = len(text)
    if digits <= head + tail:
        return "*" * digits
    return text[:head] + "*" * (digits - head - tail) + text[-tail:]


def _masked(span: PersonalSpan, raw: str) -> str:
    if span.kind == ID_CARD:
        return _keep_ends(span.value, 3, 2)
    if span.kind == BANK_CARD:
        return _keep_ends(span.value, 4, 4)
    if span.kind == PHONE:
        if span.detail == "mobile":
            return _keep_ends(span.value[-11:], 3, 4)
        if span.detail == "landline":  # 010-******66: the area code stays, the local number is starred
            area = 3 if span.value.startswith(("01", "02")) else 4
            return span.value[:area] + "-" + _keep_ends(span.value[area:], 0, 2)
        return _keep_ends(raw, 4, 2)
    if span.kind == EMAIL:
        return raw[0] + "***@" + raw.split("@", 1)[1]
    if span.kind == PLATE:
        return span.value[:2] + "*" * (len(span.value) - 3) + span.value[-1]
    if "-" in raw:  # 3-2-502 → 3-*-***
        head, *rest = raw.split("-")
        return head + "".join("-" + "*" * len(part) for part in rest)
    return "*" * len(raw)


def mask_personal_data(text: str) -> str:
    """Replace personal identifiers with partly starred forms (138****5678), keeping the text readable.

    Masks phones (mobile, landline, 400/800), ID numbers, bank card numbers, e-mail addresses, licence plates
    (京A****5) and unit / room numbers of addresses (3栋2单元502室 → 3栋*单元***室), also when the digits are
    written in groups with spaces or dashes.
    """
    spans = find_personal_data(text)
    if not spans:
        return text
    parts: list[str] = []
    at = 0
    for span in spans:
        parts.append(text[at : span.start])
        parts.append(_masked(span, text[span.start : span.end]))
        at = span.end
    parts.append(text[at:])
    return "".join(parts)


def mask_name(name: str) -> str:
    """张三丰 → 张**: a real name is never shown publicly."""
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def mask_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    return _keep_ends(digits, 3, 4) if digits else ""
