"""The Streamlit app through streamlit.testing.v1.AppTest, against a small real index:
ask -> cited answer with cards, follow-up, filters, bad upload -> error, feedback stored,
password gate, new conversation, Markdown export, and the `regqa app` command line."""
from __future__ import annotations

from pathlib import Path

import pytest

from ui.feedback import FeedbackStore

pytest.importorskip("streamlit.testing.v1")
from streamlit.testing.v1 import AppTest  # noqa: E402

APP = Path(__file__).resolve().parent.parent / "app.py"
DOCS = ["jp-ai-promotion-act-ja", "jp-ai-promotion-act-en", "eu-ai-act"]
SEED = "what penalties does Japan's AI law carry?"
TIMEOUT = 300  # first question loads the model and builds BM25 on a shared 2-core machine


@pytest.fixture
def app_env(small_index_factory, tmp_path, monkeypatch):
    s = small_index_factory(DOCS)
    env = {"REGQA_DATA_DIR": str(s.data_dir), "REGQA_CORPUS_DIR": str(s.corpus_dir), "REGQA_LLM": "offline",
           "REGQA_CHROMA_URL": "", "REGQA_FEEDBACK_DB": str(tmp_path / "fb.sqlite3"),
           "REGQA_UPLOAD_DIR": str(tmp_path / "uploads"), "REGQA_APP_AUTH": "none",
           "REGQA_CONVERSATIONS_DB": str(tmp_path / "conv.sqlite3")}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("REGQA_APP_PASSWORD", raising=False)
    return tmp_path


@pytest.fixture
def gate_env(tmp_settings, monkeypatch):
    """An empty index: the access gate comes before anything reads the index."""
    for k, v in {"REGQA_DATA_DIR": str(tmp_settings.data_dir), "REGQA_CORPUS_DIR": str(tmp_settings.corpus_dir),
                 "REGQA_LLM": "offline", "REGQA_CHROMA_URL": "", "REGQA_FEEDBACK_DB": str(tmp_settings.feedback_path),
                 "REGQA_UPLOAD_DIR": str(tmp_settings.uploads)}.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("REGQA_APP_PASSWORD", raising=False)
    return tmp_settings


def _app() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def _ask(at: AppTest, q: str) -> dict:
    at.chat_input[0].set_value(q).run()
    assert not at.exception, at.exception
    msg = at.session_state["messages"][-1]
    assert msg["role"] == "assistant" and "answer" in msg, msg
    return msg


def _html(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_ask_cited_answer_then_follow_up(app_env):
    at = _app()
    msg = _ask(at, SEED)
    cits = msg["answer"]["citations"]
    assert cits and all(c["jurisdiction"] == "JP" for c in cits)
    assert any(c["article"] == "16" and c["doc_id"].startswith("jp-ai-promotion-act") for c in cits)
    assert "[1]" in msg["answer"]["text"]
    page = _html(at)
    assert 'class="regqa-card"' in page and "Art. 16" in page and "<mark>" in page
    assert 'class="regqa-link"' in page and "🇯🇵" in page and "whole provision" in page
    # both languages indexed: the card shows the other language's Article 16 beside it
    assert any(p["language"] in ("ja", "en") for p in msg["parallel"].values())
    assert 'class="regqa-pair"' in page and "第十六条" in page
    assert any("Scope: jp-ai-promotion-act" in c.value for c in at.caption)
    # Each line of the answer (lead, quote) is its own line on the page, not one run-on paragraph.
    assert any("contains no penalty provisions" in m.value and "  \n- “" in m.value for m in at.markdown)

    follow = _ask(at, "and in the EU?")
    assert follow["answer"]["scope"]["jurisdictions"] == ["EU"]
    assert follow["answer"]["citations"] and all(c["jurisdiction"] == "EU" for c in follow["answer"]["citations"])
    assert len(at.chat_message) == 4

    assert at.get("download_button")  # the Markdown export (content tested in test_export.py)
    at.button(key="new_conversation").click().run()
    assert at.session_state["messages"] == [] and len(at.chat_message) == 0


def test_jurisdiction_filter_restricts_sources(app_env):
    at = _app()
    assert "EU" in at.session_state["_jur_options"]
    at.multiselect(key="f_jur").set_value(["EU"]).run()
    msg = _ask(at, "what penalties apply for breaking the rules on AI?")
    cits = msg["answer"]["citations"]
    assert cits and all(c["jurisdiction"] == "EU" for c in cits)
    assert msg["answer"]["scope"]["jurisdictions"] == ["EU"]


def test_bad_upload_shows_error(app_env):
    at = _app()
    n_docs = len(at.session_state["_doc_options"])
    at.file_uploader(key="uploads").set_value(("broken.pdf", b"this is not a pdf", "application/pdf"))
    submit = [b for b in at.sidebar.button if "Ingest" in (b.label or "")]
    assert submit, [b.label for b in at.sidebar.button]
    submit[0].click().run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.sidebar.error]
    assert any("broken.pdf" in e for e in errors), errors
    assert len(at.session_state["_doc_options"]) == n_docs  # nothing half-added to the index


