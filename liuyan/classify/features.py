"""Features of a message for the classifiers: character n-grams of its "feature text", weighted by TF-IDF.

The feature text bridges the two shapes of training data: raw messages (titles and bodies as citizens wrote them)
and the contest's jieba-segmented text (words separated by spaces, stop words, punctuation and the single letters
of place codes such as "A市" already removed). Both become the same string:

- `liuyan.intake.normalize.normalize_text` (simplified Chinese, half-width letters and digits, no markup), lower case;
- every run of characters that is neither a CJK ideograph, an ASCII letter or digit, nor a question or exclamation
  mark is removed — spaces included, so "供水 楼顶" and "供水，楼顶" both read "供水楼顶";
- ？ and ! are kept (as "?" and "!": they separate 咨询 from 投诉); runs of digits become one "0";
- a single ASCII letter standing alone is dropped ("A市" → "市", as the contest's segmentation did; "A3区" → "0区"
  after digits, "QQ" and "ETC" stay);
- only the first `MAX_CHARS` characters are used.

`CharTfidf` is a small TF-IDF over character 1..3-grams written for speed: scikit-learn's char analyzer is correct but
builds and looks up every n-gram in Python (about 1 ms for a 400-character message with 1–3-grams, half the
classification budget); here n-grams are integer codes computed and looked up with numpy for a whole batch.
Weights follow scikit-learn's TfidfVectorizer(sublinear_tf=True, smooth_idf=True, norm="l2").
"""

import dataclasses
import re
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from liuyan.intake.normalize import normalize_text

MAX_CHARS = 3000
_NOT_FEATURE = re.compile(r"[^0-9a-z?!\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_DIGITS = re.compile(r"[0-9]+")
_LONE_LETTER = re.compile(r"(?<![a-z0-9])[a-z](?![a-z0-9])")


def feature_text(text: str) -> str:
    """The string whose character n-grams are the features (see the module's docstring)."""
    text = normalize_text(text[: MAX_CHARS * 2]).lower().replace("？", "?").replace("！", "!")
    text = _LONE_LETTER.sub("", _NOT_FEATURE.sub(" ", text))
    text = _DIGITS.sub("0", text)
    return text.replace(" ", "")[:MAX_CHARS]


_BITS = 21  # every code point fits in 21 bits, so an n-gram of up to three characters is one int64
_MASK = (1 << _BITS) - 1
MAX_GRAM = 3
CHUNK = 1000  # documents per step when counting document frequencies and transforming large batches


def _code_points(texts: Sequence[str]) -> np.ndarray:
    """The code points of the texts joined by NUL (which no feature text contains): one uint32 array."""
    joined = "\x00".join(texts)
    return np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)


