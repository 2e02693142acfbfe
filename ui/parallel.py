"""The same article in the law's other language: a Japanese law cited from its English
translation is shown beside the Japanese original (and vice versa) when both are indexed.

Looked up in the store by the citation's law_id (from the document registry) and
article number, in any other document of that law; the text is the article's
chunks joined in document order.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from rag.core.citations import label, paragraph_covers
from rag.core.numerals import CIRCLED_NUMBERS, FULLWIDTH_DIGITS
from rag.core.types import Citation

_STATUTE = ("article", "section", "supplementary", "annex")


@dataclass
class ParallelText:
    doc_id: str
    language: str
    label: str
    text: str
    official_url: str = ""
    focus: str = ""  # the cited paragraph within ``text`` (shown marked, at the top), "" for the whole article


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
    text = "\n".join(p.body for p in parts)
    return ParallelText(doc_id=best, language=first.language, label=label(first, first.paragraph) if not first.label else
                        f"{label(first, first.paragraph)} ({first.label})", text=text,
                        official_url=first.official_url, focus=cited_paragraph(parts, c.get("paragraph") or ""))


def cited_paragraph(parts, paragraph: str) -> str:
    """The text of paragraph ``paragraph`` ("2") of the article: its own chunk when the article was split by
    paragraph, else the lines from "２　..." (Japanese/Korean numbering, full-width or not, ①②) up to the next
    paragraph's number. "" when the article has no such paragraph (then the whole article is shown)."""
    num = re.match(r"\(?(\d+)", paragraph or "")
    if not num:
        return ""
    n = int(num.group(1))
    own = [p for p in parts if p.paragraph and paragraph_covers(p.paragraph, str(n)) and "-" not in p.paragraph]
    if own:
        return "\n".join(p.body for p in own)
    lines = "\n".join(p.body for p in parts).split("\n")
    def number_of(line: str) -> int | None:
        line = line.strip()
        m = re.match(r"^(\d{1,2})[\s　.]", line.translate(FULLWIDTH_DIGITS))
        if m:
            return int(m.group(1))
        return CIRCLED_NUMBERS.get(line[:1])
    start = next((i for i, ln in enumerate(lines) if number_of(ln) == n), None)
    if start is None:
        return ""
    end = next((j for j in range(start + 1, len(lines)) if number_of(lines[j]) not in (None, n)), len(lines))
    return "\n".join(lines[start:end]).strip()
