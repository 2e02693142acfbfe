"""Cheap inputs that once cost minutes: 24 MB of short lines, a Word file that inflates to 210 MB, a 4 MB
question and a conversation of megabytes. Each runs in a fresh process with a time limit; the table gives
seconds, peak memory and what came out (parsed, or the one-line refusal).

Before the fixes (landed main, measured in the issue and again here under load): 8 MB of lines 56 s and
24 MB > 300 s; the 0.8 MB .docx still parsing after 300 s (2 MB of paragraph XML 64 s, 20 MB > 120 s); a
4 MB question 316 s and 1.4 GB; and whatever parsed went on to be embedded (228,000 chunks for a
0.1 MB .docx: hours of the embedder).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from bench.common import print_table, write_result

LIMIT_S = 300
_ROOT = Path(__file__).resolve().parents[1]

# Each case is a small program run by a fresh interpreter: its argument is the input file; it prints JSON.
_PARSE = """
import json, sys
from pathlib import Path
from ingest.errors import IngestError
from ingest.loaders.registry import load_document
from ingest.sources import user_meta
from ingest.splitter import to_chunks
from rag.core.settings import Settings
p = Path(sys.argv[1])
try:
    doc = load_document(p, user_meta(p, p))
    n, limit = len(to_chunks(doc, 'f' * 64, 900)), Settings.from_env().max_chunks
    print(json.dumps({"outcome": f"{n} chunks" + (f": refused before embedding (> {limit}, REGQA_MAX_CHUNKS)"
                                                  if n > limit else "")}))
except IngestError as e:
    print(json.dumps({"outcome": f"refused: {str(e).split(': ', 1)[1]}"}))
"""
_QUESTION = """
import json, sys
from pathlib import Path
from rag.assistant import Assistant
from rag.core.errors import QuestionTooLong
from rag.core.settings import Settings
from rag.understand.conversation import bounded_history
from rag.understand.scope import understand
from rag.understand.catalog import LawCatalog
text = Path(sys.argv[1]).read_text(encoding="utf-8")
settings = Settings.from_env()
try:
    Assistant(settings).answer(text)  # refused before any work: no model or index is opened
    out = "answered"
except QuestionTooLong as e:
    out = "refused: " + str(e)[:60] + " ..."
# The same text as the earlier turn of a follow-up: read only in part.
history = bounded_history([{"role": "user", "content": text}], settings.max_question_chars)
understand("and the EU?", history, catalog=LawCatalog.load(sources_file=settings.sources_file))
print(json.dumps({"outcome": out + "; as history: read in part"}))
"""


def _lines(path: Path, mb: int) -> None:
    line = "word and more words here\n"
    path.write_text(line * (mb * 2**20 // len(line)), encoding="utf-8")


def docx_bomb(path: Path, inflated_mb: int) -> None:
    """A .docx of one repeated paragraph whose XML inflates to ``inflated_mb`` (a zip bomb at 210 MB)."""
    import docx

    seed = path.with_name("seed.docx")
    d = docx.Document()
    d.add_paragraph("seed")
    d.save(seed)
    with zipfile.ZipFile(seed) as z:
        entries = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    para = b"<w:p><w:r><w:t>AI developers shall comply with this guidance at all times.</w:t></w:r></w:p>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for name, data in entries:
            if name == "word/document.xml":
                data = data.replace(b"<w:sectPr", para * (inflated_mb * 2**20 // len(para)) + b"<w:sectPr", 1)
            out.writestr(name, data)


def _question(path: Path, mb: int) -> None:
    path.write_text(("what penalties does Japan's AI law carry for AI developers? " * (mb * 2**20 // 60)),
                    encoding="utf-8")


CASES = [  # (name, make the input, program)
    ("8 MB of short lines (.txt)", lambda p: _lines(p, 8), _PARSE, "lines8.txt"),
    ("24 MB of short lines (.txt)", lambda p: _lines(p, 24), _PARSE, "lines24.txt"),
    ("Word file of 20 MB XML (.docx)", lambda p: docx_bomb(p, 20), _PARSE, "para20.docx"),
    ("0.8 MB .docx inflating to 210 MB", lambda p: docx_bomb(p, 210), _PARSE, "bomb.docx"),
    ("4 MB question, and as history", lambda p: _question(p, 4), _QUESTION, "question.txt"),
]


def _run_case(program: str, path: Path) -> dict:
    t = time.perf_counter()
    code = ("import resource, atexit, sys, json\n" + program +
            "\nprint(json.dumps({'peak_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))")
    try:
        p = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, cwd=_ROOT,
                           timeout=LIMIT_S, env=dict(os.environ, HF_HUB_OFFLINE="1"))
    except subprocess.TimeoutExpired:
        return {"seconds": None, "peak_mb": None, "outcome": f"not done after {LIMIT_S} s"}
    seconds = round(time.perf_counter() - t, 1)
    if p.returncode != 0:
        return {"seconds": seconds, "peak_mb": None, "outcome": f"failed: {p.stderr.strip()[-200:]}"}
    out: dict = {}
    for line in p.stdout.strip().splitlines():
        out.update(json.loads(line))
    return {"seconds": seconds, "peak_mb": round(out.get("peak_mb", 0.0)), "outcome": out.get("outcome", "")}


def run(out_dir: Path | None = None) -> dict:
    load_before = os.getloadavg()
    rows, results = [], []
    with tempfile.TemporaryDirectory(prefix="regqa-hostile-") as tmp:
        for name, make, program, fname in CASES:
            path = Path(tmp) / fname
            make(path)
            r = {"case": name, "input_mb": round(path.stat().st_size / 2**20, 1), **_run_case(program, path)}
            results.append(r)
            rows.append([name, r["input_mb"], r["seconds"] if r["seconds"] is not None else f"> {LIMIT_S}",
                         r["peak_mb"] if r["peak_mb"] is not None else "-", r["outcome"][:70]])
    load = {"loadavg_1m_before": round(load_before[0], 2), "loadavg_1m_after": round(os.getloadavg()[0], 2)}
    print_table(f"cheap inputs, one fresh process each (limit {LIMIT_S} s; load {load['loadavg_1m_before']} -> "
                f"{load['loadavg_1m_after']})", ["case", "input MB", "seconds", "peak MB", "outcome"], rows)
    result = {"limit_s": LIMIT_S, "load": load, "cases": results}
    write_result("hostile", result, out_dir)
    return result
