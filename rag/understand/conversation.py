"""Follow-up questions in a chat: what an elliptical question ("Who chairs it?",
"じゃあ副本部長は？", "What about Korea?") inherits from the earlier turns.

Rule: a question that names no law and no jurisdiction inherits the laws, jurisdictions
and (if it names none itself) the aspects of the latest earlier user turn that named some.
A question that names only a jurisdiction ("What about Korea?") keeps the earlier topic and
aspects and switches the country. The resolved question appends the earlier question so
retrieval sees what "it"/"there"/"それ" stands for.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

# Openings and words that mark a question as continuing the conversation.
_FOLLOWUP = re.compile(
    r"^\s*(and|also|what about|how about|and what|and how|what of|same|then|so)\b|\b(there|it|its|they|them|that law|this law|"
    r"that act|this act|the same)\b|^\s*(じゃあ|では|それ|その|あと|また|じゃ|ならば|그럼|그러면|그건|那么|那)",
    re.I)


@dataclass
class Parsed:
    """What one question names by itself (before looking at history)."""

    text: str
    law_ids: list[str] = field(default_factory=list)
    jurisdictions: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    aspects: list[str] = field(default_factory=list)
    articles: list[str] = field(default_factory=list)
    unknown_laws: list[str] = field(default_factory=list)
    explicit_laws: list[str] = field(default_factory=list)  # named by alias, not derived from a country

    @property
    def names_something(self) -> bool:
        return bool(self.law_ids or self.jurisdictions or self.unknown_laws)


HISTORY_TURNS = 20  # earlier messages read for a follow-up: ten exchanges


def bounded_history(history: list[dict] | None, max_chars: int) -> list[dict]:
    """The part of a conversation a follow-up is read against: the latest ``HISTORY_TURNS`` messages, a
    question cut to ``max_chars`` (the longest question accepted) and an answer to ten times that. The
    history comes from the client like the question does: megabytes of it must not cost minutes."""
    return [dict(t, content=str(t.get("content") or "")[:max_chars if t.get("role") == "user" else 10 * max_chars])
            for t in (history or [])[-HISTORY_TURNS:] if isinstance(t, dict)]


def user_turns(history: list[dict] | None) -> list[str]:
    """Earlier user messages, latest first."""
    out = []
    for turn in reversed(history or []):
        if isinstance(turn, dict) and turn.get("role") == "user" and str(turn.get("content") or "").strip():
            out.append(str(turn["content"]).strip())
    return out


def looks_like_followup(question: str) -> bool:
    return bool(_FOLLOWUP.search(question)) or len(question.split()) <= 4


def previous_scope(history: list[dict] | None, analyse: Callable[[str], Parsed]) -> Parsed | None:
    """The latest earlier user turn that named a law or jurisdiction (itself resolved against older turns)."""
    # An elliptical earlier turn ("Who chairs it?") is skipped: it inherited from the ones before it.
    for text in user_turns(history):
        p = analyse(text)
        if p.names_something:
            return p
    return None


def last_user_question(history: list[dict] | None) -> str:
    turns = user_turns(history)
    return turns[0] if turns else ""


def resolve_text(question: str, history: list[dict] | None) -> str:
    """The question with the previous user question appended for context."""
    prev = last_user_question(history)
    return f"{question} ({prev})" if prev else question
