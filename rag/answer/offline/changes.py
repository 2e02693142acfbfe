"""What an amendment changed in a provision: the sentences that differ between two versions of it, quoted
side by side from both ("What did the 2026 amendment change in Art. 50?").

Asked when the question is about earlier versions (``Scope.history``) and names a provision of one law that
two indexed versions of the same language word differently (rag/index/versions.py). When it names none,
``other_wordings`` sets the other version's wording beside each quoted sentence that it words differently.
Everything is quoted verbatim: the newer version's sentence, then the older one it replaced, each with its own citation; a
sentence only the newer text has is "added", one only the older text has "removed".
"""
from __future__ import annotations

import difflib
import logging
import re
from dataclasses import dataclass

from rag.core.citations import CitationBook, Quote, provision_ref, squashed
from rag.core.dates import long_date
from rag.core.text import sentence_spans
from rag.core.types import Answer, Chunk, Scope
from rag.index.versions import Versions, unit_key
from rag.retrieve.protocol import Retriever

log = logging.getLogger(__name__)

MAX_CHANGES = 4


def _sentences(chunks: list[Chunk]) -> list[Quote]:
    """The provision's sentences in order; a lead-in ending in ":" runs on over its first point (Quote), so
    that point is not a sentence of its own again."""
    out: list[Quote] = []
    for c in sorted(chunks, key=lambda c: c.seq):
        for a, b in sentence_spans(c.body):
            if out and out[-1].chunk is c and out[-1].end >= b:
                continue
            out.append(Quote(c, a, b))
    return out


def version_changes(scope: Scope, retriever: Retriever, versions: Versions, as_of: str) -> Answer | None:
    """The changed sentences of the named provision between its current and its previous version; None when
    the question does not name one provision of one law, or no two versions word it differently."""
    if not scope.history or len(scope.law_ids) != 1 or len(scope.articles) != 1:
        return None
    chunks = retriever.lookup(scope.law_ids[0], scope.articles[0])
    by_doc: dict[str, list[Chunk]] = {}
    for c in chunks:
        by_doc.setdefault(c.doc_id, []).append(c)
    pairs = []
    for new_id, new in by_doc.items():
        v = versions.by_doc.get(new_id)
        if v is None or (v.exists_from and v.exists_from > as_of):
            continue
        for old_id in v.replaces:
            old = by_doc.get(old_id)
            if old and old[0].language == new[0].language:
                pairs.append((new, old))
    if not pairs:
        return None
    new, old = pairs[0]
    log.debug("versions compared for %s: %s (new) and %s (old)", scope.articles[0], new[0].doc_id, old[0].doc_id)
    a, b = _sentences(old), _sentences(new)
    matcher = difflib.SequenceMatcher(a=[squashed(q.text) for q in a], b=[squashed(q.text) for q in b],
                                      autojunk=False)
    book, lines = CitationBook(), []
    changed = 0
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal" or changed >= MAX_CHANGES:
            continue
        changed += 1
        for q in b[j1:j2][:2]:
            lines.append(f"- {'Now' if op == 'replace' else 'Added'}: “{q.text}” [{book.cite(q)}]")
        for q in a[i1:i2][:2]:
            lines.append(f"- {'Before' if op == 'replace' else 'Removed'}: “{q.text}” [{book.cite(q)}]")
    if not changed:
        return None
    st = versions.status(old[0].doc_id, old[0].unit_kind, old[0].article, as_of)
    newer = versions.by_doc[new[0].doc_id]
    since = f" (since {long_date(st.superseded_on)})" if st.superseded_on else ""
    lead = (f"{provision_ref(new[0])}: {newer.name}{since} words it differently from "
            f"{versions.by_doc[old[0].doc_id].name} in {changed} place{'s' if changed > 1 else ''}:")
    return Answer(text="\n".join([lead, *lines]), citations=book.citations, scope=scope, claims_answer=True)


_NO_TEXT = ("amending", "user", "news", "web")
_BODY_UNITS = ("article", "section", "annex")  # a law's body, not the addenda its amending acts append  # no whole text of the provision to set beside another version's
SAME_SENTENCE = 0.5  # difflib ratio above which two versions' sentences are one sentence reworded


