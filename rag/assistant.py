"""The public engine API: ``Assistant`` turns a question (plus chat history) into an
``Answer`` with citations, via understand -> retrieve -> compose (offline) or an LLM.

    a = Assistant.from_settings()
    ans = a.answer("what penalties does Japan's AI law carry?")
    for kind, value in a.stream(question, history): ...   # ("token", str)... then ("answer", Answer)
"""
from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from dataclasses import replace

from rag.core.citations import short_title
from rag.core.errors import BackendUnavailable, IndexNotReady, QuestionTooLong
from rag.core.settings import Settings
from rag.core.types import Answer, Chunk, Hit, Scope
from rag.retrieve.protocol import Retriever
from rag.understand.conversation import bounded_history

log = logging.getLogger(__name__)

_TOKEN_RE = re.compile(r"\S+\s*|\s+")
_WORDS_PER_TOKEN = 4
_CJK_CHARS_PER_TOKEN = 12


def word_groups(text: str) -> list[str]:
    """Stream pieces of ``text`` (a few words, or a few CJK characters); joined they give ``text`` back."""
    pieces: list[str] = []
    for w in _TOKEN_RE.findall(text):
        if len(w) > _CJK_CHARS_PER_TOKEN * 2 and not w.isascii():  # Japanese has no spaces between words
            pieces += [w[i:i + _CJK_CHARS_PER_TOKEN] for i in range(0, len(w), _CJK_CHARS_PER_TOKEN)]
        else:
            pieces.append(w)
    return ["".join(pieces[i:i + _WORDS_PER_TOKEN]) for i in range(0, len(pieces), _WORDS_PER_TOKEN)]


def parse_as_of(text: str | None) -> str:
    """"2025-09-01", "1 Sept 2025", "Sept 1, 2025" -> "2025-09-01"; "" or None -> today."""
    from rag.core.dates import iso, today

    if not text:
        return today()
    found = iso(str(text), dayfirst=not re.match(r"\d{4}-", str(text)))
    if not found:
        raise ValueError(f"not a date: {text!r} (give YYYY-MM-DD)")
    return found


class _View:
    """The retriever as one answer sees it: the answerer's whole-law reads (absence checks, closest
    provisions, translations, lists) stay inside the user's chosen documents and the law as in force on the
    answer's date (``current``: rag/index/versions.py ``Versions.predicate``)."""

    def __init__(self, retriever: Retriever, doc_ids: list[str] | None, current, as_of: str, history: bool):
        self._r, self._docs, self._current = retriever, set(doc_ids or []), current
        self._as_of, self._history = as_of, history

    def _visible(self, chunks: list[Chunk]) -> list[Chunk]:
        return [c for c in chunks if (not self._docs or c.doc_id in self._docs) and self._current(c)]

    def law_structure(self, law_id: str) -> dict[str, set[tuple[str, str]]]:
        # Every version: which chapter an article sits in does not depend on the version in force.
        return self._r.law_structure(law_id)

    def term_share(self, term: str) -> float:
        return self._r.term_share(term)

    def law_chunks(self, law_id: str, language: str | None = None) -> list[Chunk]:
        return self._visible(self._r.law_chunks(law_id, language))

    def lookup(self, law_id: str, article: str, paragraph: str | None = None) -> list[Chunk]:
        return self._visible(self._r.lookup(law_id, article, paragraph))

    def search(self, question: str, scope: Scope | None = None, k: int | None = None,
               doc_ids: list[str] | None = None) -> list[Hit]:
        scope = scope or Scope()
        scope = replace(scope, as_of=scope.as_of or self._as_of, history=scope.history or self._history)
        return self._r.search(question, scope, k=k, doc_ids=sorted(self._docs) if self._docs else doc_ids)

    def versions(self):
        return self._r.versions()

    def translated(self, question: str, lang: str, law_ids: list[str], jurisdictions: list[str]) -> list[str]:
        return self._r.translated(question, lang, law_ids, jurisdictions)


