"""Citations: quote verbatim sentences of a chunk body (split by rag/core/text.py), label a provision
("Regulation (EU) 2024/1689, Art. 99(3)", "Cal. Bus. & Prof. Code § 22757.2")
and number the sources of an answer [1], [2], ... in order of first use.

Quotes are always exact substrings of ``Chunk.body`` (spans are cut from the
body, never rebuilt), so a reader can find them in the official text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from rag.core.numerals import int_to_kanji, is_roman, roman_to_int
from rag.core.settings import Settings
from rag.core.text import sentences
from rag.core.types import Chunk, Citation, Hit

# A line that starts a numbered paragraph: "3. ...", "(2) ...", "(a) ..." (code subdivisions).
_PARA_DIGIT_RE = re.compile(r"^\s*(\d{1,3}[a-z]?)\.\s")
_PARA_PAREN_DIGIT_RE = re.compile(r"^\s*\((\d{1,3})\)\s")
_PARA_LETTER_RE = re.compile(r"^\s*\(([a-z]{1,2})\)\s")
# The default chunk size: a sentence of a chunk always fits whole.
MAX_QUOTE_CHARS = Settings.max_chunk_chars
# The offline answerer quotes sentences of this many top hits (rag/answer/offline/compose.py MAX_HITS); retrieval
# places the paragraphs stating an asked figure within them (rag/retrieve/hybrid.py _with_figures).
QUOTED_HITS = 5
LIST_QUOTE_CHARS = 1000  # a lead-in quoted with its list items stays within this many characters
LIST_ITEM_CHARS = 220  # further items of a quoted list: each its opening words (the rest is in the card)
ELLIPSIS = " …"


def clip(sentence: str, limit: int = MAX_QUOTE_CHARS) -> str:
    """A long sentence cut at a clause boundary, marked with " …" (the part before it is verbatim)."""
    if len(sentence) <= limit:
        return sentence
    cut = max(sentence.rfind(sep, 0, limit) for sep in ("; ", ", ", "、", " "))
    cut = cut if cut > limit // 2 else limit
    return sentence[:cut].rstrip(" ,;、") + ELLIPSIS


def paragraph_covers(chunk_paragraph: str | None, wanted: str | None) -> bool:
    """Does a chunk holding ``chunk_paragraph`` ("", "3", "2-4", "(1)-(3)", "(b)") contain paragraph ``wanted``?
    "" on either side means the whole provision. EUR-Lex numbers definition points "(1)", citations "3(1)"."""
    want = _bare(wanted)
    have = _bare(chunk_paragraph)
    if not want or not have or have == want:
        return True
    lo, sep, hi = have.partition("-")
    if sep and lo.isdigit() and hi.isdigit() and want.isdigit():
        return int(lo) <= int(want) <= int(hi)
    return False


_INLINE_SUBSECTION_RE = re.compile(r"(?:^|[.;:]\s+)\((\d{1,2})\)\s")


def _bare(paragraph: str | None) -> str:
    return re.sub(r"[()\s]", "", paragraph or "")


def paragraph_of(chunk: Chunk, start: int) -> str:
    """The paragraph a sentence starting at ``start`` of the body belongs to ("" when unknown).

    A chunk holding one paragraph says so itself; a whole article or a run ("2-4")
    is resolved by the nearest paragraph number printed at a line start above it.
    """
    para = chunk.paragraph or ""
    if para and "-" not in para:
        return para
    if chunk.unit_kind not in ("article", "section"):
        return ""
    lines = chunk.body[:start].split("\n")
    current = chunk.body[start:].split("\n", 1)[0]
    lines[-1] = lines[-1] + current
    for line in reversed(lines):
        for rx in (_PARA_DIGIT_RE, _PARA_PAREN_DIGIT_RE):
            m = rx.match(line)
            if m:
                return m.group(1)
        if chunk.unit_kind == "section":
            m = _PARA_LETTER_RE.match(line)
            if m:
                return f"({m.group(1)})"
    # Text extracted from a PDF runs subsections into one line: "... applicability. (1) Except ... 2027. (2)
    # Sections ...". A number that opens a sentence starts a subsection (a cross-reference never does), so
    # two subsections are never quoted as one.
    opened = list(_INLINE_SUBSECTION_RE.finditer(chunk.body[:start + 6]))
    return opened[-1].group(1) if opened else ""


_UNIT_NUM = r"(?:[IVXLC]+\b|\d+[a-z]?(?:\(\w{1,3}\))*)"
_UNIT_REF_RE = re.compile(rf"\b(chapter|title|part|section|article)s?\s+({_UNIT_NUM}(?:\s*(?:,\s*and|,|and|or|to)\s*(?:\(\w{{1,3}}\)|{_UNIT_NUM}))*)",
                          re.I)


_OF_CHAPTER_RE = re.compile(r"\s+of\s+chapter\s+([IVXLC]+\b|\d+)", re.I)


def unit_refs(text: str, chapter: str = "") -> set[tuple[str, str]]:
    """The structural units a text names, as (kind, number): "Chapters I and II" -> {("chapter", "1"),
    ("chapter", "2")}; "Article 33(3) to (6), Article 37(7)" -> {("article", "33"), ("article", "37")};
    "Articles 5 to 7" -> articles 5, 6 and 7. Roman numbers become Arabic so a heading path's "Chapter II"
    and a final provision's "Chapters I and II" meet. A section is numbered within its chapter ("Chapter
    III, Sections 1 and 2" -> ("section", "3.1"), ("section", "3.2"); "Sections 4 of Chapter IV" -> "4.4"):
    Section 2 of Chapter V is not Section 2 of Chapter III. ``chapter``: the chapter a heading's sections
    sit in when the text itself names none."""
    out: set[tuple[str, str]] = set()
    for m in _UNIT_REF_RE.finditer(text or ""):
        kind = m.group(1).lower()
        if kind == "section":
            after = _OF_CHAPTER_RE.match(text, m.end())
            of = after.group(1) if after else chapter
            of = str(roman_to_int(of)) if of and is_roman(of) else of
            numbers = {n for _, n in unit_refs("Article " + m.group(2))}  # the numbers and ranges, read alike
            out |= {("section", f"{of}.{n}" if of else n) for n in numbers}
            continue
        nums: list[int | str] = []
        for tok in re.findall(r"\bto\b|\([^)]*\)|[IVXLC]+\b|\d+[a-z]?", m.group(2)):
            if tok.startswith("("):
                continue  # a paragraph or point of the unit just named
            if tok == "to":
                nums.append("to")
                continue
            nums.append(roman_to_int(tok) if is_roman(tok) else tok)
        for i, n in enumerate(nums):
            if n == "to":
                a, b = (nums[i - 1] if i else None), (nums[i + 1] if i + 1 < len(nums) else None)
                if isinstance(a, int | str) and isinstance(b, int | str) and str(a).isdigit() and str(b).isdigit():
                    out.update((kind, str(k)) for k in range(int(a), min(int(b), int(a) + 50) + 1))
            else:
                out.add((kind, str(n)))
        if kind == "chapter" and len(nums) == 1:
            chapter = str(nums[0])  # "Chapter III, Sections 1, 2 and 3": the sections are Chapter III's
    return out


def article_units(chunks: list[Chunk]) -> dict[str, set[tuple[str, str]]]:
    """article -> the numbered chapters and sections it sits in (``unit_refs`` of its heading path), over
    every version given: a consolidation that prints its chapters by title only ("PENALTIES") gets the
    numbers from a version that prints "Chapter XII Penalties", matched by the title."""
    def path_units(path: str, titles: dict[str, set[tuple[str, str]]]) -> set[tuple[str, str]]:
        units: set[tuple[str, str]] = set()
        chapter = ""
        for part in path.split(" > "):
            found = {u for u in unit_refs(part, chapter) if u[0] != "article"} or titles.get(_title(part), set())
            chapter = next((n for k, n in found if k == "chapter"), chapter)
            units |= found
        return units

    by_title: dict[str, set[tuple[str, str]]] = {}
    for c in chunks:
        chapter = ""
        for part in c.heading_path.split(" > "):
            refs = {u for u in unit_refs(part, chapter) if u[0] != "article"}
            chapter = next((n for k, n in refs if k == "chapter"), chapter)
            if refs and _title(part):
                by_title.setdefault(_title(part), set()).update(refs)
    out: dict[str, set[tuple[str, str]]] = {}
    for c in chunks:
        if c.unit_kind in ("article", "section", "paragraph"):
            out.setdefault(c.article, set()).update(path_units(c.heading_path, by_title))
    return out


def _title(heading: str) -> str:
    """A heading without its number: "Chapter XII Penalties" -> "penalties"."""
    return re.sub(r"^\W*(?:chapter|title|part|section)\s+\S+\s*", "", heading, flags=re.I).strip().lower()


def provision_ref(chunk: Chunk, paragraph: str = "", lang: str = "en") -> str:
    """The provision part of a label: "Art. 99(3)", "§ 22757.2(a)", "Recital 27", "Annex III"; in a Japanese
    answer, a Japanese text's own numbering ("第七条第二項"), in a Korean one a Korean text's ("제7조제2항")."""
    kind, art = chunk.unit_kind, chunk.article
    if lang in ("ja", "ko") and chunk.language == lang and chunk.label and kind in ("article", "supplementary"):
        own = re.sub(r"\s+", "", chunk.label)
        num = re.match(r"\(?(\d+)\)?$", paragraph or "")
        if not (num and int(num.group(1)) > 0):
            return own
        return own + (f"第{int_to_kanji(int(num.group(1)))}項" if lang == "ja" else f"제{int(num.group(1))}항")
    para = paragraph if paragraph and "-" not in paragraph else ""
    if para and not para.startswith("("):
        para = f"({para})"
    if kind == "recital":
        return f"Recital {art} (non-binding)"  # recitals explain the articles; they create no obligations
    if kind == "annex":
        return f"Annex {art}".strip()  # the DMA has one annex, without a number
    if kind == "section":
        return f"§ {art}{para}"
    if kind == "supplementary":
        num = art.removeprefix("suppl-") if art.startswith("suppl-") else ""
        if len(num) >= 4 and num.isdigit():  # Korean addenda are numbered by the act that added them
            return f"Addenda (Act No. {num})"
        return f"Supplementary Provisions, Art. {num}" if num else "Supplementary Provisions"
    if kind in ("page", "paragraph") or not art:
        return chunk.label or ""
    return f"Art. {art}{para}"


def short_title(title: str) -> str:
    """A law's title without its other-language half, translation note or OJ reference:
    "Act on ... Technology / 人工知能… — English translation" -> "Act on ... Technology"."""
    for sep in (" / ", " — ", ", OJ"):
        title = title.split(sep)[0]
    return title.strip()


USER_PREFIX = "Your upload: "  # a user's document never reads like an official law


def law_name(chunk: Chunk) -> str:
    name = chunk.citation_name or chunk.short_name or chunk.law_title or chunk.law_id
    return USER_PREFIX + name if chunk.kind == "user" and not name.startswith(USER_PREFIX) else name


def label(chunk: Chunk, paragraph: str = "") -> str:
    """Full citation label: "Act No. 53 of 2025, Art. 16", "Cal. Bus. & Prof. Code § 22757.2"."""
    name, ref = law_name(chunk), provision_ref(chunk, paragraph)
    if not ref:
        return name
    return f"{name} {ref}" if ref.startswith("§") else f"{name}, {ref}"


def provision_link(official_url: str, unit_kind: str, article: str, kind: str = "law") -> str:
    """The provision itself on the official site, where its pages have anchors: EUR-Lex ``#art_99`` /
    ``#anx_III`` / ``#rct_27``, e-Gov ``#Mp-At_16``, a leginfo code section page; "" otherwise. Only for the
    text that URL shows (not a consolidation or translation pointing at another act's page)."""
    if not official_url or not article or kind not in ("law",):
        return ""
    base = official_url.split("#", 1)[0]
    if "eur-lex.europa.eu/eli/" in base:
        prefix = {"article": "art", "annex": "anx", "recital": "rct"}.get(unit_kind)
        return f"{base}#{prefix}_{article}" if prefix else ""
    if "laws.e-gov.go.jp/law/" in base and unit_kind == "article":
        return f"{base}#Mp-At_{article.replace('-', '_')}"
    m = re.search(r"codes_displayText\.xhtml\?lawCode=(\w+)", base)
    if m and re.fullmatch(r"[\d.]+", article):
        return (f"https://leginfo.legislature.ca.gov/faces/codes_displaySection.xhtml?lawCode={m.group(1)}"
                f"&sectionNum={article}")
    return ""


def citation_from_hit(hit: Hit | Chunk, n: int, quote: str = "", paragraph: str | None = None) -> Citation:
    """One Citation for a hit (or chunk); ``quote`` defaults to the first sentence."""
    c = hit.chunk if isinstance(hit, Hit) else hit
    if not quote:
        sents = sentences(c.body)
        quote = clip(sents[0]) if sents else ""
    if paragraph is None:
        idx = c.body.find(quote.removesuffix(ELLIPSIS)) if quote else -1
        paragraph = paragraph_of(c, idx) if idx >= 0 else (c.paragraph if "-" not in c.paragraph else "")
    return Citation(n=n, doc_id=c.doc_id, law_title=c.law_title, jurisdiction=c.jurisdiction, article=c.article,
                    paragraph=paragraph, quote=quote, official_url=c.official_url, source_file=c.source_file,
                    label=label(c, paragraph), unit_kind=c.unit_kind, language=c.language, chunk_id=c.chunk_id,
                    passage=c.body, kind=c.kind, version=c.version)


@dataclass
class Quote:
    """A verbatim sentence of a chunk, ready to cite."""

    chunk: Chunk
    start: int
    end: int
    limit: int = MAX_QUOTE_CHARS  # longer text is clipped at a clause boundary, marked " …"
    para: str | None = None  # a list item cites the paragraph of its lead-in (Art. 16, not "Art. 16(h)")

    def __post_init__(self) -> None:
        # A lead-in ending in ":" ("The following AI practices shall be prohibited:") says nothing
        # alone: the quote runs on over the list lines that follow, within the quote budget.
        body = self.chunk.body
        while body[self.start:self.end].rstrip().endswith((":", "：")) and self.end < len(body):
            nxt = body.find("\n", self.end + 1)
            nxt = len(body) if nxt < 0 else nxt
            if nxt - self.start > LIST_QUOTE_CHARS:
                break
            self.end = nxt

    @property
    def text(self) -> str:
        return clip(self.chunk.body[self.start:self.end].strip(), self.limit)

    @property
    def paragraph(self) -> str:
        return paragraph_of(self.chunk, self.start) if self.para is None else self.para

    def overlaps(self, other: Quote) -> bool:
        """Whether the two quotes share text of the same chunk."""
        return self.chunk.chunk_id == other.chunk.chunk_id and self.start < other.end and other.start < self.end


def squashed(text: str) -> str:
    """Text without spaces and punctuation, lower-cased: "Article 7(9)" and "Article 7 (9)" compare equal."""
    return re.sub(r"\W+", "", text).lower()


class CitationBook:
    """Numbers sources in order of first use; one number per (doc, unit, article, paragraph)."""

    def __init__(self) -> None:
        self.citations: list[Citation] = []
        self._by_key: dict[tuple, Citation] = {}
        self._parts: dict[int, dict[tuple, str]] = {}  # n -> {(seq, start): sentence}

    def cite(self, q: Quote) -> int:
        c, para = q.chunk, q.paragraph
        key = (c.doc_id, c.unit_kind, c.article, para)
        cit = self._by_key.get(key)
        if cit is None:
            cit = citation_from_hit(c, len(self.citations) + 1, quote=q.text, paragraph=para)
            self._by_key[key] = cit
            self.citations.append(cit)
        elif c.body not in cit.passage:
            cit.passage = f"{cit.passage}\n…\n{c.body}"
        parts = self._parts.setdefault(cit.n, {})
        parts[(c.seq, q.start)] = q.text
        # Several sentences of one provision: in the order of the text, joined by " … ".
        cit.quote = " … ".join(parts[k] for k in sorted(parts))
        return cit.n
