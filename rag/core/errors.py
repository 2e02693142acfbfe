"""Errors the engine raises for conditions a user must act on, and how their text is shown."""
from __future__ import annotations

import re
from pathlib import Path

_URL_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s]+@")


def redact(text: str, paths: dict[Path | str, str] | None = None) -> str:
    """``text`` fit to show: credentials in URLs ("http://user:pw@host" -> "http://***@host") always, and
    each of ``paths`` (a server folder -> what to call it, e.g. "<data dir>") where the reader is an app
    user rather than whoever runs the server. Longer paths first, so a folder inside another keeps its name."""
    text = _URL_CREDENTIALS.sub(r"\1***@", str(text))
    for path, name in sorted((paths or {}).items(), key=lambda kv: -len(str(kv[0]))):
        for form in dict.fromkeys((str(path), str(Path(path).resolve()))):
            if form and form != "/":
                text = text.replace(form, name)
    return text


class BackendUnavailable(Exception):
    """A service regqa needs (Chroma server, LLM server) cannot be reached or refused the request."""


class IndexNotReady(Exception):
    """The index is empty or missing: run `regqa ingest` first."""


class QuestionTooLong(ValueError):
    """A question longer than Settings.max_question_chars: refused with one line, before any work."""
