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
from dataclasses import dataclass

from rag.core.citations import MAX_QUOTE_CHARS, Quote, squashed
from rag.core.text import CONTENT_CJK_RUN, sentence_spans
from rag.core.types import Hit
from rag.core.weights import Weights
from rag.understand.lexicon import aspect_regex, aspect_terms, terms
from rag.understand.question import Question
from rag.understand.scope import defined_terms, figure_regex

log = logging.getLogger(__name__)

_BINDING_KINDS = ("article", "section", "annex", "supplementary")
DEFAULT_WEIGHTS = Weights()


@dataclass
class Candidate:
    """One sentence of a top hit with what its score is made of (``features``, each named for a weight of
    weights.toml [quotes]) and the score itself."""

    rank: int  # the retrieval rank of its provision among the hits
    quote: Quote
    features: dict[str, float]
    score: float = 0.0


def sentence_score(f: dict[str, float], w: Weights) -> float:
    """A sentence's score from its features: the shared terms and the caption (scaled down for provisions that
    do not bind), and the bonuses; only a sentence sharing a term with the question gets bonuses."""
    base = f["terms"] + w.sentence_caption_weight * f["caption"]
    if f["non_binding"]:
        base *= w.sentence_non_binding_factor
    base += w.sentence_defines_bonus * f["defines"]
    if not f["shares"]:
        return base
    return (base + w.sentence_aspect_bonus * f["aspect"] + w.sentence_figure_bonus * f["figure"]
            + w.sentence_opening_bonus * f["opening"] + w.sentence_rank_bonus * f["rank"]
            + w.sentence_judge_weight * f.get("judge", 0.0))


