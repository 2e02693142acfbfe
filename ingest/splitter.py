"""Turn a parsed document's units into chunks.

One chunk per unit (article, recital, annex point, code section). A unit longer
than ``max_chars`` is split at paragraph boundaries, and a single paragraph that
is still too long at sentence boundaries; every piece repeats the law and unit
heading in its text. Why: MiniLM embeds only the first 256 tokens of a text, so
a long article embedded whole is judged by its opening lines alone.

Invariant (property-tested): the pieces of a unit, joined, give back the unit's
text; nothing is dropped or repeated.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from ingest.model import ParsedDocument, Unit
from rag.core.text import ABBREV_RE
from rag.core.types import Chunk

# Bump when a change here or in a loader changes the chunks of an unchanged file: the next
# ingest then re-splits every document (ingest/indexer.version_hash).
SPLIT_FORMAT = 2

# Split long paragraphs after a sentence end (Latin or CJK) or a semicolon, keeping the separator.
_SENTENCE_END = re.compile(r"(?<=[.;:。；])\s+|(?<=[。；])")


def _not_an_end(text: str, dot_end: int, next_start: int) -> bool:
    """"(Act No. 130 of 1995)", "Art. 5", "e.g. the": a full stop that does not end the sentence.
    Cutting there left a chunk ending in "(Act No." that was then quoted as a whole sentence."""
    if text[dot_end - 1] != ".":
        return False
    nxt = text[next_start:next_start + 1]
    word = text[max(0, dot_end - 12):dot_end].split()[-1:] or [""]
    return bool(ABBREV_RE.search(word[0])) or nxt.isdigit() or nxt.islower()


@dataclass
class _Atom:
    para: str
    text: str
    first: bool  # first piece of its paragraph (paragraphs are joined by "\n", pieces by "")


def _atoms(unit: Unit, max_chars: int) -> list[_Atom]:
    out: list[_Atom] = []
    for p in unit.paragraphs:
        if len(p.text) <= max_chars:
            out.append(_Atom(p.num, p.text, True))
            continue
        pieces, start = [], 0
        for m in _SENTENCE_END.finditer(p.text):
            if _not_an_end(p.text, m.start(), m.end()):
                continue
            if m.end() - start >= max_chars * 0.6:
                pieces.append(p.text[start:m.end()])
                start = m.end()
        pieces.append(p.text[start:])
        # Hard-cut pieces that still overflow (no sentence end found); rare, but bounded. Cut by offset:
        # re-slicing the remainder each time copied it again and made a 24 MB line quadratic.
        cut = []
        for piece in pieces:
            at = 0
            while len(piece) - at > max_chars * 1.5:
                cut.append(piece[at:at + max_chars])
                at += max_chars
            cut.append(piece[at:])
        out += [_Atom(p.num, t, i == 0) for i, t in enumerate(cut) if t]
    return out


def _para_label(nums: list[str]) -> str:
    nums = [n for n in dict.fromkeys(nums) if n]
    if not nums:
        return ""
    return nums[0] if len(nums) == 1 else f"{nums[0]}-{nums[-1]}"


def split_unit(unit: Unit, max_chars: int) -> list[tuple[str, str]]:
    """Return (paragraph label, body) pieces of a unit; one piece when it fits."""
    text = unit.text
    if len(text) <= max_chars or len(unit.paragraphs) == 0:
        return [("", text)]
    groups: list[list[_Atom]] = [[]]
    size = 0
    for atom in _atoms(unit, max_chars):
        if groups[-1] and size + len(atom.text) + 1 > max_chars:
            groups.append([])
            size = 0
        groups[-1].append(atom)
        size += len(atom.text) + 1
    pieces = []
    for g in groups:
        body = "".join(("\n" if a.first and i else "") + a.text for i, a in enumerate(g))
        pieces.append((_para_label([a.para for a in g]), body))
    return pieces


def unit_header(doc: ParsedDocument, unit: Unit) -> str:
    m = doc.meta
    name = m.short_name or m.title
    if m.citation_name and m.citation_name != name:
        name = f"{name} ({m.citation_name})"
    label = unit.label or (f"Article {unit.number}" if unit.kind == "article" else unit.number)
    parts = [name, " ".join(x for x in (label, unit.title) if x)]
    if unit.heading_path:
        parts.append(unit.heading_path[-1])
    return " — ".join(p for p in parts if p)


def to_chunks(doc: ParsedDocument, file_hash: str, max_chars: int) -> list[Chunk]:
    m = doc.meta
    chunks: list[Chunk] = []
    for unit in doc.units:
        header = unit_header(doc, unit)
        for para, body in split_unit(unit, max_chars):
            if not body.strip():
                continue
            seq = len(chunks)
            chunks.append(Chunk(
                chunk_id=f"{m.doc_id}:{file_hash[:12]}:{seq}", doc_id=m.doc_id, law_id=m.law_id or m.doc_id,
                text=f"{header}\n{body.strip()}", body=body.strip(), law_title=m.title, short_name=m.short_name,
                citation_name=m.citation_name, jurisdiction=m.jurisdiction, language=m.language,
                unit_kind=unit.kind, article=unit.number, paragraph=para, label=unit.label, unit_title=unit.title,
                heading_path=" > ".join(unit.heading_path), version=m.version, official_url=m.official_url,
                source_file=m.source_file, content_hash=hashlib.sha256(body.encode()).hexdigest()[:16],
                file_hash=file_hash, seq=seq, kind=m.kind))
    return chunks
