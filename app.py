"""regqa — the Streamlit chat for staff (`streamlit run app.py` or `regqa app`).

Rendering only: answering lives in rag/ (Assistant), citation HTML in ui/highlight.py,
feedback/export/auth in rag/, uploads in ingest/uploads.py. History is per browser
session (st.session_state).
"""
from __future__ import annotations

import datetime
import logging

import streamlit as st

from rag.core.errors import BackendUnavailable, IndexNotReady, QuestionTooLong, redact
from rag.core.settings import Settings
from ui.auth import OIDC_SECRETS, AuthConfigError, FailureDelay, auth_mode, check_password, oidc_problem
from ui.conversations import ConversationStore, new_id
from ui.export import to_markdown
from ui.feedback import FeedbackStore
from ui.highlight import citation_card_html, esc, group_citations, mark_flagged

st.set_page_config(page_title="regqa — regulation Q&A", page_icon="⚖️", layout="wide")
CSS = """<style>
.regqa-card{border:1px solid #d0d4dc;border-radius:8px;padding:.6rem .8rem;margin:.4rem 0;background:#fafbfc}
.regqa-card-head{margin-bottom:.3rem}.regqa-n{font-weight:700;color:#1a4fa0}
.regqa-passage{font-size:.9rem;line-height:1.45;max-height:16rem;overflow:auto}
.regqa-passage mark{background:#ffe58a;padding:0 .1rem}
.regqa-pair{display:grid;grid-template-columns:1fr 1fr;gap:.8rem}
.regqa-lang-head{font-size:.75rem;color:#555;margin-bottom:.2rem}
.regqa-flagged{background:#fdecea;color:#8a1c1c}.regqa-link{font-size:.85rem}
.regqa-badge{font-size:.75rem;border-radius:4px;padding:0 .3rem;margin-left:.3rem}
.regqa-superseded{background:#fdecea;color:#8a1c1c}.regqa-pending{background:#fff4d6;color:#7a5200}
.regqa-original summary,.regqa-more summary{font-size:.8rem;color:#555;cursor:pointer}
.regqa-quote{font-size:.92rem;line-height:1.45;margin:.25rem 0}.regqa-quote mark{background:#ffe58a;padding:0 .1rem}
.regqa-title{font-size:.8rem;color:#555;margin:.2rem 0}.regqa-version{color:#555}
@media (max-width: 640px){.regqa-pair{grid-template-columns:1fr}.regqa-passage{max-height:none}}
</style>"""
UPLOAD_TYPES = ["pdf", "html", "htm", "xml", "txt", "md", "docx"]

settings = Settings.from_env()
log = logging.getLogger("regqa.app")
ss = st.session_state
ss.setdefault("messages", [])


@st.cache_resource(show_spinner=False)
def failure_delay() -> FailureDelay:
    # One for the whole server: every session's wrong passwords slow the next guess.
    return FailureDelay()


@st.cache_resource(show_spinner=False)
def get_assistant(_settings: Settings, key: str):
    # One Assistant (model, Chroma, BM25) per settings for the whole server: loading takes seconds.
    from rag import Assistant

    return Assistant.from_settings(_settings)


assistant = get_assistant(settings, repr(settings))


def gate() -> None:
    """Stop the script here until the user is allowed in (REGQA_APP_AUTH)."""
    try:
        mode = auth_mode(settings)
    except AuthConfigError as e:
        st.error(f"Access control is misconfigured: {e}")
        st.stop()
    if mode == "password" and not ss.get("authed"):
        st.title("regqa")
        pw = st.text_input("Password", type="password", key="password")
        if pw:
            delay = failure_delay()
            delay.wait()
            ok = check_password(pw, settings)
            delay.record(ok)
            if ok:
                ss.authed = True
                st.rerun()
            st.error("Wrong password.")
        st.stop()
    if mode == "oidc":
        try:
            auth_secrets = st.secrets.to_dict().get("auth", {})
        except Exception:  # no secrets.toml at all
            auth_secrets = {}
        problem = oidc_problem(auth_secrets)
        if problem:
            st.error(f"OIDC login is not configured: {problem}. Example .streamlit/secrets.toml:")
            st.code(OIDC_SECRETS, language="toml")
            st.stop()
        logged_in = st.user.is_logged_in
        if not logged_in:
            st.title("regqa")
            st.button("Log in", on_click=st.login, type="primary")
            st.stop()
        st.sidebar.caption(f"Signed in as {st.user.get('email') or st.user.get('name') or 'user'}")
        st.sidebar.button("Log out", on_click=st.logout)


def load_documents() -> tuple[list[dict], str]:
    try:
        return assistant.store.documents(), ""
    except BackendUnavailable as e:
        return [], shown(e)


