"""Which sentences of the retrieved provisions the offline answerer quotes.

Every sentence of the top hits is scored by the question's terms (weighted by rarity among
those sentences), the provision's caption, the asked aspect, the figures that answer it
(amounts, dates) and, for a definition question, whether the sentence defines the asked term.
At most two sentences of one provision; the best first, because the first quote is the answer.
A sentence that refers back ("This obligation ...", "That period may be extended ...") is quoted
with the sentence it refers to.
When a quote is the lead-in of a list ("The following AI practices shall be prohibited:"), the
list is the answer: ``list_items`` adds the items the quote leaves out, across the chunks the
article was split into, each by its opening words.
"""
from __future__ import annotations

import math
import re

from rag.citations import LIST_ITEM_CHARS, MAX_QUOTE_CHARS, Quote, sentence_spans
from rag.lexicon import CJK_RUN, aspect_regex, aspect_terms, synonym_terms, terms
from rag.types import Hit
from rag.understand import defined_terms, figure_regex

_BINDING_KINDS = ("article", "section", "annex", "supplementary")
MAX_LIST_ITEMS = 12
# List item markers: "(a)", "(1)", "1.", "一　" (e-Gov), "（一）" (Chinese). group -> style.
_ITEM_RE = re.compile(r"^\s*(?:\((?P<letter>[a-z])\)|\((?P<paren>\d{1,3})\)|(?P<dot>\d{1,3})\.|"
                      r"（(?P<zh>[一二三四五六七八九十]{1,3})）|(?P<kanji>[一二三四五六七八九十]{1,3})[\s　])")
_KANJI = {c: i for i, c in enumerate("一二三四五六七八九", 1)}
_NEW_PARAGRAPH_RE = re.compile(r"^\s*(?:\d{1,3}\.\s|\(\d{1,3}\)\s|[②-⑳]|第.{1,8}条)")


def _kanji_number(s: str) -> int:
    if "十" not in s:
        return _KANJI.get(s, 0)
    tens, _, ones = s.partition("十")
    return _KANJI.get(tens, 1) * 10 + _KANJI.get(ones, 0)


def _item(line: str) -> tuple[str, int] | None:
    """(style, position) of a list item line: "(c) ..." -> ("letter", 3); None for other lines."""
    m = _ITEM_RE.match(line)
    if not m:
        return None
    style, value = next((k, v) for k, v in m.groupdict().items() if v)
    if style == "letter":
        return style, ord(value) - ord("a") + 1
    if style in ("zh", "kanji"):
        return style, _kanji_number(value)
    return style, int(value)


def _lines(body: str, start: int = 0):
    """(start, end, text) of each non-empty line of ``body`` from ``start``."""
    pos = start
    for line in body[start:].split("\n"):
        if line.strip():
            lead = len(line) - len(line.lstrip())
            yield pos + lead, pos + len(line.rstrip()), line.strip()
        pos += len(line) + 1


def lead_in(q: Quote, chunks: list) -> Quote | None:
    """The lead-in of the list whose item ``q`` quotes ("Providers of high-risk AI systems shall:" for
    "(l) ensure that ..."), searched back through the chunks the article was split into; None if ``q``
    is not a list item or no lead-in precedes it within its paragraph."""
    body = q.chunk.body
    it = _item(body[q.start:].split("\n", 1)[0])
    if not it:
        return None
    before = {c.seq: c for c in chunks if c.doc_id == q.chunk.doc_id and c.article == q.chunk.article
              and c.unit_kind == q.chunk.unit_kind and c.seq < q.chunk.seq}
    run = [(q.chunk, q.start)]
    while run[-1][0].seq - 1 in before and len(run) < 6:
        prev = before[run[-1][0].seq - 1]
        run.append((prev, len(prev.body)))
    following = None  # the line after the one looked at, in reading order
    for c, end in run:
        for a, b, line in reversed(list(_lines(c.body[:end]))):
            if line.endswith((":", "：")) and following and _item(following) == (it[0], 1):
                return Quote(c, a, b)
            if _NEW_PARAGRAPH_RE.match(line) and _item(line) and _item(line)[0] != it[0]:
                return None  # the paragraph starts above any lead-in: a numbered paragraph, not a list
            following = line
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


def _squash(text: str) -> str:
    return re.sub(r"\W+", "", text.removesuffix(" …")).lower()


def with_lead_in(quotes: list[Quote], law_chunks, question: str) -> list[Quote]:
    """``quotes`` with the first quoted list item replaced by its list's lead-in (which runs on over the
    first items) when the list is about what is asked; quotes of the same list (also those of another
    version of the law) are dropped. ``law_chunks``: law_id -> its chunks."""
    q_terms = terms(question) | synonym_terms(question)
    for i, q in enumerate(quotes):
        chunks = law_chunks(q.chunk.law_id)
        lead = lead_in(q, chunks)
        if lead and _about(lead, q_terms):
            article = _squash("".join(c.body for c in chunks if c.doc_id == lead.chunk.doc_id
                                      and c.article == lead.chunk.article))
            rest = [o for o in quotes[:i] + quotes[i + 1:]
                    if not (o.chunk.article == lead.chunk.article and _squash(o.text) in article)]
            return rest[:i] + [lead] + rest[i:]
    return quotes


