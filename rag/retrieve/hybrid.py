"""Hybrid retrieval: dense (Chroma, MiniLM) + BM25, fused by reciprocal rank fusion,
scoped to the laws the question is about.

Why each step (each fixes a failure of the plain similarity-search baseline):
- scope filter: "Japan's AI law" must never return EU AI Act fines, so both retrievers only
  see the scope's laws (or jurisdictions);
- BM25 with CJK bigrams: MiniLM reads English only, Japanese questions need lexical match;
- aspect expansion + unit-title boost: "penalties" also means "fines", and an article titled
  "Penalties"/"罰則" is where they are; title overlap separates near-identical provisions
  (EU AI Act Art. 99 penalties / 100 Union institutions / 101 GPAI providers);
- direct article lookup ranks "Article 16"/"第十六条" first;
- the law as in force on the as-of date: versions not yet adopted and superseded provisions are left out
  (rag/index/versions.py); news/web pages and recitals are demoted, near-duplicate units de-duplicated;
- a JP law answered in English also gets the Japanese original of the top provision.
The per-chunk boosts and de-duplication live in rag/retrieve/ranking.py.
"""
from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from rag.core.citations import QUOTED_HITS, article_units, paragraph_covers
from rag.core.settings import Settings
from rag.core.text import tokenize
from rag.core.types import STATUTE_KINDS, Chunk, Hit, Scope
from rag.core.weights import Weights
from rag.index.bm25 import BM25Index
from rag.index.lexical import index_for
from rag.index.versions import Versions
from rag.retrieve.ranking import aspect_label, aspect_terms, boost, dedupe, strip_names, unit_title_rx
from rag.understand.lexicon import terms
from rag.understand.scope import defined_terms, figure_regex

log = logging.getLogger(__name__)
_INDEX_RECHECK_S = 1.0
_LOOKUP_BONUS = 1.0  # larger than any fused score: a named article ranks first
_STATUTE_UNITS = ("article", "section", "supplementary", "annex", "paragraph")


@lru_cache(maxsize=100_000)
def _folded(text: str) -> str:
    """Case folded, with every run of spaces (non-breaking ones too) one space: how a name is searched verbatim."""
    return " ".join(text.casefold().split())


# A memo on chunk bodies (the package's aspects.toml patterns, rag/core/resources.py DEFAULT): the
# definition check scans every chunk of a law per question, and bodies repeat across questions.
@lru_cache(maxsize=100_000)
def _defines(body: str) -> tuple[str, ...]:
    return tuple(defined_terms(body))


def parse_ref(ref: str) -> tuple[str, str]:
    """"99(3)" -> ("99", "3"); "26-2" -> ("26-2", "")."""
    m = re.match(r"^\s*([^()\s]+)\s*(?:\((\d+)\))?", ref or "")
    return (m.group(1), m.group(2) or "") if m else (ref, "")


@dataclass
class _Query:
    """The BM25 side of one search (HybridRetriever._query)."""

    text: str  # the question, without the names of the laws in scope
    terms: list[str]  # its own terms
    synonyms: list[str]  # every synonym term, also those that are aspect words (title overlap)
    near_words: list[str]  # words of the provisions closest to an aspect the law lacks
    bm25_terms: list[str]  # everything searched for
    term_weight: dict[str, float]  # the weight of each term that is not the question's own