def shown(e: Exception | str) -> str:
    """An error's text for the page: no credentials, and the server's folders by name, not by path."""
    return redact(str(e), {settings.data_dir: "<data dir>", settings.corpus_dir: "<corpus>",
                           settings.uploads: "<uploads>"})


def pin_scope(jurisdictions: list[str], doc_ids: list[str]) -> None:
    ss.f_jur = [j for j in jurisdictions if j in ss.get("_jur_options", [])]
    ss.f_docs = [d for d in doc_ids if d in ss.get("_doc_options", [])]


def sidebar(docs: list[dict], store_error: str) -> None:
    sb = st.sidebar
    sb.header("Scope")
    sb.date_input("Law as in force on", key="f_as_of", value=datetime.date.today(), format="YYYY-MM-DD",
                  help="Answers quote the versions in force on this date; a later version is left out and a "
                       "superseded provision is quoted only when you ask about earlier versions.")
    jur_options = sorted({d.get("jurisdiction") or "other" for d in docs})
    titles = {d["doc_id"]: f"{d.get('short_name') or d.get('title', d['doc_id'])} [{d['doc_id']}]" for d in docs}
    ss._jur_options, ss._doc_options = jur_options, sorted(titles)
    sb.multiselect("Jurisdictions", jur_options, key="f_jur",
                   format_func=lambda j: f"{assistant.catalog.flag(j)} {j}".strip(),
                   help="Empty: the question decides (e.g. 'Japan' means JP).")
    sb.multiselect("Documents", sorted(titles), key="f_docs", format_func=lambda d: titles.get(d, d),
                   help="Empty: all indexed documents.")
    sb.header("Answerer")
    choices = ["offline"] + ([settings.llm] if settings.llm.lower() not in ("offline", "") else [])
    sb.radio("Active answerer", choices, key="answerer",
             format_func=lambda c: "Offline (quotes the law, no LLM)" if c == "offline" else f"LLM: {c}")
    with sb.expander("For administrators: changing the answerer"):
        st.caption("Set REGQA_LLM=offline|openai|ollama plus REGQA_LLM_BASE_URL, REGQA_LLM_MODEL and "
                   "REGQA_LLM_API_KEY on the server, then restart the app.")
    sb.header("Index")
    if store_error:
        sb.error(store_error)
    last = max((d.get("ingested_at", "") for d in docs), default="")
    sb.markdown(f"**{len(docs)}** documents · **{sum(int(d.get('chunks', 0)) for d in docs)}** chunks  \n"
                f"last ingest: {last or '—'}")
    with sb.form("upload", clear_on_submit=True):
        files = st.file_uploader("Add documents", type=UPLOAD_TYPES, accept_multiple_files=True, key="uploads",
                                 help=f"PDF, HTML, XML, TXT, MD, DOCX; up to {settings.upload_max_mb} MB each")
        jur = st.text_input("Jurisdiction code for these files (optional)", key="upload_jur")
        submitted = st.form_submit_button("Ingest")
    if submitted and files:
        ingest_files([(f.name, f.getvalue()) for f in files], jur)
    for kind, text in ss.pop("upload_msgs", []):
        (sb.success if kind == "ok" else sb.error)(text)
    with sb.expander(f"Documents ({len(docs)})"):
        for d in docs:
            upload = d.get("kind") == "user"
            st.caption(f"{assistant.catalog.flag(d.get('jurisdiction', ''))} {'📎 ' if upload else ''}"
                       f"{titles[d['doc_id']]} · {d.get('chunks', 0)} chunks")
            if not upload:
                continue  # official sources are shared by everyone: removed only with `regqa remove`
            if ss.get("confirm_rm") == d["doc_id"]:
                st.button(f"Remove “{titles[d['doc_id']]}” for everyone", key=f"rm_yes_{d['doc_id']}", type="primary",
                          on_click=remove_doc, args=(d["doc_id"],))
                st.button("Keep it", key=f"rm_no_{d['doc_id']}", on_click=lambda: ss.pop("confirm_rm", None))
            else:
                st.button("Remove this upload…", key=f"rm_{d['doc_id']}", help=f"{d['doc_id']} (asks first)",
                          on_click=lambda doc_id=d["doc_id"]: ss.__setitem__("confirm_rm", doc_id))
    conversations_sidebar(sb)


def ingest_files(files: list[tuple[str, bytes]], jurisdiction: str) -> None:
    from ingest.uploads import ingest_uploads

    bar = st.sidebar.progress(0.0, text="Saving uploads …")
    try:
        rep = ingest_uploads(files, settings, jurisdiction=jurisdiction.strip(), added_by=who(),
                             on_progress=lambda f, label: bar.progress(min(f, 1.0), text=f"Ingesting {label}"))
        ss.upload_msgs = [("ok" if r.ok else "err", shown(r.message)) for r in rep.results]
    except BackendUnavailable as e:
        ss.upload_msgs = [("err", shown(e))]
    bar.empty()
    st.rerun()  # refresh index status and document list


