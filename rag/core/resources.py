"""The engine's own data files (rag/data/*.toml: templates, aspects, verify, injection, prompts), read once
per data directory.

Every module that needs one of them asks a ``Resources`` for it rather than keeping a cache of its own:
the file is parsed once per directory, and a ``Resources`` of another directory (a test's, a
deployment's) gets that directory's data, never the package's from an earlier call. Functions that derive
something from these files (compiled regexes, stopword sets) take the ``Resources`` as an argument, so
their memo caches are keyed by it too.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rag.core.settings import PACKAGE_DATA


@dataclass(frozen=True)
class Resources:
    """The data files of one directory (frozen and hashable: a key of the derived caches)."""

    data_dir: Path = PACKAGE_DATA

    def toml(self, name: str, *, optional: bool = False) -> dict:
        """The parsed file ``name`` of this directory, shared between callers (do not modify it).
        ``optional``: {} when the file is missing or malformed instead of an error."""
        return _read_toml(Path(self.data_dir) / name, optional)


# The package's shipped data: what every function uses when it is given no other Resources.
DEFAULT = Resources()


@lru_cache(maxsize=64)
def _read_toml(path: Path, optional: bool) -> dict:
    if optional:
        try:
            return tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        except (OSError, tomllib.TOMLDecodeError):
            return {}
    return tomllib.loads(path.read_text(encoding="utf-8"))
