"""Answer with an LLM from retrieved passages, then verify every sentence.

The passages are numbered [1..k] in the prompt (rag/data/prompts.toml) with
their law + article labels; passages containing instruction-like text
(rag/data/injection.toml) are marked untrusted. The model's tokens are streamed
as they come; the final Answer keeps only the sentences rag/verify/checks.py finds
supported, and cites exactly the passages those sentences use.
"""
from __future__ import annotations

import re
import time
from collections.abc import Iterator

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from rag.answer.llm.models import get_chat_model, is_connection_error, unavailable
from rag.core.citations import citation_from_hit, clip
from rag.core.citations import label as cite_label
from rag.core.resources import DEFAULT, Resources
from rag.core.settings import Settings
from rag.core.text import MARKER_RE, sentence_pieces
from rag.core.text import sentences as body_sentences
from rag.core.types import Answer, Hit, Scope
from rag.verify.checks import check, injection_matches
from rag.verify.claims import content_units, markers

_MAX_HISTORY_TURNS = 4  # enough to resolve "what about fines?"; older turns only cost context


def prompts(res: Resources = DEFAULT) -> dict:
    return res.toml("prompts.toml")


def passage_label(hit: Hit) -> str:
    c = hit.chunk
    text = cite_label(c, c.paragraph)
    if c.unit_title and c.unit_title not in text:
        text += f" {c.unit_title}"
    return text


def verification_text(hit: Hit) -> str:
    """What a sentence citing this passage may draw on: the labels and the verbatim body."""
    c = hit.chunk
    return "\n".join(x for x in (passage_label(hit), c.law_title, c.short_name, c.label, c.body) if x)


def _safe_body(text: str) -> str:
    # A document must not be able to close the <passages> block and talk "outside" it.
    return re.sub(r"<\s*/?\s*passages\s*>", "(passages)", text, flags=re.I).strip()


def build_messages(question: str, scope: Scope | None, hits: list[Hit],
                   history: list[dict] | None = None) -> list[BaseMessage]:
    p = prompts()
    blocks = []
    for n, h in enumerate(hits, 1):
        warn = p["untrusted_warning"] if injection_matches(h.chunk.body) else ""
        blocks.append(p["passage"].format(n=n, label=passage_label(h), jurisdiction=h.chunk.jurisdiction or "?",
                                          warning=warn, body=_safe_body(h.chunk.body)).strip())
    hist = ""
    turns = [t for t in (history or []) if t.get("role") in ("user", "assistant") and t.get("content")]
    if turns:
        lines = [f"{t['role']}: {MARKER_RE.sub('', str(t['content'])).strip()[:600]}"
                 for t in turns[-_MAX_HISTORY_TURNS:]]
        hist = p["history"].format(turns="\n".join(lines))
    asked = question
    if scope is not None and scope.resolved_question and scope.resolved_question.strip() != question.strip():
        asked = f"{question} (understood as: {scope.resolved_question})"
    note = p["scope_note"].format(jurisdictions=", ".join(scope.jurisdictions)) if scope and scope.jurisdictions else ""
    user = p["user"].format(history=hist, passages="\n\n".join(blocks), question=asked, scope_note=note)
    return [SystemMessage(content=p["system"]), HumanMessage(content=user)]


def best_quote(body: str, sentences: list[str]) -> str:
    """The verbatim sentence of ``body`` sharing most content with the answer sentences that cite it."""
    claim = set().union(*(content_units(s.lower()) for s in sentences)) if sentences else set()
    best, best_score = "", -1.0
    for s in body_sentences(body):
        u = content_units(s.lower())
        score = len(u & claim) / (len(u) ** 0.5 or 1.0)
        if score > best_score:
            best, best_score = s, score
    return clip(best) if best else ""


class LLMAnswerer:
    """Answers from given hits with a chat model; see the module docstring."""

    def __init__(self, settings: Settings, model: BaseChatModel | None = None, name: str | None = None):
        self.settings = settings
        self.name = name or (settings.llm if settings.llm not in ("", "offline") else "llm")
        self._model = model

    @property
    def model(self) -> BaseChatModel:
        if self._model is None:  # built on first use: client libraries are slow to import
            self._model = get_chat_model(self.settings, self.name)
        return self._model

    def stream(self, question: str, scope: Scope | None, hits: list[Hit],
               history: list[dict] | None = None) -> Iterator[tuple[str, object]]:
        """Yields ("token", str) while the model writes, then ("answer", Answer)."""
        scope = scope or Scope()
        if not hits:
            yield "answer", Answer(text=prompts()["no_passages"], scope=scope, answerer=self.name, abstained=True)
            return
        messages = build_messages(question, scope, hits, history)
        t0 = time.perf_counter()
        parts: list[str] = []
        try:
            for chunk in self.model.stream(messages):
                token = chunk.content if isinstance(chunk.content, str) else "".join(
                    x.get("text", "") if isinstance(x, dict) else str(x) for x in chunk.content)
                if token:
                    parts.append(token)
                    yield "token", token
        except Exception as e:
            if is_connection_error(e):
                raise unavailable(self.settings, self.name, e) from e
            raise
        t1 = time.perf_counter()
        yield "answer", self._finish("".join(parts), scope, hits, {"generate": t1 - t0})

    def answer(self, question: str, scope: Scope | None, hits: list[Hit], history: list[dict] | None = None) -> Answer:
        result = None
        for kind, value in self.stream(question, scope, hits, history):
            if kind == "answer":
                result = value
        assert isinstance(result, Answer)
        return result

    def _finish(self, raw: str, scope: Scope, hits: list[Hit], timings: dict) -> Answer:
        t0 = time.perf_counter()
        by_n = {n: h for n, h in enumerate(hits, 1)}
        verdict = check(raw, {n: h.chunk for n, h in by_n.items()}, {n: verification_text(h) for n, h in by_n.items()})
        flagged = verdict.flagged
        flagged += [f"passage [{n}] contains instruction-like text (quoted, not followed): {injection_matches(h.chunk.body)[0]}"
                    for n, h in by_n.items() if injection_matches(h.chunk.body)]
        sentences = [s for s in sentence_pieces(verdict.clean_text, answer=True) if s.strip()]
        citations = []
        for n in verdict.cited:
            citing = [MARKER_RE.sub("", s) for s in sentences if n in markers(s)]
            # Same builder as the offline answerer: identical labels, paragraphs and quote clipping.
            citations.append(citation_from_hit(by_n[n], n, quote=best_quote(by_n[n].chunk.body, citing)))
        abstained = not citations
        text = verdict.clean_text
        if abstained and not verdict.no_answer:  # nothing survived: say so rather than show leftovers
            text = prompts()["no_support"]
        timings = {**timings, "verify": time.perf_counter() - t0}
        return Answer(text=text, citations=citations, scope=scope, timings=timings, answerer=self.name,
                      abstained=abstained, flagged=flagged, hits=list(hits),
                      claims_answer=bool(citations) and not abstained)
