"""The interface every regqa embedder has: LangChain's ``Embeddings`` methods, without importing LangChain.

``langchain_core.embeddings.Embeddings`` is an ABC whose module imports LangChain's runnables, callbacks
and messages (pydantic models by the hundred): about a fifth of a second of every fresh process, for a
base class whose two abstract methods the embedders define anyway. So the embedders derive from this
class instead: the same four methods (the async pair runs the sync one in the default executor, as
LangChain's does), and ``as_langchain`` registers an embedder's class as a virtual subclass of LangChain's
``Embeddings`` where one is handed to LangChain (the tutorial baseline's Chroma store), so that
``isinstance`` checks there still hold.
"""
from __future__ import annotations

import asyncio
import contextvars
import functools


class Embedder:
    """``embed_documents`` and ``embed_query`` to define; ``aembed_*`` run them in a worker thread."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        raise NotImplementedError

    def embed_query(self, text: str) -> list[float]:
        raise NotImplementedError

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        return await _in_executor(self.embed_documents, texts)

    async def aembed_query(self, text: str) -> list[float]:
        return await _in_executor(self.embed_query, text)


async def _in_executor(fn, *args):
    ctx = contextvars.copy_context()
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(ctx.run, fn, *args))


def as_langchain(embedder):
    """``embedder``, its class registered as a LangChain ``Embeddings`` (imports langchain_core)."""
    from langchain_core.embeddings import Embeddings

    if not isinstance(embedder, Embeddings):
        Embeddings.register(type(embedder))
    return embedder
