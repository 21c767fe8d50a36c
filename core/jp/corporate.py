"""法人番号 (13-digit corporate number): check digit per 財務省令第70号 第2条."""

from __future__ import annotations

import re

from core.jp._common import WHITESPACE_RE, fail, nfkc_code

_BASE_RE = re.compile(r"[0-9]{12}")
_NUMBER_RE = re.compile(r"[0-9]{13}")


def _digits(s: str) -> str:
    return WHITESPACE_RE.sub("", nfkc_code(s)).replace("-", "")


def corporate_check_digit(base12: str) -> int:
    """The check digit (1-9) for a 12-digit 基礎番号: 9 − (Σ Pn×Qn mod 9), where Pn is the n-th digit counted
    from the right and Qn is 1 for odd n, 2 for even n. The mod applies to the whole sum.

    Full-width digits, hyphens and spaces are accepted. Raises JpParseError unless 12 digits remain.
    """
    t = _digits(base12 or "")
    if not _BASE_RE.fullmatch(t):
        raise fail("法人番号の基礎番号", base12, "12桁の数字で入力してください。")
    total = sum(int(c) * (1 if n % 2 else 2) for n, c in enumerate(reversed(t), start=1))
    return 9 - total % 9


def is_valid_corporate_number(s: str | None) -> bool:
    """True if ``s`` is a 法人番号: 13 digits after NFKC and removing hyphens/spaces, the first being the check
    digit of the other twelve. Anything else (``None``, wrong length, letters) is False, never an error."""
    if not isinstance(s, str):
        return False
    t = _digits(s)
    return bool(_NUMBER_RE.fullmatch(t)) and int(t[0]) == corporate_check_digit(t[1:])


def normalize_corporate_number(s: str | None) -> str:
    """The 13 ASCII digits of a valid 法人番号 (「１２３４－…」 → ``"7123456789012"``), for storing.

    Raises JpParseError saying whether the length or the check digit is wrong; empty is an error (individual
    contractors have no 法人番号: leave the field empty instead of calling this).
    """
    t = _digits(s or "")
    if not t:
        raise fail("法人番号", s, "入力が空です。")
    if not _NUMBER_RE.fullmatch(t):
        raise fail("法人番号", s, f"13桁の数字で入力してください（{len(t)}文字あります）。")
    if int(t[0]) != corporate_check_digit(t[1:]):
        raise fail("法人番号", s, "チェックディジット（先頭の数字）が合いません。番号を確かめてください。")
    return t
