"""The ONNX Runtime MiniLM (rag/index/onnx_encoder.py) against sentence-transformers on corpus passages.

Real model, real corpus text, no index. The fp32 export serves the embedder name ``minilm`` in place of
torch, so its vectors must be torch's; int8 has its own name because its vectors are not.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rag.core.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DOCS = ["eu-ai-act", "jp-ai-promotion-act-ja", "ca-pipeda-en"]


@pytest.fixture(scope="module")
def passages(corpus_dir) -> list[str]:
    """Chunk texts (header + body, as ingest embeds them) of a few corpus documents: long and short,
    English and Japanese, so truncation at 256 tokens and padding are both exercised."""
    from ingest.indexer import _load
    from ingest.sources import default_items
    from ingest.splitter import to_chunks

    settings = Settings.from_env(corpus_dir=corpus_dir)
    items, _ = default_items(settings)
    texts = []
    for path, meta in items:
        if meta.doc_id in DOCS:
            texts += [c.text for c in to_chunks(_load(path, meta, settings.max_file_mb * 2**20), "x" * 64, 900)][:40]
    assert len(texts) >= 60, f"expected corpus documents {DOCS}, found {len(texts)} passages"
    return texts + ["penalties", "what penalties does Japan's AI law carry?"]


def _embedder(name: str, backend: str = "onnx"):
    from rag.index.embeddings import get_embedder

    return get_embedder(Settings.from_env(embedder=name, embed_backend=backend))


@pytest.fixture(scope="module")
def torch_vectors(passages):
    return np.asarray(_embedder("minilm", "torch").embed_documents(passages))


@pytest.mark.slow  # loads the torch model and embeds corpus passages with it
def test_fp32_onnx_gives_the_embeddings_of_sentence_transformers(passages, torch_vectors):
    onnx = np.asarray(_embedder("minilm").embed_documents(passages))
    assert onnx.shape == torch_vectors.shape == (len(passages), 384)
    cos = (onnx * torch_vectors).sum(axis=1)
    assert cos.min() >= 0.9999, f"least similar passage: cosine {cos.min():.6f}"
    assert np.allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-5)
    # Order is kept although batches are sorted by length inside the encoder.
    assert np.allclose(_embedder("minilm").embed_query(passages[5]), onnx[5], atol=1e-5)


@pytest.mark.slow  # loads the torch model and embeds corpus passages with it
def test_int8_is_close_but_named_apart(passages, torch_vectors):
    int8 = _embedder("minilm-int8")
    assert int8.name == "minilm-int8" != _embedder("minilm").name
    cos = (np.asarray(int8.embed_documents(passages)) * torch_vectors).sum(axis=1)
    assert cos.mean() >= 0.97, f"int8 mean cosine to fp32 {cos.mean():.4f}"


def test_an_index_built_with_int8_is_not_queried_with_fp32(tmp_settings):
    from rag.core.errors import BackendUnavailable
    from rag.index.store import ChunkStore

    s = tmp_settings.with_(embedder="minilm-int8")
    _ = ChunkStore(s).chunks  # creates the collection, recording its embedder
    with pytest.raises(BackendUnavailable, match="minilm-int8"):
        _ = ChunkStore(s.with_(embedder="minilm")).chunks


def test_a_stale_export_is_not_taken_for_built(tmp_path):
    from rag.index import onnx_encoder as oe

    model = oe.bundled_model_path()
    oe.onnx_file(tmp_path, "fp32").write_bytes(b"not a model")
    stamp = oe._source_stamp(model)
    oe.onnx_file(tmp_path, "fp32").with_suffix(".json").write_text(json.dumps(stamp))
    assert oe.is_built(tmp_path, "fp32", model)
    oe.onnx_file(tmp_path, "fp32").with_suffix(".json").write_text(json.dumps({**stamp, "format": -1}))
    assert not oe.is_built(tmp_path, "fp32", model)


def test_a_query_imports_neither_torch_nor_sentence_transformers():
    # In a fresh process, as `regqa ask` starts: the CLI, the assistant and a query embedding. Nor LangChain:
    # the embedders have its interface without its base class (rag/index/interface.py).
    code = ("import sys; from cli.main import main; from rag import Assistant; "
            "from rag.core.settings import Settings; from rag.index.embeddings import get_embedder; "
            "v = get_embedder(Settings.from_env(embedder='minilm')).embed_query('penalties'); "
            "assert len(v) == 384; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'sentence_transformers', "
            "'transformers', 'langchain_core')))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=600,
                       env={**__import__("os").environ, "PYTHONPATH": str(ROOT), "REGQA_EMBED_BACKEND": "onnx"})
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.strip() == "[]", p.stdout[-2000:]


def test_int8_builds_from_nothing(tmp_path, monkeypatch):
    """A fresh model dir with only int8 asked for: fp32 is exported first, then quantised (once)."""
    from rag.index import onnx_encoder as oe

    calls = []
    monkeypatch.setattr(oe, "_export_fp32", lambda model, out: (calls.append("export"), out.write_bytes(b"fp32")))
    monkeypatch.setattr(oe, "_quantise_int8", lambda fp32, out: (calls.append("quantise"),
                                                                  out.write_bytes(fp32.read_bytes() + b"->int8")))
    path = oe.build(tmp_path, "int8")
    assert path.read_bytes() == b"fp32->int8" and calls == ["export", "quantise"]
    assert oe.build(tmp_path, "int8") == path and calls == ["export", "quantise"]  # built: nothing redone
    assert oe.is_built(tmp_path, "fp32") and oe.is_built(tmp_path, "int8")


def test_embedders_keep_langchains_interface_without_its_base_class():
    """The embedders no longer derive from langchain_core's Embeddings (its import costs every fresh process
    a fifth of a second), so the interface they keep is checked here: the async pair gives what the sync one
    does, and as_langchain makes an embedder an instance of LangChain's Embeddings for LangChain code."""
    import asyncio

    from langchain_core.embeddings import Embeddings

    from rag.index.interface import Embedder, as_langchain

    class Toy(Embedder):
        def embed_documents(self, texts):
            return [[float(len(t)), 1.0] for t in texts]

        def embed_query(self, text):
            return self.embed_documents([text])[0]

    toy = Toy()
    assert asyncio.run(toy.aembed_documents(["ab", "c"])) == [[2.0, 1.0], [1.0, 1.0]]
    assert asyncio.run(toy.aembed_query("abc")) == [3.0, 1.0]
    assert as_langchain(toy) is toy and isinstance(toy, Embeddings)
    with pytest.raises(NotImplementedError):
        Embedder().embed_query("x")
