"""The deterministic offline answerer: a one-line lead, then the best supporting
sentences of the retrieved provisions quoted verbatim, each with its [n].

No model writes anything here, so nothing can be invented: every quote is cut
from a chunk body (rag/core/citations.py) and the lead comes from
rag/data/templates.toml. Honesty rules:

- absence: a question about an aspect (penalties, labelling...) of a named law
  whose full text has none of that aspect's keywords is answered "the law
  contains no provisions on ..." plus its closest provisions — never another
  jurisdiction's rules;
- out of corpus: a law that is not indexed, or nothing relevant retrieved,
  gives an abstention naming what is indexed;
- several jurisdictions/laws: one section each, with its own citations;
- instructions: a passage with instruction-like text (rag/data/injection.toml: "ignore previous
  instructions", "from now on you answer ...") is never quoted, not even its other sentences, and the
  answer says which passage was left out.
"""
from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field

from rag.answer.offline.changes import other_wordings
from rag.answer.offline.law_checks import (
    absent_aspects,
    aspect_hits,
    closest_quotes,
    commencement_hits,
    is_commencement,
    missing_articles,
    unsupported_figures,
)
from rag.answer.offline.lists import list_items, with_lead_in
from rag.answer.offline.quotes import opening_quotes, select_quotes
from rag.core.citations import (
    QUOTED_HITS,
    CitationBook,
    Quote,
    clip,
    label,
    law_name,
    provision_ref,
    squashed,
    unit_refs,
)
from rag.core.dates import WRITTEN_DATE, iso, long_date, today
from rag.core.text import sentence_spans
from rag.core.types import STATUTE_KINDS, Answer, Chunk, Hit, Scope
from rag.core.weights import Weights
from rag.retrieve.protocol import Retriever
from rag.retrieve.rerank import CachingJudge
from rag.understand.lexicon import aspect_regex, aspect_terms, templates, terms
from rag.understand.question import Question, parse_question
from rag.understand.scope import figure_regex
from rag.verify.checks import injection_matches

log = logging.getLogger(__name__)
MAX_HITS = QUOTED_HITS  # sentences are taken from the top hits only: lower ranks are mostly noise
MAX_QUOTES, MAX_QUOTES_SECTION = 4, 2


def law_display(chunk: Chunk, lang: str) -> str:
    if lang == "ja" and chunk.language == "ja" and " / " in chunk.law_title:
        return chunk.law_title.split(" / ", 1)[1].split(" — ")[0].strip()
    if chunk.kind == "user":
        return law_name(chunk)  # "Your upload: <its own title>", never dressed as an official act
    short, cite = chunk.short_name, law_name(chunk)
    return f"{short} ({cite})" if short and cite and short != cite else (short or cite)


def _doc_rank(c: Chunk) -> tuple:
    # The statute itself before translations and consolidations; "(as enacted)" versions last.
    return ({"law": 0, "translation": 1}.get(c.kind, 2), len(c.short_name))


def _prefer_language(hits: list[Hit], lang: str, retriever: Retriever | None = None) -> list[Hit]:
    """The hits in the question's language: a provision retrieved only in another language is
    replaced by the same provision of the law's text in the question's language, when indexed;
    then one hit per provision."""
    out: list[Hit] = []
    for h in hits:
        c = h.chunk
        alt: list[Chunk] = []
        if c.language != lang and retriever is not None:
            alt = [x for x in retriever.law_chunks(c.law_id) if x.language == lang and x.article == c.article
                   and x.unit_kind == c.unit_kind and x.kind in STATUTE_KINDS]
            if alt:
                best_doc = min(alt, key=_doc_rank).doc_id
                alt = [x for x in alt if x.doc_id == best_doc]
        out += [Hit(chunk=x, score=h.score, ranks={**h.ranks, "language_of": c.chunk_id}) for x in alt] or [h]
    groups: dict[tuple, list[Hit]] = {}
    for h in out:
        c = h.chunk
        groups.setdefault((c.law_id, c.unit_kind, c.article, c.paragraph), []).append(h)
    keep = {id(min(g, key=lambda h: _doc_rank(h.chunk))) for g in groups.values()}
    return [h for h in out if id(h) in keep]


def _mentions(quotes: list[Quote], aspects: list[str]) -> bool:
    rxs = [rx for rx in (aspect_regex(a) for a in aspects) if rx]
    return not rxs or any(rx.search(q.text) for q in quotes for rx in rxs)


def _refs(quotes: list[Quote], lang: str = "en", by_law: bool = False) -> str:
    """"Art. 33(1), Art. 33(2)"; ``by_law``: quotes of several laws each named with their law's short name
    ("GDPR, Art. 33(1); DSA, Art. 16(1)"), so no provision reads as another law's."""
    if by_law and len({q.chunk.law_id for q in quotes}) > 1:
        groups: dict[str, list[Quote]] = {}
        for q in quotes:
            groups.setdefault(q.chunk.law_id, []).append(q)
        sep = "；" if lang == "ja" else "; "
        return sep.join(f"{qs[0].chunk.short_name or law_display(qs[0].chunk, lang)}{'、' if lang == 'ja' else ', '}{_refs(qs, lang)}"
                        for lid, qs in groups.items())
    refs = list(dict.fromkeys(provision_ref(q.chunk, q.paragraph, lang) for q in quotes))
    return ("、" if lang == "ja" else ", ").join(r for r in refs if r) or (
        "引用した規定" if lang == "ja" else "the quoted provisions")


