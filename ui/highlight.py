"""HTML for citation cards: the passage HTML-escaped, with the quoted
supporting words wrapped in <mark>, and flagged answer sentences marked.

The quote is verbatim from the passage but whitespace can differ (line breaks in
the source vs. a single space in the quote), so matching is whitespace-tolerant.
Everything user- or corpus-supplied is escaped before any tag is added.
"""
from __future__ import annotations

import html
import re

from rag.core.citations import short_title

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
    """One source card, short: [n] (several when the answer quotes several points of one provision), flag +
    jurisdiction, the citation label ("Act No. 53 of 2025, Art. 16"), the status badge and the link to the
    provision, the version line, and the quoted words. The whole provision (the other-language text beside
    it), the full law title and the source file open below."""
    kind = c.get("unit_kind") or "article"
    ref = c.get("article") or ""
    if ref and c.get("paragraph"):
        ref += f"({c['paragraph']})"
    ref_label = {"article": "Art.", "section": "§", "recital": "Recital", "annex": "Annex"}.get(kind, "")
    ref_text = f"{ref_label} {ref}".strip() if ref else ""
    passage, quote = c.get("passage") or c.get("quote") or "", c.get("quote", "")
    caps = shouting(passage)
    shown = highlight(passage, quote)
    if caps:
        # Session laws print new text in capitals: read in normal case, the original one click away.
        shown = (f"{highlight(normal_case(passage), normal_case(quote))}"
                 f'<details class="regqa-original"><summary>as printed (capitals)</summary>{shown}</details>')
    cited = _lang_block(c.get("language", ""), c.get("label") or ref_text, shown, "")
    body = cited
    if parallel:
        text, focus = parallel.get("text", ""), parallel.get("focus", "")
        # The cited paragraph first and marked (a long Japanese article would show paragraph 1 first).
        other_html = (f"<mark>{esc(focus)}</mark>".replace("\n", "<br>") +
                      f'<details class="regqa-original"><summary>whole article</summary>'
                      f'{esc(text).replace(chr(10), "<br>")}</details>') if focus and focus != text \
            else esc(text).replace("\n", "<br>")
        other = _lang_block(parallel.get("language", ""), parallel.get("label", ""), other_html,
                            parallel.get("official_url", ""))
        # Japanese original on the left, the translation on the right.
        pair = (other, cited) if parallel.get("language") == "ja" else (cited, other)
        body = f'<div class="regqa-pair">{pair[0]}{pair[1]}</div>'
    url = c.get("link") or c.get("official_url") or ""
    what = "this provision ↗" if "#" in url or "sectionNum=" in url else "official text ↗"
    link = (f'<a class="regqa-link" href="{html.escape(url, quote=True)}" target="_blank" rel="noopener">'
            f"{what}</a>") if url else '<span class="regqa-link">no official link recorded</span>'
    badge = _STATUS_BADGE.get(c.get("status") or "", "")
    ns = c.get("ns") or [c.get("n", 0)]
    numbers = " ".join(f"[{int(n)}]" for n in ns)
    shown_quote = normal_case(quote) if caps else quote
    quotes = "".join(f'<div class="regqa-quote"><mark>{esc(q)}</mark></div>'
                     for q in (shown_quote.split(" … ") if shown_quote else []))
    title = c.get("law_title", "")
    if (c.get("kind") or "law") == "user":
        flag = "📄"  # the country's flag would lend an upload the look of that country's law
    return (f'<div class="regqa-card" data-n="{int(ns[0])}">'
            f'<div class="regqa-card-head"><span class="regqa-n">{numbers}</span> '
            f'<span class="regqa-flag">{html.escape(flag)}</span> <code>{html.escape(c.get("jurisdiction") or "?")}</code>'
            f' <b>{esc(c.get("label") or ref_text)}</b>{badge} · {link}</div>'
            f"{_provenance(c)}{quotes}"
            f'<details class="regqa-more"><summary>whole provision · {esc(_short(title))}</summary>'
            f'<div class="regqa-title">{esc(title)}</div>{body}'
            f"<div><small>{html.escape(c.get('source_file', ''))}</small></div></details></div>")


def _short(title: str) -> str:
    title = short_title(title)
    return title if len(title) <= 70 else title[:67].rsplit(" ", 1)[0] + " …"


def group_citations(citations: list[dict]) -> list[dict]:
    """One card per provision: the points of one list or the sentences of one article that an answer quotes
    under separate numbers are shown together, all their quotes marked, under all their numbers."""
    out: list[dict] = []
    by_key: dict[tuple, dict] = {}
    for c in citations:
        key = (c.get("doc_id"), c.get("unit_kind"), c.get("article"))
        if not c.get("article") or key not in by_key:
            card = {**c, "ns": [c.get("n", 0)]}
            out.append(card)
            if c.get("article"):
                by_key[key] = card
            continue
        card = by_key[key]
        card["ns"].append(c.get("n", 0))
        card["quote"] = " … ".join(q for q in (card.get("quote"), c.get("quote")) if q)
        if c.get("passage") and c["passage"] not in (card.get("passage") or ""):
            card["passage"] = f"{card.get('passage', '')}\n…\n{c['passage']}"
        if card.get("paragraph") != c.get("paragraph"):
            card["paragraph"] = ""
            card["label"] = (card.get("label") or "").rsplit("(", 1)[0] if card.get("label", "").endswith(")") \
                else card.get("label")
    return out


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
    note = "" if version and kind in ("translation", "consolidation", "user") else _KIND_NOTE.get(kind, "")
    parts = [p for p in (note, version) if p]
    return f'<div class="regqa-version"><small>{esc(" · ".join(parts))}</small></div>' if parts else ""
