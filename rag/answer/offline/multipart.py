"""One answer from the answer to a multi-part question and the answers to each of its asks
(rag/understand/parts.py): the whole question's answer first (its first citation is the answer's [1]), then
each ask under its own heading where it quotes what came before did not; citations numbered once across them
(a provision quoted twice keeps its first number)."""
from __future__ import annotations

import re
from dataclasses import replace

from rag.core.text import MARKER_RE
from rag.core.types import Answer, Hit
from rag.understand.lexicon import templates


def combine(parts: list[tuple[str, Answer]], lang: str) -> Answer:
    """``parts``: (the ask as written, its answer), in the order asked; an ask of "" is the whole question,
    shown without a heading."""
    t = templates()[lang]
    numbers: dict[tuple[str, str], int] = {}
    citations, sections, flagged = [], [], []
    for asked, ans in parts:
        renumber, new = {}, 0
        for c in ans.citations:
            key = (c.chunk_id, c.quote)
            if key not in numbers:
                numbers[key] = len(citations) + 1
                citations.append(replace(c, n=numbers[key]))
                new += 1
            renumber[c.n] = numbers[key]
        if sections and not new:
            continue  # "What is X, and how is it defined?": the part quoted nothing new (or nothing)
        body = _renumbered(ans.text, renumber)
        sections.append(t["part_heading"].format(part=asked.rstrip(" ?？")) + "\n" + body if asked else body)
        flagged += ans.flagged
    return Answer(text="\n\n".join(sections), citations=citations, abstained=all(a.abstained for _, a in parts),
                  claims_answer=parts[0][1].claims_answer, flagged=flagged,
                  hits=_interleaved([a.hits for _, a in parts]) if parts[0][0] else
                  _interleaved([parts[0][1].hits]) + [h for h in _interleaved([a.hits for _, a in parts[1:]])
                                                      if all(h.chunk.chunk_id != w.chunk.chunk_id for w in parts[0][1].hits)])


def _renumbered(text: str, renumber: dict[int, int]) -> str:
    """``text`` with every citation marker ("[2]", "[1, 3]") in the combined numbering."""
    def one(m: re.Match) -> str:
        return "[" + re.sub(r"\d+", lambda d: str(renumber.get(int(d.group()), int(d.group()))), m.group(1)) + "]"
    return MARKER_RE.sub(one, text)


def _interleaved(lists: list[list[Hit]]) -> list[Hit]:
    """The parts' hits in turn (first of each, then second of each, ...), each chunk once: the top hits of every
    part come first."""
    out, seen = [], set()
    for i in range(max((len(h) for h in lists), default=0)):
        for hs in lists:
            if i < len(hs) and hs[i].chunk.chunk_id not in seen:
                seen.add(hs[i].chunk.chunk_id)
                out.append(hs[i])
    return out
