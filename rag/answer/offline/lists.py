"""Lists inside a provision: a lead-in ("The following AI practices shall be prohibited:",
"次に掲げる電磁的記録…", "defined as follows:") and its numbered items ((a), (i), (1), 1., a., 一, （一）),
one per line or run into one line of page text.

When the offline answerer quotes a lead-in, the list is the answer: ``list_items`` finds the items
the quote leaves out, across the chunks a long article was split into. When it quotes one point of a
list that is what is asked ("the obligations of providers"), ``with_lead_in`` puts the lead-in in its
place. Items are cited to the lead-in's paragraph and quoted by their opening words.
"""
from __future__ import annotations

import logging
import re
from functools import lru_cache

from rag.core.citations import LIST_ITEM_CHARS, Quote, squashed
from rag.core.numerals import cjk_to_int, roman_to_int
from rag.core.resources import DEFAULT, Resources
from rag.understand.lexicon import templates, terms
from rag.understand.question import Question
from rag.understand.scope import defined_terms

log = logging.getLogger(__name__)

MAX_LIST_ITEMS = 12
_KANJI = "一二三四五六七八九十"
# Item markers by style; each pattern's group is the item's number.
_STYLES = {
    "letter": re.compile(r"^\(([a-z])\)\s"),
    "roman": re.compile(r"^\(([ivxl]{1,6})\)\s"),
    "paren": re.compile(r"^\((\d{1,3})\)\s"),
    "dot": re.compile(r"^(\d{1,3})\.\s"),
    "letterdot": re.compile(r"^([a-z])\.\s"),
    "kanji": re.compile(rf"^([{_KANJI}]{{1,3}})[\s　]"),
    "zh": re.compile(rf"^（([{_KANJI}]{{1,3}})）"),
}
_SUB_ITEM_RE = re.compile(r"^(?:[イロハニホヘトチリヌルヲワカヨタレソツネナラム][\s　]|\([a-z0-9ivx]{1,4}\)|[a-z0-9]{1,3}\.\s|[가-하]\.)")
# "2. The use of ...", "②", "第三条": a new paragraph or article ends the list of the one before.
_NEW_PARAGRAPH_RE = re.compile(r"^(?:\d{1,3}\.\s|\(\d{1,3}\)\s|[②-⑳]|第.{1,8}条)")
# A list run into one line of page text: the lead-in's colon, then "(a) ", "(1) " or "(i) ".
_INLINE_RE = re.compile(r"[:：]\s+(\((?:a|1|i)\)\s)")
_MARKER_RE = re.compile(r"\((?:[a-z]|\d{1,3}|[ivxl]{1,6})\)\s")
# Styles whose items are one line each: a plain line after them starts a new paragraph.
_ONE_LINE_STYLES = ("kanji", "zh", "roman")


def _number(style: str, value: str) -> int:
    if style in ("letter", "letterdot"):
        return ord(value) - ord("a") + 1
    if style == "roman":
        return roman_to_int(value)
    if style in ("kanji", "zh"):
        return cjk_to_int(value)
    return int(value)


def position(line: str, style: str) -> int | None:
    """The item number of ``line`` read in ``style`` ("(c) ..." is 3 as a letter), None if not an item."""
    m = _STYLES[style].match(line.lstrip())
    return _number(style, m.group(1)) if m else None


def first_item_style(line: str) -> str | None:
    """The style of a list whose first item is ``line`` ("(a)" letter, "(i)" roman, "一" kanji)."""
    return next((s for s in _STYLES if position(line, s) == 1), None)


@lru_cache(maxsize=4)  # keyed by the Resources
def _following_rx(res: Resources = DEFAULT) -> re.Pattern:
    """Lead-ins without a colon ("次に掲げる…", "the following items"): templates.toml [lexicon] list_lead_ins."""
    return re.compile("|".join(templates(res).get("lexicon", {}).get("list_lead_ins", [])) or r"(?!)")


def is_lead_in(text: str) -> bool:
    text = re.sub(r"\s*<[^>]*>\s*$", "", text.strip())  # Korean "<Amended on Jan. 20, 2026>" notes
    return text.endswith((":", "：")) or bool(_following_rx().search(text))


def _lines(body: str, start: int = 0):
    """(start, end, text) of each non-empty line of ``body`` from ``start``."""
    pos = start
    for line in body[start:].split("\n"):
        if line.strip():
            lead = len(line) - len(line.lstrip())
            yield pos + lead, pos + len(line.rstrip()), line.strip()
        pos += len(line) + 1


def _same_article(chunks: list, chunk) -> list:
    return [c for c in chunks if c.doc_id == chunk.doc_id and c.article == chunk.article
            and c.unit_kind == chunk.unit_kind]


def lead_in(q: Quote, chunks: list) -> Quote | None:
    """The lead-in of the list whose item ``q`` quotes ("Providers of high-risk AI systems shall:" for
    "(l) ensure that ..."), searched back through the chunks the article was split into; None if ``q``
    is not a list item or no lead-in precedes it within its paragraph."""
    line = q.chunk.body[q.start:].split("\n", 1)[0]
    styles = [s for s in _STYLES if position(line, s)]
    if not styles:
        return None
    before = {c.seq: c for c in _same_article(chunks, q.chunk) if c.seq < q.chunk.seq}
    run = [(q.chunk, q.start)]
    while run[-1][0].seq - 1 in before and len(run) < 6:
        prev = before[run[-1][0].seq - 1]
        run.append((prev, len(prev.body)))
    following = None  # the line after the one looked at, in reading order
    for c, end in run:
        for a, b, text in reversed(list(_lines(c.body[:end]))):
            if following and is_lead_in(text) and first_item_style(following) in styles:
                return Quote(c, a, b)
            if _NEW_PARAGRAPH_RE.match(text) and not any(position(text, s) for s in styles):
                return None  # the paragraph starts above any lead-in: a numbered paragraph, not a list
            following = text
    return None


