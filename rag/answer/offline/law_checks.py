"""What a law does NOT say, checked against its whole indexed text (every chunk, every
language): an asked aspect it never mentions (no penalties), an article it does not have,
a figure the question assumes that appears nowhere in it; and the provisions closest to a
missing aspect or holding a present one that retrieval missed."""
from __future__ import annotations

import logging
import re
from functools import lru_cache

from rag.core.citations import Quote
from rag.core.text import sentence_spans
from rag.core.types import STATUTE_KINDS, Chunk, Hit, Scope
from rag.retrieve.protocol import Retriever
from rag.understand.lexicon import aspect_regex, keyword_regex, templates, terms

log = logging.getLogger(__name__)

_FIGURE = re.compile(r"\d+(?:[.,]\d+)?\s?%|(?:EUR|€|\$|USD|KRW|₩|¥)\s?\d[\d,.\s]*\d|\d[\d,.]*\s?(?:million|billion)?\s?"
                     r"(?:EUR|euros?|dollars|won|yen|円|원)", re.I)


def _law_chunks(law_id: str, retriever: Retriever | None) -> list:
    if retriever is None:
        return []
    return [c for c in retriever.law_chunks(law_id) if c.kind in STATUTE_KINDS]


def absent_aspects(law_id: str, aspects: list[str], retriever: Retriever | None) -> list[str]:
    """Asked aspects that the whole law (every chunk, every language) never mentions."""
    checkable = set(templates().get("absence", {}).get("aspects", []))
    asked = [a for a in aspects if a in checkable and aspect_regex(a)]
    if not asked:
        return []
    chunks = _law_chunks(law_id, retriever)
    if not chunks:
        log.debug("%s: nothing indexed, no absence claimed", law_id)
        return []  # nothing indexed: we cannot claim absence
    return [a for a in asked if not any((rx := aspect_regex(a, c.language)) and rx.search(c.body) for c in chunks)]


def closest_quotes(law_id: str, aspect: str, q_terms: frozenset[str] | set[str], lang: str,
                   retriever: Retriever | None) -> list[Quote]:
    """The law's provisions nearest to a missing aspect (e.g. guidance/advice for penalties); [] if none.
    ``q_terms``: the question's content terms (rag/understand/question.py), which break ties."""
    words = templates().get("absence", {}).get("closest", {}).get(aspect, [])
    rx = keyword_regex(tuple(words))
    chunks = _law_chunks(law_id, retriever)
    same = [c for c in chunks if c.language == lang] or chunks
    scored = []
    for c in same:
        n = len({m.group(0).lower() for m in rx.finditer(c.body)}) if rx else 0
        if n:
            scored.append((n + 0.1 * len(q_terms & terms(c.body)), -c.seq, c))
    scored.sort(key=lambda x: (x[0], x[1]), reverse=True)
    # The best match, and a second one only if it is about as close (two or more of the words).
    pseudo = [Hit(chunk=c, score=s) for i, (s, _, c) in enumerate(scored[:2]) if i == 0 or s >= 2]
    if not pseudo:
        return []
    out = []
    for h in pseudo:
        spans = sentence_spans(h.chunk.body)
        best = max(spans, key=lambda sp: len(rx.findall(h.chunk.body[sp[0]:sp[1]])))
        out.append(Quote(h.chunk, *best))
    return out


def _squash(text: str) -> str:
    return re.sub(r"[\s\u00a0\u202f,]", "", text).lower()


def unsupported_figures(question: str, law_id: str, retriever: Retriever | None) -> list[str]:
    """Amounts/percentages the question states that appear nowhere in the law's text."""
    figures = [m.group(0).strip() for m in _FIGURE.finditer(question)]
    chunks = _law_chunks(law_id, retriever) if figures else []
    if not chunks:
        return []
    text = _squash(" ".join(c.body for c in chunks))
    absent = [f for f in figures if _squash(re.sub(r"[^\d.,%\s]", "", f)) not in text]
    if absent:
        log.info("figures the question states that %s never has: %s (a false premise)", law_id, absent)
    return absent


def missing_articles(law_id: str, articles: list[str], retriever: Retriever | None) -> list[str]:
    """Explicitly named articles the law does not have (a false premise, or a renumbered article)."""
    have = {c.article for c in _law_chunks(law_id, retriever)} if articles else set()
    if not have:
        return []
    return [a for a in dict.fromkeys(x.split("(")[0] for x in articles) if a and a not in have]


def is_commencement(chunk: Chunk) -> bool:
    """An entry-into-force or application provision: its caption speaks of dates ("Entry into force and
    application", "Effective date - applicability", "施行期日") or it is a supplementary provision."""
    rx = aspect_regex("dates")
    caption = f"{chunk.unit_title} {chunk.body[:80] if chunk.unit_kind == 'section' else ''}"
    return chunk.unit_kind == "supplementary" or bool(rx and rx.search(caption))


def commencement_hits(law_id: str, q_terms: frozenset[str] | set[str], scope: Scope, lang: str, retriever,
                      n: int = 2) -> list[Hit]:
    """The law's entry-into-force provisions in force on the scope's date (not a superseded version's), in
    the answer language where the law has it, those sharing most of the question's terms ``q_terms`` first."""
    chunks = [c for c in _law_chunks(law_id, retriever) if is_commencement(c)]
    older: set[str] = set()
    versions = retriever.versions() if chunks and retriever is not None else None
    if versions is not None:
        current = versions.predicate(scope.as_of, scope.history)
        chunks = [c for c in chunks if current(c)]
        if scope.history:  # "as originally enacted": the superseded version's dates come first
            older = {c.chunk_id for c in chunks
                     if versions.status(c.doc_id, c.unit_kind, c.article, scope.as_of).state == "superseded"}
    chunks = [c for c in chunks if c.language == lang] or chunks
    scored = sorted(chunks, key=lambda c: (c.chunk_id in older, len(q_terms & _body_terms(c.body)), -c.seq),
                    reverse=True)
    return [Hit(chunk=c, score=0.0, ranks={"commencement": i}) for i, c in enumerate(scored[:n])]


@lru_cache(maxsize=200_000)
def _distinct_matches(body: str, rx: re.Pattern) -> int:
    """How many different aspect keywords a chunk uses; cached, as every such question scans a whole law."""
    return len({m.group(0).lower() for m in rx.finditer(body)})


@lru_cache(maxsize=50_000)  # a memo on chunk bodies (terms() of the package's stopwords), no data file
def _body_terms(body: str) -> frozenset[str]:
    return frozenset(terms(body))


def aspect_hits(law_id: str, aspects: list[str], q_terms: frozenset[str] | set[str], lang: str,
                retriever: Retriever | None, n: int = 3) -> list[Hit]:
    """The law's chunks that use the asked aspects' keywords most (and share most of the question's terms
    ``q_terms``)."""
    rxs = [rx for rx in (aspect_regex(a) for a in aspects) if rx]
    chunks = _law_chunks(law_id, retriever) if rxs else []
    chunks = [c for c in chunks if c.language == lang] or chunks
    scored = []
    for c in chunks:
        k = sum(_distinct_matches(c.body, rx) for rx in rxs)
        if k:
            scored.append((k + len(q_terms & _body_terms(c.body)), -c.seq, c))
    scored.sort(key=lambda x: (x[0], x[1]), reverse=True)
    return [Hit(chunk=c, score=0.0, ranks={"aspect": i}) for i, (_, _, c) in enumerate(scored[:n])]
