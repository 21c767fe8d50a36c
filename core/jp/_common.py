"""Shared pieces of ``core.jp``: the error type and the character tables every parser uses."""

from __future__ import annotations

import re
import unicodedata

# Characters other systems send where an ASCII hyphen-minus is meant. NFKC alone does not unify them:
# it leaves U+2010, U+2014, U+2015 and U+2212 unchanged and turns half-width ｰ into the long-vowel mark ー.
DASHES = (
    "\u2010\u2011\u2012\u2013\u2014\u2015"  # ‐ ‑ ‒ – — ―
    "\u2043\u2212\u2e3a\u2e3b"  # ⁃ − ⸺ ⸻
    "\ufe58\ufe63\uff0d"  # ﹘ ﹣ －
    "\u30fc\uff70"  # ー ｰ (long-vowel marks, often typed for a hyphen in numbers)
)
_DASH_TABLE = str.maketrans(dict.fromkeys(DASHES, "-"))

_SHOWN_MAX = 60


class JpParseError(ValueError):
    """Input text that cannot be read; ``str(error)`` is a Japanese message naming the text and the reason.

    ``text`` is the offending input as given and ``reason`` the explanation alone, for callers (such as CSV
    imports) that want to build their own message with a row number.
    """

    def __init__(self, message: str, *, text: str = "", reason: str = ""):
        super().__init__(message)
        self.text = text
        self.reason = reason


def shown(text: object) -> str:
    """The input as it appears inside 「」 in a message (long input is cut so a message stays readable)."""
    s = "" if text is None else str(text)
    return s if len(s) <= _SHOWN_MAX else s[:_SHOWN_MAX] + "…"


def fail(kind: str, text: object, reason: str) -> JpParseError:
    """Build the standard error 「{kind}「{text}」を読み取れません: {reason}」."""
    raw = "" if text is None else str(text)
    return JpParseError(f"{kind}「{shown(raw)}」を読み取れません: {reason}", text=raw, reason=reason)


def dashes_to_hyphen(s: str) -> str:
    """Replace every dash-like character in ``DASHES`` with ``-``."""
    return s.translate(_DASH_TABLE)


def nfkc_code(s: str) -> str:
    """NFKC, then dashes to ``-``: the first step for anything that is really a number or a code."""
    return dashes_to_hyphen(unicodedata.normalize("NFKC", s))


WHITESPACE_RE = re.compile(r"\s+")
# Longest text the date and amount parsers look at: far beyond any real value, and short enough that their
# regular expressions (several optional spaces in a row) stay fast on hostile input.
MAX_FIELD_CHARS = 64


def prepare_field(kind: str, raw: str) -> str:
    """``nfkc_code`` + runs of whitespace to one space + trim, rejecting (JpParseError) empty or over-long text."""
    t = WHITESPACE_RE.sub(" ", nfkc_code(raw)).strip()
    if not t:
        raise fail(kind, raw, "入力が空です。")
    if len(t) > MAX_FIELD_CHARS:
        raise fail(kind, raw, f"長すぎます（{MAX_FIELD_CHARS}文字まで）。")
    return t
