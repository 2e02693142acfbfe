"""The plain tutorial LangChain RAG, as a yardstick for `regqa eval --baseline`.

What a first attempt would do: extract plain text from each default source (BeautifulSoup
``get_text`` for HTML/XML, pypdf for PDF, the JSON values for JSONL, raw text otherwise), split
it with ``RecursiveCharacterTextSplitter(1000, 200)``, embed with the same MiniLM embedder as
regqa, store in a separate Chroma collection under ``<data_dir>/baseline`` and return the dense
top 4. The "answer" is the 4 chunks concatenated (so fact recall measures what retrieval
surfaced) and the citations are the 4 chunks with an unknown article ("").

Gold matching for the baseline (``baseline_hit_matches``) is deliberately generous: a chunk
matches a gold item when its source file lies under the gold ``doc`` and the gold article's
number appears in the chunk as an article heading - "Article 16", "Art. 16", "Section 22757.1",
"§ 10.1", "ANNEX III", "第十六条", "第二十六条の二" (26-2), "제31조의2" (31-2), or a code section
number opening a line ("22757.1.", "6-1-1703."). Paragraphs are not checked.

The build is cached: it is redone only when the source files (content hash), the chosen
documents or the splitter settings change.
"""
from __future__ import annotations

import hashlib
import json
import re
import shutil
import sys
from pathlib import Path

from rag.core.numerals import cjk_to_int
from rag.core.settings import Settings
from rag.core.types import Answer, Chunk, Citation, Hit

CHUNK_SIZE, CHUNK_OVERLAP, TOP_K = 1000, 200, 4
COLLECTION = "baseline"
_BATCH = 128

_EN_HEAD = re.compile(r"\b(?:article|art\.|section|sec\.|§|annex)\s*([0-9]+[0-9.\-]*[A-Za-z]?|[IVXLC]+)\b", re.I)
_LINE_NUM = re.compile(r"^\s*(\d+(?:[.\-]\d+)*[A-Z]?)\.\s", re.M)
_CJK_NUM = "〇零一二两三四五六七八九十百千0-9０-９"
_JA_ZH_HEAD = re.compile(rf"第([{_CJK_NUM}]+)条(?:の([{_CJK_NUM}]+))?")
_KO_HEAD = re.compile(r"제\s?(\d+)\s?조(?:의\s?(\d+))?")


