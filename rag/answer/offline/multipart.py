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


def combine(whole: Answer, asks: list[tuple[str, Answer]], lang: str) -> Answer:
    """``whole``: the answer to the whole question; ``asks``: (each ask as written, its answer), in the order
    asked."""
    t = templates()[lang]
    numbers: dict[tuple[str, str], int] = {}
    citations, sections, flagged = [], [], []
    for asked, ans in [("", whole), *asks]:
        renumber, new = {}, 0
        for c in ans.citations:
            key = (c.chunk_id, c.quote)
            if key not in numbers:
                numbers[key] = len(citations) + 1
                citations.append(replace(c, n=numbers[key]))
                new += 1
            renumber[c.n] = numbers[key]
        if sections and not new:
            continue  # "What is X, and how is it defined?": the ask quoted nothing new (or nothing)
        body = _renumbered(ans.text, renumber)
        sections.append(t["part_heading"].format(part=asked.rstrip(" ?？")) + "\n" + body if asked else body)
        flagged += ans.flagged
    # the whole question's hits first, then the asks' in turn
    hits = _unique(whole.hits + _in_turn([a.hits for _, a in asks]))
    return Answer(text="\n\n".join(sections), citations=citations,
                  abstained=whole.abstained and all(a.abstained for _, a in asks),
                  claims_answer=whole.claims_answer, flagged=flagged, hits=hits)


def _renumbered(text: str, renumber: dict[int, int]) -> str:
    """``text`` with every citation marker ("[2]", "[1, 3]") in the combined numbering."""
    def one(m: re.Match) -> str:
        return "[" + re.sub(r"\d+", lambda d: str(renumber.get(int(d.group()), int(d.group()))), m.group(1)) + "]"
    return MARKER_RE.sub(one, text)


def _in_turn(lists: list[list[Hit]]) -> list[Hit]:
    """The first of each list, then the second of each, ...: the top hits of every ask come first."""
    return [hs[i] for i in range(max(map(len, lists), default=0)) for hs in lists if i < len(hs)]


def _unique(hits: list[Hit]) -> list[Hit]:
    """``hits`` with each chunk once, where it first appears."""
    seen: set[str] = set()
    return [h for h in hits if not (h.chunk.chunk_id in seen or seen.add(h.chunk.chunk_id))]