def _quote_lines(quotes: list[Quote], book: CitationBook, t: dict, retriever: Retriever | None = None,
                 asked: set[str] | None = None) -> list[str]:
    """One line per source: sentences of the same provision are joined as its citation quotes them.
    A quoted lead-in of a list is followed by the list's other items, one line each."""
    by_n: dict[int, None] = {}
    for q in quotes:
        by_n[book.cite(q)] = None
    quote_of = {c.n: c.quote for c in book.citations}
    lines = {n: [t["quote"].format(quote=quote_of[n], n=n)] for n in by_n}
    law_chunks = retriever.law_chunks if retriever is not None else None
    lead, items, more = list_items(quotes, law_chunks, asked) if law_chunks else (None, [], 0)
    if lead is not None:
        n = book.cite(lead)
        lines[n] += [t["list_item"].format(quote=i.text, n=book.cite(i)) for i in items]
        if more:
            lines[n].append(t["list_more"].format(count=more))
    return [line for n in by_n for line in lines[n]]


_COMMENCES = re.compile(r"(?:enters? into force|takes? effect|come[s]? into (?:force|effect)|appl(?:y|ies)|shall apply"
                        r"|becomes? operative)"
                        r"(?: on| from| as of)?\s+(" + WRITTEN_DATE.pattern + ")", re.I)


_DEADLINE = re.compile(r"\b(?:by|until|no later than|not later than|as from|on or after|beginning)\s+("
                       + WRITTEN_DATE.pattern + ")", re.I)
_PROVISO = re.compile(r";\s*provided\b|\bprovided that\b|\bHowever\b|\bexcept\b|ただし", re.I)


@dataclass
class Topic:
    """What a "when" question is about besides the date: the structural units (chapter, section, article)
    its other retrieved provisions sit in, and its own content words."""

    units: dict[tuple[str, str], float] = field(default_factory=dict)  # unit -> weight (1 for the best hit)
    words: set[str] = field(default_factory=set)


def _topic(turn: Turn, pool: list[Hit]) -> Topic:
    """The topic of a "when" question about part of a law ("the prohibitions", "very large online
    platforms"): the articles of the retrieved provisions that are not themselves entry-into-force clauses,
    with the chapters and sections they sit in (``law_structure``: from any version of the law, as a
    consolidation may print no chapter numbers), plus articles the question names; and the question's words
    other than the law's name and the vocabulary of dates."""
    # The two best provisions that are not entry-into-force clauses, the first counting double: the
    # further hits are often about a neighbouring topic whose chapter a clause also names.
    arts = list(dict.fromkeys((h.chunk.law_id, h.chunk.article) for h in pool
                              if h.chunk.unit_kind in ("article", "section", "paragraph")
                              and not is_commencement(h.chunk)))[:2]
    units = {("article", a): 1.0 for a in turn.scope.articles}
    for rank, (law_id, article) in enumerate(arts):
        weight = 1.0 / (1 + rank)
        found = {("article", article)}
        found |= turn.retriever.law_structure(law_id).get(article, set()) if turn.retriever is not None else set()
        for u in found:
            units[u] = max(units.get(u, 0.0), weight)
    noise = set(aspect_terms(("dates",)))
    for h in pool:
        noise |= terms(" ".join((h.chunk.law_title, h.chunk.short_name, h.chunk.citation_name)))
    return Topic(units, turn.q.resolved_terms - noise)


_EXCEPTION = re.compile(r"\b(?:with the exception of|except(?:ing)?|other than)\b", re.I)
_WHOLE_ARTICLE = re.compile(r"\bArticles?\s+(\d+[a-z]?)\b(?!\s*\()", re.I)


def _excepted(text: str) -> set[tuple[str, str]]:
    """Whole articles a clause excepts from its date ("..., with the exception of Article 101"). An
    exception of parts ("with the exception of Article 5(1), points (ba) and (bb)") leaves the rest of the
    article under the clause, so it is not counted."""
    parts = _EXCEPTION.split(text, maxsplit=1)
    return {("article", m.group(1)) for m in _WHOLE_ARTICLE.finditer(parts[1])} if len(parts) > 1 else set()


# "This section shall become operative on January 1, 2027": a provision stating its own date.
_THIS_UNIT = r"\bThis (?:sub)?(?:section|article|subdivision|chapter|part|paragraph)\b[^.;]{0,40}?"
_OWN_DATE = re.compile(_THIS_UNIT + _COMMENCES.pattern, re.I)
# "This subsection (3) is repealed, effective January 1, 2030": a provision stating when it ends.
_OWN_END = re.compile(_THIS_UNIT + r"(?:(?:is|are|shall be|will be)\s+repealed|(?:shall\s+)?expires?|(?:shall\s+)?ceases?"
                      r" to (?:have effect|apply|be in effect)|remains? in (?:force|effect)(?: only)? until|is inoperative)"
                      r"(?:,?\s*effective|\s+on|\s+as of|\s+from)?\s+(" + WRITTEN_DATE.pattern + ")", re.I)


def _own_date(quote: Quote, retriever: Retriever | None, until: bool = False) -> tuple[Quote, str] | None:
    """The sentence of the quoted provision (any of its chunks) that states when the provision itself
    applies ("(c) This section shall become operative on January 1, 2027."), and that date; None if it has
    none. For "does it apply yet?", the provision's own date answers before the law's general one. ``until``
    (the question asks when something ends): the sentence stating when the provision ends ("This subsection
    (3) is repealed, effective January 1, 2030") answers first."""
    if retriever is None:
        return None
    c0 = quote.chunk
    for rx in (_OWN_END, _OWN_DATE) if until else (_OWN_DATE,):
        for c in retriever.lookup(c0.law_id, c0.article):
            if c.doc_id != c0.doc_id or c.unit_kind != c0.unit_kind:
                continue  # another version's text, or a recital of the same number
            for start, end in sentence_spans(c.body):
                m = rx.search(c.body[start:end])
                if m:
                    return Quote(c, start, end), m.group(1)
    return None


