"""What an amendment changed in a provision: the sentences that differ between two versions of it, quoted
side by side from both ("What did the 2026 amendment change in Art. 50?").

Asked when the question is about earlier versions (``Scope.history``) and names a provision of one law that
two indexed versions of the same language word differently (rag/index/versions.py). Everything is quoted
verbatim: the newer version's sentence, then the older one it replaced, each with its own citation; a
sentence only the newer text has is "added", one only the older text has "removed".
"""
from __future__ import annotations

import difflib
import logging

from rag.core.citations import CitationBook, Quote, provision_ref, squashed
from rag.core.dates import long_date
from rag.core.text import sentence_spans
from rag.core.types import Answer, Chunk, Scope
from rag.index.versions import Versions
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