def list_items(quotes: list[Quote], chunks: list) -> tuple[Quote | None, list[Quote], int]:
    """(lead-in quote, the list items it does not already quote, items left out beyond the cap).

    ``chunks``: the chunks of the quoted lead-in's article, in any order. Items are the lines that
    continue the numbering of the first item ((a), (b), ...; sub-items and continuation lines are
    skipped), across the following chunks of the article, until a new paragraph starts.
    """
    for q in quotes:
        body = q.chunk.body
        first = body[q.start:].split("\n", 1)[0].rstrip()
        if not first.endswith((":", "：")):
            continue
        nxt = next(_lines(body, q.start + len(body[q.start:].split("\n", 1)[0]) + 1), None)
        head = _item(nxt[2]) if nxt else None
        if not head:
            continue
        siblings = sorted((c for c in chunks if c.doc_id == q.chunk.doc_id and c.article == q.chunk.article
                           and c.unit_kind == q.chunk.unit_kind and c.seq > q.chunk.seq), key=lambda c: c.seq)
        style, pos = head
        items: list[Quote] = []
        more = 0
        sub_list = body[q.start:q.end].rstrip().endswith((":", "：")) and "\n" in body[q.start:q.end].strip()
        run = [(q.chunk, q.end)]
        for c in siblings:
            if c.seq != run[-1][0].seq + 1:
                break
            run.append((c, 0))
        for c, start in run:
            stop = False
            for a, b, line in _lines(c.body, start):
                it = _item(line)
                # "(h) ... one of the following objectives:" is followed by "(i)", "(ii)": roman sub-items.
                roman = it == ("letter", 9) and sub_list
                if it and it[0] == style and it[1] == pos + 1 and not roman:
                    pos += 1
                    sub_list = line.endswith((":", "："))
                    if len(items) < MAX_LIST_ITEMS:
                        item = Quote(c, a, b, limit=LIST_ITEM_CHARS, para=q.paragraph)
                        item.end = b  # the item's own line: its sub-items stay in the card
                        items.append(item)
                    else:
                        more += 1
                elif _NEW_PARAGRAPH_RE.match(line) and not (it and it[0] == style):
                    stop = True  # "2. The use of ..." ends the list of paragraph 1
                    break
            if stop:
                break
        quoted = [(o.chunk.chunk_id, o.start, o.end) for o in quotes]
        items = [i for i in items if not any(cid == i.chunk.chunk_id and a < i.end and i.start < b
                                             for cid, a, b in quoted)]
        if items:
            return q, items, more
    return None, [], 0


def _candidates(hits: list[Hit], q_terms: set[str], aspect_rx: list[re.Pattern],
                figure_rx: list[re.Pattern] | None = None, asked_term: set[str] | None = None,
                expansion: frozenset[str] = frozenset()) -> list[tuple[float, int, Quote]]:
    """(score, hit rank, quote) for every sentence of the top hits.

    Score: question terms in the sentence weighted by rarity among these sentences
    (words every provision of a law repeats, like "artificial intelligence-related
    technology", count little), plus bonuses for the asked aspect and for amounts/dates.
    ``asked_term``: the question's own terms, for a definition question: a sentence that defines a
    term made of them ("‘AI system’ means ...") beats one that merely uses it ("“safety component”
    means a component of ... an AI system").
    ``expansion``: terms that come only from the aspect's keyword list, not from the question: they
    count half and together at most as one term ("criminal offences ... criminal penalties" in UK GDPR
    Art. 23 is not about fines; "punished by imprisonment or a fine" does not answer "the fine for not notifying").
    """
    sents = []
    for rank, h in enumerate(hits):
        body = h.chunk.body
        for a, b in sentence_spans(body):
            s = body[a:b]
            if len(s) >= (4 if CJK_RUN.search(s) and not s.isascii() else 12):
                sents.append((rank, Quote(h.chunk, a, b), s, terms(s) & q_terms))
    n = len(sents)
    df: dict[str, int] = {}
    for *_, ts in sents:
        for t in ts:
            df[t] = df.get(t, 0) + 1
    idf = {t: math.log(1 + (n + 1) / (d + 0.5)) for t, d in df.items()}
    unit = (sum(idf.values()) / len(idf)) if idf else 1.0
    out = []
    titles: dict[str, float] = {}
    for rank, quote, s, ts in sents:
        c = quote.chunk
        if c.chunk_id not in titles:  # the caption ("Penalties", "（国民の責務）") names what the article is about
            t_terms = terms(c.unit_title) if c.unit_title else set()
            hit = len(t_terms & q_terms)
            # Scaled by how much of the caption matches: "Penalties" (Art. 99) is about fines as a whole,
            # "Administrative fines on Union institutions, bodies, ..." (Art. 100) only partly.
            titles[c.chunk_id] = 0.5 * min(hit, 3) * math.sqrt(hit / len(t_terms)) if hit else 0.0
        # Expansion terms widen, they do not outvote the question's own words: together at most one term.
        score = (sum(idf[t] for t in ts - expansion) + min(unit, 0.5 * sum(idf[t] for t in ts & expansion))) / unit  # ~ number of shared terms, rare ones count more
        score += titles[c.chunk_id]
        if quote.chunk.unit_kind not in _BINDING_KINDS:
            score *= 0.7  # recitals and bill digests explain; articles and sections bind
        if ts and any(rx.search(s) for rx in aspect_rx):
            score += 0.75
        if ts and figure_rx and any(rx.search(s) for rx in figure_rx):
            score += 1.0
        if asked_term and any((dt := terms(d)) and dt <= asked_term for d in defined_terms(s)):
            score += 1.5
        out.append((score, rank, quote))
    return out


