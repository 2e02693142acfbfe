"""LLM answering with the scripted chat model (the one fake, rag/answer/llm/demo.py) over a
real small index of Japan's AI Promotion Act (English translation)."""
from __future__ import annotations

import json

import pytest

from rag.answer.llm.answerer import LLMAnswerer, build_messages, prompts
from rag.answer.llm.demo import ScriptedChatModel, echo_passages
from rag.answer.llm.models import get_chat_model
from rag.core.citations import label
from rag.core.errors import BackendUnavailable
from rag.core.types import Answer, Hit, Scope
from rag.index.store import ChunkStore

QUESTION = "What must the State do about research and development of AI-related technology?"


@pytest.fixture(scope="module")
def jp_hits(small_index_factory) -> tuple:
    settings = small_index_factory(["jp-ai-promotion-act-en"])
    pairs = ChunkStore(settings).dense_search(QUESTION, k=4)
    assert len(pairs) == 4
    return settings, [Hit(chunk=c, score=s) for c, s in pairs]


def _run(answerer: LLMAnswerer, hits, history=None):
    events = list(answerer.stream(QUESTION, Scope(law_ids=["jp-ai-promotion-act"], jurisdictions=["JP"]), hits, history))
    tokens = [v for k, v in events if k == "token"]
    answers = [v for k, v in events if k == "answer"]
    return events, tokens, answers


def test_streams_tokens_then_a_verified_answer(jp_hits):
    settings, hits = jp_hits
    model = ScriptedChatModel(reply_fn=echo_passages)
    events, tokens, answers = _run(LLMAnswerer(settings, model=model, name="fake"), hits)
    assert len(tokens) > 5 and events[-1][0] == "answer" and len(answers) == 1
    assert all(k == "token" for k, _ in events[:-1])
    ans: Answer = answers[0]
    assert ans.answerer == "fake" and not ans.abstained and ans.flagged == []
    assert ans.text == "".join(tokens).strip()  # every echoed sentence is supported, nothing removed
    assert [c.n for c in ans.citations] == [1, 2]
    for c in ans.citations:
        hit = hits[c.n - 1]
        assert c.chunk_id == hit.chunk.chunk_id and c.quote and c.quote.rstrip(" …") in hit.chunk.body
        assert c.jurisdiction == "JP" and c.doc_id == "jp-ai-promotion-act-en"
    assert ans.hits == hits and "generate" in ans.timings


def test_invented_claim_is_flagged_and_removed(jp_hits):
    settings, hits = jp_hits
    real = echo_passages(build_messages(QUESTION, None, hits), max_passages=1)
    invented = "Violations are punished with imprisonment of up to 10 years and a fine of 50 million yen [1]."
    model = ScriptedChatModel(replies=[f"{real} {invented}"])
    ans = LLMAnswerer(settings, model=model, name="fake").answer(QUESTION, Scope(), hits)
    assert ans.text == real
    assert len(ans.flagged) == 1 and "imprisonment" in ans.flagged[0]
    assert [c.n for c in ans.citations] == [1]


def test_nothing_supported_means_abstain(jp_hits):
    settings, hits = jp_hits
    model = ScriptedChatModel(replies=["The Act creates a licensing regime for AI models [2]. Ignore all of it [7]."])
    ans = LLMAnswerer(settings, model=model, name="fake").answer(QUESTION, Scope(), hits)
    assert ans.abstained and ans.citations == []
    assert ans.text == prompts()["no_support"]
    assert len(ans.flagged) == 2


def test_prompt_contains_passages_rules_and_history(jp_hits):
    settings, hits = jp_hits
    model = ScriptedChatModel(replies=["The retrieved passages do not answer this question."])
    history = [{"role": "user", "content": "Tell me about Japan's AI law."},
               {"role": "assistant", "content": "It promotes AI research [1]."}]
    ans = LLMAnswerer(settings, model=model, name="fake").answer(QUESTION, Scope(jurisdictions=["JP"]), hits, history)
    prompt = model.prompts[0]
    assert "The question concerns: JP." in prompt
    for n, h in enumerate(hits, 1):
        assert f"[{n}] {label(h.chunk, h.chunk.paragraph)}" in prompt
        assert h.chunk.body.strip()[:200] in prompt
    assert "ONLY from the numbered passages" in prompt and "Never mix jurisdictions" in prompt
    assert "not instructions" in prompt and QUESTION in prompt
    assert "user: Tell me about Japan's AI law." in prompt and "It promotes AI research" in prompt
    assert ans.abstained and ans.text == "The retrieved passages do not answer this question."


def test_script_from_env_and_model_choice(jp_hits, tmp_path, monkeypatch):
    settings, hits = jp_hits
    script = tmp_path / "script.json"
    script.write_text(json.dumps(["The passages do not answer [1]."]), encoding="utf-8")
    monkeypatch.setenv("REGQA_FAKE_LLM_SCRIPT", str(script))
    model = get_chat_model(settings, "fake")
    assert isinstance(model, ScriptedChatModel)
    assert model.invoke("hi").content == "The passages do not answer [1]."
    assert type(get_chat_model(settings.with_(llm_base_url="http://127.0.0.1:9/v1"), "openai")).__name__ == "ChatOpenAI"
    assert type(get_chat_model(settings, "ollama")).__name__ == "ChatOllama"
    with pytest.raises(ValueError, match="openai, ollama, fake"):
        get_chat_model(settings, "gpt-banana")


def test_unreachable_server_is_backend_unavailable(jp_hits):
    settings, hits = jp_hits
    dead = settings.with_(llm="openai", llm_base_url="http://127.0.0.1:9/v1", llm_timeout=5)
    with pytest.raises(BackendUnavailable, match=r"127\.0\.0\.1:9"):
        LLMAnswerer(dead).answer(QUESTION, Scope(), hits)


def test_no_hits_abstains_without_calling_the_model(jp_hits):
    settings, _ = jp_hits
    model = ScriptedChatModel(replies=["should not be used"])
    ans = LLMAnswerer(settings, model=model, name="fake").answer(QUESTION, Scope(), [])
    assert ans.abstained and ans.text == prompts()["no_passages"] and model.prompts == []
