"""English <-> Japanese words for a question asked in one language about a text in the other.

The dictionary is JMdict (the Electronic Dictionary Research and Development Group's Japanese-English
dictionary, CC BY-SA 4.0) as packaged on PyPI by ``jamdict-data``: about 190,000 entries, each with its
written forms and English glosses. From it two maps are built once and kept beside the index
(``<data dir>/glossary/``, an SQLite file):

- English -> Japanese: a gloss of one to three words (stemmed like every English query word, so
  "insulting" finds "insult") -> the written forms of the nouns it glosses, common words first;
- Japanese -> English: a written form -> the glosses of its first sense.

Retrieval adds the other language's words to the BM25 query at a low weight (rag/data/weights.toml
``translated_term_weight``) when a law in scope has no text in the question's language: "insulting
someone" then meets 侮辱 in the Japanese-only Penal Code, and 名誉毀損 in a Japanese question meets
"defamation". No list is written for any law or question; a user's own Japanese document benefits the
same way. Without the package the glossary is empty and retrieval is as before.
"""
from __future__ import annotations

import logging
import os
import re
import sqlite3
import tempfile
import threading
from pathlib import Path

from rag.core.text import HIRAGANA_ONLY_RE, STOPWORDS

log = logging.getLogger(__name__)

FORMAT = 3  # bump when what is built changes: a stored glossary of another format is rebuilt
MAX_JA_LEN = 8  # longest written form matched inside a Japanese question
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f々〆ヶ]+")
_PARENS = re.compile(r"\([^)]*\)")
_WORD = re.compile(r"[a-z][a-z-]*")
_STEMMER = threading.local()


def key_words(text: str) -> list[str]:
    """English words as dictionary keys: lowercase, stopwords dropped, Porter2-stemmed (snowballstemmer), so
    "distributing" meets the gloss "distribution" and "obscene" meets "obscenity". Only the glossary keys
    use this stemmer; BM25 keeps its own light one (rag/core/text.py), whose terms the index holds."""
    stemmer = getattr(_STEMMER, "english", None)
    if stemmer is None:
        import snowballstemmer

        stemmer = _STEMMER.english = snowballstemmer.stemmer("english")
    return stemmer.stemWords([w for w in _WORD.findall(text.lower()) if w not in STOPWORDS])


class Glossary:
    """Lookups in the built maps, an SQLite database with an index on each key (a few milliseconds per
    question, nothing loaded at start). ``Glossary(None)`` is the empty glossary."""

    def __init__(self, db: sqlite3.Connection | None):
        self._db = db
        self._lock = threading.Lock()  # one connection, shared by the app's sessions

    def __bool__(self) -> bool:
        return self._db is not None

    def _words(self, table: str, key: str, limit: int) -> list[str]:
        with self._lock:
            return [r[0] for r in self._db.execute(
                f"SELECT value FROM {table} WHERE key = ? ORDER BY rank LIMIT ?", (key, limit))]

    def japanese_for(self, text: str, per_word: int = 4) -> list[str]:
        """Japanese words for the English words and short phrases of ``text`` (longest phrase first; a word
        inside a matched phrase is not looked up again)."""
        if self._db is None:
            return []
        toks = key_words(text)
        used = [False] * len(toks)
        out: list[str] = []
        for size in (3, 2, 1):
            for i in range(len(toks) - size + 1):
                if any(used[i:i + size]):
                    continue
                found = [f for forms in self._words("en_ja", " ".join(toks[i:i + size]), per_word)
                         for f in forms.split()]  # a word and its kana reading
                if found:
                    out += [w for w in found if w not in out]
                    used[i:i + size] = [True] * size
        return out

    def english_for(self, text: str, per_word: int = 2) -> list[str]:
        """English glosses of the Japanese words of ``text``, found by longest match inside its CJK runs."""
        if self._db is None:
            return []
        out: list[str] = []
        for run in _CJK_RUN.findall(text):
            i = 0
            while i < len(run):
                for j in range(min(len(run), i + MAX_JA_LEN), i + 1, -1):  # two characters at least
                    word = run[i:j]
                    found = [] if HIRAGANA_ONLY_RE.match(word) else self._words("ja_en", word, per_word)
                    if found:
                        out += [g for g in found if g not in out]
                        i = j
                        break
                else:
                    i += 1
        return out


def _dictionary_path() -> Path | None:
    try:
        import jamdict_data
    except ImportError:
        return None
    p = Path(jamdict_data.__file__).parent / "jamdict.db"
    return p if p.is_file() else None