def _earlier_wording(pool: list[Hit], retriever: Retriever | None, as_of: str) -> list[Hit]:
    """For a question about the earlier version only: of a provision the pool has in a superseded and a current
    text, the superseded one (the current wording follows as "Now: ..." after the quotes, _other_wordings)."""
    earlier = _earlier_texts([h.chunk for h in pool], retriever, as_of)
    if not earlier:
        return pool
    older, ids = {(c.law_id, c.unit_kind, c.article) for c in earlier}, {c.chunk_id for c in earlier}
    kept = [h for h in pool if (h.chunk.law_id, h.chunk.unit_kind, h.chunk.article) not in older
            or h.chunk.chunk_id in ids]
    log.info("earlier version asked: %d current texts left out, their provisions' earlier wording is quoted",
             len(pool) - len(kept))
    return kept


def _earlier_texts(chunks: list[Chunk], retriever: Retriever | None, as_of: str) -> list[Chunk]:
    """Those of ``chunks`` whose text a later version has replaced (superseded on ``as_of``)."""
    versions = retriever.versions() if retriever is not None else None
    if versions is None:
        return []
    return [c for c in chunks if versions.status(c.doc_id, c.unit_kind, c.article, as_of).state == "superseded"]


def _clause_units(text: str) -> set[tuple[str, str]]:
    """The units a dated clause is about. A chapter named only to place its sections ("Chapter III Section 4",
    "Chapter III, Sections 1, 2, and 3") stands for those sections, not for the whole chapter: the clause does
    not date Chapter III's other sections. A chapter named whole and excepted in part keeps its place."""
    placed = {n.split(".")[0] for k, n in unit_refs(_EXCEPTION.split(text, maxsplit=1)[0])
              if k == "section" and "." in n}
    return {u for u in unit_refs(text) if not (u[0] == "chapter" and u[1] in placed)}


def _dating_provisions(law_id: str, topic: Topic, scope: Scope, retriever: Retriever | None,
                       have: list[Chunk]) -> list[Chunk]:
    """Provisions outside the entry-into-force article that set a date for the asked article: a transitional
    rule ("Providers ... placed on the market before 2 August 2026 shall ... comply with Article 50(2) by
    2 December 2026"), a later start for one section. They are found by what they cite, not by their
    caption, in the text in force on the scope's date (the earlier text for a question about it). The dated
    sentence must also use one of the question's own words: the best hit of a question about the whole law
    ("When does the Act apply?") is no asked article, and a delegated act due "by 2 August 2027" that cites
    it does not date the law."""
    asked = {n for (kind, n), w in topic.units.items() if kind == "article" and w >= 1.0}
    if not asked or retriever is None:
        return []
    versions = retriever.versions()
    usable = versions.predicate(scope.as_of, scope.history) if versions is not None else (lambda c: True)
    seen = {c.chunk_id for c in have}
    found = []
    for c in retriever.law_chunks(law_id):
        if (c.chunk_id in seen or c.article in asked or c.unit_kind not in ("article", "section", "paragraph")
                or not (_DEADLINE.search(c.body) or _COMMENCES.search(c.body)) or not usable(c)):
            continue
        if any((_DEADLINE.search(c.body[a:b]) or _COMMENCES.search(c.body[a:b]))
               and asked & {n for kind, n in unit_refs(c.body[a:b]) if kind == "article"}
               and terms(c.body[a:b]) & topic.words for a, b in sentence_spans(c.body)):
            found.append(c)
    if found:
        log.info("when-question: %d provisions date article %s", len(found), sorted(asked))
    return found


def _topic_quote(chunks: list[Chunk], topic: Topic) -> tuple[Quote, str] | None:
    """The dated sentence of an entry-into-force provision most about the topic, and its date: two points
    for each unit it names that the topic sits in ("(b) ... Chapter V ... shall apply from 2 August 2025"
    for a question answered by Art. 53 in Chapter V; "Chapter III, Sections 1, 2, and 3 ... shall apply
    from:" and its points score chapter and section for Art. 16 in Chapter III Section 2), one for each
    topic word it uses; None when no sentence names any (the provision's main date then answers)."""
    best: tuple[int, Quote, str] | None = None
    for c in chunks:
        for start, end in sentence_spans(c.body):
            quote = Quote(c, start, end)  # a lead-in ending in ":" runs on over its points
            text = quote.text
            # The date the clause sets ("... comply with Article 50(2) by 2 December 2026"), not the first one it
            # mentions ("placed on the market before 2 August 2026").
            m = _COMMENCES.search(text) or _DEADLINE.search(text)
            date = m.group(1) if m else ((d := WRITTEN_DATE.search(text)) and d.group(0))
            if not date:
                continue
            score = 2 * sum(topic.units.get(u, 0.0) for u in _clause_units(text)) + len(terms(text) & topic.words)
            if _excepted(text) & topic.units.keys():
                continue  # "... shall apply from 2 August 2025, with the exception of Article 101": not its date
            if score and (best is None or score > best[0]):
                best = (score, quote, date)
    if best:
        log.info("when-question: the date of the clause about the topic (score %d): %s, %s", best[0], best[2],
                 label(best[1].chunk, best[1].paragraph))
    return (best[1], best[2]) if best else None