@dataclass
class _Fusion:
    """The candidates of one search and their fused scores: reciprocal rank fusion over the retrievers,
    plus a little of each one's normalised score (rank alone hides a clear BM25 winner, 102 vs 47)."""

    current: Callable[[Chunk], bool]  # in force on the as-of date (rag/index/versions.py predicate)
    w: Weights
    fused: dict[str, float] = field(default_factory=dict)
    ranks: dict[str, dict] = field(default_factory=dict)
    by_id: dict[str, Chunk] = field(default_factory=dict)

    def add(self, kind: str, scored: list[tuple[Chunk, float]], weight: float | Callable[[Chunk], float]) -> None:
        """``weight``: of the whole list, or per chunk (a model's list that reads some chunks' language only)."""
        scored = [(c, sc) for c, sc in scored if self.current(c)]
        top = max((sc for _, sc in scored), default=0.0) or 1.0
        for r, (c, sc) in enumerate(scored):
            self.by_id.setdefault(c.chunk_id, c)
            self.fused[c.chunk_id] = self.fused.get(c.chunk_id, 0.0) + (weight(c) if callable(weight) else weight) * (
                1 / (self.w.fusion_rrf_k + r + 1) + self.w.fusion_score_weight * max(sc, 0) / top)
            self.ranks.setdefault(c.chunk_id, {})[kind] = r

    def bonus(self, c: Chunk, kind: str, amount: float) -> None:
        """A chunk found directly (a named article, a defined term): ``amount`` on top, rank 0 for ``kind``."""
        self.by_id.setdefault(c.chunk_id, c)
        self.fused[c.chunk_id] = self.fused.get(c.chunk_id, 0.0) + amount
        self.ranks.setdefault(c.chunk_id, {})[kind] = 0


