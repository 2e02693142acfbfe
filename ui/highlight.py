"""HTML for citation cards: the passage HTML-escaped, with the quoted
supporting words wrapped in <mark>, and flagged answer sentences marked.

The quote is verbatim from the passage but whitespace can differ (line breaks in
the source vs. a single space in the quote), so matching is whitespace-tolerant.
Everything user- or corpus-supplied is escaped before any tag is added.
"""
from __future__ import annotations

import html
import re

_ELLIPSIS_RE = re.compile(r"\s*(?:\.\.\.|…)\s*")
_HTML_MD = re.compile(r"[&<>\"'\\`*_{}\[\]()#+!|~]")


def esc(text: str) -> str:
    """Document-derived text for the app's HTML and Markdown: HTML specials and Markdown punctuation as
    character references, in one pass (two passes would escape each other's ampersands). A document's
    ``![x](http://…)`` or ``[portal](http://…)`` stays text, never an image the reader's browser fetches or a
    live link inside "the law"; references read the same inside the cards' HTML and in streamed Markdown."""
    return _HTML_MD.sub(lambda m: f"&#{ord(m.group(0))};", text)


def _pattern(fragment: str) -> re.Pattern | None:
    words = fragment.split()
    if not words:
        return None
    return re.compile(r"\s+".join(re.escape(w) for w in words))


def find_spans(passage: str, quote: str) -> list[tuple[int, int]]:
    """Character spans of ``quote`` inside ``passage``; a quote with "..." is matched piece by piece."""
    spans: list[tuple[int, int]] = []
    start = 0
    for piece in _ELLIPSIS_RE.split(quote or ""):
        pat = _pattern(piece.strip(" “”\"'"))
        if pat is None:
            continue
        m = pat.search(passage, start) or pat.search(passage)
        if m:
            spans.append((m.start(), m.end()))
            start = m.end()
    return sorted(set(spans))


def highlight(passage: str, quote: str) -> str:
    """HTML of ``passage`` with the supporting words of ``quote`` in <mark>; all text escaped."""
    out, pos = [], 0
    for a, b in find_spans(passage, quote):
        if a < pos:
            continue
        out.append(esc(passage[pos:a]))
        out.append(f"<mark>{esc(passage[a:b])}</mark>")
        pos = b
    out.append(esc(passage[pos:]))
    return "".join(out).replace("\n", "<br>")


def mark_flagged(text: str, flagged: list[str]) -> str:
    """HTML of the answer text with each flagged sentence struck through and tagged; all text escaped."""
    spans: list[tuple[int, int]] = []
    for sentence in flagged or []:
        pat = _pattern(sentence)
        m = pat.search(text) if pat else None
        if m:
            spans.append((m.start(), m.end()))
    out, pos = [], 0
    for a, b in sorted(spans):
        if a < pos:
            continue
        out.append(esc(text[pos:a]))
        out.append(f'<span class="regqa-flagged" title="not supported by the cited text">'
                   f"⚠ <s>{esc(text[a:b])}</s></span>")
        pos = b
    out.append(esc(text[pos:]))
    return "".join(out)


def _lang_block(lang: str, label: str, body_html: str, url: str) -> str:
    link = f' <a href="{html.escape(url, quote=True)}" target="_blank" rel="noopener">↗</a>' if url else ""
    return (f'<div class="regqa-lang" lang="{html.escape(lang or "")}"><div class="regqa-lang-head">'
            f"{html.escape((lang or '?').upper())} · {html.escape(label)}{link}</div>"
            f'<div class="regqa-passage">{body_html}</div></div>')