@dataclass
class OtherWording:
    """How another indexed version of the same law and language words a quoted sentence: ``when`` is
    "before" (an older version, in force until ``date``) or "now" (the newer one, since ``date``, named with
    the act that amended it); "added":
    the older version ``version`` has no such provision, which the quoted version ``newer`` has, and
    ``other`` is None."""

    quoted: Quote
    other: Quote | None
    when: str
    version: str
    date: str
    newer: str = ""


def other_wordings(quotes: list[Quote], retriever: Retriever, as_of: str, limit: int = 2) -> list[OtherWording]:
    """For a question about earlier versions that names no provision ("what did the AI Act originally say
    about AI literacy?"): the sentences of the other version of each quoted provision (the first ``limit``)
    that say the quoted sentence differently. A provision both versions word alike gives nothing."""
    versions = retriever.versions()
    if versions is None:
        return []
    out: list[OtherWording] = []
    done: set[tuple[str, str, str]] = set()
    for q in quotes[:limit]:
        c = q.chunk
        v = versions.by_doc.get(c.doc_id)
        if v is None or v.kind in _NO_TEXT:
            continue
        key = unit_key(c.unit_kind, c.article)
        older = [(versions.by_doc[o], "before") for o in v.replaces if o in versions.by_doc]
        newer = [(r, "now") for r in versions.replacers.get(c.doc_id, []) if r.exists_from and r.exists_from <= as_of]
        for other, when in older + newer:
            if (when == "before" and c.unit_kind in _BODY_UNITS and other.kind not in _NO_TEXT
                    and other.language == v.language
                    and key not in other.units and any(k.startswith(c.unit_kind + ":") for k in other.units)
                    and (other.doc_id, key, "added") not in done):
                # "Did the law as first passed say anything about it?": the earlier whole text has no such
                # provision (it has others of its kind, so its units are known); the quoted version has it.
                # Not for addenda: each amending act brings its own, which says nothing about the body.
                done.add((other.doc_id, key, "added"))
                log.debug("%s: not in %s, added by %s", provision_ref(c), other.name, v.display)
                out.append(OtherWording(q, None, "added", other.name, "", newer=v.display))
                continue
            if (other.kind in _NO_TEXT or other.language != v.language or other.units.get(key) is None
                    or other.units.get(key) == v.units.get(key) or (other.doc_id, key, when) in done):
                continue
            done.add((other.doc_id, key, when))
            theirs = [x for x in retriever.lookup(c.law_id, c.article) if x.doc_id == other.doc_id
                      and x.unit_kind == c.unit_kind]
            best = _counterpart(q, _sentences(theirs))
            if best is None:
                continue
            if when == "before":
                date = versions.status(other.doc_id, c.unit_kind, c.article, as_of).superseded_on
            else:
                date = other.in_force or other.exists_from
            log.debug("%s %s: %s words it differently", when, provision_ref(c), other.name)
            # the newer text named with the act that amended it, so "which amendment changed it?" is answered
            out.append(OtherWording(q, best, when, other.display if when == "now" else other.name, date))
    return out


# The number or letter that opens a paragraph or point ("2.", "(c)", "(iv)", "(1a)"), after a lead-in
# ("However: (a) ...") that a quote carries with its first point.
_MARKER = re.compile(r"^(?:[^\n:()]{0,30}:\s*)?(\((?:[a-z]{1,3}|[ivxl]{1,6}|\d{1,3}[a-z]{0,2})\)|\d{1,3}[a-z]{0,2}\.)\s")


def _counterpart(q: Quote, theirs: list[Quote]) -> Quote | None:
    """The sentence of the other version that is ``q`` reworded: the one opening with the same point or
    paragraph number ("(c)"), else the most alike; None when it says ``q`` alike or has no such sentence."""
    mine = squashed(q.text)
    marker = m.group(1) if (m := _MARKER.match(q.text)) else ""
    same_point = [t for t in theirs if marker and (n := _MARKER.match(t.text)) and n.group(1) == marker]
    scored = [(difflib.SequenceMatcher(a=mine, b=squashed(t.text), autojunk=False).ratio(), t)
              for t in (same_point or theirs)]
    if not scored:
        return None
    ratio, best = max(scored, key=lambda x: x[0])
    return best if (same_point or ratio >= SAME_SENTENCE) and ratio < 1.0 else None