def _candidates(hits: list[Hit], q_terms: set[str], aspect_rx: list[re.Pattern],
                figure_rx: list[re.Pattern] | None = None, asked_term: set[str] | None = None,
                expansion: frozenset[str] = frozenset(), literal: tuple[str, ...] = ()) -> list[Candidate]:
    """Every sentence of the top hits with its features (scored by ``sentence_score``).

    ``terms``: question terms in the sentence weighted by rarity among these sentences (words every
    provision of a law repeats, like "artificial intelligence-related technology", count little), in units
    of an average term. ``caption``: the caption's terms the question shares. ``aspect``/``figure``: it speaks
    of the asked aspect / has the figure answering it. ``defines``: for a definition question, ``asked_term``
    (the question's own terms): a sentence that defines a term made of them ("‘AI system’ means ...") beats
    one that merely uses it ("“safety component” means a component of ... an AI system"). ``opening``: it
    opens its paragraph.
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
                opening = a == 0 or body[:a].rstrip(" \t").endswith("\n")
                sents.append((rank, Quote(h.chunk, a, b), s,
                              (terms(s) & q_terms) | {f"={w}" for w in literal if w in s}, opening))
    n = len(sents)
    df: dict[str, int] = {}
    for *_, ts, _ in sents:
        for t in ts:
            df[t] = df.get(t, 0) + 1
    idf = {t: math.log(1 + (n + 1) / (d + 0.5)) for t, d in df.items()}
    unit = (sum(idf.values()) / len(idf)) if idf else 1.0
    out = []
    titles: dict[str, float] = {}
    for rank, quote, s, ts, opening in sents:
        c = quote.chunk
        if c.chunk_id not in titles:  # the caption ("Penalties", "（国民の責務）") names what the article is about
            t_terms = terms(c.unit_title) if c.unit_title else set()
            hit = len(t_terms & q_terms)
            # Scaled by how much of the caption matches: "Penalties" (Art. 99) is about fines as a whole,
            # "Administrative fines on Union institutions, bodies, ..." (Art. 100) only partly.
            titles[c.chunk_id] = min(hit, 3) * math.sqrt(hit / len(t_terms)) if hit else 0.0
        # Expansion terms widen, they do not outvote the question's own words: together at most one term.
        shared = (sum(idf[t] for t in ts - expansion) + min(unit, 0.5 * sum(idf[t] for t in ts & expansion))) / unit
        out.append(Candidate(rank, quote, {
            "terms": shared, "caption": titles[c.chunk_id], "shares": float(bool(ts)),
            "non_binding": float(c.unit_kind not in _BINDING_KINDS),
            "aspect": float(bool(ts) and any(rx.search(s) for rx in aspect_rx)),
            "figure": float(bool(ts and figure_rx) and any(rx.search(s) for rx in figure_rx)),
            "defines": float(bool(asked_term) and any((dt := terms(d)) and dt <= asked_term for d in defined_terms(s))),
            "opening": float(opening), "rank": 1.0 / (rank + 1)}))
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


def _judged(cands: list[Candidate], judge, asked: str) -> None:
    """The cross-encoder's logit (its positive part: it promotes what answers, demotes nothing) as the
    ``judge`` feature of the best-scoring English sentences."""
    best = sorted((c for c in cands if c.score > 0 and c.quote.chunk.language == "en"), key=lambda c: -c.score)[:_JUDGED]
    logits = judge.logits(asked, [c.quote.text for c in best]) if best else []
    for c, lg in zip(best, logits, strict=True):
        c.features["judge"] = max(lg, 0.0)


def select_quotes(question: Question, hits: list[Hit], aspects: list[str], limit: int,
                  articles: list[str] | None = None, translated: list[str] | tuple[str, ...] = (), *,
                  as_asked: bool = True, judge=None, asked: str = "", weights: Weights = DEFAULT_WEIGHTS,
                  record: list | None = None) -> list[Quote]:
    """The best sentences of the top hits, in rank order; [] when none shares a term with the question.
    The sentences are found by the question's wording (its resolved text, or the story it tells); with
    ``as_asked`` only the words of the question as asked are its own: the earlier turn's words (of a
    follow-up) help, but like aspect keywords they cannot outvote what is asked now. Without it the
    wording's words are all its own.
    ``translated``: the question's words in the other language (Scope.translated); they count as its own.
    ``weights``: the [quotes] weights of each feature (``sentence_score``). ``judge`` (the cross-encoder),
    when ``sentence_judge_weight`` > 0: each English sentence that shares a term gains that weight x its
    logit for ``asked``, so that of two sentences sharing the question's words the one that answers comes
    first (an article's rule before the exception that repeats its words).
    ``record``: a list that gets this call's ``QuoteChoice`` (for fitting the weights, rag/evaluation/fit.py)."""
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
    for c in cands:  # the judge reads the best-scoring sentences
        c.score = sentence_score(c.features, weights)
    if judge is not None and weights.sentence_judge_weight > 0 and asked and question.lang == "en":
        _judged(cands, judge, asked)
    if record is not None:
        record.append(QuoteChoice(cands, frozenset(wanted), limit))
    return choose(cands, weights, wanted, limit)


@dataclass
class QuoteChoice:
    """One call's candidates and what bounded the choice: enough to choose again with other weights
    (``choose``), which is how rag/evaluation/fit.py fits the [quotes] weights."""

    cands: list[Candidate]
    wanted: frozenset[str]  # articles the question names
    limit: int


def choose(cands: list[Candidate], w: Weights, wanted: set[str] | frozenset[str], limit: int) -> list[Quote]:
    """The quotes among ``cands`` under the weights ``w``, best first: at most ``sentences_per_provision`` of one provision,
    none below the floor (``quote_min_score``, ``quote_min_share_of_best`` of the best), no sentence twice."""
    for c in cands:
        c.score = sentence_score(c.features, w)
    top = max(c.score for c in cands)
    if top <= 0:  # only an explicitly named article justifies quoting without any overlap
        log.debug("no sentence of %d shares a term with the question%s", len(cands),
                  ": the named article's first" if wanted else "")
        firsts = [c for c in cands if c.quote.chunk.article in wanted]
        return [c.quote for c in firsts[:1]]
    per_hit: dict[int, list[Candidate]] = {}
    for c in sorted(cands, key=lambda c: -c.score):
        if c.score > 0 and len(per_hit.setdefault(c.rank, [])) < w.sentences_per_provision:
            per_hit[c.rank].append(c)
    # Best first; a provision's second sentence comes later than its score alone would put it.
    chosen = sorted(((c, i) for cs in per_hit.values() for i, c in enumerate(cs)),
                    key=lambda ci: -(ci[0].score - w.second_sentence_penalty * ci[1]))
    chosen = [c for c, _ in chosen]
    ranked = len(chosen)
    floor = max(w.quote_min_score, w.quote_min_share_of_best * top)
    chosen = [c for c in chosen if c.score >= floor or c.quote.chunk.article in wanted]
    log.debug("%d sentences scored (best %.2f); %d of the %d best per provision dropped below %.2f", len(cands), top,
              ranked - len(chosen), ranked, floor)
    out: list[Quote] = []
    seen: set[str] = set()
    for c in chosen:  # the OJ text and a consolidation (or two translations) often repeat a sentence
        q = c.quote
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