def _catalog_key(docs: list[dict]) -> tuple:
    """What the catalog of the indexed documents is built from (``Assistant.catalog_for``)."""
    return tuple((d.get("doc_id"), d.get("file_hash"), d.get("title")) for d in docs)


class Assistant:
    """Answers questions from the index; see the module docstring.

    Lazy on purpose: building an Assistant opens nothing. The embedding model (seconds
    to load), Chroma and the BM25 index are created on the first question, so the CLI's
    --help, the Streamlit page and tests that never ask stay fast.
    """

    def __init__(self, settings: Settings | None = None, *, store=None, retriever: Retriever | None = None,
                 catalog=None):
        self.settings = settings or Settings.from_env()
        self._store = store
        self._retriever = retriever
        self._catalog = catalog  # a fixed catalog (tests); else built from the index's documents
        self._catalogs: tuple = (None, None)  # (documents key, catalog)
        self._weights = None
        self._judge = False  # False: not built yet; None: no cross-encoder
        self.quote_log: list | None = None  # a list here gets every choice of quotes (fitting, rag/evaluation/fit.py)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Assistant:
        return cls(settings)

    # -- lazy parts --
    @property
    def store(self):
        if self._store is None:
            from rag.index.store import ChunkStore

            self._store = getattr(self._retriever, "store", None) or ChunkStore(self.settings)
        return self._store

    @property
    def retriever(self) -> Retriever:
        if self._retriever is None:
            from rag.retrieve.hybrid import HybridRetriever

            self._retriever = HybridRetriever(self.settings, store=self.store, judge=self.judge, weights=self.weights)
        return self._retriever

    @property
    def weights(self):
        """The fitted ranking and lead numbers (``Settings.weights_file``)."""
        if self._weights is None:
            from rag.core.weights import Weights

            self._weights = Weights.load(self.settings.weights_file)
        return self._weights

    @property
    def judge(self):
        """The cross-encoder that judges whether a passage answers a question (None when turned off with
        REGQA_RERANKER=none or not installed). Loaded on its first use."""
        if self._judge is False:
            from rag.retrieve.rerank import CrossEncoder

            self._judge = CrossEncoder() if self.settings.reranker != "none" and CrossEncoder.available() else None
        return self._judge

    @property
    def catalog(self):
        """The catalog of what is indexed now (rebuilt when a document is added, replaced or removed)."""
        if self._catalog is not None:
            return self._catalog
        try:
            docs = self.store.documents()
        except Exception:  # no index yet (the app's sidebar asks for flags before the first ingest)
            docs = []
        return self.catalog_for(docs)

    def catalog_for(self, docs: list[dict]):
        """The catalog of ``docs`` (the registry records), built once per set of documents; a catalog given
        to the constructor is used as it is."""
        if self._catalog is not None:
            return self._catalog
        from rag.understand.catalog import LawCatalog

        key = _catalog_key(docs)
        if self._catalogs[0] != key:
            self._catalogs = (key, LawCatalog.with_documents(docs, sources_file=self.settings.sources_file))
        return self._catalogs[1]

    def documents(self) -> list[dict]:
        """The indexed documents (registry records); raises IndexNotReady when there are none."""
        docs = self.store.documents()
        if docs and self._catalog is None and self._catalogs[0] != _catalog_key(docs):
            # A catalog to build (the first question, or new documents): Chroma's first read of the chunk
            # collection (the count; it loads the collection, ~0.15 s in Rust, which releases the GIL) runs
            # in a thread meanwhile, instead of before it.
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(1, thread_name_prefix="regqa-count") as pool:
                counting = pool.submit(self.store.count)
                self.catalog_for(docs)
                count = counting.result()
        else:
            count = self.store.count() if docs else 0
        if not docs or count == 0:
            raise IndexNotReady(f"the index in {self.store.where()} is empty: run `regqa ingest` first "
                                f"(or set REGQA_DATA_DIR to an existing index)")
        return docs

    def indexed_laws(self, docs: list[dict]) -> dict[str, list[str]]:
        """jurisdiction -> law names, for telling the user what the corpus holds."""
        catalog = self.catalog_for(docs)
        by_law: dict[str, dict] = {}
        for d in docs:
            if d.get("kind") in (None, "", "law", "translation", "consolidation", "user"):
                by_law.setdefault(d.get("law_id") or d["doc_id"], d)
        out: dict[str, list[str]] = {}
        for law_id, d in by_law.items():
            name = ""
            try:
                info = catalog.law(law_id)
                name = getattr(info, "short_name", "") or getattr(info, "title", "")
            except Exception:  # a law not in the catalog (user uploads): fall back to the document title
                name = ""
            out.setdefault(d.get("jurisdiction") or "other", []).append(name or short_title(d.get("title", law_id)))
        return {j: sorted(set(ns)) for j, ns in out.items()}

    # -- answering --
    def understand(self, question: str, history: list[dict] | None, docs: list[dict], *, jurisdictions=None,
                   law_ids=None) -> Scope:
        from rag.understand.scope import understand

        indexed = sorted({d.get("law_id") or d["doc_id"] for d in docs})
        scope = understand(question, history, catalog=self.catalog_for(docs), indexed_law_ids=indexed,
                           jurisdictions=list(jurisdictions) if jurisdictions else None,
                           law_ids=list(law_ids) if law_ids else None, mentioning=self.retriever.mentioning)
        # The question's words in the other language, when a law in scope has none in its language (not
        # the names of laws and places: scope already says which).
        words = self.catalog_for(docs).strip_places(scope.without_names or scope.resolved_question or question)
        scope.translated = self.retriever.translated(words, scope.language, scope.law_ids, scope.jurisdictions)
        if (scope.language or "en") == "en":
            from rag.understand.focus import focus

            # A story told before the ask: the dense query keeps the story (rag/understand/focus.py), read from
            # the same words without names of laws and places.
            scope.focus = focus(words, self.retriever.term_share, self.weights.frame_word_chunk_share)
            if scope.focus:
                from rag.understand.scope import find_aspects

                # An aspect only the frame names ("apply" -> scope) is no aspect: its words are everywhere.
                told = find_aspects(scope.focus)
                scope.aspects = [a for a in scope.aspects if a in told]
        return scope

    def retrieve(self, question: str, scope: Scope, doc_ids=None) -> list[Hit]:
        hits = self.retriever.search(question, scope, k=self.settings.top_k,
                                     doc_ids=list(doc_ids) if doc_ids else None)
        if "dates" in scope.aspects[:2] and scope.law_ids:
            # "When does it apply?" is answered by the law's entry-into-force provisions, which share few words
            # with a question about one of its topics: they join the candidates after the best hit, for either
            # answerer, whatever rank retrieval gave them.
            from rag.answer.offline.law_checks import commencement_hits
            from rag.understand.lexicon import terms

            have, q_terms = {h.chunk.chunk_id for h in hits}, terms(question)
            extra = [h for law in scope.law_ids[:3] for h in commencement_hits(
                law, q_terms, scope, scope.language or "en", self.retriever)
                if (not doc_ids or h.chunk.doc_id in doc_ids) and h.chunk.chunk_id not in have]
            if extra:
                log.info("when-question: %d entry-into-force provisions added to the candidates", len(extra))
            hits = hits[:1] + extra + hits[1:]
        return hits

    def answer(self, question: str, history: list[dict] | None = None, *, jurisdictions=None, law_ids=None,
               doc_ids=None, llm: str | None = None, as_of: str | None = None) -> Answer:
        result = None
        for kind, value in self.stream(question, history, jurisdictions=jurisdictions, law_ids=law_ids,
                                       doc_ids=doc_ids, llm=llm, as_of=as_of):
            if kind == "answer":
                result = value
        assert isinstance(result, Answer)
        return result

    def stream(self, question: str, history: list[dict] | None = None, *, jurisdictions=None, law_ids=None,
               doc_ids=None, llm: str | None = None, as_of: str | None = None) -> Iterator[tuple[str, object]]:
        """Yields ("token", str) pieces of the answer text, then ("answer", Answer). ``as_of``
        ("YYYY-MM-DD", default ``Settings.as_of``, else today): the law as in force on that date."""
        from rag.answer.offline.compose import abstain
        from rag.understand.lexicon import language_of

        t0 = time.perf_counter()
        question = self._checked_question(question)
        history = bounded_history(history, self.settings.max_question_chars)
        as_of = parse_as_of(as_of or self.settings.as_of)
        docs = self.documents()
        scope = self.understand(question, history, docs, jurisdictions=jurisdictions, law_ids=law_ids)
        scope.as_of = as_of
        t1 = time.perf_counter()
        query = scope.resolved_question or question
        hits = self.retrieve(query, scope, doc_ids)
        t2 = time.perf_counter()
        name = (llm or self.settings.llm or "offline").lower()
        if name == "offline" or (scope.unknown_laws and not scope.law_ids):
            # Out-of-corpus questions are refused deterministically, whatever the answerer.
            log.info("answer path: offline (%s)", "answerer" if name == "offline" else f"out of corpus, not {name}")
            ans = self._offline_answer(question, scope, hits, history, doc_ids, docs, as_of)
            for piece in word_groups(ans.text):
                yield "token", piece
        elif not hits:
            log.info("answer path: nothing retrieved for the %s answerer: abstain", name)
            ans = abstain(question, scope, self.indexed_laws(docs), language_of(question, scope))
            for piece in word_groups(ans.text):
                yield "token", piece
        else:
            log.info("answer path: the %s answerer over %d passages", name, len(hits))
            ans = None
            for kind, value in self._llm(name).stream(question, scope, hits, history):
                if kind == "answer":
                    ans = value
                else:
                    yield kind, value
            assert isinstance(ans, Answer)
            self._label_versions(ans, as_of)  # streamed already: only the citations get their versions
        t3 = time.perf_counter()
        ans.scope = scope
        ans.hits = ans.hits or hits
        ans.timings = {**ans.timings, "understand": t1 - t0, "retrieve": t2 - t1, "compose": t3 - t2,
                       "total": t3 - t0}
        yield "answer", ans

    def _checked_question(self, question: str) -> str:
        """The question stripped; QuestionTooLong past ``Settings.max_question_chars``."""
        question = (question or "").strip()
        if len(question) > self.settings.max_question_chars:
            raise QuestionTooLong(f"the question is {len(question):,} characters long (at most "
                                  f"{self.settings.max_question_chars:,}, REGQA_MAX_QUESTION_CHARS): ask about one "
                                  f"thing at a time, or ingest the text as a document and ask about it")
        return question

    def _offline_answer(self, question: str, scope: Scope, hits: list[Hit], history: list[dict] | None,
                        doc_ids, docs: list[dict], as_of: str) -> Answer:
        """The offline answerer's answer, its citations labelled with their versions: what changed between two
        versions where the question asks that, else quotes of the law as in force on ``as_of``."""
        from rag.answer.offline.compose import compose

        versions = self.retriever.versions()
        retriever = _View(self.retriever, doc_ids, versions.predicate(as_of, scope.history), as_of,
                          scope.history) if versions is not None else self.retriever
        previous = next((str(t.get("content") or "") for t in reversed(history or [])
                         if isinstance(t, dict) and t.get("role") == "assistant"), "")
        ans = None
        if versions is not None and scope.history:
            from rag.answer.offline.changes import version_changes

            # "What did the amendment change in Art. 50?": the differing sentences of both versions
            ans = version_changes(scope, self.retriever, versions, as_of)
            log.info("answer path: %s", "the changes between versions" if ans else "no two versions differ: quotes")
        if ans is None:
            ans = compose(question, scope, hits, retriever=retriever, indexed=self.indexed_laws(docs),
                          judge=self.judge, weights=self.weights, previous_answer=previous,
                          quote_log=self.quote_log)
            parts = self._parts(question, scope, history)
            if len(parts) > 1:
                ans = self._with_parts(question, ans, parts, scope, docs, doc_ids, retriever)
        self._label_versions(ans, as_of)
        return ans

    @staticmethod
    def _parts(question: str, scope: Scope, history) -> list:
        """The separate asks of a question on one law or country (rag/understand/parts.py); a comparison or a
        survey is answered per jurisdiction instead, a follow-up reads its one ask with the conversation, and a
        question about versions sets the versions side by side."""
        if history or scope.comparison or scope.survey or scope.unknown_laws or scope.history:
            return []  # (a question about versions asks "before" and "now" of one provision: changes.py)
        from rag.understand.parts import split_asks

        return split_asks(question)

    def _with_parts(self, question: str, whole: Answer, parts, scope: Scope, docs, doc_ids, retriever) -> Answer:
        """The answer to the whole question, then each ask understood, retrieved and answered on its own in the
        laws of the whole question, where it quotes what the whole answer did not (rag/answer/offline/multipart.py)."""
        from rag.answer.offline.compose import compose
        from rag.answer.offline.multipart import combine
        from rag.understand.lexicon import language_of
        from rag.understand.scope import find_aspects

        log.info("answer path: %d asks, each also answered on its own: %s", len(parts), [p.text for p in parts])
        indexed = self.indexed_laws(docs)
        answered = []
        for p in parts:
            sub = self.understand(p.query, None, docs, law_ids=scope.law_ids or None,
                                  jurisdictions=None if scope.law_ids else scope.jurisdictions or None)
            # what this part asks for (fines), not what the part it refers back to asked (obligations)
            own = [a for a in find_aspects(p.text) if a in sub.aspects] or sub.aspects
            sub = replace(sub, as_of=scope.as_of, history=scope.history or sub.history, aspects=own)
            hits = self.retrieve(p.query, sub, doc_ids)
            answered.append((p.text, compose(p.text, sub, hits, retriever=retriever, indexed=indexed,
                                             judge=self.judge, weights=self.weights, quote_log=self.quote_log)))
        return combine(whole, answered, language_of(question, scope))

    def _label_versions(self, ans: Answer, as_of: str) -> None:
        """Each citation says which version it quotes, whether that is official, since when it is in force
        (or that it is superseded), and links to the provision itself where the official site allows."""
        versions = self.retriever.versions()
        if versions is None:  # a retriever that keeps no version data (test doubles)
            return
        from rag.core.citations import provision_link
        from rag.core.dates import long_date

        for c in ans.citations:
            st = versions.status(c.doc_id, c.unit_kind, c.article, as_of)
            c.status, c.version = st.state, st.note or c.version
            c.link = provision_link(c.official_url, c.unit_kind, c.article, c.kind) or c.official_url
            mark = ""
            if st.state == "superseded":
                mark = f"superseded on {long_date(st.superseded_on)} by {st.superseded_by}"
            elif st.until:
                mark = f"in force until {long_date(st.until)}, then replaced by {st.superseded_by}"
            if mark and f"[{c.n}]" in ans.text:
                # In the text too, not only on the card: an older version never reads as the lasting law.
                ans.text = ans.text.replace(f"[{c.n}]", f"[{c.n}] ({mark})", 1)

    def _llm(self, name: str):
        try:
            from rag.answer.llm.answerer import LLMAnswerer
        except ImportError as e:
            raise BackendUnavailable(f"the LLM answerer {name!r} is not available in this build ({e}); "
                                     f"use REGQA_LLM=offline") from e
        return LLMAnswerer(self.settings, name=name)
