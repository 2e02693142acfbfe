"""Errors the engine raises for conditions a user must act on."""
from __future__ import annotations


class BackendUnavailable(Exception):
    """A service regqa needs (Chroma server, LLM server) cannot be reached or refused the request."""


class IndexNotReady(Exception):
    """The index is empty or missing: run `regqa ingest` first."""


class QuestionTooLong(ValueError):
    """A question longer than Settings.max_question_chars: refused with one line, before any work."""
