"""Masking personal data (phone, ID card, e-mail, bank card numbers) for every public rendering of a message."""

import re

# Order matters: ID card numbers (18 chars) before bank cards and phones, so a longer number is not masked
# piecewise by a shorter pattern.
_ID_CARD = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])"
)
_BANK_CARD = re.compile(r"(?<!\d)(?:62|4\d|5[1-5])\d{14,17}(?!\d)")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def _keep_ends(text: str, head: int, tail: int) -> str:
    digits = len(text)
    if digits <= head + tail:
        return "*" * digits
    return text[:head] + "*" * (digits - head - tail) + text[-tail:]


def mask_personal_data(text: str) -> str:
    """Replace personal identifiers with partly starred forms (138****5678), keeping the text readable."""
    text = _ID_CARD.sub(lambda m: _keep_ends(m.group(), 3, 2), text)
    text = _BANK_CARD.sub(lambda m: _keep_ends(m.group(), 4, 4), text)
    text = _MOBILE.sub(lambda m: _keep_ends(re.sub(r"\D", "", m.group())[-11:], 3, 4), text)
    text = _LANDLINE.sub(lambda m: _keep_ends(m.group(), 4, 2), text)
    text = _EMAIL.sub(lambda m: m.group()[0] + "***@" + m.group().split("@", 1)[1], text)
    return text


def mask_name(name: str) -> str:
    """张三丰 → 张**: a real name is never shown publicly."""
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def mask_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    return _keep_ends(digits, 3, 4) if digits else ""
