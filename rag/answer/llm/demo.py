"""The ONE place for fakes: a scripted chat model standing in for a remote LLM.

Tests and offline demos cannot reach a real LLM server, so ``ScriptedChatModel``
is a real langchain ``BaseChatModel`` (invoke, stream, callbacks all work) whose
replies come from a script instead of a network:

- ``replies``: a list of strings, used in turn (the last one repeats);
- ``reply_fn``: a callable ``(messages) -> str`` that builds a reply from the
  prompt (e.g. echo a sentence of passage [1] with its marker);
- neither given: ``REGQA_FAKE_LLM_SCRIPT`` names a JSON list of replies;
  without it the model echoes the first sentence of each numbered passage.

Every prompt it received is kept in ``.prompts`` so tests can inspect it.
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field, PrivateAttr

_PASSAGE_RE = re.compile(r"^\[(\d+)\][^\n]*\n(.+?)(?=\n\[\d+\]|\n</passages>|\Z)", re.S | re.M)
_SENT_END_RE = re.compile(r"(?<=[.!?。！？])\s*")


def prompt_text(messages: list[BaseMessage]) -> str:
    """All message contents joined: what the model was shown."""
    return "\n\n".join(m.content if isinstance(m.content, str) else str(m.content) for m in messages)


def echo_passages(messages: list[BaseMessage], max_passages: int = 2) -> str:
    """A well-behaved reply: the first sentence of the first passages, each cited with its [n]."""
    text = prompt_text(messages)
    out = []
    for m in _PASSAGE_RE.finditer(text):
        body = " ".join(line.strip() for line in m.group(2).strip().splitlines() if line.strip())
        first = _SENT_END_RE.split(body, maxsplit=1)[0].strip()
        if first:
            out.append(f"{first.rstrip('.。')} [{m.group(1)}].")
        if len(out) >= max_passages:
            break
    return " ".join(out) or "The passages do not answer this question."


def _script_from_env() -> list[str] | None:
    path = os.environ.get("REGQA_FAKE_LLM_SCRIPT")
    if not path:
        return None
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise ValueError(f"{path}: cannot read the fake LLM script ({e})") from e
    if not isinstance(data, list) or not all(isinstance(x, str) for x in data):
        raise ValueError(f"{path}: the fake LLM script must be a JSON list of strings")
    return data


class ScriptedChatModel(BaseChatModel):
    """A chat model whose replies are scripted (see the module docstring)."""

    replies: list[str] | None = None
    reply_fn: Callable[[list[BaseMessage]], str] | None = Field(default=None, exclude=True)
    _turn: int = PrivateAttr(default=0)
    _prompts: list[str] = PrivateAttr(default_factory=list)

    @property
    def prompts(self) -> list[str]:
        return self._prompts

    @property
    def _llm_type(self) -> str:
        return "regqa-scripted"

    def _reply(self, messages: list[BaseMessage]) -> str:
        self._prompts.append(prompt_text(messages))
        if self.reply_fn is not None:
            return self.reply_fn(messages)
        replies = self.replies if self.replies is not None else _script_from_env()
        if not replies:
            return echo_passages(messages)
        reply = replies[min(self._turn, len(replies) - 1)]
        self._turn += 1
        return reply

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=self._reply(messages)))])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        # Word-sized pieces with their whitespace, like a real server's token stream.
        for piece in re.findall(r"\S+\s*|\s+", self._reply(messages)):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