def _dated_first(quotes: list[Quote], aspects: list[str], picked: tuple[Quote, str] | None = None,
                 general: list[Quote] | None = None, first_answers: bool = False) -> tuple[list[Quote], str]:
    """For a "when" question: the quotes with the first one stating a date moved to the front, and that date
    as the provision prints it ("2 August 2025", "January 1, 2027", "公布の日"); ("", quotes) when none does.
    ``picked``, the sentence of an entry-into-force provision about the question's topic with its date
    (``_topic_quote``), goes first instead, in the place of the last quote. When no quote states a date, the
    first sentence of ``general`` (the entry-into-force provisions' sentences) that states when the law
    applies goes first: the topic's own provision may say nothing of dates. ``first_answers``: the judge
    finds the first quote answers, so a deadline it states itself ("operational by 2 August 2027") is the
    date."""
    rx = figure_regex("dates")
    if "dates" not in aspects[:2] or rx is None:
        return quotes, ""
    if picked:
        # The clause about the topic stands for its provision: the provision's other dates (its general
        # application date) would read as the answer's too.
        quote, date = picked
        rest = [q for q in quotes if q.chunk.chunk_id != quote.chunk.chunk_id]
        return [quote] + rest[:max(len(quotes) - 1, 1)], date
    deadline = (_DEADLINE.search(quotes[0].text) if first_answers and quotes and not is_commencement(quotes[0].chunk)
                else None)
    if deadline:
        # The asked provision's own deadline ("... shall be operational by 2 August 2027") before the law's
        # general date: no clause of the final provisions is about it.
        return quotes, deadline.group(1)
    # The date of a main commencement clause ("This Act shall enter into force on January 22, 2026; provided,
    # ...") before a date in a proviso ("provided, the part ... shall enter into force on January 24, 2026").
    def main_clause(t: str) -> str:
        return _PROVISO.split(t, maxsplit=1)[0]
    for find in (lambda t: (m := _COMMENCES.search(main_clause(t))) and m.group(1),
                 lambda t: (m := _COMMENCES.search(t)) and m.group(1)):
        for i, q in enumerate(quotes):
            found = find(q.text)
            if found:
                return [q] + quotes[:i] + quotes[i + 1:], found
    for q in general or []:  # the law's general date before any other date a quote happens to mention
        m = _COMMENCES.search(main_clause(q.text))
        if m:
            return [q] + quotes[:max(len(quotes) - 1, 1)], m.group(1)
    for i, q in enumerate(quotes):
        m = WRITTEN_DATE.search(q.text) or rx.search(q.text)
        if m:
            return [q] + quotes[:i] + quotes[i + 1:], m.group(0)
    return quotes, ""


def _date_status(date_text: str, as_of: str, t: dict, quote: Quote | None = None,
                 retriever: Retriever | None = None) -> str:
    """" (already passed on 1 December 2026)" when the quoted date parses; "" otherwise. A date quoted from a
    superseded text (a question about the version as first enacted) says so instead: that it passed or is
    ahead would read as the law in force."""
    versions = retriever.versions() if retriever is not None and quote is not None else None
    if versions is not None:
        st = versions.status(quote.chunk.doc_id, quote.chunk.unit_kind, quote.chunk.article, as_of)
        if st.state == "superseded":
            return t["dates"]["superseded"].format(on=long_date(st.superseded_on) if st.superseded_on else "?")
    d = iso(date_text) if WRITTEN_DATE.fullmatch(date_text) else ""
    if not d:
        return ""
    as_of = as_of or today()
    return t["dates"]["in_effect" if d <= as_of else "not_yet"].format(as_of=long_date(as_of))


def _lead(t: dict, aspects: list[str], law: str, refs: str) -> str:
    for a in aspects:
        if a in t.get("leads", {}):
            return t["leads"][a].format(law=law, refs=refs)
    return t["lead"].format(law=law, refs=refs)


@dataclass
class Turn:
    """What every section of one answer shares: the question parsed once (its texts, language, asked
    aspects and terms), its scope, the retriever for whole-law reads, the citation book, display names, and
    the relevance judge (cross-encoder) with the weights that decide the lead."""

    q: Question
    scope: Scope
    retriever: Retriever | None
    book: CitationBook
    names: dict[str, str]
    judge: object | None = None  # .logits(question, passages) -> list[float]; None: the plain lead
    weights: Weights = field(default_factory=Weights)
    said: str = ""  # the previous answer of the conversation, squashed (follow-ups do not repeat it)
    quote_log: list | None = None  # gets each choice of quotes (quotes.QuoteChoice), for fitting their weights
    lead_logit: float | None = None  # the judge's logit of the first lead judged (Answer.lead_logit)

    @property
    def asked(self) -> str:
        """What the judge reads: the story of the question, not its frame ("Which laws apply?" favours
        provisions on applying); without the law's name, which makes its purpose clause ("This Standard sets
        how long ... keeps data") look relevant."""
        return self.wording if self.scope.focus or not self.scope.without_names else self.scope.without_names

    @property
    def wording(self) -> str:
        """The words that find the sentences to quote: of a story told before the ask, the story (its focus,
        rag/understand/focus.py), not "Which laws apply?"; else the question as resolved."""
        return self.q.wording


def _sentence_judge(turn: Turn) -> dict:
    """How sentences are chosen: the [quotes] weights, and the cross-encoder's part in it
    (``sentence_judge_weight``), which reads what is asked."""
    return {"judge": turn.judge, "asked": turn.asked, "weights": turn.weights, "record": turn.quote_log}


