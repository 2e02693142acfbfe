"""Plain dataclasses exchanged between modules: a chunk, a retrieval hit, a
citation, the scope of a question and an answer.

Chroma metadata must be flat scalars, so ``Chunk`` converts itself to and from
a flat dict (``to_metadata`` / ``from_metadata``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

# The kinds of document that are law text (an original, its translation, a consolidation): not news, web pages
# or a user's upload, which are never quoted as the law.
STATUTE_KINDS = ("law", "translation", "consolidation")


@dataclass
class Chunk:
    """One retrievable piece of a law: an article, or one paragraph run of a long article."""

    chunk_id: str  # "<doc_id>:<file_hash[:12]>:<seq>", stable for the same file content
    doc_id: str  # stable id of the document (one file), e.g. "jp-ai-promotion-act-ja"
    law_id: str  # one law across languages/versions, e.g. "jp-ai-promotion-act"
    text: str  # what is embedded and shown: context header line + body
    body: str  # the verbatim provision text of this chunk (no header)
    law_title: str = ""
    short_name: str = ""  # e.g. "EU AI Act", "AI Promotion Act"
    citation_name: str = ""  # how to cite the law, e.g. "Regulation (EU) 2024/1689", "Act No. 53 of 2025"
    jurisdiction: str = ""  # EU, JP, KR, CN, UK, CA, US-CA, US-CO
    language: str = ""  # en, ja, ko, zh
    unit_kind: str = "article"  # article | recital | annex | section | paragraph | supplementary | page
    article: str = ""  # "16", "99", "26-2", "22757.1", "6-1-1703"; annex "III"; recital "27"
    paragraph: str = ""  # "3", "1-2" for a run of paragraphs, "" for the whole unit
    label: str = ""  # the unit label as printed: "Article 99", "第十六条", "제31조", "Section 22757.2"
    unit_title: str = ""  # caption: "Penalties", "（指導、助言、情報の提供その他の必要な措置）"
    heading_path: str = ""  # "Chapter XII Penalties > ..." joined with " > "
    version: str = ""
    official_url: str = ""
    source_file: str = ""  # path relative to the ingested root (e.g. corpus dir)
    content_hash: str = ""  # sha256 of the chunk body
    file_hash: str = ""  # sha256 of the source file + split format + chunk size (version marker for re-ingest)
    seq: int = 0  # position of the chunk in its document
    kind: str = "law"  # law | translation | consolidation | news | web | user

    def to_metadata(self) -> dict:
        d = asdict(self)
        d.pop("text")  # stored as the Chroma document itself
        return {k: ("" if v is None else v) for k, v in d.items()}

    @classmethod
    def from_metadata(cls, text: str, meta: dict) -> Chunk:
        names = {f.name for f in fields(cls)}
        kw = {k: v for k, v in meta.items() if k in names and k != "text"}
        return cls(text=text, **kw)


@dataclass
class Hit:
    """A chunk returned by retrieval with its fused score and per-retriever ranks."""

    chunk: Chunk
    score: float = 0.0
    ranks: dict = field(default_factory=dict)  # {"dense": 3, "bm25": 1, "lookup": 0}


@dataclass
class Citation:
    n: int  # the [n] marker used in the answer text
    doc_id: str
    law_title: str
    jurisdiction: str
    article: str
    paragraph: str
    quote: str  # verbatim supporting words from the chunk body
    official_url: str
    source_file: str
    label: str = ""  # e.g. "Act No. 53 of 2025, Art. 16"
    unit_kind: str = "article"
    language: str = ""
    chunk_id: str = ""
    passage: str = ""  # the whole chunk body, for display with the quote highlighted
    kind: str = "law"  # law | translation | consolidation | user | news | web: what the cited text is
    version: str = ""  # which version, official or not, since when (rag/index/versions.py Status.note)
    status: str = ""  # in_force | pending | superseded | unknown, as of the answer's date
    link: str = ""  # the provision on the official site where it supports anchors, else official_url

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Scope:
    """What the question is about, as understood before retrieval."""

    law_ids: list[str] = field(default_factory=list)
    jurisdictions: list[str] = field(default_factory=list)
    articles: list[str] = field(default_factory=list)  # explicit references, e.g. ["99(3)", "16"]
    aspects: list[str] = field(default_factory=list)  # penalties, definitions, dates, obligations, scope, responsibility
    language: str = "en"  # language of the question
    comparison: bool = False
    # "Which laws apply in Japan, the EU and California?": every indexed law of each named jurisdiction is
    # searched, and each answers only with a provision judged relevant
    survey: bool = False
    unknown_laws: list[str] = field(default_factory=list)  # named laws that are not indexed
    # Named laws that are not indexed but that indexed statutes name verbatim ("Directive 95/46/EC" in the GDPR):
    # name -> the laws referring to it, which answer in its place, under a note saying so
    referenced: dict[str, list[str]] = field(default_factory=dict)
    resolved_question: str = ""  # the question after follow-up resolution
    # resolved_question without the names of laws and countries (inside the scope they only add noise)
    without_names: str = ""
    source: str = ""  # how the scope was found: "question", "history", "user filter", "none"
    as_of: str = ""  # "YYYY-MM-DD": the law as in force on that date ("" = today)
    history: bool = False  # asks about an earlier version: superseded provisions may be quoted (labelled)
    # asks about an earlier version only (not also "and now?"): the earlier text leads, the current one follows
    earlier_only: bool = False
    # asks until when something lasts ("until when", "does the cure period expire"): a provision's own end date
    # (its repeal, its expiry) then answers, which for "from when" it never does
    until: bool = False
    # "What does the policy say about watermarks?": the topic a question asks a text about ("watermarks"), whose
    # words a quoted sentence either uses or not; "" for a question that asks for a fact
    about: str = ""
    # The question's words in the other language (English <-> Japanese, rag/understand/bilingual.py) when a
    # law in scope has no text in the question's language: retrieval searches and the answerer quotes by them.
    translated: list[str] = field(default_factory=list)
    # The question's sentences that say what it is about, for the dense query ("" = the whole question): a
    # story told before the ask keeps the story, not "Which laws apply to that?" (rag/understand/focus.py).
    focus: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Answer:
    text: str  # the answer with [n] markers
    citations: list[Citation] = field(default_factory=list)
    scope: Scope = field(default_factory=Scope)
    timings: dict = field(default_factory=dict)  # seconds: {"understand": .., "retrieve": .., "compose": .., "total": ..}
    answerer: str = "offline"
    abstained: bool = False  # True when the corpus does not answer
    # True when the lead presents the quoted provisions as answering the question ("X addresses this
    # in Art. N"); False for "No indexed provision clearly answers this. The closest are: ...".
    claims_answer: bool = False
    # the cross-encoder's logit that decided the first lead (None: not judged); rag/evaluation/fit.py fits
    # weights.toml answers_min_logit on exactly these
    lead_logit: float | None = None
    flagged: list[str] = field(default_factory=list)  # sentences removed or flagged as unsupported
    hits: list[Hit] = field(default_factory=list)  # what retrieval returned (for eval and the UI)

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "citations": [c.to_dict() for c in self.citations],
            "scope": self.scope.to_dict(),
            "timings": self.timings,
            "answerer": self.answerer,
            "abstained": self.abstained,
            "claims_answer": self.claims_answer,
            "flagged": self.flagged,
            "retrieved": [
                {"chunk_id": h.chunk.chunk_id, "doc_id": h.chunk.doc_id, "article": h.chunk.article,
                 "paragraph": h.chunk.paragraph, "source_file": h.chunk.source_file, "score": h.score}
                for h in self.hits
            ],
        }
