"""BM25 tokenisation for English, Japanese, Chinese and Korean, with no downloads.

English: lowercase words, stopwords dropped, light suffix stemming ("penalties" ->
"penalti", "fines" -> "fine"). Numbers and article numbers are kept ("99", "22757.2").
CJK runs (kanji/kana): character bigrams plus single kanji; bigrams made only of hiragana
are dropped (particles and verb endings: "ない", "する"). Hangul runs: bigrams, plus the
run itself when short. Bigrams were chosen over janome: they need no dictionary, treat
question and statute text the same way, and catch compound terms (副本部長 -> 副本, 本部, 部長).
"""
from __future__ import annotations

import re

_LATIN = re.compile(r"[a-z0-9]+(?:[.\-][a-z0-9]+)*")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヶー]+")
_HANGUL = re.compile(r"[\uac00-\ud7af]+")
_HIRA = re.compile(r"^[\u3040-\u309f]+$")
_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々]")

_STOPWORDS_TEXT = """
a an the and or but of to in on at by for with from as into about over under than that this these those it its
is are was were be been being has have had do does did can could may might shall should will would not no nor
any all each every some such other more most also only if so which who whom whose what when where why how while
we you they their there i me my us our your his her them one same very much many per thereof therein hereby
s etc e.g i.e via upon within without between whether
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())

_SUFFIXES = (("ational", "ate"), ("ization", "ize"), ("isation", "ize"), ("ations", "ate"), ("ation", "ate"),
             ("ies", "i"), ("ied", "i"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""), ("y", "i"))


def stem(word: str) -> str:
    """A light, deterministic stemmer: enough to join plural/verb forms of legal English."""
    if len(word) <= 3 or not word.isalpha():
        return word
    for suf, rep in _SUFFIXES:
        if word.endswith(suf) and len(word) - len(suf) >= 3:
            if suf == "s" and word.endswith(("ss", "us", "is")):
                break
            if suf == "es" and not word.endswith(("ches", "shes", "sses", "xes", "zes")):
                continue
            word = word[: len(word) - len(suf)] + rep
            if suf in ("ed", "ing") and len(word) > 3 and word[-1] == word[-2] and word[-1] not in "saeiou":
                word = word[:-1]  # "labelled" -> "label", "committed" -> "commit"
            break
    # A final "e" goes too, so "require", "requires" and "required" meet at "requir".
    return word[:-1] if len(word) >= 4 and word.endswith("e") and not word.endswith("ee") else word


def latin_tokens(text: str) -> list[str]:
    low = re.sub(r"['’]s\b", "", text.lower())
    out = []
    for w in _LATIN.findall(low):
        w = w.strip(".-")
        if not w or w in STOPWORDS:
            continue
        out.append(stem(w) if w.isalpha() else w)
    return out


def cjk_tokens(run: str) -> list[str]:
    out = [ch for ch in run if _KANJI.match(ch)]
    out += [run[i:i + 2] for i in range(len(run) - 1) if not _HIRA.match(run[i:i + 2])]
    if len(run) == 1 and not out:
        out.append(run)
    return out


def hangul_tokens(run: str) -> list[str]:
    out = [run[i:i + 2] for i in range(len(run) - 1)]
    if 2 <= len(run) <= 4:
        out.append(run)
    return out


def tokenize(text: str) -> list[str]:
    """BM25 terms of ``text`` in order (duplicates kept: BM25 counts term frequency)."""
    if not text:
        return []
    text = text.replace("\u3000", " ")
    # Full-width ASCII (ＡＩ, ２０２５) is common in Japanese statutes: fold it to ASCII.
    text = text.translate({c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)})
    out = latin_tokens(text)
    for run in _CJK.findall(text):
        out += cjk_tokens(run)
    for run in _HANGUL.findall(text):
        out += hangul_tokens(run)
    return out


def detect_language(text: str) -> str:
    """ja when there is kana (or kanji without Hangul/simplified hints), ko for Hangul, zh for Han only."""
    if re.search(r"[\u3040-\u30ff]", text):
        return "ja"
    if _HANGUL.search(text):
        return "ko"
    if _KANJI.search(text):
        # Han-only text: Chinese unless it uses Japanese-only forms or typical Japanese legal words.
        if re.search(r"[们这个说为对于时应该吗呢违规处罚规定]", text):
            return "zh"
        if re.search(r"[々〆]|条|法律第|罰則|個人情報|本部", text):
            return "ja"
        return "zh"
    return "en"