def _answers(turn: Turn, quotes: list[Quote]) -> bool | None:
    """Whether the first quoted provision answers the question, by the cross-encoder's logit against the
    threshold fitted on the dev set. The model reads English only: a question or a provision in another
    language gets no judgement (None), and then the lead neither claims nor denies: it names the closest
    provisions and says their relevance was not checked, since a lead that says a provision answers must
    have something that checked it. No judge configured at all (``turn.judge`` None): the plain lead."""
    if turn.judge is None or not quotes:
        return True
    if turn.q.lang != "en" or quotes[0].chunk.language != "en":
        log.info("lead for %s: no judge reads %s/%s -> closest only", label(quotes[0].chunk, quotes[0].chunk.paragraph),
                 turn.q.lang, quotes[0].chunk.language)
        return None
    if turn.q.on_topic(quotes[0].text):
        # "What does the policy say about watermarks?" asks what the text says on a topic, not for one fact:
        # a sentence on that topic answers it. (The MS MARCO judge scores such short questions low.)
        log.info("lead for %s: the quote is on the asked topic %r -> answers",
                 label(quotes[0].chunk, quotes[0].chunk.paragraph), turn.scope.about)
        return True
    logit = turn.judge.logits(turn.asked, [quotes[0].chunk.text])[0]
    if turn.lead_logit is None:
        turn.lead_logit = logit
    ok = logit >= turn.weights.answers_min_logit
    log.info("lead for %s: cross-encoder logit %.2f -> %s", label(quotes[0].chunk, quotes[0].chunk.paragraph), logit,
             "answers" if ok else "closest only")
    return ok


def _one_law_unless_answering(turn: Turn, quotes: list[Quote]) -> list[Quote]:
    """For a question naming a country but no law, once the judge finds the first quote answering: that law's
    quotes, and another law's only where the judge finds them answering too. Quoted for its rank alone beside
    an answer, another law's provision reads as part of it. Where the first quote does not answer, the lead
    says "the closest are", and every law's closest provisions stay (leaving them out lost held-out facts
    whose provision was the second law's); where no judge reads the language, all stay too."""
    first = quotes[0].chunk.law_id
    others = [x for x in quotes if x.chunk.law_id != first]
    if turn.judge is None or turn.q.lang != "en" or any(x.chunk.language != "en" for x in others) \
            or not _answers(turn, quotes):
        return quotes
    logits = turn.judge.logits(turn.asked, [x.chunk.text for x in others])
    keep = {id(x) for x, s in zip(others, logits) if s >= turn.weights.answers_min_logit}
    if len(keep) < len(others):
        log.info("no law named: %d quotes of laws other than %s left out (not judged answering)",
                 len(others) - len(keep), first)
    return [x for x in quotes if x.chunk.law_id == first or id(x) in keep]


def _absence(turn: Turn, law_id: str, hits: list[Hit]) -> list[str] | None:
    """For asked aspects the law never mentions: lines saying so, then its closest provisions; else None."""
    q, lang, retriever = turn.q, turn.q.lang, turn.retriever
    missing = absent_aspects(law_id, q.aspects, retriever)
    if not missing:
        return None
    log.info("%s never mentions %s: absence answer with the closest provisions", law_id, missing)
    t = templates()[lang]
    law = turn.names.get(law_id) or law_id
    lines = []
    for a in missing:
        tpl = t.get("absence_by_aspect", {}).get(a, t["absence"])
        lines.append(tpl.format(law=law, aspect=t["aspect_names"].get(a, a)))
    quotes = closest_quotes(law_id, missing[0], q.wording_terms, lang, retriever) or select_quotes(
        q, [h for h in hits if h.chunk.law_id == law_id], [], 2, as_asked=False)
    if quotes:
        lines.append(t["closest"].format(refs=_refs(quotes, lang)))
        lines += _quote_lines(quotes, turn.book, t)
    return lines


def _first_quotes(turn: Turn, law_id: str | None, hits: list[Hit], limit: int) -> tuple[list[Hit], list[Quote]]:
    """The hits quoted from (the top ones, plus provisions on the asked aspect) and the sentences chosen;
    a follow-up leaves out what the previous answer quoted."""
    q, scope, aspects = turn.q, turn.scope, turn.q.aspects
    pool = hits[:MAX_HITS]
    specific = [a for a in aspects if a in templates().get("absence", {}).get("aspects", [])]
    if law_id and "dates" in aspects[:2]:
        # "When": the law's entry-into-force provisions answer, wherever retrieval ranked them.
        have = {h.chunk.chunk_id for h in pool}
        pool += [h for h in commencement_hits(law_id, q.wording_terms, scope, q.lang, turn.retriever)
                 if h.chunk.chunk_id not in have]
    if law_id and specific:
        # Provisions on the asked aspect (penalties...) compete even when retrieval ranked them low.
        have = {h.chunk.chunk_id for h in pool}
        pool += [h for h in aspect_hits(law_id, specific, q.wording_terms, q.lang, turn.retriever, n=2)
                 if h.chunk.chunk_id not in have]
    if scope.earlier_only:
        pool = _earlier_wording(pool, turn.retriever, scope.as_of)
    quotes = select_quotes(q, pool, aspects, limit + 2 if turn.said else limit, scope.articles, scope.translated,
                           **_sentence_judge(turn))
    if turn.said:
        # A follow-up asking something new gets what the previous answer did not already quote.
        fresh = [q for q in quotes if squashed(q.text) not in turn.said]
        if fresh and len(fresh) < len(quotes):
            log.info("follow-up: %d quotes of the previous answer left out", len(quotes) - len(fresh))
        quotes = (fresh or quotes)[:limit]
    return pool, quotes


