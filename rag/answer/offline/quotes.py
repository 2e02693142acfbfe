"""Which sentences of the retrieved provisions the offline answerer quotes.

Every sentence of the top hits is scored by the question's terms (weighted by rarity among
those sentences), the provision's caption, the asked aspect, the figures that answer it
(amounts, dates) and, for a definition question, whether the sentence defines the asked term.
At most two sentences of one provision; the best first, because the first quote is the answer.
A sentence that refers back ("This obligation ...", "That period may be extended ...") is quoted
with the sentence it refers to.
"""
from __future__ import annotations

import logging
import math
import re

from rag.core.citations import MAX_QUOTE_CHARS, Quote, squashed
from rag.core.text import CONTENT_CJK_RUN, sentence_spans
from rag.core.types import Hit
from rag.understand.lexicon import aspect_regex, aspect_terms, terms
from rag.understand.question import Question
from rag.understand.scope import defined_terms, figure_regex

log = logging.getLogger(__name__)

_BINDING_KINDS = ("article", "section", "annex", "supplementary")


def _candidates(hits: list[Hit], q_terms: set[str], aspect_rx: list[re.Pattern],
                figure_rx: list[re.Pattern] | None = None, asked_term: set[str] | None = None,
                expansion: frozenset[str] = frozenset(), literal: tuple[str, ...] = ()) -> list[tuple[float, int, Quote]]:
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
    ``literal``: words that count as a term where the sentence contains them as written (the question's
    words in the law's language: わいせつ is written in kana, which the term extractor does not read).
    """
    sents = []
    for rank, h in enumerate(hits):
        body = h.chunk.body
        for a, b in sentence_spans(body):
            s = body[a:b]
            if len(s) >= (4 if CONTENT_CJK_RUN.search(s) and not s.isascii() else 12):
                sents.append((rank, Quote(h.chunk, a, b), s,
                              (terms(s) & q_terms) | {f"={w}" for w in literal if w in s}))
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


_JUDGED = 24  # sentences per answer the cross-encoder reads (about 0.15 s)


def _judged(cands: list[tuple[float, int, Quote]], judge, weight: float, asked: str) -> list[tuple[float, int, Quote]]:
    """``cands`` with the best-scoring English sentences' scores moved by ``weight`` x the cross-encoder's logit."""
    best = sorted((i for i, c in enumerate(cands) if c[0] > 0 and c[2].chunk.language == "en"),
                  key=lambda i: -cands[i][0])[:_JUDGED]
    logits = judge.logits(asked, [cands[i][2].text for i in best]) if best else []
    out = list(cands)
    for i, lg in zip(best, logits, strict=True):
        score, rank, quote = out[i]
        out[i] = (score + weight * max(lg, 0.0), rank, quote)  # promotes what answers, demotes nothing
    return out


def select_quotes(question: Question, hits: list[Hit], aspects: list[str], limit: int,
                  articles: list[str] | None = None, translated: list[str] | tuple[str, ...] = (), *,
                  as_asked: bool = True, judge=None, judge_weight: float = 0.0, asked: str = "") -> list[Quote]:
    """The best sentences of the top hits, in rank order; [] when none shares a term with the question.
    The sentences are found by the question's wording (its resolved text, or the story it tells); with
    ``as_asked`` only the words of the question as asked are its own: the earlier turn's words (of a
    follow-up) help, but like aspect keywords they cannot outvote what is asked now. Without it the
    wording's words are all its own.
    ``translated``: the question's words in the other language (Scope.translated); they count as its own.
    ``judge`` (the cross-encoder) with ``judge_weight`` > 0: each English sentence that shares a term gains
    ``judge_weight`` x its logit for ``asked``, so that of two sentences sharing the question's words the one
    that answers comes first (an article's rule before the exception that repeats its words)."""
    wanted = {a.split("(")[0] for a in (articles or [])}
    if wanted and any(h.chunk.article in wanted for h in hits):
        hits = [h for h in hits if h.chunk.article in wanted]  # "what does Article 13 say": that article
    literal = tuple(w for w in dict.fromkeys(translated) if len(w) >= 2)
    if as_asked:
        own = question.terms | question.synonyms | {f"={w}" for w in literal}
    else:
        own = question.wording_terms | question.wording_synonyms | {f"={w}" for w in literal}
    # the law's name helps like an aspect keyword, it does not outvote what is asked ("how long can we keep
    # delivery photos under the Customer Data Retention Standard": the photos, not the retention of data)
    own = (own - question.name_terms) or own
    q_terms = own | question.wording_terms | question.wording_synonyms | aspect_terms(tuple(aspects))
    rxs = [rx for rx in (aspect_regex(a) for a in aspects) if rx]
    cands = _candidates(hits, q_terms, rxs, [rx for rx in map(figure_regex, aspects) if rx],
                        question.wording_terms if "definitions" in aspects else None, frozenset(q_terms - own),
                        literal)
    if not cands:
        return []
    if judge is not None and judge_weight > 0 and asked and question.lang == "en":
        cands = _judged(cands, judge, judge_weight, asked)
    top = max(c[0] for c in cands)
    if top <= 0:  # only an explicitly named article justifies quoting without any overlap
        log.debug("no sentence of %d shares a term with the question%s", len(cands),
                  ": the named article's first" if wanted else "")
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
    ranked = len(chosen)
    chosen = [c for c in chosen if c[0] >= max(1.0, 0.45 * top) or c[2].chunk.article in wanted]
    log.debug("%d sentences scored (best %.2f); %d of the %d best per provision dropped below %.2f", len(cands), top,
              ranked - len(chosen), ranked, max(1.0, 0.45 * top))
    out: list[Quote] = []
    seen: set[str] = set()
    for c in chosen:  # the OJ text and a consolidation (or two translations) often repeat a sentence
        q = c[2]
        key = squashed(q.text)  # "Article 7(9)" and "Article 7 (9)" are the same sentence
        # A list item already quoted with its lead-in ("... 30 million won:\n1. A person who ...") is not repeated.
        inside = any(o.overlaps(q) for o in out)
        if key not in seen and not inside:
            seen.add(key)
            out.append(q)
        else:
            log.debug("not quoted again (%s): %.60s", "inside a quote" if inside else "same sentence", q.text)
    return [_self_contained(q) for q in out[:limit]]  # best first: the first quote is the answer


def opening_quotes(hits: list[Hit], n: int = 2) -> list[Quote]:
    """The opening sentence of each of the first ``n`` binding provisions among ``hits``, in retrieval order
    (recitals and digests only when nothing binds). For a question none of whose words a sentence shares (a
    story told in other words than the statute's): retrieval still ranked these first, so they are shown as the
    closest provisions, not as an absence, and the lead says whether the judge finds that they answer."""
    binding = [h for h in hits if h.chunk.unit_kind in _BINDING_KINDS] or hits
    out: list[Quote] = []
    for h in binding:
        spans = sentence_spans(h.chunk.body)
        if spans and all(o.chunk.chunk_id != h.chunk.chunk_id for o in out):
            out.append(_self_contained(Quote(h.chunk, *spans[0])))
        if len(out) == n:
            break
    return out
