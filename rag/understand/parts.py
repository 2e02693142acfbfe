"""The separate asks of one question ("What must deployers do under the AI Act, and what fine applies if they
breach it?"): each is answered on its own, so that an answer does not quote only for the first.

Read from the grammar of asking, for any law: question sentences ("...? ...?"), and a question joined to
another by "and"/"or" followed by a question word or an auxiliary ("..., and what ...", "... and does ...").
A story told before the asks (sentences that are not questions) is the context of every part; a part that
refers back ("they", "it", "them") also carries the first part's words, so "what fine applies if they breach
it" is searched as a question about deployers' obligations under the AI Act.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from rag.core.text import sentences as _sentences
from rag.understand.lexicon import terms

# "..., and what", "; and how", "... and how long is": a second question joined to the first. Without a comma
# only when the question word is followed by a verb of its own ("before and when providing" is one question).
_WH = r"(?:what|which|who|whom|whose|when|where|how|why)"
_AUX = r"(?:is|are|was|were|does|do|did|can|could|must|may|might|should|would|will|shall|has|have)"
_JOIN = re.compile(rf"[,;]\s*(?:and|or|but|also|then)?\s*(?={_WH}\b)|[,;]\s*(?:and|or|but)\s+(?={_AUX}\b)"
                   rf"|\s+(?:and|or)\s+(?:also\s+)?(?={_WH}\s+(?:[\w-]+\s+){{0,2}}{_AUX}\b)", re.I)
_OPENS_ASK = re.compile(rf"^\W*(?:(?:and|or|but|also|so|then)\s+)*(?:{_WH}|{_AUX}|can't|don't|doesn't|isn't|aren't)\b", re.I)
_REFERS_BACK = re.compile(r"\b(?:they|them|their|it|its|this|that|these|those|such|the same)\b", re.I)
MIN_OWN_TERMS = 2  # a part needs words of its own: "and what about fines?" is one more word than nothing


@dataclass
class Part:
    """One ask of a question: ``text`` as written, ``query`` with its context (the story, and the first
    part when it refers back)."""

    text: str
    query: str


def _asks(sentence: str) -> list[str]:
    pieces, start = [], 0
    for m in _JOIN.finditer(sentence):
        pieces.append(sentence[start:m.start()])
        start = m.end()
    pieces.append(sentence[start:])
    return [p.strip(" ,;") for p in pieces if p.strip(" ,;")]


def split_asks(question: str) -> list[Part]:
    """The question's separate asks, each with its context; one Part (the whole question) when it asks one
    thing or a split would leave a part with fewer than MIN_OWN_TERMS words of its own."""
    text = (question or "").strip()
    sentences = [s for s in _sentences(text) if s.strip()]
    story = [s for s in sentences if not s.rstrip().endswith(("?", "？"))]
    asked = [s for s in sentences if s.rstrip().endswith(("?", "？"))]
    # a story's last sentence may hold the ask without a question mark: then nothing is split
    if not asked or (story and sentences[-1] in story):
        return [Part(text, text)]
    pieces = [a for s in asked for a in _asks(s)]
    words = [terms(p) for p in pieces]
    if len(pieces) < 2 or any(len(w) < MIN_OWN_TERMS for w in words):
        return [Part(text, text)]
    # each piece a question of its own: "Since the GDPR bans AI, how can we ...?" and "Under the AI Act as it
    # stands, when ...?" open with a clause that is not asked, so the sentence is one question
    if not all(_OPENS_ASK.match(p) for p in pieces):
        return [Part(text, text)]
    # two asks of the same words ("What is X, and what does X mean?") are one question
    for i, ta in enumerate(words):
        for tb in words[i + 1:]:
            if len(ta & tb) / max(1, min(len(ta), len(tb))) >= 0.8:
                return [Part(text, text)]
    context = " ".join(s.strip() for s in story)  # the sentences that tell, not ask: context of every ask
    out = []
    for i, p in enumerate(pieces):
        extra = [context] if context else []
        if i and _REFERS_BACK.search(p):
            extra.append(pieces[0])
        out.append(Part(p, " ".join([*extra, p]) if extra else p))
    return out
