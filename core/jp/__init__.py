"""Japanese dates, numbers and text for Keiyaku: 和暦, 年度, 法人番号, yen amounts and per-field normalisation.

Standard library only. Every function that reads user or file input raises ``JpParseError`` (a ``ValueError``)
whose Japanese message names the offending text and the reason, e.g.
「日付「平成31年5月1日」を読み取れません: 平成31年は4月30日までです。」. Programming mistakes (an unknown style
name, a wrong argument type) raise plain ``ValueError``/``TypeError``.

Which normaliser to use: ``normalize_name`` for names and titles (keeps the exact characters, including CP932
compatibility ideographs), ``search_key`` for a separate search column, ``normalize_code`` and the postal/phone
helpers for codes and numbers, ``parse_amount`` for money, ``parse_date`` for dates.
"""

from core.jp._common import JpParseError
from core.jp.corporate import corporate_check_digit, is_valid_corporate_number, normalize_corporate_number
from core.jp.dates import (
    DATE_STYLES,
    ERAS,
    MIN_DATE,
    Era,
    era_of,
    fiscal_year,
    fiscal_year_label,
    format_date,
    parse_date,
)
from core.jp.money import MAX_AMOUNT, daiji_amount, format_number, format_yen, parse_amount
from core.jp.numerals import kanji_to_int
from core.jp.text import normalize_code, normalize_name, normalize_phone, normalize_postal_code, search_key

__all__ = [
    "DATE_STYLES",
    "ERAS",
    "MAX_AMOUNT",
    "MIN_DATE",
    "Era",
    "JpParseError",
    "corporate_check_digit",
    "daiji_amount",
    "era_of",
    "fiscal_year",
    "fiscal_year_label",
    "format_date",
    "format_number",
    "format_yen",
    "is_valid_corporate_number",
    "kanji_to_int",
    "normalize_code",
    "normalize_corporate_number",
    "normalize_name",
    "normalize_phone",
    "normalize_postal_code",
    "parse_amount",
    "parse_date",
    "search_key",
]
