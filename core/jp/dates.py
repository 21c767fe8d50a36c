"""和暦 and 西暦 dates: parsing what other systems send, formatting, eras and fiscal years (年度)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core.jp._common import JpParseError, fail, prepare_field, shown
from core.jp.numerals import KANJI_NUMERAL_CHARS, kanji_to_int


@dataclass(frozen=True)
class Era:
    """One era (元号): ``start`` is its first day, ``first_year`` the Gregorian year of its 元年."""

    name: str
    letter: str
    start: date
    first_year: int


# 明治 began in 1868, but Japan used the lunisolar calendar until 明治5年12月2日; the next day was
# 1873-01-01 (明治6年1月1日). Earlier 明治 dates have no simple Gregorian equivalent, so the table starts 明治
# on 1873-01-01 while still counting its years from 1868.
ERAS: tuple[Era, ...] = (
    Era("令和", "R", date(2019, 5, 1), 2019),
    Era("平成", "H", date(1989, 1, 8), 1989),
    Era("昭和", "S", date(1926, 12, 25), 1926),
    Era("大正", "T", date(1912, 7, 30), 1912),
    Era("明治", "M", date(1873, 1, 1), 1868),
)
MIN_DATE = ERAS[-1].start
DATE_STYLES = ("wareki", "wareki_short", "seireki", "iso")

_BY_TOKEN = {e.name: e for e in ERAS} | {e.name[0]: e for e in ERAS} | {e.letter: e for e in ERAS}
_NEXT = {ERAS[i]: ERAS[i - 1] for i in range(1, len(ERAS))}
_WEEKDAYS = "月火水木金土日"

_K = KANJI_NUMERAL_CHARS
_NUM = rf"[0-9]{{1,2}}|[{_K}]+"
_ERA = r"(?P<era>明治|大正|昭和|平成|令和|[明大昭平令]|[MTSHRmtshr])\s*\.?\s*"
_SEP = r"\s*(?P<sep>[./-])\s*(?P<m>[0-9]{1,2})\s*(?P=sep)\s*(?P<d>[0-9]{1,2})"
_KANJI_MD = rf"\s*年\s*(?P<m>{_NUM})\s*月\s*(?P<d>{_NUM})\s*日"
# An optional weekday 「(火)」/「(火曜日)」 (checked against the date) and an optional time, which must be
# midnight: spreadsheets export date cells as 「2025/04/01 0:00:00」.
_TAIL = (r"(?:\s*\(\s*(?P<wd>[月火水木金土日])(?:曜日?)?\s*\))?"
         r"(?:\s*(?:T|\s)\s*(?P<time>[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?))?")
_WAREKI = [re.compile(f"{_ERA}(?P<y>[0-9]{{1,3}}|元|[{_K}]+){_KANJI_MD}{_TAIL}"),
           re.compile(f"{_ERA}(?P<y>[0-9]{{1,3}}|元){_SEP}{_TAIL}"),
           re.compile(f"{_ERA}(?P<y>[0-9]{{2}})(?P<m>[0-9]{{2}})(?P<d>[0-9]{{2}}){_TAIL}")]
_SEIREKI = [re.compile(rf"(?:西暦\s*)?(?P<y>[0-9]{{4}}|[{_K}]+){_KANJI_MD}{_TAIL}"),
            re.compile(rf"(?P<y>[0-9]{{4}}){_SEP}{_TAIL}"),
            re.compile(rf"(?P<y>[0-9]{{4}})(?P<m>[0-9]{{2}})(?P<d>[0-9]{{2}}){_TAIL}")]
_TWO_DIGIT_YEAR_RE = re.compile(r"[0-9]{1,2}\s*([./-])\s*[0-9]{1,2}\s*\1\s*[0-9]{1,2}")
_MIDNIGHT_RE = re.compile(r"0?0:00(?::00(?:\.0+)?)?")

_EXAMPLES = {
    "wareki": "和暦で入力してください（例: 令和7年4月1日、R7.4.1）。",
    "seireki": "西暦で入力してください（例: 2025年4月1日、2025-04-01、2025/4/1）。",
    None: "日付の形式が正しくありません（例: 令和7年4月1日、R7.4.1、2025-04-01、2025/4/1）。",
}


def _year_label(era: Era, year: int) -> str:
    return f"{era.name}{'元' if year == 1 else year}年"


def _style_from_app() -> str:
    try:
        from flask import current_app, has_app_context
    except ImportError:  # pragma: no cover - Flask is installed with the app
        return "wareki"
    if has_app_context():
        return current_app.config.get("DATE_STYLE") or "wareki"
    return "wareki"


def _resolve_style(style: str | None) -> str:
    style = _style_from_app() if style is None else style
    if style not in DATE_STYLES:
        raise ValueError(f"日付の表示形式 {style!r} は使えません（{', '.join(DATE_STYLES)} のいずれか）。")
    return style


def era_of(d: date) -> tuple[str, str, int]:
    """The era of a date as ``(name, letter, year)``, e.g. ``("令和", "R", 7)`` for 2025-04-01.

    The change day belongs to the new era (2019-05-01 is 令和元年). Dates before 1873-01-01 (明治6年1月1日, the
    switch from the lunisolar calendar) raise JpParseError.
    """
    if isinstance(d, datetime):
        d = d.date()
    for era in ERAS:
        if d >= era.start:
            return era.name, era.letter, d.year - era.first_year + 1
    reason = "1873年（明治6年）1月1日より前は太陰太陽暦の時代のため和暦にできません。"
    raise JpParseError(f"日付「{d.isoformat()}」を和暦にできません: {reason}", text=d.isoformat(), reason=reason)


def _build(raw: str, era: Era | None, y: int, m: int, d: int) -> date:
    if era is None:
        label = f"{y}年"
        if not 1873 <= y <= 9999:
            raise fail("日付", raw, "1873年（明治6年）1月1日から9999年までの日付で入力してください。")
        gy = y
    else:
        if y < 1:
            raise fail("日付", raw, "年は1以上（または元年）で入力してください。")
        label = _year_label(era, y)
        gy = era.first_year + y - 1
        if gy > 9999:
            raise fail("日付", raw, "年が大きすぎます。")
    if not 1 <= m <= 12:
        raise fail("日付", raw, "月は1〜12で入力してください。")
    try:
        result = date(gy, m, d)
    except ValueError:
        raise fail("日付", raw, f"{label}{m}月に{d}日はありません。") from None
    if era is None:
        return result
    if result < era.start:
        if era.first_year < era.start.year:  # 明治 before the Gregorian calendar
            raise fail("日付", raw, "明治5年以前は太陰太陽暦のため扱えません（明治6年1月1日から入力できます）。")
        raise fail("日付", raw, f"{label}は{era.start.month}月{era.start.day}日からです。")
    nxt = _NEXT.get(era)
    if nxt is not None and result >= nxt.start:
        last = nxt.start - timedelta(days=1)
        last_year = last.year - era.first_year + 1
        if gy == last.year:
            raise fail("日付", raw, f"{_year_label(era, last_year)}は{last.month}月{last.day}日までです。")
        raise fail("日付", raw, f"{era.name}は{last_year}年{last.month}月{last.day}日までです。")
    return result


def parse_date(text: str | date | None, style: str | None = None) -> date:
    """Read a date written in 西暦 or 和暦, as other systems and people send it.

    Accepted (after NFKC, so full-width digits, ㋿/㍻ and full-width separators work; dash variants count as
    ``-``; spaces around the parts are ignored):

    - 西暦: ``2025-04-01``, ``2025/4/1``, ``2025.4.1``, ``20250401``, ``2025年4月1日``, ``二〇二五年四月一日``.
    - 和暦: ``令和7年4月1日``, ``令和元年5月1日``, ``令和七年四月一日``, ``R7.4.1``, ``R07.04.01``, ``r7/4/1``,
      ``R7-4-1``, ``R070401``, ``令7.4.1`` (the one-kanji era of spreadsheet formats), for 明治 M (from
      1873-01-01), 大正 T, 昭和 S, 平成 H and 令和 R.
    - An optional weekday, checked against the date (``2025/4/1(火)``), and an optional midnight time
      (``2025/04/01 0:00:00``, as spreadsheets export date cells); any other time is rejected.

    Era boundaries are exact: the change day belongs to the new era, so 平成31年5月1日 and 昭和64年1月8日 are
    errors, as are impossible dates (令和7年2月29日), dates before 1873-01-01 and two-digit years.
    ``style`` restricts the input: ``"seireki"`` (or ``"iso"``) accepts only 西暦, ``"wareki"`` (or
    ``"wareki_short"``) only 和暦, ``None`` both. A ``date`` is returned as is, a ``datetime`` as its date.
    Raises JpParseError naming the text and the reason.
    """
    if style in ("iso", "seireki"):
        allowed = "seireki"
    elif style in ("wareki", "wareki_short"):
        allowed = "wareki"
    elif style is None:
        allowed = None
    else:
        raise ValueError(f"日付の入力形式 {style!r} は使えません（seireki, wareki または None）。")
    if isinstance(text, datetime):
        return text.date()
    if isinstance(text, date):
        return text
    if text is not None and not isinstance(text, str):
        raise TypeError(f"parse_date() には文字列を渡してください: {shown(repr(text))}")
    raw = text or ""
    t = prepare_field("日付", raw)
    found = None
    for kind, patterns in (("wareki", _WAREKI), ("seireki", _SEIREKI)):
        for pattern in patterns:
            match = pattern.fullmatch(t)
            if match:
                found = kind, match
                break
        if found:
            break
    if found is None:
        if allowed != "wareki" and _TWO_DIGIT_YEAR_RE.fullmatch(t):
            raise fail("日付", raw, "西暦の年は4桁で入力してください（2桁の年では世紀が分かりません）。")
        raise fail("日付", raw, _EXAMPLES[allowed])
    kind, match = found
    if allowed is not None and kind != allowed:
        raise fail("日付", raw, _EXAMPLES[allowed])
    era = _BY_TOKEN[match["era"].upper()] if kind == "wareki" else None
    try:
        y, m, d = (kanji_to_int(match[g]) for g in ("y", "m", "d"))
    except JpParseError as error:
        raise fail("日付", raw, error.reason) from None
    result = _build(raw, era, y, m, d)
    if match["time"] and not _MIDNIGHT_RE.fullmatch(match["time"]):
        raise fail("日付", raw, "時刻（0:00 以外）が含まれています。日付だけを入力してください。")
    if match["wd"] and _WEEKDAYS.index(match["wd"]) != result.weekday():
        actual = _WEEKDAYS[result.weekday()]
        raise fail("日付", raw, f"曜日が合いません（{result.year}年{result.month}月{result.day}日は{actual}曜日です）。")
    return result


def format_date(d: date | datetime | None, style: str | None = None) -> str:
    """Format a date: ``"wareki"`` 令和7年4月1日 (元年 for year 1), ``"wareki_short"`` R7.4.1 (R1.5.1 for 元年),
    ``"seireki"`` 2025年4月1日 or ``"iso"`` 2025-04-01.

    ``style=None`` uses ``current_app.config["DATE_STYLE"]`` inside a Flask app context, else ``"wareki"``.
    ``None`` gives ``""``; a ``datetime`` is formatted as its date (no time-zone conversion). 和暦 styles raise
    JpParseError for dates before 1873-01-01.
    """
    if d is None:
        return ""
    if isinstance(d, datetime):
        d = d.date()
    if not isinstance(d, date):
        raise TypeError(f"format_date() には date を渡してください: {shown(repr(d))}")
    style = _resolve_style(style)
    if style == "iso":
        return d.isoformat()
    if style == "seireki":
        return f"{d.year}年{d.month}月{d.day}日"
    name, letter, year = era_of(d)
    if style == "wareki":
        return f"{name}{'元' if year == 1 else year}年{d.month}月{d.day}日"
    return f"{letter}{year}.{d.month}.{d.day}"


def fiscal_year(d: date | datetime) -> int:
    """The fiscal year (年度) of a date, named by its starting year: April 1 starts it (2026-03-31 → 2025)."""
    return d.year if d.month >= 4 else d.year - 1


def fiscal_year_label(fy: int, style: str | None = "wareki") -> str:
    """The name of fiscal year ``fy``: ``"wareki"`` 令和7年度, ``"wareki_short"`` R7年度, ``"seireki"``/``"iso"``
    2025年度; ``style=None`` follows the app's DATE_STYLE like format_date.

    Rule: a 年度 takes the era of its starting calendar year as that year is named at its end (31 December), so
    the year in which an era begins is the new era's 元年度. This gives FY2019 = 令和元年度 (although April 2019
    was still 平成31年; the government decided on 「令和元年度」 for the whole year after the change) and
    FY2018 = 平成30年度, FY1989 = 平成元年度, and FY1988 = 昭和63年度 (the era changed in January 1989, inside
    that 年度 but not in its starting year). The same rule names FY1926 昭和元年度, which some old records call
    大正15年度. Raises JpParseError for years before 1873.
    """
    if isinstance(fy, bool) or not isinstance(fy, int):
        raise TypeError(f"fiscal_year_label() には整数の年度を渡してください: {shown(repr(fy))}")
    style = _resolve_style(style)
    if style in ("seireki", "iso"):
        return f"{fy}年度"
    if not 1873 <= fy <= 9999:
        reason = "和暦の年度は1873年度（明治6年度）以降に対応しています。"
        raise JpParseError(f"年度「{fy}」を和暦にできません: {reason}", text=str(fy), reason=reason)
    name, letter, year = era_of(date(fy, 12, 31))
    if style == "wareki":
        return f"{name}{'元' if year == 1 else year}年度"
    return f"{letter}{year}年度"
