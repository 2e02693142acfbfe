"""The one error type for a document that cannot be ingested.

Its message always names the file and the reason, in one line, so the CLI and
the app can show it as is.
"""
from __future__ import annotations

from pathlib import Path


class IngestError(Exception):
    def __init__(self, path: str | Path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")
