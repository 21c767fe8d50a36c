"""Yen amounts: reading what people and other systems type, and writing them for screens and contracts."""

from __future__ import annotations

import re
from decimal import Decimal

from core.jp._common import JpParseError, fail, prepare_field, shown

MAX_AMOUNT = 10**16 - 1  # 9999兆9999億9999万9999円, the largest amount 大字 with 兆 can write

_AMOUNT_RE = re.compile(
    r"(?:金\s*)?(?P<s1>[-△▲])?\s*[¥\\]?\s*(?P<s2>[-△▲])?\s*"
    r"(?P<num>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)\s*(?:円\s*(?:也)?)?"
)
_UNIT_KANJI_RE = re.compile(r"[十百千万萬億兆]")
_ALLOWED_CHARS_RE = re.compile(r"[0-9,\s金円也¥\\△▲-]")
_UNIT_MESSAGE = "単位付きの金額（千円・万円）は曖昧なため受け付けません。円単位の数値で入力してください。"
_DIGITS = "零壱弐参四五六七八九"
_SMALL = ((1000, "千"), (100, "百"), (10, "拾"), (1, ""))
_LARGE = ((10**12, "兆"), (10**8, "億"), (10**4, "万"), (1, ""))


def parse_amount(text: str | int | None) -> int:
    """Read an amount in whole yen.

    Accepts ``1,234,000``, ``１２３４０００``, ``￥1,234,000``, ``¥1,234,000``, ``\\1,234,000`` (the yen sign of
    CP932 files decodes as a backslash), ``1,234,000円``, ``金1,234,000円``, ``金1,234,000円也``, and negatives
    ``-5,000`` / ``△5,000`` / ``▲5,000`` (the Japanese accounting minus). Commas must be in the right places.
    Rejected, each with a JpParseError naming the text: units (``1234千円``, ``1.2万円``, ``12万3千円``: which
    unit was meant is too easy to get wrong), other currencies or units, decimals, a trailing minus
    (``5,000-``, ambiguous), empty input, and amounts beyond ±9999兆円. An ``int`` is returned as is; a
    ``float``/``Decimal`` only if it is a whole number.
    """
    if isinstance(text, bool):
        raise TypeError("parse_amount() に真偽値は渡せません。")
    if isinstance(text, int):
        return _checked(text, text)
    if isinstance(text, float | Decimal):
        whole = text.is_integer() if isinstance(text, float) else text.is_finite() and text == text.to_integral_value()
        if not whole:
            raise fail("金額", text, "小数を含む金額は受け付けません。円単位の整数で入力してください。")
        return _checked(text, int(text))
    if text is not None and not isinstance(text, str):
        raise TypeError(f"parse_amount() には文字列を渡してください: {shown(repr(text))}")
    raw = text or ""
    t = prepare_field("金額", raw)
    match = _AMOUNT_RE.fullmatch(t)
    if match:
        if match["s1"] and match["s2"]:
            raise fail("金額", raw, "負の記号（- △ ▲）は一つだけ付けてください。")
        value = int(match["num"].replace(",", ""))
        return _checked(raw, -value if (match["s1"] or match["s2"]) else value)
    if _UNIT_KANJI_RE.search(t):
        raise fail("金額", raw, _UNIT_MESSAGE)
    if "." in t:
        raise fail("金額", raw, "小数を含む金額は受け付けません。円単位の整数で入力してください。")
    others = _ALLOWED_CHARS_RE.sub("", t)
    if others and re.search(r"[0-9]", t):
        raise fail("金額", raw, f"円以外の単位や記号（{others}）は受け付けません。円単位の数値で入力してください。")
    if re.fullmatch(r".*[0-9]\s*-", t):
        reason = "末尾の「-」は負数の印か飾りか曖昧なため受け付けません。負数は「-5,000」か「△5,000」と入力してください。"
        raise fail("金額", raw, reason)
    if "," in t and not others:
        raise fail("金額", raw, "桁区切りのカンマの位置が正しくありません（例: 1,234,000）。")
    raise fail("金額", raw, "金額として読み取れません（例: 1,234,000、￥1,234,000、1,234,000円、△5,000）。")


def _checked(raw: object, value: int) -> int:
    if abs(value) > MAX_AMOUNT:
        raise fail("金額", raw, "金額が大きすぎます（9999兆円台まで）。")
    return value


def format_number(n: int | Decimal | float | None) -> str:
    """A number with thousands separators: ``1234000`` → ``1,234,000``. ``None`` gives ``""``."""
    if n is None:
        return ""
    if isinstance(n, bool):
        raise TypeError("format_number() に真偽値は渡せません。")
    return f"{n:,}"


def format_yen(n: int | None) -> str:
    """An amount in yen for screens and lists: ``1,234,000円``, ``-1,234円``. ``None`` gives ``""``."""
    if n is None:
        return ""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"format_yen() には整数を渡してください: {shown(repr(n))}")
    return f"{n:,}円"


def daiji_amount(n: int) -> str:
    """An amount in 大字 as written on contracts: 12,340,000 → ``金壱千弐百参拾四万円``.

    Convention: 壱 弐 参 replace 一 二 三 and 拾 replaces 十 (the characters that are easy to alter); 四 to 九,
    百, 千, 万, 億 and 兆 are written as usual. 壱 is always written before 拾, 百, 千, 万, 億 and 兆, also at the
    start, so that nothing can be added in front: 10 → 金壱拾円, 100 → 金壱百円, 1,000,000 → 金壱百万円,
    10,000 → 金壱万円, 100,000,000 → 金壱億円. Zero → ``金零円``. No trailing 也 (append it if a form wants
    「円也」). Raises JpParseError for negative amounts and amounts of 1京円 or more.
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"daiji_amount() には整数を渡してください: {shown(repr(n))}")
    if n < 0 or n > MAX_AMOUNT:
        reason = "負の金額は大字にできません。" if n < 0 else "兆の位（9999兆円台）までしか大字にできません。"
        raise JpParseError(f"金額「{n}」を大字にできません: {reason}", text=str(n), reason=reason)
    if n == 0:
        return "金零円"
    parts: list[str] = []
    for size, large_unit in _LARGE:
        group, n = divmod(n, size)
        if group:
            for step, small_unit in _SMALL:
                digit, group = divmod(group, step)
                if digit:
                    parts.append(_DIGITS[digit] + small_unit)
            parts.append(large_unit)
    return "金" + "".join(parts) + "円"