def _section(turn: Turn, law_id: str | None, hits: list[Hit], limit: int) -> tuple[list[str], bool] | None:
    """Lines answering for one law (or one jurisdiction when law_id is None), and whether their lead says the
    quotes answer the question (False for an absence, a missing article or a provision the judge finds does
    not answer); None if nothing relevant."""
    q, scope, lang, retriever = turn.q, turn.scope, turn.q.lang, turn.retriever
    book, names, aspects = turn.book, turn.names, turn.q.aspects
    t = templates()[lang]
    if law_id and (absence := _absence(turn, law_id, hits)):
        return absence, False
    pool, quotes = _first_quotes(turn, law_id, hits, limit)
    if not quotes and law_id and len(scope.law_ids) == 1 and missing_articles(law_id, scope.articles, retriever):
        arts = missing_articles(law_id, scope.articles, retriever)
        log.info("%s has no article %s: said so, nothing quoted", law_id, arts)
        return [t["no_article"].format(law=names.get(law_id) or law_id, article=a) for a in arts], False
    if law_id and aspects and not _mentions(quotes, aspects):
        # Retrieval missed the provisions on the asked aspect that the law does have: look them up.
        extra = aspect_hits(law_id, aspects, q.wording_terms, lang, retriever)
        log.info("quotes of %s do not mention %s: %d provisions on it looked up", law_id, aspects, len(extra))
        quotes = select_quotes(q, extra + pool, aspects, limit, scope.articles, scope.translated,
                               **_sentence_judge(turn)) if extra else quotes
    if not quotes and law_id and limit == MAX_QUOTES and pool:
        # No sentence shares a word with the question (a story in other words than the statute's): what
        # retrieval ranked first is still the closest the law has, not proof that it has nothing; the judge
        # decides below whether the lead may say it answers.
        quotes = opening_quotes(pool)
        log.info("no sentence of %s shares a word with the question: the openings of %s, as the closest", law_id,
                 [label(x.chunk, x.paragraph) for x in quotes])
    if not quotes:
        return None
    if "definitions" not in aspects and retriever is not None:
        # "What must providers do?" answered by point (l) of a list: its lead-in takes the point's place,
        # followed by the items (_quote_lines), so the answer is the list, not one point of it. (Not for a
        # definition: "(14) 'safety component' means ..." is one point of the definitions list, and the answer.)
        quotes = with_lead_in(quotes, retriever.law_chunks, q)
    picked, general, own = None, [], None
    if "dates" in aspects[:2]:
        commencing = [h.chunk for h in pool if is_commencement(h.chunk)]
        if scope.earlier_only:  # "as originally enacted": the earlier version's dates, not the amendment's
            commencing = _earlier_texts(commencing, retriever, scope.as_of) or commencing
        own = _own_date(quotes[0], retriever, scope.until)
        if not own:
            topic = _topic(turn, pool)
            dating = _dating_provisions(law_id, topic, scope, retriever, commencing) if law_id else []
            picked = _topic_quote(commencing + dating, topic)
        general = [Quote(c, a, b) for c in commencing for a, b in sentence_spans(c.body)]
    first_answers = "dates" in aspects[:2] and _answers(turn, quotes)  # the judge's answers are cached
    if own:
        # The provision's own date clause first, then the provision's rule as quoted (often the same chunk).
        quotes, date_text = [own[0]] + [x for x in quotes if not x.overlaps(own[0])], own[1]
    else:
        quotes, date_text = _dated_first(quotes, aspects, picked, general, first_answers)
    if q.on_topic(quotes[0].text):
        # "What does the policy say about watermarks?": what it says on the topic, not the sentences retrieval
        # ranked next that never speak of it ("The legal team reviews this policy every year.").
        on_topic = [x for x in quotes if q.about_terms & terms(x.text)]
        if len(on_topic) < len(quotes):
            log.info("asked about %r: %d quotes off the topic left out", scope.about, len(quotes) - len(on_topic))
        quotes = on_topic
    if law_id is None and len({x.chunk.law_id for x in quotes}) > 1:
        quotes = _one_law_unless_answering(turn, quotes)
    laws = list(dict.fromkeys(names.get(q.chunk.law_id) or law_display(q.chunk, lang) for q in quotes))
    # quotes of several laws: each provision named with its law, so none reads as another law's
    refs = _refs(quotes, lang, by_law=len(laws) > 1)
    asked = q.definition_terms  # only the asked term's list is expanded
    claims = _answers(turn, quotes)
    if date_text and (claims or is_commencement(quotes[0].chunk) or (own and first_answers)
                      or (picked and quotes[0] is picked[0])):
        # "When" answered with the date first, as the provision words it; the entry-into-force provision
        # itself answers "when" even where the judge hesitates, and so do a clause that dates the asked
        # article (a transitional rule citing it) and the date clause of a provision the judge found answering.
        claims = True
        # A session law's capitals (its added text) quoted as printed, but the date a sentence opens with in
        # normal case: "January 1, 2030", not "JANUARY 1, 2030".
        date_text = date_text.title() if date_text.isupper() else date_text
        lead = t["dates"]["lead"].format(date=date_text, status=_date_status(date_text, scope.as_of, t, quotes[0], retriever),
                                         law=" / ".join(laws), refs=refs)
    elif claims:
        lead = _lead(t, aspects, " / ".join(laws), refs)
    elif claims is None:
        lead = t["unchecked_lead"].format(law=" / ".join(laws), refs=refs)
    else:
        # where the question named no law, the closest provisions are named with their law
        if law_id is None and len(laws) == 1:
            refs = ("、" if lang == "ja" else ", ").join([laws[0], refs])
        lead = t["weak_lead"].format(refs=refs)
    lines = [lead] + _quote_lines(quotes, book, t, retriever, asked)
    if scope.history and retriever is not None:
        lines += _other_wordings(turn, quotes, t)
    if law_id and len(scope.law_ids) == 1:
        for art in missing_articles(law_id, scope.articles, retriever):  # "what does Article 26-2 say?"
            lines.insert(0, t["no_article"].format(law=names.get(law_id) or law_id, article=art))
    figures = unsupported_figures(q.wording, law_id, retriever) if law_id else []
    if figures:  # a false premise with a number ("fines go up to 7% of turnover")
        lines.insert(0, t["premise_figure"].format(law=names.get(law_id) or law_id, figure=", ".join(figures)))
    return lines, claims