def remove_doc(doc_id: str) -> None:
    from ingest.indexer import Indexer

    ss.pop("confirm_rm", None)
    doc = assistant.store.document(doc_id) or {}
    if doc.get("kind") != "user":  # the button is only offered for uploads; a forged click changes nothing
        ss.upload_msgs = [("err", f"{doc_id} is an official source: remove it with `regqa remove`")]
        return
    Indexer(settings, store=assistant.store, progress=False).remove(doc_id)
    log.warning("removed upload %s (%s) at the request of %s", doc_id, doc.get("source_file", ""), who())
    ss.upload_msgs = [("ok", f"removed {doc_id}")]


def record_rating(i: int) -> None:
    """One click on a thumb records it; a comment may follow."""
    msg, rating = ss.messages[i], ss.get(f"fb_{i}")
    if rating is None or msg.get("feedback_id"):
        return
    msg["feedback_id"] = FeedbackStore(settings.feedback_path).add(msg.get("question", ""), msg["answer"],
                                                                   1 if rating == 1 else -1)


def feedback_widget(i: int, msg: dict) -> None:
    if msg.get("comment_sent"):
        st.caption("Thanks for the feedback.")
        return
    c1, c2, c3 = st.columns([1, 4, 1])
    with c1:
        st.feedback("thumbs", key=f"fb_{i}", on_change=record_rating, args=(i,))
    if not msg.get("feedback_id"):
        return
    c1.caption("Recorded.")
    comment = c2.text_input("Comment (optional)", key=f"fbc_{i}", label_visibility="collapsed",
                            placeholder="Comment (optional)")
    if c3.button("Send", key=f"fbs_{i}", disabled=not comment.strip()):
        FeedbackStore(settings.feedback_path).comment(msg["feedback_id"], comment)
        msg["comment_sent"] = True
        st.rerun()


def render_answer(i: int, msg: dict) -> None:
    ans = msg["answer"]
    # Markdown joins single newlines; the answer's lines (Japanese "・「…」[1]", quoted list items) stay lines.
    text = mark_flagged(ans["text"], ans.get("flagged", [])).replace("$", "\\$").replace("\n", "  \n")
    st.markdown(text, unsafe_allow_html=True)
    if ans.get("flagged"):
        # Removed sentences and passages left out are no longer in the text, so they are listed here; they
        # come from a model or a document, so they are escaped like every other document-derived string.
        st.warning("Left out: not supported by the cited text, or instruction-like text that is not law:\n" +
                   "\n".join(f"- ~~{esc(s).replace('$', chr(92) + '$')}~~" for s in ans["flagged"]))
    if ans.get("abstained"):
        st.info("The indexed documents do not answer this question.")
    scope = ans.get("scope") or {}
    laws, jurs = scope.get("law_ids") or [], scope.get("jurisdictions") or []
    c1, c2 = st.columns([5, 1])
    docs_filter = msg.get("doc_filter") or []
    c1.caption(f"Scope: {', '.join(laws) or 'all laws'} · {', '.join(jurs) or 'all jurisdictions'}"
               + (f" · documents: {', '.join(docs_filter)}" if docs_filter else "")
               + f" ({scope.get('source') or '—'}) · law as in force on {scope.get('as_of') or 'today'}"
               f" · answerer: {ans.get('answerer')}")
    c2.button("Pin scope", key=f"pin_{i}", on_click=pin_scope,
              args=(jurs, list(dict.fromkeys(c["doc_id"] for c in ans.get("citations", [])))),
              help="Use this scope's jurisdictions and documents as the sidebar filters")
    for c in group_citations(ans.get("citations", [])):
        par = msg.get("parallel", {}).get(str(c["n"]))
        st.markdown(citation_card_html(c, assistant.catalog.flag(c.get("jurisdiction", "")), par),
                    unsafe_allow_html=True)
    with st.expander("Copy this answer with its citations"):
        st.code(answer_as_text(ans), language=None, wrap_lines=True)
    feedback_widget(i, msg)


def answer_as_text(ans: dict) -> str:
    """The answer and its sources as plain text, to paste into a memo or an e-mail."""
    lines = [ans.get("text", ""), "", "Sources"]
    for c in ans.get("citations", []):
        lines.append(f"[{c['n']}] {c.get('label', '')} — “{c.get('quote', '')}” — "
                     f"{c.get('link') or c.get('official_url') or '(no official URL)'}")
        if c.get("version"):
            lines.append(f"    {c['version']}")
    return "\n".join(lines)


