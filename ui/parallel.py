"""The same article in the law's other language: a Japanese law cited from its English
translation is shown beside the Japanese original (and vice versa) when both are indexed.

Looked up in the store by the citation's law_id (from the document registry) and
article number, in any other document of that law; the text is the article's
chunks joined in document order.
"""
from __future__ import annotations

from dataclasses import dataclass

from rag.core.citations import label
from rag.core.types import Citation

_STATUTE = ("article", "section", "supplementary", "annex")


@dataclass
class ParallelText:
    doc_id: str
    language: str
    label: str
    text: str
    official_url: str = ""


def parallel_article(store, citation: Citation | dict) -> ParallelText | None:
    """The cited article in a document of the same law in another language, or None."""
    c = citation.to_dict() if isinstance(citation, Citation) else citation
    if not c.get("article") or c.get("unit_kind", "article") not in _STATUTE:
        return None
    doc = store.document(c["doc_id"])
    law_id = (doc or {}).get("law_id")
    if not law_id:
        return None
    chunks = store.all_chunks(where={"$and": [{"law_id": law_id}, {"article": c["article"]},
                                               {"unit_kind": c.get("unit_kind") or "article"}]})
    others = [ch for ch in chunks if ch.doc_id != c["doc_id"] and ch.kind in ("law", "translation", "consolidation")]
    lang = c.get("language") or (doc or {}).get("language", "")
    # Only another language: a consolidated version in the same language is not a translation.
    others = [ch for ch in others if ch.language and ch.language != lang]
    if not others:
        return None
    others.sort(key=lambda ch: (ch.doc_id, ch.seq))
    best = others[0].doc_id
    parts = [ch for ch in others if ch.doc_id == best]
    first = parts[0]
    return ParallelText(doc_id=best, language=first.language, label=label(first, first.paragraph) if not first.label else
                        f"{label(first, first.paragraph)} ({first.label})", text="\n".join(p.body for p in parts),
                        official_url=first.official_url)
