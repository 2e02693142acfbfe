"""The lexical pieces of a text that rag/verify/checks.py compares: [n] citation markers,
stated numbers and content units (word stems, CJK character bigrams). Sentences come from
rag/core/text.py (``sentence_pieces(text, answer=True)``).

Kept apart from the verdict logic so the answerers can mark text the same way the
verifier reads it.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rag.core.resources import DEFAULT, Resources
from rag.core.text import MARKER_RE, content_terms

LIST_PREFIX_RE = re.compile(r"^\s*(?:\d{1,2}[.)]|[-*•·]|#+)\s+")
CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+")
_NUM_RE = re.compile(r"\d+(?:[,\u00a0 ]\d{3})*(?:\.\d+)?(?:\s*(million|billion|trillion|thousand|万|億|兆|千))?")
_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "千": 1e3, "万": 1e4, "億": 1e8, "兆": 1e12}


@lru_cache(maxsize=4)  # keyed by the Resources
def _stopwords(res: Resources = DEFAULT) -> frozenset[str]:
    return frozenset(res.toml("verify.toml").get("stopwords", "").split())


def markers(text: str) -> list[int]:
    """Citation numbers in ``text`` in order of appearance ("[1-3]" gives 1, 2, 3)."""
    nums: list[int] = []
    for m in MARKER_RE.finditer(unicodedata.normalize("NFKC", text)):
        for part in re.split(r"[,;]", m.group(1)):
            bounds = [int(x) for x in re.split(r"[–-]", part) if x.strip()]
            if len(bounds) == 2 and 0 <= bounds[1] - bounds[0] <= 20:
                nums.extend(range(bounds[0], bounds[1] + 1))
            else:
                nums.extend(bounds)
    return nums


def _canon(v: float) -> str:
    return str(int(v)) if v == int(v) else f"{v:.6g}"


def numbers(text: str, *, claimed: bool = False) -> set[str]:
    """Numeric values in ``text`` ("35 000 000", "35,000,000" and "35 million" agree).

    A passage offers both the bare and the scaled value of "35 million"; a
    sentence (``claimed``) claims only the scaled one.
    """
    vals: set[str] = set()
    for m in _NUM_RE.finditer(text):
        head = m.group(0)[: m.start(1) - m.start()] if m.group(1) else m.group(0)
        try:
            v = float(re.sub(r"[,\u00a0 ]", "", head))
        except ValueError:
            continue
        if not (claimed and m.group(1)):
            vals.add(_canon(v))
        if m.group(1):
            vals.add(_canon(v * _SCALE[m.group(1)]))
    return vals


def content_units(text: str) -> set[str]:
    """Content units of answer and passage text (rag/core/text.py ``content_terms``), without the words
    answers use to talk about passages (verify.toml stopwords)."""
    return content_terms(text, _stopwords())


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return MARKER_RE.sub(" ", text).lower()