def extract_text(path: Path) -> str:
    """Plain text of a file, the way a generic tutorial pipeline gets it."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        from pypdf import PdfReader

        return _tidy("\n".join((p.extract_text() or "") for p in PdfReader(str(path)).pages))
    raw = path.read_bytes().decode("utf-8", errors="replace")
    if suffix in (".html", ".htm", ".xhtml", ".xml"):
        from bs4 import BeautifulSoup

        parser = "lxml-xml" if suffix == ".xml" else "lxml"
        return _tidy(BeautifulSoup(raw, parser).get_text("\n"))
    if suffix == ".jsonl":
        lines = []
        for line in raw.splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                lines.append(line)
                continue
            vals = row.values() if isinstance(row, dict) else [row]
            lines.append("\n".join(str(v) for v in vals if isinstance(v, str | int | float)))
        return "\n\n".join(lines)
    return raw


def _tidy(text: str) -> str:
    # Markup leaves runs of blank lines; collapse them so 1000 characters hold text, not newlines.
    return re.sub(r"[ \t]*\n\s*\n\s*", "\n\n", text)


def article_headings(text: str) -> set[str]:
    """Article numbers that appear as headings in ``text``, normalised like ``Chunk.article``."""
    found = {m.group(1).rstrip(".").lower() for m in _EN_HEAD.finditer(text)}
    found |= {m.group(1).lower() for m in _LINE_NUM.finditer(text)}
    for m in _JA_ZH_HEAD.finditer(text):
        try:
            n = str(cjk_to_int(m.group(1)))
            found.add(f"{n}-{cjk_to_int(m.group(2))}" if m.group(2) else n)
        except ValueError:
            continue
    for m in _KO_HEAD.finditer(text):
        found.add(f"{m.group(1)}-{m.group(2)}" if m.group(2) else m.group(1))
    return found


def baseline_hit_matches(hit: Hit, gold) -> bool:
    """The generous gold rule described in the module docstring."""
    from rag.evaluation.metrics import doc_matches

    if not doc_matches(hit.chunk.source_file, gold.doc) or not gold.article:
        return False
    return gold.article.lower() in article_headings(hit.chunk.text)


class BaselineRAG:
    def __init__(self, settings: Settings | None = None, *, doc_ids: list[str] | None = None, progress=True):
        self.settings = settings or Settings.from_env()
        self.doc_ids = doc_ids
        self.progress = progress
        self._vs = None

    @property
    def root(self) -> Path:
        return self.settings.data_dir / "baseline"

    def sources(self):
        from ingest.sources import default_items

        items, _missing = default_items(self.settings)
        if self.doc_ids is not None:
            items = [(p, m) for p, m in items if m.doc_id in self.doc_ids]
        return items

    def fingerprint(self, items) -> str:
        h = hashlib.sha256(f"{CHUNK_SIZE}:{CHUNK_OVERLAP}:{self.settings.embedder}".encode())
        for path, meta in items:
            h.update(f"{meta.doc_id}:{meta.source_file}:".encode())
            h.update(hashlib.sha256(path.read_bytes()).digest())
        return h.hexdigest()

    def _open(self):
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma

        from rag.index.embeddings import get_embedder
        from rag.index.interface import as_langchain

        client = chromadb.PersistentClient(path=str(self.root / "chroma"),
                                           settings=ChromaSettings(anonymized_telemetry=False))
        return Chroma(client=client, collection_name=COLLECTION, embedding_function=as_langchain(get_embedder(self.settings)),
                      collection_metadata={"hnsw:space": "cosine"})

    def build(self) -> int:
        """Make sure the baseline index matches the sources; returns the number of chunks."""
        items = self.sources()
        fp = self.fingerprint(items)
        stamp = self.root / "fingerprint.txt"
        if stamp.is_file() and stamp.read_text().strip() == fp:
            self._vs = self._vs or self._open()
            return self._vs._collection.count()
        self._vs = None
        shutil.rmtree(self.root, ignore_errors=True)  # stale: rebuild from scratch
        self.root.mkdir(parents=True, exist_ok=True)
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
        texts, metas = [], []
        for path, meta in items:
            try:
                text = extract_text(path)
            except Exception as e:  # one unreadable file must not stop the comparison
                print(f"baseline: {path}: cannot extract text ({type(e).__name__}: {e})", file=sys.stderr)
                continue
            for i, piece in enumerate(splitter.split_text(text)):
                texts.append(piece)
                metas.append({"doc_id": meta.doc_id, "law_id": meta.law_id, "source_file": meta.source_file,
                              "title": meta.title, "jurisdiction": meta.jurisdiction,
                              "official_url": meta.official_url, "seq": i})
        vs = self._open()
        bar = None
        if self.progress:
            from tqdm import tqdm

            bar = tqdm(total=len(texts), desc="baseline embed", unit="chunk", file=sys.stderr)
        for i in range(0, len(texts), _BATCH):
            vs.add_texts(texts[i:i + _BATCH], metadatas=metas[i:i + _BATCH],
                         ids=[f"{m['doc_id']}:{m['seq']}" for m in metas[i:i + _BATCH]])
            if bar:
                bar.update(len(texts[i:i + _BATCH]))
        if bar:
            bar.close()
        stamp.write_text(fp)
        self._vs = vs
        return len(texts)

    def search(self, question: str, k: int = TOP_K) -> list[Hit]:
        if self._vs is None:
            self.build()
        hits = []
        for doc, distance in self._vs.similarity_search_with_score(question, k=k):
            m = doc.metadata
            chunk = Chunk(chunk_id=f"{m.get('doc_id')}:{m.get('seq')}", doc_id=m.get("doc_id", ""),
                          law_id=m.get("law_id", ""), text=doc.page_content, body=doc.page_content,
                          law_title=m.get("title", ""), jurisdiction=m.get("jurisdiction", ""),
                          unit_kind="page", official_url=m.get("official_url", ""),
                          source_file=m.get("source_file", ""), seq=int(m.get("seq", 0)))
            hits.append(Hit(chunk=chunk, score=1.0 - float(distance), ranks={"dense": len(hits)}))
        return hits

    def answer(self, question: str, history: list[dict] | None = None, **_ignored) -> Answer:
        """Top-4 chunks as the answer; the tutorial pipeline ignores the chat history."""
        hits = self.search(question)
        cits = [Citation(n=i, doc_id=h.chunk.doc_id, law_title=h.chunk.law_title, jurisdiction=h.chunk.jurisdiction,
                         article="", paragraph="", quote=h.chunk.text[:200], official_url=h.chunk.official_url,
                         source_file=h.chunk.source_file, unit_kind="page", chunk_id=h.chunk.chunk_id,
                         passage=h.chunk.text)
                for i, h in enumerate(hits, 1)]
        text = "\n\n".join(f"[{c.n}] {h.chunk.text}" for c, h in zip(cits, hits, strict=True))
        return Answer(text=text, citations=cits, hits=hits, answerer="baseline", abstained=False,
                      claims_answer=bool(cits))