def _other_wordings(turn: Turn, quotes: list[Quote], t: dict) -> list[str]:
    """A question about earlier versions: after the quotes, how the other indexed version of each of the first
    two quoted provisions words the quoted sentence, where it words it differently (changes.other_wordings)."""
    lines = []
    for w in other_wordings(quotes, turn.retriever, turn.scope.as_of):
        if w.other is None:
            # a provision the earlier text did not have. No date: the version's own is not always the
            # provision's (an amendment may bring in an article months after the rest); the citation card
            # gives the version's.
            lines.append(t["wording_added"].format(ref=provision_ref(w.quoted.chunk, "", turn.q.lang),
                                                   before=w.version, now=w.newer))
            continue
        if any(q.overlaps(w.other) for q in quotes):
            continue  # that wording is quoted above already (an earlier version's sentence asked for itself)
        date = long_date(w.date) if w.date else ""
        tpl, extra = ("wording_before", "until") if w.when == "before" else ("wording_now", "since")
        span = t[f"wording_{extra}"].format(date=date) if date else ""
        # the sentence itself: the citation may quote more of the provision (other sentences of it quoted above)
        lines.append(t[tpl].format(version=w.version, ref=provision_ref(w.other.chunk, w.other.chunk.paragraph,
                                                                           turn.q.lang),
                                   quote=clip(w.other.text), n=turn.book.cite(w.other), **{extra: span}))
    if lines:
        log.info("earlier versions asked: %d sentences of another version set beside the quotes", len(lines))
    return lines


def _name_map(hits: list[Hit], law_ids: list[str], lang: str, retriever: Retriever | None) -> dict[str, str]:
    """law_id -> display name, from the law's own text (not a consolidation) in the answer language."""
    def pref(c: Chunk) -> tuple:  # the current text in the answer language, not "(as enacted)" or a consolidation
        return (c.language != lang, c.kind == "consolidation", c.kind not in STATUTE_KINDS, len(c.short_name))

    best: dict[str, Chunk] = {}
    for c in [h.chunk for h in hits]:
        if c.law_id not in best or pref(c) < pref(best[c.law_id]):
            best[c.law_id] = c
    for lid in law_ids:
        if retriever is not None:
            for c in retriever.law_chunks(lid)[:200]:
                if lid not in best or pref(c) < pref(best[lid]):
                    best[lid] = c
    return {lid: law_display(c, lang) for lid, c in best.items()}


def abstain(question: str, scope: Scope, indexed: dict[str, list[str]] | None, lang: str,
            hits: list[Hit] | None = None) -> Answer:
    t = templates()[lang]
    if scope.unknown_laws:
        lines = [t["out_of_corpus_named"].format(what=", ".join(scope.unknown_laws))]
    else:
        lines = [t["out_of_corpus"]]
    if indexed:
        # "UK Online Safety Act": what is indexed for the UK first; then everything, so the reader can rephrase
        named = [j for j in scope.jurisdictions if j in indexed]
        if named:
            lines.append(t["indexed_for"].format(
                laws="; ".join(f"{j}: {', '.join(indexed[j])}" for j in named)))
        laws = "; ".join(f"{j}: {', '.join(ns)}" for j, ns in sorted(indexed.items()) if j not in named)
        if laws:
            lines.append(t["indexed" if not named else "indexed_other"].format(laws=laws))
    return Answer(text="\n".join(lines), scope=scope, abstained=True, hits=list(hits or []))


def _jurisdiction(law_id: str | None, retriever: Retriever | None) -> str:
    if not law_id or retriever is None:
        return ""
    chunks = retriever.law_chunks(law_id)
    return chunks[0].jurisdiction if chunks else ""


def _groups(scope: Scope, hits: list[Hit]) -> list[tuple[str | None, str, list[Hit]]]:
    """(law_id or None, jurisdiction, hits) per section, in the order the question named them."""
    if scope.law_ids:
        out = []
        for lid in scope.law_ids:
            hs = [h for h in hits if h.chunk.law_id == lid]
            out.append((lid, hs[0].chunk.jurisdiction if hs else "", hs))
        return out
    # Unscoped: one section per jurisdiction among the top hits (at most 3), never a mixed answer.
    jurs = list(scope.jurisdictions) or list(dict.fromkeys(h.chunk.jurisdiction for h in hits[:MAX_HITS]))[:3]
    return [(None, j, [h for h in hits if h.chunk.jurisdiction == j]) for j in jurs]


def _survey(groups, asked: str, lang: str, judge, weights: Weights, per_jurisdiction: int = 3):
    """Of every indexed law of each named jurisdiction, those whose best hit the judge finds answering
    (at most ``per_jurisdiction``, most relevant first); a jurisdiction with none keeps its closest law,
    which then gets the "closest are" lead. Without a judge (non-English), the two best by retrieval."""
    by_jur: dict[str, list[tuple[float, tuple]]] = {}
    for g in groups:
        law_id, jur, hs = g
        if not hs:
            continue
        if judge is not None and lang == "en" and hs[0].chunk.language == "en":
            score = judge.logits(asked, [hs[0].chunk.text])[0]
        else:
            score = hs[0].score - 1e6  # below any logit: ordered by retrieval score only
        by_jur.setdefault(jur, []).append((score, g))
    out = []
    for jur, scored in by_jur.items():
        scored.sort(key=lambda x: -x[0])
        passing = [g for s, g in scored if s >= weights.answers_min_logit]
        keep = passing[:per_jurisdiction] or [g for _, g in scored[:1 if judge is not None and lang == "en" else 2]]
        log.info("survey %s: %s", jur, [(g[0], round(s, 2)) for s, g in scored[:6]])
        out += keep
    return out