# A sentence that refers back ("This obligation does not require ...", "That period may be extended by
# two further months") is read with the sentence it refers to; "This Regulation" refers to the law.
_ANAPHOR_RE = re.compile(r"^(?:(?:This|That|These|Those|Such)\s+(?!Regulation|Directive|Act|Article|Chapter|Section|"
                         r"Part|Title|Code|Law|Annex|Union|Member|Commission|division|chapter|section|part|title|"
                         r"subdivision|paragraph|article|act|law|code)[a-z]|ただし)")


def _self_contained(q: Quote) -> Quote:
    """``q`` widened, within its paragraph and the quote budget, to the sentence a referring-back sentence
    needs: the one before a quoted "This obligation ...", the one after when it begins "That period ..."."""
    body = q.chunk.body
    spans = [(a, b) for a, b in sentence_spans(body) if "\n" not in body[min(a, q.start):max(b, q.end)]]
    start, end = q.start, q.end
    if _ANAPHOR_RE.match(body[start:end]):
        before = [a for a, b in spans if b <= start]
        start = before[-1] if before else start
    after = [(a, b) for a, b in spans if a >= end]
    if after and _ANAPHOR_RE.match(body[after[0][0]:after[0][1]]):
        end = after[0][1]
    if (start, end) == (q.start, q.end) or end - start > MAX_QUOTE_CHARS:
        return q
    return Quote(q.chunk, start, end, q.limit, q.para)


def select_quotes(question: str, hits: list[Hit], aspects: list[str], limit: int,
                  articles: list[str] | None = None, current: str | None = None) -> list[Quote]:
    """The best sentences of the top hits, in rank order; [] when none shares a term with the question.
    ``current``: for a follow-up, the question as asked (``question`` then holds the resolved one): the
    earlier turn's words help, but like aspect keywords they cannot outvote what is asked now."""
    wanted = {a.split("(")[0] for a in (articles or [])}
    if wanted and any(h.chunk.article in wanted for h in hits):
        hits = [h for h in hits if h.chunk.article in wanted]  # "what does Article 13 say": that article
    own = terms(current or question) | synonym_terms(current or question)
    q_terms = own | terms(question) | synonym_terms(question) | aspect_terms(tuple(aspects))
    rxs = [rx for rx in (aspect_regex(a) for a in aspects) if rx]
    cands = _candidates(hits, q_terms, rxs, [rx for rx in map(figure_regex, aspects) if rx],
                        terms(question) if "definitions" in aspects else None, frozenset(q_terms - own))
    if not cands:
        return []
    top = max(c[0] for c in cands)
    if top <= 0:  # only an explicitly named article justifies quoting without any overlap
        firsts = [c for c in cands if c[2].chunk.article in wanted]
        return [c[2] for c in firsts[:1]]
    per_hit: dict[int, list[tuple[float, int, Quote]]] = {}
    for c in sorted(cands, key=lambda c: -c[0]):
        if c[0] > 0 and len(per_hit.setdefault(c[1], [])) < 2:  # at most two sentences of one provision
            per_hit[c[1]].append(c)
    # Rank: score, a small bonus for retrieval rank, and second sentences of a provision come later.
    chosen = sorted(((c, i) for cs in per_hit.values() for i, c in enumerate(cs)),
                    key=lambda ci: -(ci[0][0] + 0.3 / (ci[0][1] + 1) - 0.5 * ci[1]))
    chosen = [c for c, _ in chosen]
    chosen = [c for c in chosen if c[0] >= max(1.0, 0.45 * top) or c[2].chunk.article in wanted]
    out: list[Quote] = []
    seen: set[str] = set()
    for c in chosen:  # the OJ text and a consolidation (or two translations) often repeat a sentence
        q = c[2]
        key = re.sub(r"\W+", "", q.text).lower()  # "Article 7(9)" and "Article 7 (9)" are the same sentence
        # A list item already quoted with its lead-in ("... 30 million won:\n1. A person who ...") is not repeated.
        inside = any(o.chunk.chunk_id == q.chunk.chunk_id and o.start < q.end and q.start < o.end for o in out)
        if key not in seen and not inside:
            seen.add(key)
            out.append(q)
    return [_self_contained(q) for q in out[:limit]]  # best first: the first quote is the answer
