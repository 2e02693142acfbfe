"""The retriever as the answerers see it: the methods they call, as a ``typing.Protocol``.

``HybridRetriever`` (rag/retrieve/hybrid.py) is the real one; the assistant's per-answer view
(rag/assistant.py ``_View``) and the test doubles under tests/ implement the same methods, returning
empty results where they have nothing, so the answerers call them without asking what they can do.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from rag.core.types import Chunk, Hit, Scope

if TYPE_CHECKING:  # only for the annotation: rag/index/versions.py is not needed to define the protocol
    from rag.index.versions import Versions


class Retriever(Protocol):
    def search(self, question: str, scope: Scope | None = None, k: int | None = None,
               doc_ids: list[str] | None = None) -> list[Hit]:
        """The best passages for a question within its scope."""
        ...

    def law_chunks(self, law_id: str, language: str | None = None) -> list[Chunk]:
        """Every indexed chunk of one law (optionally of one language): the answerer's whole-law reads."""
        ...

    def lookup(self, law_id: str, article: str, paragraph: str | None = None) -> list[Chunk]:
        """The chunks of one provision."""
        ...

    def versions(self) -> Versions | None:
        """The version data of the indexed documents; None when the retriever keeps none."""
        ...

    def law_structure(self, law_id: str) -> dict[str, set[tuple[str, str]]]:
        """article -> the chapters/sections it sits in, from every version of the law; {} when unknown."""
        ...

    def term_share(self, term: str) -> float:
        """The share of indexed chunks containing a BM25 term (0 when unknown): how common a word is."""
        ...

    def mentioning(self, name: str, limit: int = 2) -> list[str]:
        """The indexed laws whose statute text names ``name`` verbatim, most mentions first; [] when none."""
        ...

    def translated(self, question: str, lang: str, law_ids: list[str], jurisdictions: list[str]) -> list[str]:
        """The question's words in the other language, when a law in scope needs them; [] otherwise."""
        ...