def _about(lead: Quote, q_terms: set[str]) -> bool:
    """Whether the list is about what is asked: every word of the article's caption ("Obligations of
    providers of high-risk AI systems") is in the question, or, without a caption, 2/3 of the lead-in's.
    A point of the providers' list quoted for a question about deployers does not bring the whole list."""
    caption = terms(lead.chunk.unit_title) if lead.chunk.unit_title else set()
    if caption:
        return caption <= q_terms
    own = terms(lead.text)
    return bool(own) and len(own & q_terms) >= 2 * len(own) / 3


def with_lead_in(quotes: list[Quote], law_chunks, question: Question) -> list[Quote]:
    """``quotes`` with the first quoted list item replaced by its list's lead-in (which runs on over the
    first items) when the list is about what is asked; quotes of the same list (also those of another
    version of the law) are dropped. ``law_chunks``: law_id -> its chunks. What is asked: the question's
    wording, with its synonyms."""
    q_terms = question.wording_terms | question.wording_synonyms
    for i, q in enumerate(quotes):
        chunks = law_chunks(q.chunk.law_id)
        lead = lead_in(q, chunks)
        if lead and _about(lead, q_terms):
            article = squashed("".join(c.body for c in _same_article(chunks, lead.chunk)))
            rest = [o for o in quotes[:i] + quotes[i + 1:]
                    if not (o.chunk.article == lead.chunk.article and squashed(o.text) in article)]
            log.debug("quoted item of %s replaced by its list's lead-in (%d other quotes of the list dropped)",
                      lead.chunk.chunk_id, len(quotes) - 1 - len(rest))
            return rest[:i] + [lead] + rest[i:]
    return quotes


def _items_after(q: Quote, style: str, chunks: list, pos: int) -> tuple[list[Quote], int]:
    """The items of the list introduced by ``q`` (numbered pos + 1, pos + 2, ... in ``style``), and how
    many more there are beyond MAX_LIST_ITEMS."""
    siblings = sorted((c for c in _same_article(chunks, q.chunk) if c.seq > q.chunk.seq), key=lambda c: c.seq)
    run = [(q.chunk, q.end)]
    for c in siblings:
        if c.seq != run[-1][0].seq + 1:
            break
        run.append((c, 0))
    items: list[Quote] = []
    more = 0
    # The quote may end in an item that opens a sub-list ("(h) ... one of the following objectives:").
    sub_list = q.chunk.body[q.start:q.end].rstrip().endswith((":", "：")) and "\n" in q.chunk.body[q.start:q.end].strip()
    for c, start in run:
        for a, b, text in _lines(c.body, start):
            n = position(text, style)
            # After "(h) ... objectives:", "(i)" is a roman sub-item, not the letter after (h).
            if n == pos + 1 and not (style == "letter" and n == 9 and sub_list):
                pos += 1
                sub_list = text.endswith((":", "："))
                if len(items) < MAX_LIST_ITEMS:
                    item = Quote(c, a, b, limit=LIST_ITEM_CHARS, para=q.paragraph)
                    item.end = b  # the item's own line: its sub-items stay in the card
                    items.append(item)
                else:
                    more += 1
            elif n is None and (_NEW_PARAGRAPH_RE.match(text)
                                or (style in _ONE_LINE_STYLES and not _SUB_ITEM_RE.match(text))):
                return items, more  # "2. The use of ..." (or a plain paragraph after 一, 二) ends the list
    return items, more


def list_items(quotes: list[Quote], law_chunks, asked: set[str] | None = None) -> tuple[Quote | None, list[Quote], int]:
    """(lead-in quote, the list items it does not already quote, items left out beyond the cap).

    ``asked``: for a definition question, the question's terms: only the list of a definition of the
    asked term is expanded ("「個人情報」とは…次の各号", not the items of another term's definition).

    ``law_chunks``: law_id -> the law's chunks, in any order (the lead-in's law may differ from the first quote's).
    Items are the lines that continue the numbering of the first item ((a), (b), ...; sub-items and
    continuation lines are skipped), across the following chunks of the article, until a new
    paragraph starts.
    """
    for q in quotes:
        body, text = q.chunk.body, q.chunk.body[q.start:q.end]
        inline = _INLINE_RE.search(text)  # page text: "... all of the following relief: (a) Injunctive relief."
        if not inline and not is_lead_in(text.split("\n", 1)[0]):
            continue
        if asked is not None and not any((t := terms(d)) and t <= asked for d in defined_terms(q.text)):
            continue
        if inline:
            style = first_item_style(inline.group(1))
            # The items the quote already holds: "(a)" here, then "(b) ... (c) ..." follow on the same line.
            pos = max((n for m in _MARKER_RE.finditer(text[inline.start(1):]) if (n := position(m.group(0), style))),
                      default=1)
        else:
            line_end = body.find("\n", q.start)
            nxt = next(_lines(body, line_end + 1), None) if line_end >= 0 else None
            style = first_item_style(nxt[2]) if nxt else None
            # A lead-in ending in ":" already quotes the first items (Quote runs on over them); "次に掲げる…。" none.
            pos = max((position(t, style) or 0 for _, _, t in _lines(body[:q.end], q.start)), default=0) if style else 0
        if not style:
            continue
        items, more = _items_after(q, style, law_chunks(q.chunk.law_id), pos)
        items = [i for i in items if not any(o.overlaps(i) for o in quotes)]
        if items:
            return q, items, more
    return None, [], 0
