"""A chat conversation as Markdown, with each answer's citations (label, quote, link),
for staff who download it from the app.

``messages`` are the app's history entries: {"role": "user"|"assistant", "content": str,
"answer": Answer.to_dict() (assistant turns, optional)}.
"""
from __future__ import annotations

import re
import time

_MD = re.compile(r"([\\`*_{}\[\]()#+!|~<>])")


def _md(text: str) -> str:
    """Document text as Markdown text: no image, link or HTML it contains comes alive in the export."""
    return _MD.sub(r"\\\1", text or "")


def _quote_block(text: str) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.strip().splitlines())


def _citation_lines(c: dict) -> list[str]:
    label = c.get("label") or f"{c.get('law_title', '')}, Art. {c.get('article', '')}".strip(", ")
    head = f"[{c.get('n')}] **{_md(label)}** ({_md(c.get('jurisdiction') or '?')})"
    if c.get("official_url"):
        head += f" — <{c['official_url']}>"
    lines = [f"- {head}"]
    if c.get("version"):  # which version, or "your upload, not an official text; added by ..."
        lines.append(f"  _{_md(c['version'])}_")
    if c.get("quote"):
        lines.append("  " + _quote_block(_md(c["quote"])).replace("\n", "\n  "))
    return lines


def to_markdown(messages: list[dict], title: str = "regqa conversation") -> str:
    out = [f"# {title}", "", f"_Exported {time.strftime('%Y-%m-%d %H:%M %Z')}_", ""]
    for m in messages:
        if m.get("role") == "user":
            out += ["## Question", "", m.get("content", "").strip(), ""]
            continue
        ans = m.get("answer") or {}
        out += ["## Answer", "", _md((ans.get("text") or m.get("content", "")).strip()), ""]
        scope = ans.get("scope") or {}
        if scope.get("law_ids") or scope.get("jurisdictions"):
            out += [f"_Scope: {', '.join(scope.get('law_ids') or []) or '-'}"
                    f" ({', '.join(scope.get('jurisdictions') or []) or '-'})_", ""]
        if ans.get("flagged"):
            out += ["**Left out (unsupported, or instruction-like text that is not law):**", ""] + \
                [f"- ~~{_md(s)}~~" for s in ans["flagged"]] + [""]
        if ans.get("citations"):
            out += ["### Sources", ""]
            for c in ans["citations"]:
                out += _citation_lines(c)
            out.append("")
    return "\n".join(out).rstrip() + "\n"