def _gram_codes(points: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(codes, start positions) of the n-grams of `points` that do not cross a NUL separator."""
    length = len(points) - n + 1
    if length <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    codes = points[:length].copy()
    valid = codes != 0
    for k in range(1, n):
        following = points[k : k + length]
        codes = (codes << _BITS) | following
        valid &= following != 0
    positions = np.flatnonzero(valid)
    return codes[positions], positions


def decode_gram(code: int) -> str:
    chars = []
    while code:
        chars.append(chr(code & _MASK))
        code >>= _BITS
    return "".join(reversed(chars))


class BatchGrams:
    """The n-grams of a batch of feature texts, each size computed (and sorted to its distinct codes) once for
    every model that looks the batch up: the pipeline runs three."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.documents = len(texts)
        self.points = _code_points(texts)
        self.document_of = np.cumsum(self.points == 0)  # the separator before a document's first character counts it
        self._sizes: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def of_size(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(start positions, distinct codes, the distinct code of each position) of the batch's n-grams."""
        found = self._sizes.get(n)
        if found is None:
            codes, positions = _gram_codes(self.points, n)
            distinct, back = np.unique(codes, return_inverse=True)
            found = self._sizes[n] = (positions, distinct, back.reshape(-1))
        return found


@dataclasses.dataclass
class Occurrences:
    """Known n-grams found in a batch of texts joined by NUL: `points` are the joined code points (one per
    character of "\\x00".join(texts)), `document_of[i]` the text that position i belongs to, and for each n-gram
    occurrence its start position in the joined text, its size and its vocabulary column."""

    documents: int
    points: np.ndarray
    document_of: np.ndarray
    starts: np.ndarray
    sizes: np.ndarray
    columns: np.ndarray


class CharTfidf:
    """TF-IDF over character n-grams of already prepared feature texts (see `feature_text`).

    N-grams are integer codes (up to three 21-bit code points in one int64), computed and looked up with numpy
    over the whole batch at once: no Python loop per n-gram.
    """

    def __init__(self, *, min_n: int = 1, max_n: int = 2, min_df: int = 2, max_features: int = 300_000) -> None:
        if not 1 <= min_n <= max_n <= MAX_GRAM:
            raise ValueError(f"n-gram sizes must be within 1..{MAX_GRAM}")
        self.min_n = min_n
        self.max_n = max_n
        self.min_df = min_df
        self.max_features = max_features
        self.codes = np.zeros(0, dtype=np.int64)  # sorted: the vocabulary
        self.idf = np.zeros(0, dtype=np.float32)

    @property
    def sizes(self) -> range:
        return range(self.min_n, self.max_n + 1)

    def __len__(self) -> int:
        return len(self.codes)

    def term(self, index: int) -> str:
        return decode_gram(int(self.codes[index]))

    def _document_grams(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(document number, n-gram code) of every n-gram occurrence in the batch."""
        points = _code_points(texts)
        document_of = np.cumsum(points == 0)  # the separator before a document's first character counts it
        all_codes, all_documents = [], []
        for n in self.sizes:
            codes, positions = _gram_codes(points, n)
            all_codes.append(codes)
            all_documents.append(document_of[positions])
        return np.concatenate(all_documents), np.concatenate(all_codes)

    def fit(self, texts: Sequence[str]) -> "CharTfidf":
        documents = len(texts)
        # Document frequencies chunk by chunk: memory stays bounded by the chunk, not the corpus.
        found_codes: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
        found_counts: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
        for start in range(0, documents, CHUNK):
            document_numbers, codes = self._document_grams(texts[start : start + CHUNK])
            order = np.lexsort((document_numbers, codes))
            codes, document_numbers = codes[order], document_numbers[order]
            first = np.ones(len(codes), dtype=bool)  # first occurrence of each (code, document) pair
            first[1:] = (codes[1:] != codes[:-1]) | (document_numbers[1:] != document_numbers[:-1])
            chunk_codes, chunk_counts = np.unique(codes[first], return_counts=True)
            found_codes.append(chunk_codes)
            found_counts.append(chunk_counts)
        all_codes = np.concatenate(found_codes)
        all_counts = np.concatenate(found_counts)
        order = np.argsort(all_codes, kind="stable")
        all_codes, all_counts = all_codes[order], all_counts[order]
        vocabulary, starts = np.unique(all_codes, return_index=True)
        frequency = np.add.reduceat(all_counts, starts) if len(all_codes) else np.zeros(0, dtype=np.int64)
        min_df = self.min_df if documents >= 4 * self.min_df else 1  # tiny training sets keep every n-gram
        keep = frequency >= min_df
        vocabulary, frequency = vocabulary[keep], frequency[keep]
        if len(vocabulary) > self.max_features:
            # The most frequent n-grams, ties broken by code (deterministic); then back in code order.
            order = np.lexsort((vocabulary, -frequency))[: self.max_features]
            order.sort()
            vocabulary, frequency = vocabulary[order], frequency[order]
        self.codes = vocabulary.astype(np.int64)
        self.idf = (np.log((1 + documents) / (1 + frequency.astype(np.float64))) + 1.0).astype(np.float32)
        return self

    def lookup(self, texts: "Sequence[str] | BatchGrams") -> "Occurrences":
        """Every occurrence of a known n-gram in the batch (see `Occurrences`)."""
        grams = texts if isinstance(texts, BatchGrams) else BatchGrams(texts)
        parts: list[tuple[np.ndarray, np.ndarray, int]] = []
        for n in self.sizes:
            positions, distinct, back = grams.of_size(n)
            if not len(positions) or not len(self.codes):
                continue
            # Search the vocabulary once per distinct n-gram of the batch (a text repeats many of its own).
            found = np.searchsorted(self.codes, distinct)
            found[found == len(self.codes)] = 0
            columns = found[back]
            known = (self.codes[found] == distinct)[back]
            parts.append((positions[known], columns[known], n))
        if parts:
            starts = np.concatenate([p for p, _, _ in parts])
            columns = np.concatenate([c for _, c, _ in parts])
            sizes = np.concatenate([np.full(len(p), n, dtype=np.int64) for p, _, n in parts])
        else:
            starts = columns = sizes = np.zeros(0, dtype=np.int64)
        return Occurrences(grams.documents, grams.points, grams.document_of, starts, sizes, columns)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        if len(texts) <= CHUNK:
            return self.weigh(self.lookup(texts))
        # Chunks bound the n-gram arrays (~60 bytes per character of the batch) on large training sets.
        return sp.csr_matrix(
            sp.vstack([self.weigh(self.lookup(texts[i : i + CHUNK])) for i in range(0, len(texts), CHUNK)])
        )

    def weigh(self, found: "Occurrences") -> sp.csr_matrix:
        """The (documents × vocabulary) TF-IDF matrix of looked-up n-grams."""
        shape = (found.documents, len(self.codes))
        rows = found.document_of[found.starts]
        counts = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, found.columns)), shape=shape)
        counts.sum_duplicates()
        counts.data = (np.log(counts.data) + 1.0) * self.idf[counts.indices]  # sublinear tf × idf
        squares = counts.copy()
        squares.data **= 2
        norms = np.sqrt(np.asarray(squares.sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        counts.data /= np.repeat(norms, np.diff(counts.indptr)).astype(np.float32)
        return counts

    def fit_transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        return self.fit(texts).transform(texts)

    def memory_bytes(self) -> int:
        return int(self.codes.nbytes + self.idf.nbytes)
