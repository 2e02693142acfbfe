"""`regqa ask` / `regqa chat` as a user runs them: a subprocess against a real small index."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ["jp-ai-promotion-act-ja", "jp-ai-promotion-act-en", "eu-ai-act"]


def regqa(args: list[str], settings, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "REGQA_DATA_DIR": str(settings.data_dir), "REGQA_CORPUS_DIR": str(settings.corpus_dir),
           "REGQA_LLM": "offline", "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    env.pop("REGQA_CHROMA_URL", None)
    return subprocess.run([sys.executable, "-m", "cli.main", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def index(small_index_factory):
    return small_index_factory(DOCS)


def test_ask_json(index):
    r = regqa(["ask", "--json", "what penalties does Japan's AI law carry?"], index)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert not d["abstained"] and d["citations"], d["text"]
    for c in d["citations"]:
        for key in ("doc_id", "law_title", "jurisdiction", "article", "paragraph", "quote", "official_url",
                    "source_file", "label"):
            assert key in c
        assert c["jurisdiction"] == "JP"
    assert "16" in {c["article"] for c in d["citations"]}
    assert "EUR" not in d["text"]
    assert "jp-ai-promotion-act" in d["scope"]["law_ids"]
    assert d["retrieved"] and {"understand", "retrieve", "compose", "total"} <= set(d["timings"])


def test_ask_text_prints_sources_and_scope(index):
    r = regqa(["ask", "--no-stream", "--law", "eu-ai-act", "maximum fine for prohibited AI practices"], index)
    assert r.returncode == 0, r.stderr
    assert "Sources" in r.stdout and "] Regulation (EU) 2024/1689, Art. 99(3) — “3. Non-compliance" in r.stdout
    assert "https://eur-lex.europa.eu/" in r.stdout and "eu/ai-act-2024-1689/" in r.stdout
    assert "Scope: laws eu-ai-act" in r.stdout


def test_chat_keeps_history_and_quits(index):
    r = regqa(["chat"], index, stdin="AI推進法の罰則は？\nそれでは本部長は誰ですか？\n/new\n/quit\n")
    assert r.returncode == 0, r.stderr
    assert "罰則" in r.stdout and "内閣総理大臣" in r.stdout and "(new conversation)" in r.stdout


def test_empty_index_exits_3(tmp_path, corpus_dir):
    from rag.core.settings import Settings

    settings = Settings.from_env(data_dir=tmp_path / "empty", corpus_dir=corpus_dir)
    r = regqa(["ask", "what penalties does Japan's AI law carry?"], settings)
    assert r.returncode == 3
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "regqa ingest" in lines[0], r.stderr