def test_feedback_is_stored(app_env):
    at = _app()
    _ask(at, SEED)
    at.feedback(key="fb_1").set_value(0).run()  # thumbs down: one click records it
    assert not at.exception, at.exception
    rows = FeedbackStore(app_env / "fb.sqlite3").list()
    assert len(rows) == 1 and rows[0]["rating"] == -1 and rows[0]["comment"] == ""
    assert rows[0]["question"] == SEED and rows[0]["answer"]["citations"]
    at.text_input(key="fbc_1").input("wanted the Japanese text").run()  # the comment is optional, and added
    at.button(key="fbs_1").click().run()
    rows = FeedbackStore(app_env / "fb.sqlite3").list()
    assert len(rows) == 1 and rows[0]["comment"] == "wanted the Japanese text"
    assert any("Thanks" in c.value for c in at.caption)


def test_conversations_are_kept_listed_and_reopened(app_env):
    from ui.conversations import ConversationStore

    at = _app()
    _ask(at, SEED)
    conv_id = at.session_state["conv_id"]
    store = ConversationStore(app_env / "conv.sqlite3")
    assert [c["title"] for c in store.list("team")] == [SEED]
    assert at.query_params["c"] == [conv_id] or at.query_params["c"] == conv_id  # the link that reopens it
    at.button(key="new_conversation").click().run()
    assert at.session_state["messages"] == []
    at.button(key=f"conv_{conv_id}").click().run()
    assert not at.exception, at.exception
    msgs = at.session_state["messages"]
    assert [m["role"] for m in msgs] == ["user", "assistant"] and msgs[0]["content"] == SEED
    assert 'class="regqa-card"' in _html(at)  # the cards are drawn again from the kept answer
    # the copy-as-text block holds the answer and its sources
    assert any("Sources" in c.value and "[1]" in c.value for c in at.code)


def test_password_gate(gate_env, monkeypatch):
    monkeypatch.setenv("REGQA_APP_AUTH", "password")
    monkeypatch.setenv("REGQA_APP_PASSWORD", "s3cret-pass")
    at = _app()
    assert len(at.chat_input) == 0 and len(at.sidebar.multiselect) == 0  # nothing before the password
    at.text_input(key="password").input("wrong").run()
    assert len(at.chat_input) == 0 and any("Wrong password" in e.value for e in at.error)
    at.text_input(key="password").input("s3cret-pass").run()
    assert len(at.chat_input) == 1 and not at.error
    assert any("index is empty" in w.value for w in at.warning)  # empty index: says how to fill it


def test_password_mode_without_password_is_refused(gate_env, monkeypatch):
    monkeypatch.setenv("REGQA_APP_AUTH", "password")
    at = _app()
    assert len(at.chat_input) == 0 and any("REGQA_APP_PASSWORD" in e.value for e in at.error)


def test_regqa_app_command_line():
    from cli.app_cmd import streamlit_command
    from cli.main import build_parser

    args = build_parser().parse_args(["app", "--port", "8600", "--address", "127.0.0.1"])
    assert args.port == 8600 and args.address == "127.0.0.1" and callable(args.func)
    cmd = streamlit_command(args.port, args.address, 20)
    assert "--server.maxUploadSize=20" in cmd
    assert cmd[1:4] == ["-m", "streamlit", "run"] and cmd[4] == str(APP)
    assert "--server.headless=true" in cmd and "--browser.gatherUsageStats=false" in cmd
    assert "--server.port=8600" in cmd and "--server.address=127.0.0.1" in cmd


def test_auth_rules(tmp_settings):
    from ui.auth import AuthConfigError, auth_mode, check_password

    s = tmp_settings.with_(app_auth="password", app_password="pässwort")
    assert auth_mode(s) == "password"
    assert check_password("pässwort", s) and not check_password("passwort", s) and not check_password("", s)
    assert not check_password("", tmp_settings.with_(app_password=""))  # no password set never admits
    with pytest.raises(AuthConfigError):
        auth_mode(tmp_settings.with_(app_auth="password", app_password=""))
    with pytest.raises(AuthConfigError, match="REGQA_APP_AUTH"):
        auth_mode(tmp_settings.with_(app_auth="ldap"))
    assert auth_mode(tmp_settings.with_(app_auth="OIDC")) == "oidc"


def test_oidc_without_secrets_explains_the_fix(gate_env, monkeypatch):
    monkeypatch.setenv("REGQA_APP_AUTH", "oidc")
    at = _app()
    assert len(at.chat_input) == 0
    assert any("OIDC login is not configured" in e.value for e in at.error)
    assert any("[auth]" in c.value and "server_metadata_url" in c.value for c in at.code)


def test_oidc_problem_checks_the_secrets():
    from ui.auth import oidc_problem

    try:
        import authlib  # noqa: F401
    except ImportError:
        assert "Authlib" in oidc_problem({})
        return
    assert "redirect_uri" in oidc_problem({})
    ok = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
          "google": {"client_id": "id", "client_secret": "s", "server_metadata_url": "https://idp/.well-known"}}
    assert oidc_problem(ok) == ""
    assert "client_id" in oidc_problem({**ok, "google": {"client_id": "id"}})


def test_flagged_sentences_are_marked(gate_env):
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.session_state["messages"] = [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": "x", "question": "q", "parallel": {},
         "answer": {"text": "Fines reach $5 [1]. Unsupported claim.", "citations": [], "scope": {},
                    "flagged": ["Unsupported claim.", "A removed sentence."], "answerer": "offline"}}]
    at.run()
    assert not at.exception, at.exception
    assert any('class="regqa-flagged"' in m.value and "<s>Unsupported claim.</s>" in m.value
               and "\\$5" in m.value for m in at.markdown)
    assert any("~~A removed sentence.~~" in w.value for w in at.warning)