class HybridRetriever:
    def __init__(self, settings: Settings | None = None, store=None, judge=None, weights: Weights | None = None):
        self.settings = settings or (store.settings if store is not None else Settings.from_env())
        self._store = store
        self.judge = judge  # cross-encoder for re-ranking English questions (None: fused ranking only)
        self.weights = weights or Weights()
        self._by_law: tuple[object, dict] = (None, {})  # (index, (law_id, language) -> chunks)
        self._structure: tuple[object, dict] = (None, {})  # (index, law_id -> article -> chapters/sections)
        self._absent_of: tuple[object, dict] = (None, {})  # (index, (law_id, aspect) -> never mentioned)
        self._checked: tuple[BM25Index | None, float] = (None, 0.0)  # (index, when it was checked)
        self._versions: tuple[object, Versions | None] = (None, None)  # (index, its documents' versions)
        self._glossary = None
        self._crosslingual = None
        self._ids: tuple[object, dict] = (None, {})  # (index, chunk id -> chunk)
        self._languages: tuple[object, dict] = (None, {})  # (index, law_id -> (jurisdiction, its languages))
        self._warming = False  # whether the embedding model's background load was started

    @property
    def store(self):
        if self._store is None:
            from rag.index.store import ChunkStore

            self._store = ChunkStore(self.settings)
        return self._store

    def index(self) -> BM25Index:
        if not self._warming:
            # The query embedding needs the model (seconds to import and load): load it in the background
            # while the lexical index is loaded or built and BM25 runs, so the first search waits for the
            # slower of the two rather than for both.
            from rag.index.embeddings import warm_in_background

            self._warming = True
            warm_in_background(lambda: self.store.embedder)
        idx = index_for(self.store)
        self._checked = (idx, time.monotonic())
        return idx

    def _recent_index(self) -> BM25Index:
        """The index checked against the store less than a second ago, else a fresh check: one answer asks
        for whole laws many times, and each check reads the store's document list (~2 ms)."""
        idx, at = self._checked
        return idx if idx is not None and time.monotonic() - at < _INDEX_RECHECK_S else self.index()

    @property
    def crosslingual(self):
        """The multilingual vectors of the laws with no English text (rag/index/crosslingual.py)."""
        if self._crosslingual is None:
            from rag.index.crosslingual import CrosslingualIndex

            self._crosslingual = CrosslingualIndex(self.store)
        return self._crosslingual

    def _chunk_by_id(self, idx: BM25Index) -> dict[str, Chunk]:
        if self._ids[0] is not idx:
            self._ids = (idx, {c.chunk_id: c for c in idx.chunks})
        return self._ids[1]

    @property
    def glossary(self):
        """English <-> Japanese words (JMdict), opened on the first question that needs them."""
        if self._glossary is None:
            from rag.understand.bilingual import load

            self._glossary = load(self.settings.glossary_path)
        return self._glossary

    def _lacking(self, law_ids: list[str], jurisdictions: list[str], lang: str) -> list[str]:
        """The laws in scope with no text in ``lang``: their words then have to be found in another language."""
        idx = self._recent_index()
        if self._languages[0] is not idx:
            laws: dict[str, tuple[str, set[str]]] = {}
            for d in self.store.documents():
                law = laws.setdefault(d.get("law_id") or d["doc_id"], (d.get("jurisdiction") or "", set()))
                law[1].add(d.get("language") or "en")
            self._languages = (idx, laws)
        laws = self._languages[1]
        wanted = set(law_ids) if law_ids else {k for k, (j, _) in laws.items() if not jurisdictions or j in jurisdictions}
        return sorted(k for k in wanted if k in laws and lang not in laws[k][1])

    def translated(self, question: str, lang: str, law_ids: list[str], jurisdictions: list[str]) -> list[str]:
        """The question's words in the other language (English <-> Japanese), when a law in scope needs them."""
        if lang not in ("en", "ja") or not self._lacking(law_ids, jurisdictions, lang):
            return []
        words = self.glossary.japanese_for(question) if lang == "en" else self.glossary.english_for(question)
        if words:
            log.debug("translated query words (%s -> other language): %s", lang, words)
        return words

    def versions(self) -> Versions:
        """The version data of the indexed documents (rebuilt with the index)."""
        idx = self._recent_index()
        if self._versions[0] is not idx:
            self._versions = (idx, Versions.from_records(self.store.documents()))
        return self._versions[1]  # type: ignore[return-value]

    # -- whole-law access (answerer's absence checks, article lookup) --
    def law_chunks(self, law_id: str, language: str | None = None) -> list[Chunk]:
        # Kept per index version: the answerer asks for the same law's chunks several times per answer
        # (absence checks, article lookups, lists), and a scan of every chunk costs milliseconds each.
        idx = self._recent_index()
        if self._by_law[0] is not idx:
            self._by_law = (idx, {})
        cache = self._by_law[1]
        if (law_id, language) not in cache:
            cache[(law_id, language)] = [c for c in idx.chunks if c.law_id == law_id
                                         and (language is None or c.language == language)]
        return list(cache[(law_id, language)])

    def term_share(self, term: str) -> float:
        return self.index().share(term)

    def mentioning(self, name: str, limit: int = 2) -> list[str]:
        """The indexed laws whose statute text names ``name`` verbatim ("Directive 95/46/EC" in the GDPR),
        most mentions first: a law nobody indexed may still be answered from the provisions that refer to it.
        A law naming it less than half as often as the first only cites it in passing, and is left out."""
        needle = _folded(name)
        if len(needle) < 6:  # a word, not a name
            return []
        counts: dict[str, int] = {}
        for c in self._recent_index().chunks:
            if c.kind in STATUTE_KINDS and needle in _folded(c.body):
                counts[c.law_id] = counts.get(c.law_id, 0) + 1
        top = max(counts.values(), default=0)
        return sorted((lid for lid in counts if 2 * counts[lid] >= top), key=lambda lid: -counts[lid])[:limit]

    def law_structure(self, law_id: str) -> dict[str, set[tuple[str, str]]]:
        """article -> the chapters/sections it sits in, from every version of the law (structure does not
        change with the version that is in force; rag/core/citations.py ``article_units``)."""
        idx = self._recent_index()
        if self._structure[0] is not idx:
            self._structure = (idx, {})
        cache = self._structure[1]
        if law_id not in cache:
            cache[law_id] = article_units(self.law_chunks(law_id))
        return cache[law_id]

    def lookup(self, law_id: str, article: str, paragraph: str | None = None) -> list[Chunk]:
        """Chunks of one provision (article/section/annex; not a recital with the same number)."""
        art, par = parse_ref(article)
        par = paragraph or par
        cands = [c for c in self.law_chunks(law_id)
                 if c.article.lower() == art.lower() and c.unit_kind in _STATUTE_UNITS and c.kind not in ("news", "web")]
        if par:
            narrowed = [c for c in cands if paragraph_covers(c.paragraph, par)]
            cands = narrowed or cands
        return cands

    def defining(self, law_id: str, question: str) -> list[Chunk]:
        """Chunks of a law defining the longest term made only of the question's words ("high-impact
        artificial intelligence", not "artificial intelligence"); [] when the question names none."""
        asked = terms(question)
        best, out = 0, []
        for c in self.law_chunks(law_id):
            for term in _defines(c.body):
                words = terms(term)
                if words and words <= asked and len(words) >= best:
                    out = (out if len(words) == best else []) + [c]
                    best = len(words)
        return list({c.chunk_id: c for c in out}.values())

    def _absent(self, law_id: str, aspects: list[str]) -> list[str]:
        """Asked aspects that the law's statute text never mentions (cached per index version)."""
        idx = self.index()
        if self._absent_of[0] is not idx:  # a new index: the old answers go with the old index
            self._absent_of = (idx, {})
        known = self._absent_of[1]
        out = []
        for a in aspects:
            key = (law_id, a)
            if key not in known:
                rx = unit_title_rx([a])
                body = [c.body for c in self.law_chunks(law_id) if c.kind in STATUTE_KINDS]
                known[key] = bool(rx and body and not any(rx.search(b) for b in body))
            if known[key]:
                out.append(a)
        return out

    # -- search --
    def search(self, question: str, scope: Scope | None = None, k: int | None = None,
               doc_ids: list[str] | None = None) -> list[Hit]:
        scope = scope or Scope()
        k = k or self.settings.top_k
        if len(scope.law_ids) > 1:
            # Comparison: each law gets its own ranking, interleaved, so one law cannot crowd out the others.
            per = max(2, math.ceil(k / len(scope.law_ids)))
            # Surveys of many laws: no cross-encoder per law (the answerer judges each law's best hit once).
            rerank = len(scope.law_ids) <= 3
            # No other-language twins here: with two or three hits per law, a twin would take the place of a
            # second provision (the answerer finds the twin of what it quotes by itself).
            lists = [self._search(question, scope, [lid], per, doc_ids, twins=False, rerank=rerank)
                     for lid in scope.law_ids]
            out: list[Hit] = []
            for i in range(per):
                out += [lst[i] for lst in lists if i < len(lst)]
            return out[:max(k, len(scope.law_ids))]
        return self._search(question, scope, list(scope.law_ids), k, doc_ids)

    def _allow(self, law_ids: list[str], jurisdictions: list[str], doc_ids: list[str] | None, current=None):
        laws, jurs, docs = set(law_ids), set(jurisdictions), set(doc_ids or [])

        def allow(c: Chunk) -> bool:
            if docs and c.doc_id not in docs:
                return False
            if not (c.law_id in laws if laws else not jurs or c.jurisdiction in jurs):
                return False
            # in scope: not a version adopted after the as-of date, nor a superseded provision (scope first:
            # it is the cheaper test and rules out most chunks)
            return current is None or current(c)
        return allow

    @staticmethod
    def _where(law_ids: list[str], jurisdictions: list[str], doc_ids: list[str] | None) -> dict | None:
        conds = []
        if doc_ids:
            conds.append({"doc_id": {"$in": list(doc_ids)}})
        if law_ids:
            conds.append({"law_id": {"$in": list(law_ids)}})
        elif jurisdictions:
            conds.append({"jurisdiction": {"$in": list(jurisdictions)}})
        if not conds:
            return None
        return conds[0] if len(conds) == 1 else {"$and": conds}

    def _search(self, question: str, scope: Scope, law_ids: list[str], k: int, doc_ids: list[str] | None,
                twins: bool = True, rerank: bool = True) -> list[Hit]:
        idx = self.index()
        w = self.weights  # every number below: rag/data/weights.toml
        jurs = [] if law_ids else list(scope.jurisdictions)
        versions = self.versions()
        current = versions.predicate(scope.as_of, scope.history)
        allow = self._allow(law_ids, jurs, doc_ids, current)
        # A named provision that only a superseded version has is still quoted (and labelled so).
        earlier = self._allow(law_ids, jurs, doc_ids, versions.predicate(scope.as_of, history=True))
        lang = scope.language or "en"
        fusion = _Fusion(current, w)
        q = self._query(question, scope, law_ids, lang)
        bm = idx.search(q.bm25_terms, k=self.settings.bm25_k, allow=allow, weights=q.term_weight)
        fusion.add("bm25", bm, 1.0)

        # Dense: MiniLM understands English only, so it counts less for other languages; a Japanese
        # question also gives it the English glosses of its words. A story told before the ask is embedded
        # without the asking sentence (scope.focus, rag/understand/focus.py).
        dense_q = (scope.focus or q.text) if lang == "en" else " ".join([q.text] + [aspect_label(a) for a in scope.aspects]
                                                       + (scope.translated if lang == "ja" else []))
        dense = self.store.dense_search(dense_q, self.settings.dense_k, where=self._where(law_ids, jurs, doc_ids))
        # MiniLM reads English only: its similarity of an English question to a Japanese chunk is noise (the
        # multilingual list below reads those), so only English question and English text weigh in full.
        fusion.add("dense", dense, lambda c: 1.0 if lang == "en" and (c.language or "en") == "en"
                   else w.dense_weight_non_english)
        self._add_multilingual(fusion, scope.focus or q.text, lang, law_ids, jurs, idx, allow)
        self._add_named(fusion, q.text, scope, law_ids, allow, earlier)
        self._boost(fusion, q, scope, lang, versions)

        order = sorted(fusion.fused, key=lambda cid: -fusion.fused[cid])
        log.debug("%d candidates (bm25 %d, dense %d) for laws %s; top after fusion: %s", len(order), len(bm),
                  len(dense), law_ids or jurs or "all", [(cid, round(fusion.fused[cid], 4)) for cid in order[:5]])
        if rerank:
            order = self._rerank(q.text, lang, order, fusion.by_id, fusion.ranks)
        hits = dedupe([Hit(chunk=fusion.by_id[cid], score=fusion.fused[cid], ranks=fusion.ranks.get(cid, {}))
                       for cid in order], w.twin_jaccard)
        hits = self._with_figures(hits[:k], scope.aspects[:1], fusion.fused, k)
        hits = self._with_original(hits, k, allow) if twins else hits
        log.debug("top %d hits: %s", len(hits), [h.chunk.chunk_id for h in hits])
        return hits

    def _add_multilingual(self, fusion: _Fusion, text: str, lang: str, law_ids: list[str], jurs: list[str],
                          idx: BM25Index, allow) -> None:
        """A multilingual-e5 list (rag/index/crosslingual.py) when a law in scope has no text in the question's
        language: its Japanese chunks meet an English question by meaning, English-only laws' article openings
        a question in another language. Not for an unscoped question: every law would then be in scope, and
        the Penal Code's chunks would compete with every English provision."""
        lacking = self._lacking(law_ids, jurs, lang) if law_ids or jurs else []
        if not lacking:
            return
        xl = self.crosslingual.search(text, lang != "en", lacking, self.settings.dense_k, self._chunk_by_id(idx), allow)
        log.debug("multilingual candidates (%s lack %s): %s", lacking, lang, [c.chunk_id for c, _ in xl[:5]])
        w = self.weights
        fusion.add("crosslingual", xl, w.crosslingual_dense_weight if lang == "en" else w.crosslingual_article_weight)

    def _query(self, question: str, scope: Scope, law_ids: list[str], lang: str) -> _Query:
        """The BM25 query: the question's words plus the aspects' keywords, synonyms, the words of the
        provisions closest to an aspect the law lacks and the question's words in the other language, each
        at its own (lower) weight: they widen the search, they do not steer it."""
        from rag.understand.scope import closest_words, synonym_words

        w = self.weights
        if law_ids:
            question = scope.without_names if scope.without_names and question == scope.resolved_question \
                else strip_names(question)
        q_terms = tokenize(question)
        term_weight: dict[str, float] = {t: w.lone_kanji_term_weight for t in q_terms
                                         if len(t) == 1 and not t.isascii()}
        extra = [t for t in aspect_terms(scope.aspects, {"en", lang}) if t not in q_terms]
        term_weight.update({t: w.aspect_term_weight for t in extra})
        # Keywords in the other languages, weaker: an English question may ask about a Japanese-only law.
        other = [t for t in aspect_terms(scope.aspects, {"ja", "ko", "zh"} - {lang}) if t not in q_terms + extra]
        term_weight.update({t: w.other_language_aspect_term_weight for t in other})
        extra += other
        syn_all = [t for word in synonym_words(question) for t in tokenize(word)]
        syn = [t for t in syn_all if t not in q_terms and t not in extra]
        term_weight.update({t: w.synonym_term_weight for t in syn if len(t) > 1 or t.isascii()})
        near, near_words = [], []
        if len(law_ids) == 1:
            for a in self._absent(law_ids[0], scope.aspects):
                near_words += [word for word in closest_words(a) if lang != "en" or word.isascii()]
                near += [t for word in near_words for t in tokenize(word)]
            term_weight.update({t: w.closest_term_weight for t in near})
        # The question's words in the other language, when a law in scope has no text in the question's
        # (found while understanding the question: Assistant.understand).
        trans = [t for word in scope.translated for t in tokenize(word) if t not in q_terms + extra + syn + near]
        term_weight.update({t: w.translated_term_weight for t in trans})
        return _Query(question, q_terms, syn_all, near_words, q_terms + extra + syn + near + trans, term_weight)

    def _add_named(self, fusion: _Fusion, question: str, scope: Scope, law_ids: list[str], allow, earlier) -> None:
        """Named articles, looked up directly and ranked first; for a definition question, the chunk defining
        the asked term, looked up like a named article (a long definitions article is split, and the chunk
        retrieved is often the one defining another term)."""
        for ref in scope.articles:
            for lid in law_ids:
                found = self.lookup(lid, ref)
                for c in [c for c in found if allow(c)] or [c for c in found if earlier(c)]:
                    fusion.bonus(c, "lookup", _LOOKUP_BONUS)
        if "definitions" in scope.aspects and len(law_ids) == 1:
            for c in self.defining(law_ids[0], question):
                if allow(c):
                    fusion.bonus(c, "definition", _LOOKUP_BONUS / 2)

    def _boost(self, fusion: _Fusion, q: _Query, scope: Scope, lang: str, versions: Versions) -> None:
        """Each candidate's fused score times its ranking factors (rag/retrieve/ranking.py boost), the
        asked aspect in its body, and for a law lacking the aspect, the words of its closest provisions."""
        w = self.weights
        # All synonyms, also those that are aspect words: "fines" must overlap the title "Penalties"
        # (Art. 99), or "Administrative fines on Union institutions" (Art. 100) wins the title match.
        q_set = set(q.terms) | set(q.synonyms)
        # Title/body boosts follow the primary aspect only (aspects.toml order: penalties first): in
        # "the fine for a prohibited practice", "prohibited" qualifies and "fine" is what is asked.
        title_rx = unit_title_rx(scope.aspects[:1])
        a_set: frozenset = frozenset()  # aspect words in the title overlap: tried, cost recall on JP questions
        low_q = q.text.lower()
        near_rx = [re.compile(re.escape(word), re.I) for word in q.near_words]
        fused = fusion.fused
        for cid, c in fusion.by_id.items():
            fused[cid] *= boost(c, q_set, title_rx, lang, low_q, a_set,
                                versions.weight(c.doc_id, c.unit_kind, c.article, scope.as_of, w, scope.earlier_only), w)
            if title_rx is not None and title_rx.search(c.body):
                fused[cid] *= w.body_aspect_boost  # the provision itself speaks of the asked aspect
            if near_rx and sum(1 for rx in near_rx if rx.search(c.body)) >= 2:
                fused[cid] *= w.closest_provision_boost  # the law lacks the aspect: its nearest provisions

    def _rerank(self, question: str, lang: str, order: list[str], by_id: dict, ranks: dict) -> list[str]:
        """The first candidates re-ranked by fusing their rank with the cross-encoder's (weights.toml);
        named articles and defined terms stay first. English questions only: the model reads English."""
        w = self.weights
        if self.judge is None or w.cross_encoder_weight <= 0 or lang != "en" or len(order) < 2:
            return order
        fixed = [cid for cid in order if "lookup" in ranks.get(cid, {}) or "definition" in ranks.get(cid, {})]
        pool = [cid for cid in order if cid not in fixed][:w.candidates]
        logits = self.judge.logits(question, [by_id[cid].text for cid in pool])
        ce_rank = {cid: r for r, cid in enumerate(sorted(pool, key=lambda c: -logits[pool.index(c)]))}
        for cid, lg in zip(pool, logits, strict=True):
            ranks.setdefault(cid, {})["cross_encoder"] = ce_rank[cid]
            ranks[cid]["cross_encoder_logit"] = round(lg, 3)
        score = {cid: 1 / (w.rrf_k + r + 1) + w.cross_encoder_weight / (w.rrf_k + ce_rank[cid] + 1)
                 for r, cid in enumerate(pool)}
        reranked = sorted(pool, key=lambda c: -score[c])
        log.debug("re-ranked %d candidates: %s", len(pool), reranked[:5])
        return fixed + reranked + [cid for cid in order if cid not in fixed and cid not in score]

    def _with_figures(self, hits: list[Hit], aspects: list[str], fused: dict[str, float], k: int) -> list[Hit]:
        """For "how much / since when / what threshold" questions: the paragraphs of the top provision that
        state the figures. Art. 83 GDPR is split by paragraph and 83(1) ranks first, but the amounts are in
        83(4)-(6); the DMA's gatekeeper thresholds are in Art. 3(2), while 3(8)-(9) ranks first."""
        rx = figure_regex(aspects[0]) if aspects else None
        if rx is None or not hits:
            return hits
        top = hits[0].chunk
        if top.unit_kind not in _STATUTE_UNITS or not top.article:
            return hits
        have = {h.chunk.chunk_id for h in hits}
        sibs = [c for c in self.index().chunks if c.doc_id == top.doc_id and c.article == top.article
                and c.unit_kind == top.unit_kind and c.chunk_id not in have and rx.search(c.body)]  # document order
        # Placed just before the answerer's cut-off (it quotes from the first QUOTED_HITS hits), not after the
        # top one: near-identical provisions that rank 2nd and 3rd (AI Act Arts. 99, 100, 101) keep their places.
        extra = [Hit(chunk=c, score=hits[-1].score, ranks={"figures": 0}) for c in sibs[:3]]
        if extra:
            log.debug("paragraphs of %s stating the figures added: %s", top.chunk_id, [c.chunk_id for c in sibs[:3]])
        keep = max(1, min(k, QUOTED_HITS) - len(extra))
        return (hits[:keep] + extra + hits[keep:])[:k]


    def _with_original(self, hits: list[Hit], k: int, allow) -> list[Hit]:
        """Add the other-language version of the top provision (JP/KR laws come in two languages)."""
        if not hits:
            return hits
        top = hits[0].chunk
        if top.unit_kind not in _STATUTE_UNITS or not top.article:
            return hits
        if any(h.chunk.law_id == top.law_id and h.chunk.article == top.article and h.chunk.language != top.language
               for h in hits):
            return hits
        twins = [c for c in self.lookup(top.law_id, top.article, top.paragraph)
                 if c.language != top.language and c.kind in ("law", "translation") and allow(c)]
        if not twins:
            return hits
        twin = Hit(chunk=twins[0], score=hits[0].score * 0.99, ranks={"language": 0})
        return (hits[:1] + [twin] + hits[1:])[:k]

    # -- LangChain --
    def as_langchain(self, scope: Scope | None = None, k: int | None = None):
        """A langchain_core BaseRetriever over this retriever (scope: fixed, or understood per query)."""
        cls = _langchain_class()
        return cls(hybrid=self, scope=scope, k=k or self.settings.top_k)


@lru_cache(maxsize=1)  # a class built once, not data: nothing to key
def _langchain_class():
    # Imported on first use: langchain_core + pydantic cost time that plain searches don't need.
    from typing import Any

    from langchain_core.documents import Document
    from langchain_core.retrievers import BaseRetriever

    class RegqaRetriever(BaseRetriever):
        hybrid: Any
        scope: Any = None
        k: int = 6

        def _get_relevant_documents(self, query: str, *, run_manager=None) -> list[Document]:
            scope = self.scope
            if scope is None:
                from rag.understand.scope import understand

                scope = understand(query)
            hits = self.hybrid.search(query, scope, k=self.k)
            return [Document(page_content=h.chunk.text, id=h.chunk.chunk_id,
                             metadata={**h.chunk.to_metadata(), "score": h.score}) for h in hits]

    return RegqaRetriever
