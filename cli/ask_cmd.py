"""`regqa ask` (one question) and `regqa chat` (a conversation in the terminal)."""
from __future__ import annotations

import argparse
import json
import sys

from cli.main import EXIT_OK, EXIT_USAGE

ASK_HELP = """\
Answer one question from the index with article-level citations: the answer,
then the sources ([n] label — quoted words — official URL — source file) and
the scope the question was understood to have (laws, jurisdictions, aspects).
Exit code 3 when the index is empty or the LLM/Chroma server is unavailable.
"""
CHAT_HELP = """\
A conversation in the terminal: follow-up questions keep the law and
jurisdiction of earlier turns ("and what about fines there?").
Commands: /new starts a new conversation, /quit (or Ctrl-D) leaves.
"""
SOURCE_QUOTE_CHARS = 200


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--jurisdiction", action="append", default=[], metavar="J",
                   help="restrict to a jurisdiction (EU, JP, KR, CN, UK, CA, US-CA, US-CO); repeatable")
    p.add_argument("--law", action="append", default=[], metavar="LAW_ID",
                   help="restrict to a law_id (see `regqa sources`); repeatable")
    # Names as in rag/answer/llm/models.py (not imported here: it pulls in langchain at parse time).
    p.add_argument("--llm", default=None, choices=("offline", "openai", "ollama", "fake"),
                   help="answerer: offline (quotes only; default REGQA_LLM or offline), openai, ollama or fake")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="log on stderr how the answer was reached: the scope understood, the candidates retrieved "
                        "and ranked, which sentences were dropped and why, the answer path")
    p.add_argument("--as-of", default=None, metavar="DATE",
                   help="answer with the law as in force on DATE (YYYY-MM-DD; default REGQA_AS_OF or today): versions "
                        "adopted later are left out, superseded provisions quoted only when asked about")


def register(sub) -> None:
    p = sub.add_parser("ask", help="answer one question with citations", description=ASK_HELP,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("question", nargs="+", metavar="QUESTION")
    _common(p)
    p.add_argument("--json", action="store_true", help="print the answer as JSON (text, citations, scope, timings)")
    p.add_argument("--no-stream", action="store_true", help="print the answer at once instead of word by word")
    p.set_defaults(func=run_ask)

    c = sub.add_parser("chat", help="a conversation in the terminal", description=CHAT_HELP,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    _common(c)
    c.set_defaults(func=run_chat)


def answer_json(ans) -> dict:
    d = ans.to_dict()
    keys = ("n", "label", "doc_id", "law_title", "jurisdiction", "article", "paragraph", "quote", "official_url",
            "source_file", "unit_kind", "language", "chunk_id", "kind", "version", "status", "link")
    d["citations"] = [{k: getattr(c, k) for k in keys} for c in ans.citations]
    return d


def format_sources(ans) -> str:
    lines = []
    if ans.citations:
        lines.append("Sources")
        for c in ans.citations:
            url = c.link or c.official_url or "(no official URL)"
            quote = " ".join(c.quote.split())  # one line per source; --json has the exact quote
            quote = quote if len(quote) <= SOURCE_QUOTE_CHARS else quote[:SOURCE_QUOTE_CHARS].rsplit(" ", 1)[0] + " …"
            lines.append(f"[{c.n}] {c.label} — “{quote}” — {url} — {c.source_file}")
            if c.version:
                lines.append(f"    version: {c.version}")
    for note in ans.flagged:
        lines.append(f"Left out: {note}")
    s = ans.scope
    parts = []
    if s.law_ids:
        parts.append("laws " + ", ".join(s.law_ids))
    if s.jurisdictions:
        parts.append("jurisdictions " + ", ".join(s.jurisdictions))
    if s.aspects:
        parts.append("aspects " + ", ".join(s.aspects))
    if s.unknown_laws:
        parts.append("not indexed: " + ", ".join(s.unknown_laws))
    scope = "; ".join(parts) or "the whole corpus"
    lines.append(f"Scope: {scope}" + (f" (from {s.source})" if s.source else "") + f" · answerer: {ans.answerer}"
                 + (f" · law as of {s.as_of}" if s.as_of else ""))
    return "\n".join(lines)


def _answer(assistant, question: str, history, args, stream: bool):
    # "jp" and "JP" are one jurisdiction; an unknown or unindexed code is refused (ValueError) rather than
    # answered with "the corpus does not answer"
    jurs = [assistant.catalog.jurisdiction_code(j, indexed_only=True) for j in args.jurisdiction]
    kw = dict(jurisdictions=jurs or None, law_ids=args.law or None, llm=args.llm, as_of=args.as_of)
    if not stream:
        return assistant.answer(question, history, **kw)
    ans = None
    for kind, value in assistant.stream(question, history, **kw):
        if kind == "token":
            print(value, end="", flush=True)
        elif kind == "answer":
            ans = value
    print()
    return ans


def run_ask(args) -> int:
    from rag.assistant import Assistant

    question = " ".join(args.question).strip()
    if not question:
        print("regqa ask: the question is empty", file=sys.stderr)
        return EXIT_USAGE
    assistant = Assistant.from_settings()
    stream = not (args.json or args.no_stream or not sys.stdout.isatty())
    try:
        ans = _answer(assistant, question, None, args, stream)
    except ValueError as e:  # a bad --jurisdiction or --as-of, a question too long
        print(f"regqa ask: {e}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(answer_json(ans), ensure_ascii=False, indent=2))
        return EXIT_OK
    if not stream:
        print(ans.text)
    print()
    print(format_sources(ans))
    return EXIT_OK


def run_chat(args) -> int:
    from rag.assistant import Assistant

    assistant = Assistant.from_settings()
    history: list[dict] = []
    print("regqa chat — ask about the indexed regulations. /new starts over, /quit leaves.")
    while True:
        try:
            question = input("\nyou> ").strip()
        except EOFError:
            print()
            return EXIT_OK
        if not question:
            continue
        if question in ("/quit", "/exit", "/q"):
            return EXIT_OK
        if question == "/new":
            history = []
            print("(new conversation)")
            continue
        print("regqa> ", end="", flush=True)
        try:
            ans = _answer(assistant, question, history, args, stream=True)
        except ValueError as e:  # too long, or a bad --jurisdiction: say so and keep the conversation
            print(f"\n{e}")
            continue
        print()
        print(format_sources(ans))
        history += [{"role": "user", "content": question}, {"role": "assistant", "content": ans.text}]
