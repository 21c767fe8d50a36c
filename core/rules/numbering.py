"""Numbering patterns (契約番号・案件番号・業者番号): a small syntax of fields in braces (差し込み項目), validated on save.

Syntax: literal text plus 差し込み項目 in braces.

==============  ===========================================================
``{fy}``        年度（西暦 4 桁。4 月 1 日から翌年 3 月 31 日までが同じ年度）
``{era}``       年度の元号の略字（R = 令和、H = 平成）
``{era_fy}``    年度の和暦の年（令和 8 年度なら 8、令和元年度は 1）
``{cat}``       区分コード（工事・委託・物品などを表す短いコード。使う側が渡す）
``{dept}``      部署コード
``{seq}``       連番（桁をそろえるなら ``{seq:04d}`` = 0 埋め 4 桁、1〜9 桁）
==============  ===========================================================

Exactly one ``{seq}`` is required (the sequence is what makes a number unique). The sequence restarts
for each value of the other fields a pattern uses (``scope_of``): each fiscal year with
``{fy}`` or ``{era_fy}``, each category with ``{cat}``; a pattern of ``{seq}`` alone never restarts.
"""

from __future__ import annotations

import re
from datetime import date

INSERT_FIELDS = {
    "fy": "年度（西暦 4 桁）",
    "era": "年度の元号の略字（R・H）",
    "era_fy": "年度の和暦の年",
    "cat": "区分コード",
    "dept": "部署コード",
    "seq": "連番",
}
_TOKEN = re.compile(r"\{([^{}]*)\}")
_SEQ = re.compile(r"seq(?::0([1-9])d)?")
FORBIDDEN_LITERAL = re.compile(r"[{}\s/\\]")
MAX_LENGTH = 40


def check_pattern(pattern: str) -> list[str]:
    """Japanese messages for every problem of ``pattern`` (empty when it is usable)."""
    problems = []
    seq_count = 0
    for name in _TOKEN.findall(pattern):
        if _SEQ.fullmatch(name):
            seq_count += 1
        elif name not in INSERT_FIELDS or name == "seq":
            problems.append(f"「{{{name}}}」は使えない差し込み項目です（使えるもの: "
                            + "、".join(f"{{{k}}}" for k in INSERT_FIELDS if k != "seq") + "、{seq}、{seq:04d} など）。")
    literal = _TOKEN.sub("", pattern)
    if FORBIDDEN_LITERAL.search(literal):
        problems.append("波かっこの対応が取れていないか、空白・/・\\ が含まれています。")
    if seq_count != 1:
        problems.append("連番 {seq}（または {seq:04d} など）をちょうど 1 つ含めてください。")
    if not problems and len(format_number(pattern, fiscal_year=2026, seq=1, cat="XX", dept="XXXX")) > MAX_LENGTH:
        problems.append(f"番号が長すぎます（{MAX_LENGTH} 文字以内）。")
    return problems


def fiscal_year_of(day: date) -> int:
    """Japanese fiscal year (April to March): 2027-03-31 belongs to 2026."""
    return day.year if day.month >= 4 else day.year - 1


def era_of_fiscal_year(fiscal_year: int) -> tuple[str, int]:
    """(era letter, year in era) as cities write fiscal years: FY2019 is 令和元年度, FY1989 is 平成元年度."""
    if fiscal_year >= 2019:
        return "R", fiscal_year - 2018
    if fiscal_year >= 1989:
        return "H", fiscal_year - 1988
    raise ValueError(f"fiscal year {fiscal_year} is before 平成")


def format_number(pattern: str, *, fiscal_year: int, seq: int, cat: str = "", dept: str = "") -> str:
    """Fill a (valid) pattern: ``format_number("{fy}-{seq:04d}", fiscal_year=2026, seq=7)`` → ``"2026-0007"``."""
    era, era_fy = era_of_fiscal_year(fiscal_year)
    values = {"fy": str(fiscal_year), "era": era, "era_fy": str(era_fy), "cat": cat, "dept": dept}

    def fill(match: re.Match) -> str:
        name = match.group(1)
        seq_match = _SEQ.fullmatch(name)
        if seq_match:
            width = int(seq_match.group(1) or 0)
            return str(seq).zfill(width)
        return values[name]

    return _TOKEN.sub(fill, pattern)


def pattern_fields(pattern: str) -> set[str]:
    """The 差し込み項目 a pattern uses, ``{seq:05d}`` counted as ``seq``."""
    return {"seq" if _SEQ.fullmatch(name) else name for name in _TOKEN.findall(pattern)}


def scope_of(pattern: str, *, fiscal_year: int, cat: str = "", dept: str = "") -> str:
    """Which sequence a number of ``pattern`` takes: the values of the fields it uses besides ``{seq}``.

    ``"2026"`` for ``{fy}-{seq:04d}``, ``"2026/cat=K"`` for ``{fy}{cat}{seq:03d}``, ``""`` for ``{seq:05d}``.
    Two numbers of one scope differ only in their sequence, so one counter per scope keeps them unique;
    ``{era}`` without a year restarts with each era (its letter is in the number)."""
    fields = pattern_fields(pattern)
    parts = []
    if fields & {"fy", "era_fy"}:
        parts.append(str(fiscal_year))
    elif "era" in fields:
        parts.append("era=" + era_of_fiscal_year(fiscal_year)[0])
    if "cat" in fields:
        parts.append(f"cat={cat}")
    if "dept" in fields:
        parts.append(f"dept={dept}")
    return "/".join(parts)


def _number_regex(pattern: str, fiscal_year: int, cat: str, dept: str) -> tuple[re.Pattern, str]:
    """A regex matching the numbers of ``pattern`` (group 1 = the sequence) and the fixed text before it."""
    era, era_fy = era_of_fiscal_year(fiscal_year)
    values = {"fy": str(fiscal_year), "era": era, "era_fy": str(era_fy), "cat": cat, "dept": dept}
    parts, prefix, last, seen_seq = [], "", 0, False
    for match in _TOKEN.finditer(pattern):
        literal = pattern[last:match.start()]
        parts.append(re.escape(literal))
        name = match.group(1)
        is_seq = bool(_SEQ.fullmatch(name))
        value = "" if is_seq else values.get(name, "")
        if not seen_seq:
            prefix += literal + value
        seen_seq = seen_seq or is_seq
        parts.append("([0-9]+)" if is_seq else re.escape(value))
        last = match.end()
    parts.append(re.escape(pattern[last:]))
    return re.compile("".join(parts)), prefix


def sequence_of(pattern: str, number: str | None, *, fiscal_year: int, cat: str = "", dept: str = "") -> int | None:
    """The sequence inside ``number`` when ``pattern`` (for this year, category and department) makes exactly
    that number, else None: ``sequence_of("1{seq:05d}", "100060", fiscal_year=2026)`` → 60, and "1000060"
    (7 digits, which the pattern never writes) → None. Migrated numbers of other shapes are thus ignored."""
    regex, _ = _number_regex(pattern, fiscal_year, cat, dept)
    match = regex.fullmatch(number or "")
    if match is None:
        return None
    seq = int(match.group(1))
    # The regex accepts any digits; only the number the pattern itself writes counts (width, zero padding).
    if format_number(pattern, fiscal_year=fiscal_year, seq=seq, cat=cat, dept=dept) != number:
        return None
    return seq


def number_prefix(pattern: str, *, fiscal_year: int, cat: str = "", dept: str = "") -> str:
    """The fixed text every number of ``pattern`` starts with (for a ``LIKE 'prefix%'`` narrowing query)."""
    return _number_regex(pattern, fiscal_year, cat, dept)[1]