def parallels(ans) -> dict:
    from dataclasses import asdict

    from ui.parallel import parallel_article

    out = {}
    for c in ans.citations:
        try:
            p = parallel_article(assistant.store, c)
        except BackendUnavailable:
            p = None
        if p:
            out[str(c.n)] = asdict(p)
    return out


def ask(prompt: str) -> None:
    history = [{"role": m["role"], "content": m["content"]} for m in ss.messages]
    ss.messages.append({"role": "user", "content": prompt})
    with st.chat_message("user"):
        st.markdown(prompt)
    holder: dict = {}
    with st.chat_message("assistant"):
        def tokens():
            as_of = ss.get("f_as_of")
            for kind, value in assistant.stream(prompt, history, jurisdictions=ss.get("f_jur") or None,
                                                doc_ids=ss.get("f_docs") or None, llm=ss.get("answerer"),
                                                as_of=as_of.isoformat() if as_of else None):
                if kind == "token":
                    yield esc(value).replace("\n", "  \n")  # lines stay lines; document text stays text
                else:
                    holder["answer"] = value
        try:
            with st.spinner("Searching the law …"):
                st.write_stream(tokens())
        except (BackendUnavailable, IndexNotReady, QuestionTooLong) as e:
            ss.messages.append({"role": "assistant", "content": shown(e), "error": True})
            st.rerun()
    ans = holder["answer"]
    ss.messages.append({"role": "assistant", "content": ans.text, "answer": answer_dict(ans), "question": prompt,
                        "parallel": parallels(ans), "doc_filter": list(ss.get("f_docs") or [])})
    save_conversation()
    st.rerun()  # draw the finished answer with its cards through the same path as the history


def answer_dict(ans) -> dict:
    d = ans.to_dict()
    d.pop("hits", None)  # retrieval details stay in the eval; the kept conversation needs what the user saw
    return d


def who() -> str:
    """Who is acting, for uploads and removals: the signed-in user's email, else how the app is opened."""
    return getattr(getattr(st, "user", None), "email", None) or f"an app user (auth: {settings.app_auth})"


def owner() -> str:
    """Whose conversations these are: the signed-in user under OIDC, else the deployment's one team."""
    email = getattr(getattr(st, "user", None), "email", None) if auth_mode(settings) == "oidc" else None
    return email or "team"


def save_conversation() -> None:
    ss.setdefault("conv_id", new_id())
    ConversationStore(settings.conversations_path).save(ss.conv_id, owner(), ss.messages)
    st.query_params["c"] = ss.conv_id  # the address bar is the link that reopens it


def open_conversation(conv_id: str) -> None:
    found = ConversationStore(settings.conversations_path).load(conv_id)
    if found is None:
        ss.open_error = f"No conversation {conv_id} in this deployment."
        return
    conv_owner, messages = found
    ss.messages = messages
    # a shared link opens a copy: the reader's follow-ups never change the owner's conversation
    ss.conv_id = conv_id if conv_owner == owner() else new_id()


def conversations_sidebar(sb) -> None:
    convs = ConversationStore(settings.conversations_path).list(owner())
    with sb.expander(f"Your conversations ({len(convs)})", expanded=False):
        for c in convs:
            st.button(c["title"], key=f"conv_{c['id']}", help=f"last answer {c['updated_at']}",
                      on_click=open_conversation, args=(c["id"],), use_container_width=True)
        if ss.get("conv_id") and ss.messages:
            st.caption("Share this conversation: copy the page address (it ends in ?c=…); anyone with access to "
                       "this deployment can open it.")


def main() -> None:
    gate()
    shared = st.query_params.get("c")
    if shared and shared != ss.get("conv_id") and not ss.get("opened_" + shared):
        ss["opened_" + shared] = True
        open_conversation(shared)
    st.markdown(CSS, unsafe_allow_html=True)
    docs, store_error = load_documents()
    sidebar(docs, store_error)
    head, b1, b2 = st.columns([6, 2, 2])
    head.title("⚖️ regqa")
    if b1.button("New conversation", key="new_conversation"):
        ss.messages = []
        ss.pop("conv_id", None)
        st.query_params.clear()
        st.rerun()
    if ss.get("open_error"):
        st.error(ss.pop("open_error"))
    b2.download_button("Download (.md)", to_markdown(ss.messages), file_name="regqa-conversation.md",
                       mime="text/markdown", disabled=not ss.messages, key="download")
    if not docs and not store_error:
        st.warning("The index is empty: upload documents in the sidebar or run `regqa ingest`.")
    for i, msg in enumerate(ss.messages):
        with st.chat_message(msg["role"]):
            if msg.get("error"):
                st.error(msg["content"])
            elif msg.get("answer"):
                render_answer(i, msg)
            else:
                st.markdown(msg["content"])
    prompt = st.chat_input("Ask about a regulation, e.g. what penalties does Japan's AI law carry?")
    if prompt:
        ask(prompt)


main()
