"""Tokens of the search index and the parsed search query, in the manner of Lucene's CJK bigram analyzer.

Text is NFKC-normalised (full-width → half-width) and lower-cased, then split into runs:

- a run of CJK characters (Han, kana, Hangul) yields its overlapping bigrams and, last, its final character as a
  unigram: 电梯坏了 → 电梯 梯坏 坏了 了. The unigram lets a one-character query (a prefix query, 水*) find every
  occurrence of that character: inside a run it starts a bigram, at the end of a run it is the unigram;
- a run of other letters and digits (a1, 12345, wifi) yields one token, cut at WORD_MAX characters;
- everything else (spaces, punctuation, symbols, emoji) separates runs and yields nothing.

A query is split on whitespace into phrases; each phrase is tokenised the same way and must match at adjacent
positions (so 梯坏 finds 电梯坏了 but 坏梯 does not: a substring match, not a bag of bigrams); the phrases are
ANDed. The index and the query share this one tokenizer: change it and the index must be rebuilt
(`liuyan search rebuild`).
"""

import re
import unicodedata
from dataclasses import dataclass

from liuyan.common.errors import InvalidInput

WORD_MAX = 32  # longer letter/digit runs are cut (a pasted hash or a runaway string is not a word)
QUERY_MAX_CHARS = 100
QUERY_MAX_PHRASES = 10

# Han (URO, extensions A–H, compatibility ideographs), 〇 and 々, kana, Hangul. Only letters and numbers of these
# blocks count (the katakana middle dot ・ is punctuation and separates).
_CJK_RANGES = (
    "\u4e00-\u9fff"  # unified ideographs (first: by far the most frequent)
    "\u3005\u3007"  # 々 〇
    "\u3040-\u30ff"  # hiragana, katakana
    "\u31f0-\u31ff"  # katakana phonetic extensions
    "\u3400-\u4dbf"  # extension A
    "\uf900-\ufaff"  # compatibility ideographs
    "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"  # Hangul jamo, compatibility jamo, syllables
    "\U00020000-\U0003134f\U00031350-\U000323af"  # extensions B–H
)
_RUN = re.compile(f"([{_CJK_RANGES}]+)|([^\\W_{_CJK_RANGES}]+)")
_NOT_ALNUM = re.compile(r"[\W_]+")


# Full-width punctuation of ordinary Chinese text, replaced by its NFKC form first: most texts are then already
# NFKC (a fast check), and the slow full normalisation runs only for the rest. The result is the same.
_COMMON_FULL_WIDTH = tuple((c, unicodedata.normalize("NFKC", c)) for c in "，：；！？（）　")


def normalise(text: str) -> str:
    """NFKC (全角 ０１２ＡＢＣ → 012abc after lower-casing) and lower case."""
    for full, half in _COMMON_FULL_WIDTH:
        if full in text:
            text = text.replace(full, half)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return text.lower()


def _runs(normalised: str) -> list[tuple[bool, str]]:
    """(is_cjk, run) for each run of CJK characters or of other letters/digits, in order."""
    out: list[tuple[bool, str]] = []
    for cjk, word in _RUN.findall(normalised):
        if not cjk:
            out.append((False, word[:WORD_MAX]))
        elif cjk.isalnum():
            out.append((True, cjk))
        else:  # only letters and numbers of the CJK blocks: punctuation that sits in them (・, ゠) separates
            out.extend((True, piece) for piece in _NOT_ALNUM.split(cjk) if piece)
    return out


def tokens(text: str) -> list[str]:
    """The index tokens of `text`, in order; their position in the list is their position in the document."""
    out: list[str] = []
    for is_cjk, run in _runs(normalise(text)):
        if is_cjk:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
            out.append(run[-1])
        else:
            out.append(run)
    return out


@dataclass(frozen=True)
class Phrase:
    """Tokens that must occur at adjacent positions, in order; with `prefix`, the last one is a prefix."""

    tokens: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class Query:
    """Phrases that must all match (AND)."""

    phrases: tuple[Phrase, ...]


def phrase_of(text: str) -> Phrase | None:
    """The phrase one whitespace-free piece of a query stands for, or None when it has no letters or digits.

    A document tokenises a run with a trailing unigram, so a query run is matched as a substring: a run the phrase
    ends with gives only its bigrams (the document's run may go on), a run followed by more of the phrase gives its
    unigram too (the document's run ends there as well). A phrase ending in a one-character CJK run is a prefix:
    水 matches 水管 (the bigram) and 停水 (the unigram)."""
    runs = _runs(normalise(text))
    out: list[str] = []
    prefix = False
    for i, (is_cjk, run) in enumerate(runs):
        last = i == len(runs) - 1
        if not is_cjk:
            out.append(run)
        elif len(run) == 1:
            out.append(run)
            prefix = last
        else:
            out.extend(run[j : j + 2] for j in range(len(run) - 1))
            if not last:
                out.append(run[-1])
    return Phrase(tuple(out), prefix) if out else None


def _invalid(zh: str, en: str, **details: object) -> InvalidInput:
    return InvalidInput(zh, en, code="invalid_search", details=details or None)


def parse_query(text: str | None) -> Query:
    """A search box's text as a Query; InvalidInput (code `invalid_search`) when there is nothing to search for or
    too much of it."""
    raw = (text or "").strip()
    if len(raw) > QUERY_MAX_CHARS:
        raise _invalid(
            f"搜索内容不能超过{QUERY_MAX_CHARS}个字",
            f"the search text is longer than {QUERY_MAX_CHARS} characters",
            max_chars=QUERY_MAX_CHARS,
        )
    pieces = normalise(raw).split()
    if len(pieces) > QUERY_MAX_PHRASES:
        raise _invalid(
            f"搜索词不能超过{QUERY_MAX_PHRASES}个（以空格分隔）",
            f"at most {QUERY_MAX_PHRASES} search terms (separated by spaces)",
            max_phrases=QUERY_MAX_PHRASES,
        )
    phrases: list[Phrase] = []
    for piece in pieces:
        phrase = phrase_of(piece)
        if phrase is not None and phrase not in phrases:
            phrases.append(phrase)
    if not phrases:
        raise _invalid(
            "请输入要搜索的文字或数字", "enter some words or numbers to search for (punctuation and emoji are ignored)"
        )
    return Query(tuple(phrases))