def build(source: Path, target: sqlite3.Connection) -> None:
    """Both maps from the JMdict SQLite database ``source`` (read-only) into ``target`` (a few seconds)."""
    db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        common: dict[int, int] = {}  # entry -> number of frequency marks on its written forms (news1, ichi1 ...)
        for idseq, in db.execute("SELECT k.idseq FROM Kanji k JOIN KJP p ON p.kid = k.ID"):
            common[idseq] = common.get(idseq, 0) + 1
        written: dict[int, str] = {}
        for idseq, text in db.execute("SELECT idseq, text FROM Kanji ORDER BY ID"):
            written.setdefault(idseq, text)
        reading: dict[int, str] = {}
        for idseq, text, nokanji in db.execute("SELECT idseq, text, nokanji FROM Kana ORDER BY ID"):
            if nokanji:
                written.setdefault(idseq, text)  # katakana words such as コンピュータ have no kanji form
            reading.setdefault(idseq, text)
        nouns = {r[0] for r in db.execute(
            "SELECT DISTINCT s.idseq FROM Sense s JOIN pos ON pos.sid = s.ID WHERE pos.text LIKE 'noun%'")}
        rows = db.execute("SELECT s.idseq, s.ID, g.text FROM Sense s JOIN SenseGloss g ON g.sid = s.ID "
                          "WHERE g.lang = 'eng' ORDER BY s.idseq, s.ID")
        en_ja: list[tuple[str, int, str]] = []
        ja_en: list[tuple[str, int, str]] = []
        first_sense: dict[int, int] = {}
        position: dict[int, int] = {}  # glosses of a sense so far: the first names its main meaning
        for n, (idseq, sid, gloss) in enumerate(rows):
            pos = position[sid] = position.get(sid, -1) + 1
            word = written.get(idseq)
            if not word or len(word) < 2:
                continue  # one character (罪, 刑) matches too much as a BM25 term
            sense = first_sense.setdefault(idseq, sid)
            gloss = re.sub(r"^to ", "", _PARENS.sub("", gloss).strip().lower())
            words = key_words(gloss)
            if not words or len(words) > 3 or len(gloss.split()) > 4:
                continue
            if sid == sense:
                ja_en.append((word, n, gloss))
            if idseq in nouns:
                # common words first, then a gloss of an entry's first sense, then its first gloss
                rank = -common.get(idseq, 0) * 10**9 + (sid != sense) * 10**8 + min(pos, 9) * 10**7 + n
                # Statutes write some words in kana (わいせつ, not 猥褻): the reading goes with the word.
                kana = reading.get(idseq, "")
                forms = word + (f" {kana}" if kana != word and len(kana) >= 3 else "")
                en_ja.append((" ".join(words), rank, forms))
    finally:
        db.close()
    for table, data in (("en_ja", en_ja), ("ja_en", ja_en)):
        target.execute(f"CREATE TABLE {table} (key TEXT, rank INTEGER, value TEXT)")
        target.executemany(f"INSERT INTO {table} VALUES (?, ?, ?)", data)
        target.execute(f"CREATE INDEX {table}_key ON {table} (key, rank)")
    target.commit()


_LOCK = threading.Lock()


def load(cache_dir: Path | None) -> Glossary:
    """The glossary, built from the installed dictionary on first use into ``cache_dir`` (when it can be
    written: later processes only open it) or else into memory; empty when ``jamdict-data`` is missing."""
    source = _dictionary_path()
    if source is None:
        log.info("jamdict-data is not installed: no English-Japanese glossary")
        return Glossary(None)
    with _LOCK:
        stored = cache_dir / f"jmdict-v{FORMAT}-{source.stat().st_size}.sqlite" if cache_dir else None
        if stored and stored.is_file():
            try:
                db = sqlite3.connect(f"file:{stored}?mode=ro", uri=True, check_same_thread=False)
                db.execute("SELECT 1 FROM en_ja LIMIT 1")
                return Glossary(db)
            except sqlite3.Error as e:
                log.warning("glossary %s unreadable (%s): rebuilding it", stored, e)
        if stored:
            try:
                cache_dir.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=cache_dir, suffix=".tmp")
                os.close(fd)
                target = sqlite3.connect(tmp)
                build(source, target)
                target.close()
                os.replace(tmp, stored)  # readers see the whole database or none
                log.info("glossary built from %s into %s", source, stored)
                return Glossary(sqlite3.connect(f"file:{stored}?mode=ro", uri=True, check_same_thread=False))
            except (OSError, sqlite3.Error) as e:
                log.info("glossary not stored in %s (%s): built in memory", cache_dir, e)
        db = sqlite3.connect(":memory:", check_same_thread=False)
        build(source, db)
        return Glossary(db)
