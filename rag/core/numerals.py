"""The one numeral implementation (loaders, question understanding, lists): Roman numerals (EU chapters/annexes, "ARTICLE V")
and CJK numerals (第二十六条の二, 第十二条) to the plain numbers we store in
``Unit.number``.

Japanese kanji as printed
by e-Gov (incl. positional 一〇五), Chinese 零/两, old forms 壱/弐/参/拾 and
full-width digits. Law-specific label parsing (第二十六条の二 -> "26-2") lives
with the loader that needs it (ingest/loaders/jlaw_common.py).
"""
from __future__ import annotations

import re

_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
_ROMAN_RE = re.compile(r"^M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")


def is_roman(text: str) -> bool:
    t = text.upper()
    return bool(t) and bool(_ROMAN_RE.match(t))


def roman_to_int(text: str) -> int:
    """'XII' -> 12. Raises ValueError for anything that is not a Roman numeral."""
    t = text.strip().upper()
    if not is_roman(t):
        raise ValueError(f"not a Roman numeral: {text!r}")
    total = 0
    for i, ch in enumerate(t):
        v = _ROMAN[ch]
        total += -v if i + 1 < len(t) and _ROMAN[t[i + 1]] > v else v
    return total


def int_to_roman(n: int) -> str:
    if not 0 < n < 4000:
        raise ValueError(f"out of range for Roman numerals: {n}")
    out = []
    for v, s in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                 (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= v:
            out.append(s)
            n -= v
    return "".join(out)


_CJK_DIGITS = {"〇": 0, "零": 0, "一": 1, "壱": 1, "二": 2, "两": 2, "弐": 2, "三": 3, "参": 3, "四": 4,
               "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CJK_UNITS = {"十": 10, "拾": 10, "百": 100, "千": 1000}
CIRCLED_NUMBERS = {chr(0x2460 + i): i + 1 for i in range(20)}  # ① .. ⑳ (Korean paragraph numbers)
FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
CJK_NUMERAL_CHARS = "〇零一壱二两弐三参四五六七八九十拾百千万0-9０-９"


def cjk_to_int(text: str) -> int:
    """'二十六' -> 26, '一百零三' -> 103, '千二百' -> 1200, '１２' -> 12."""
    t = text.strip().translate(FULLWIDTH_DIGITS)
    if not t:
        raise ValueError("empty numeral")
    if t.isdigit():
        return int(t)
    total, section, digit = 0, 0, None
    for ch in t:
        if ch.isdigit():
            digit = (digit or 0) * 10 + int(ch)
        elif ch in _CJK_DIGITS:
            d = _CJK_DIGITS[ch]
            # Positional writing ("二〇二五") has no unit characters: shift digits.
            digit = d if digit is None else digit * 10 + d
        elif ch in _CJK_UNITS:
            section += (1 if digit is None else digit) * _CJK_UNITS[ch]
            digit = None
        elif ch == "万":
            total += (section + (digit or 0)) * 10000
            section, digit = 0, None
        else:
            raise ValueError(f"not a CJK numeral: {text!r}")
    return total + section + (digit or 0)


def int_to_kanji(n: int) -> str:
    """26 -> '二十六', 103 -> '百三' (as Japanese statutes number articles and paragraphs; 1 <= n < 10000)."""
    if not 0 < n < 10000:
        raise ValueError(f"out of range: {n}")
    digits = "〇一二三四五六七八九"
    out = ""
    for value, unit in ((1000, "千"), (100, "百"), (10, "十")):
        d, n = divmod(n, value)
        if d:
            out += ("" if d == 1 else digits[d]) + unit
    return out + (digits[n] if n else "")
