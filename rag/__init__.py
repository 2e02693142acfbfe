"""regqa retrieval and answering: re-exports of the public API.

Lazy (PEP 562): ``import rag`` stays cheap for modules that only need
``rag.settings`` or ``rag.types``; the Assistant module is imported on first use.
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "Assistant": "rag.assistant",
    "Answer": "rag.types",
    "Citation": "rag.types",
    "Chunk": "rag.types",
    "Hit": "rag.types",
    "Scope": "rag.types",
    "Settings": "rag.settings",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'rag' has no attribute {name!r}")
