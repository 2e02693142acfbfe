"""regqa retrieval and answering: re-exports of the public API.

Lazy (PEP 562): ``import rag`` stays cheap for modules that only need
``rag.core.settings`` or ``rag.core.types``; the Assistant module is imported on first use.
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "Assistant": "rag.assistant",
    "Answer": "rag.core.types",
    "Citation": "rag.core.types",
    "Chunk": "rag.core.types",
    "Hit": "rag.core.types",
    "Scope": "rag.core.types",
    "Settings": "rag.core.settings",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'rag' has no attribute {name!r}")
