"""Kanji numerals (漢数字) as written in dates: 「令和七年四月一日」, 「十二月三十一日」, 「二〇二五年」."""

from __future__ import annotations

import unicodedata

from core.jp._common import fail

# ○ (U+25CB WHITE CIRCLE) is what IMEs often produce when 〇 (U+3007) is meant: 「二○二五年」.
_DIGITS = {"〇": 0, "○": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
KANJI_NUMERAL_CHARS = "".join(_DIGITS) + "".join(_UNITS)


def kanji_to_int(s: str) -> int:
    """Read a kanji numeral (〇一二三四五六七八九十百千, and 元 = 1) as an int, up to 9999 in the 十百千 form.

    Two forms are read: with units (「三十一」 = 31, 「十二」 = 12, 「二千二十五」 = 2025) and positional
    (「二〇二五」 = 2025, 「〇七」 = 7). A plain string of digits (full- or half-width) is read too, so that a
    date parser can hand over whatever the year, month or day token was. ○ is taken as 〇.
    Raises JpParseError for anything else, e.g. 「十十」, 「二二十」, 「百千」.
    """
    raw = s
    t = unicodedata.normalize("NFKC", s or "").strip()
    if not t:
        raise fail("漢数字", raw, "入力が空です。")
    if t.isascii() and t.isdigit():
        return int(t)
    if t == "元":
        return 1
    if all(c in _DIGITS for c in t):
        return int("".join(str(_DIGITS[c]) for c in t))
    total = 0
    digit: int | None = None
    last_unit = 10_000
    for c in t:
        if c in _DIGITS:
            if digit is not None:
                raise fail("漢数字", raw, "十・百・千を使う書き方では数字を続けて書けません。")
            digit = _DIGITS[c]
            if digit == 0:
                raise fail("漢数字", raw, "十・百・千を使う書き方に〇は使えません。")
        elif c in _UNITS:
            unit = _UNITS[c]
            if unit >= last_unit:
                raise fail("漢数字", raw, "位の順序が正しくありません。")
            total += (1 if digit is None else digit) * unit
            last_unit = unit
            digit = None
        else:
            raise fail("漢数字", raw, f"「{c}」は漢数字ではありません。")
    return total + (digit or 0)