def _without_instructions(hits: list[Hit]) -> tuple[list[Hit], list[str]]:
    """``hits`` without the passages that give instructions, and a note for each one left out. Such text
    has no place in a law; quoting any sentence of it would lend it the authority of a citation."""
    kept, notes = [], []
    for h in hits:
        found = injection_matches(h.chunk.body)
        if found:
            notes.append(f"not quoted: {label(h.chunk)} contains instruction-like text (“{found[0]}”), not law")
            log.warning("passage %s not quoted: instruction-like text %r", h.chunk.chunk_id, found[0])
        else:
            kept.append(h)
    return kept, notes


def compose(question: str, scope: Scope, hits: list[Hit], *, retriever: Retriever | None = None,
            indexed: dict[str, list[str]] | None = None, judge=None, weights: Weights | None = None,
            previous_answer: str = "", quote_log: list | None = None) -> Answer:
    """Answer ``question`` from ``hits`` (see the module docstring); ``indexed``: jurisdiction -> law names;
    ``quote_log``: a list that gets each choice of quotes made (rag/evaluation/fit.py fits on them)."""
    t0 = time.perf_counter()
    judge = CachingJudge(judge) if judge is not None else None  # a survey and the leads ask for the same pairs
    # Parsed once (texts, language, aspects, terms): the modules below read it, none tokenises it again.
    q = parse_question(question, scope)
    lang, asked = q.lang, q.resolved  # follow-ups: the earlier question's words help find sentences
    hits, untrusted = _without_instructions(hits)
    if scope.unknown_laws and not scope.law_ids:
        log.info("answer path: out of corpus (%s)", scope.unknown_laws)
        ans = abstain(question, scope, indexed, lang, hits)
        ans.timings = {"compose": time.perf_counter() - t0}
        ans.flagged += untrusted
        return ans
    in_scope = [h for h in hits if (not scope.law_ids or h.chunk.law_id in scope.law_ids)
                and (not scope.jurisdictions or h.chunk.jurisdiction in scope.jurisdictions)]
    in_scope = _prefer_language(in_scope, lang, retriever)
    groups = _groups(scope, in_scope)
    if scope.survey:
        groups = _survey(groups, scope.focus or asked, lang, judge, weights or Weights())
        # the laws answered from come first among the hits, in the order of their sections
        kept = [h for _, _, hs in groups for h in hs]
        hits = kept + [h for h in hits if all(h is not k for k in kept)]
    names = _name_map(in_scope, scope.law_ids, lang, retriever)
    book = CitationBook()
    sections: list[tuple[str, list[str], bool]] = []  # (jurisdiction, lines, answered)
    claims = False
    many = len(groups) > 1 or scope.comparison
    turn = Turn(q, scope, retriever, book, names, judge, weights or Weights(),
                squashed(previous_answer) if previous_answer and scope.source == "history" else "", quote_log)
    for law_id, jur, hs in groups:
        if many and law_id and not hs and retriever is not None:
            # A comparison whose retrieval was dominated by one law: search this law alone.
            sub = Scope(law_ids=[law_id], aspects=scope.aspects, language=scope.language, articles=scope.articles)
            hs, more = _without_instructions(_prefer_language(retriever.search(asked, sub, k=3), lang, retriever))
            untrusted += more
            hits = list(hits) + [h for h in hs if h not in hits]
        jur = jur or (hs[0].chunk.jurisdiction if hs else _jurisdiction(law_id, retriever))
        section = _section(turn, law_id, hs, MAX_QUOTES_SECTION if many else MAX_QUOTES)
        if section:
            lines, claimed = section
            claims = claims or claimed
            sections.append((jur, lines, True))
        elif law_id:
            sections.append((jur, [templates()[lang]["section_nothing"].format(law=names.get(law_id, law_id))], False))
    if scope.unknown_laws and any(ok for _, _, ok in sections):
        # "Compare the EU AI Act and Brazil's AI bill": answer for what is indexed, say what is not.
        note = templates()[lang]["out_of_corpus_named"].format(what=", ".join(scope.unknown_laws))
        sections.insert(0, ("", [note], True))
    log.info("answer path: %s", "no section answered (abstain)" if not any(ok for _, _, ok in sections)
             else "one section" if len(sections) == 1 else f"comparison of {len(sections)} sections")
    if not any(ok for _, _, ok in sections):
        if scope.law_ids and sections:  # the named law is indexed but nothing in it matches
            ans = Answer(text="\n".join(lines[0] for _, lines, _ in sections), scope=scope, abstained=True,
                         hits=list(hits))
        else:
            ans = abstain(question, scope, indexed, lang, hits)
    elif len(sections) == 1:
        ans = Answer(text="\n".join(sections[0][1]), citations=book.citations, scope=scope, hits=list(hits))
    else:
        parts = [templates()[lang]["comparison"]]
        for jur, lines, _ in sections:
            parts.append("\n".join([f"{jur} — {lines[0]}" if jur else lines[0], *lines[1:]]))
        ans = Answer(text="\n\n".join(parts), citations=book.citations, scope=scope, hits=list(hits))
    if scope.referenced and not ans.abstained:
        # "Is Directive 95/46/EC still the law?": not indexed itself; the answer is the indexed law naming it,
        # and the reader is told so before any provision.
        note = templates()[lang]["referenced"].format(what=", ".join(scope.referenced))
        ans.text = f"{note}\n{ans.text}"
    ans.claims_answer = claims and not ans.abstained
    ans.lead_logit = turn.lead_logit
    ans.timings = {"compose": time.perf_counter() - t0}
    ans.flagged += untrusted
    return ans