def citation_card_html(c: dict, flag: str = "", parallel: dict | None = None) -> str:
    """One source card: [n], flag + jurisdiction, law title, article/paragraph, the passage with the
    quote highlighted, the official link, and the other-language text side by side when given."""
    ref = c.get("article") or ""
    if ref and c.get("paragraph"):
        ref += f"({c['paragraph']})"
    kind = c.get("unit_kind") or "article"
    ref_label = {"article": "Art.", "section": "§", "recital": "Recital", "annex": "Annex"}.get(kind, "")
    ref_text = f"{ref_label} {ref}".strip() if ref else ""
    passage = c.get("passage") or c.get("quote") or ""
    shown = highlight(passage, c.get("quote", ""))
    if shouting(passage):
        # Session laws print new text in capitals: read in normal case, the original one click away.
        shown = (f"{highlight(normal_case(passage), normal_case(c.get('quote', '')))}"
                 f'<details class="regqa-original"><summary>as printed (capitals)</summary>{shown}</details>')
    cited = _lang_block(c.get("language", ""), c.get("label") or ref_text, shown, "")
    body = cited
    if parallel:
        other = _lang_block(parallel.get("language", ""), parallel.get("label", ""),
                            esc(parallel.get("text", "")).replace("\n", "<br>"),
                            parallel.get("official_url", ""))
        # Japanese original on the left, the translation on the right.
        pair = (other, cited) if parallel.get("language") == "ja" else (cited, other)
        body = f'<div class="regqa-pair">{pair[0]}{pair[1]}</div>'
    url = c.get("link") or c.get("official_url") or ""
    what = "This provision on the official site ↗" if "#" in url or "sectionNum=" in url else "Official text ↗"
    link = (f'<a class="regqa-link" href="{html.escape(url, quote=True)}" target="_blank" rel="noopener">'
            f"{what}</a>") if url else '<span class="regqa-link">no official link recorded</span>'
    badge = _STATUS_BADGE.get(c.get("status") or "", "")
    return (f'<div class="regqa-card" data-n="{int(c.get("n", 0))}">'
            f'<div class="regqa-card-head"><span class="regqa-n">[{int(c.get("n", 0))}]</span> '
            f'<span class="regqa-flag">{html.escape(flag)}</span> <code>{html.escape(c.get("jurisdiction") or "?")}</code>'
            f' <b>{esc(ref_text)}</b> — {esc(c.get("law_title", ""))}{badge}</div>'
            f"{_provenance(c)}{body}<div>{link} <small>{html.escape(c.get('source_file', ''))}</small></div></div>")


_STATUS_BADGE = {"superseded": ' <span class="regqa-badge regqa-superseded">superseded</span>',
                 "pending": ' <span class="regqa-badge regqa-pending">not yet in force</span>'}
_CAPS_WORD = re.compile(r"\b[A-Z][A-Z'’-]*\b")
_KEEP_UPPER = re.compile(r"\((?:[IVXL]+|[A-Z])\)|\b(?:AI|ADMT|U\.S\.|C\.R\.S\.)\b")


def shouting(text: str) -> bool:
    """Mostly capitals (a session law's new text), not an acronym here and there."""
    words = re.findall(r"[A-Za-z]{3,}", text)
    return len(words) >= 5 and sum(w.isupper() for w in words) / len(words) > 0.6


def normal_case(text: str) -> str:
    """Capitals in normal case: lower case, sentence starts capitalised, roman-numeral points and a few
    acronyms kept ("(II)", "AI")."""
    kept: dict[str, str] = {}

    def keep(m: re.Match) -> str:
        kept[f"\x00{len(kept)}\x00"] = m.group(0)
        return f"\x00{len(kept) - 1}\x00"
    out = _CAPS_WORD.sub(lambda m: m.group(0).lower(), _KEEP_UPPER.sub(keep, text))
    for k, v in kept.items():
        out = out.replace(k, v)
    # a sentence start, also after its point numbers: "(3) (a) A deployer", not "subsection (3) Of this"
    return re.sub(r"(^|[.;:]\s+)((?:\([^)\s]{1,5}\)\s+)*)([a-z])",
                  lambda m: m.group(1) + m.group(2) + m.group(3).upper(), out)


_KIND_NOTE = {"user": "your upload, not an official text", "consolidation": "consolidated text (not the official one)",
              "translation": "translation (reference only; the original has legal effect)", "news": "news article, not law",
              "web": "web page, not law"}


def _provenance(c: dict) -> str:
    """What the cited text is and which version, so an upload, a translation or an older text never passes
    for the law in force. The version note (rag/index/versions.py) already says translation/consolidation."""
    kind, version = c.get("kind") or "law", c.get("version") or ""
    note = "" if version and kind in ("translation", "consolidation") else _KIND_NOTE.get(kind, "")
    parts = [p for p in (note, version) if p]
    return f'<div class="regqa-version"><small>{esc(" · ".join(parts))}</small></div>' if parts else ""
