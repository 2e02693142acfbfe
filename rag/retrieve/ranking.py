"""Ranking helpers of the hybrid retriever: aspect keywords for query expansion, the unit-title
regex, question-name stripping, per-chunk boosts and de-duplication of near-identical units.
Pure functions of a chunk and the question, kept apart from the search flow in rag/retrieve/hybrid.py."""
from __future__ import annotations

import math
import re

from rag.core.resources import DEFAULT, Resources
from rag.core.text import tokenize
from rag.core.types import Chunk, Hit
from rag.core.weights import Weights

_DEFAULT = Weights()

_TRANSITION_RX = re.compile(r"suppl|transition|into force|take[sn]? effect|effective|commence|when (does|did|do|will)|いつ|附則|経過|施行|언제|부칙|시행")


def _aspects(res: Resources = DEFAULT) -> dict:
    """aspects.toml [aspects], read here as rag/understand/scope.py aspect_table reads it (one file, one shape)."""
    return res.toml("aspects.toml").get("aspects", {})


def aspect_terms(aspects: list[str], languages: set[str]) -> list[str]:
    """The aspects' keywords in ``languages``, in a fixed order: BM25 sums its terms' scores in query order and
    breaks ties by it, so a set's order (which changes with every process's hash seed) changed answers."""
    out: list[str] = []
    for a in aspects:
        entry = _aspects().get(a, {})
        for lang in sorted(languages):
            for w in entry.get(lang, []):
                out += tokenize(w)
    return out


def unit_title_rx(aspects: list[str]) -> re.Pattern | None:
    words = [w for a in aspects for lang in ("en", "ja", "ko", "zh") for w in _aspects().get(a, {}).get(lang, [])
             if len(w) > 1 and w.lower() not in ("must", "means", "what is a", "what is an", "when does", "when did")]
    if not words:
        return None
    parts = [rf"(?<![a-z]){re.escape(w)}" if re.match(r"[A-Za-z]", w) else re.escape(w)
             for w in sorted(set(words), key=len, reverse=True)]
    return re.compile("|".join(parts), re.I)


def strip_names(question: str) -> str:
    """The question without law and country names: inside the scope they only add noise ("推進" of
    "AI推進法" is in every provision of that law). For a query that understanding did not see (a
    comparison's per-law search): the curated names only, as the catalog strips them."""
    from rag.understand.catalog import LawCatalog

    return LawCatalog.load().strip_names(question, fuzzy=False)


def jaccard(a: str, b: str) -> float:
    sa, sb = set(tokenize(a)), set(tokenize(b))
    return len(sa & sb) / max(1, len(sa | sb))


def aspect_label(aspect: str) -> str:
    return str(_aspects().get(aspect, {}).get("label", ""))


def boost(c: Chunk, q_set: set[str], title_rx, lang: str, low_q: str, a_set: frozenset = frozenset(),
          version: float = 1.0, w: Weights = _DEFAULT) -> float:
    """The factor of a chunk's fused score (the [ranking] numbers of rag/data/weights.toml); ``version`` is
    its version's (rag/index/versions.py weight)."""
    f = (w.news_web_weight if c.kind in ("news", "web") else 1.0) * version
    if c.unit_kind == "recital" and "recital" not in low_q:
        f *= w.recital_weight
    if c.unit_kind == "page":
        f *= w.page_weight
    if c.unit_kind == "supplementary" and not _TRANSITION_RX.search(low_q):
        f *= w.supplementary_weight  # transitional clauses repeat "罰則", "penalties", dates: main provisions first
    title = f"{c.unit_title} {c.label if c.unit_kind != 'article' else ''}".strip()
    title_hit = title_rx is not None and bool(title) and bool(title_rx.search(title))
    if title_hit:
        f *= w.title_aspect_boost
    elif title_rx is not None and c.heading_path and title_rx.search(c.heading_path):
        f *= w.heading_aspect_boost  # "Chapter VIII Penal Provisions", "Legal Liability"
    # Title overlap (set cosine): "Fines for providers of general-purpose AI models" for a GPAI fines
    # question; weaker when the title is not about the asked aspect ("Prohibited AI practices" for fines).
    t_terms = set(tokenize(c.unit_title)) - {"article", "section"}
    if t_terms and q_set:
        cos = min(1.0, len(t_terms & (q_set | a_set)) / math.sqrt(len(t_terms) * len(q_set)))
        f *= 1 + (w.title_overlap_boost if title_rx is None or title_hit else w.title_overlap_off_aspect_boost) * cos
    if c.language == lang:
        f *= w.same_language_boost
    return f

def dedupe(hits: list[Hit], twin_jaccard: float = _DEFAULT.twin_jaccard) -> list[Hit]:
    """One hit per unit of a document; a near-identical unit of another version of the same law is dropped."""
    seen_units: set[tuple] = set()
    kept: list[Hit] = []
    for h in hits:
        c = h.chunk
        unit = (c.doc_id, c.unit_kind, c.article or c.chunk_id)
        if c.unit_kind in ("page", "paragraph") or not c.article:
            unit = (c.doc_id, c.chunk_id)
        if unit in seen_units:
            continue
        twin = next((k for k in kept if k.chunk.law_id == c.law_id and k.chunk.doc_id != c.doc_id
                     and k.chunk.language == c.language and k.chunk.article == c.article
                     and k.chunk.unit_kind == c.unit_kind and jaccard(k.chunk.body, c.body) > twin_jaccard), None)
        if twin is not None:
            continue
        seen_units.add(unit)
        kept.append(h)
    return kept
