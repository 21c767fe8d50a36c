"""core.jp: 和暦/西暦 dates, 年度, 法人番号, yen amounts, 大字 and per-field normalisation.

Characters that NFC/NFKC would change (CJK compatibility ideographs such as 神 U+FA19) are written as escapes so
that no editor or tool can silently normalise this file.
"""

from __future__ import annotations

import random
import time
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from flask import Flask

from core import jp
from core.jp import (
    JpParseError,
    corporate_check_digit,
    daiji_amount,
    era_of,
    fiscal_year,
    fiscal_year_label,
    format_date,
    format_number,
    format_yen,
    is_valid_corporate_number,
    kanji_to_int,
    normalize_code,
    normalize_corporate_number,
    normalize_name,
    normalize_phone,
    normalize_postal_code,
    parse_amount,
    parse_date,
    search_key,
)


@pytest.fixture(autouse=True)
def db_session():
    """Nothing here touches the database: replace the suite's autouse DB fixture so the module stays fast."""
    yield None


def assert_error(func, text, *args, reason: str = "", shown: str | None = None, **kwargs) -> JpParseError:
    """``func(text)`` raises JpParseError whose message quotes the text (as shown) and contains ``reason``."""
    with pytest.raises(JpParseError) as info:
        func(text, *args, **kwargs)
    message = str(info.value)
    assert f"「{text if shown is None else shown}」" in message, message
    assert reason in message, message
    assert isinstance(info.value, ValueError)
    return info.value


def mismatches(func, table) -> list:
    """The rows ``(argument, expected)`` of ``table`` where ``func(argument)`` differs, as ``(argument, got, expected)``.

    Used for plain value tables so that one test reports every wrong row at once.
    """
    return [(argument, got, expected) for argument, expected in table if (got := func(argument)) != expected]


# --------------------------------------------------------------------------------------------------- parse_date

R7_4_1 = date(2025, 4, 1)

PARSE_OK = [
    # 西暦
    ("2025/4/1", R7_4_1),
    ("2025-04-01", R7_4_1),
    ("2025.4.1", R7_4_1),
    ("20250401", R7_4_1),
    ("2025年4月1日", R7_4_1),
    ("2025年04月01日", R7_4_1),
    ("２０２５／４／１", R7_4_1),
    ("２０２５－０４－０１", R7_4_1),
    ("２０２５年４月１日", R7_4_1),
    ("2025‐04‐01", R7_4_1),
    ("2025−04−01", R7_4_1),
    ("2025―04―01", R7_4_1),
    ("2025—04—01", R7_4_1),
    ("2025–04–01", R7_4_1),
    ("2025ー04ー01", R7_4_1),
    ("  2025/4/1 \u3000", R7_4_1),
    ("2025 / 4 / 1", R7_4_1),
    ("西暦2025年4月1日", R7_4_1),
    ("二〇二五年四月一日", R7_4_1),
    ("二○二五年四月一日", R7_4_1),
    ("2025/04/01 0:00:00", R7_4_1),
    ("2025-04-01T00:00:00", R7_4_1),
    ("2025/4/1(火)", R7_4_1),
    ("2025年4月1日（火曜日）", R7_4_1),
    ("1873-01-01", date(1873, 1, 1)),
    ("2100/12/31", date(2100, 12, 31)),
    # 和暦
    ("令和7年4月1日", R7_4_1),
    ("令和元年5月1日", date(2019, 5, 1)),
    ("令和 7年 4月 1日", R7_4_1),
    ("令和　７年　４月　１日", R7_4_1),
    ("令和７年４月１日", R7_4_1),
    ("R7.4.1", R7_4_1),
    ("R07.04.01", R7_4_1),
    ("r7/4/1", R7_4_1),
    ("R7-4-1", R7_4_1),
    ("令和7－4－1", R7_4_1),
    ("Ｒ７．４．１", R7_4_1),
    ("R.7.4.1", R7_4_1),
    ("R070401", R7_4_1),
    ("令7.4.1", R7_4_1),
    ("R元.5.1", date(2019, 5, 1)),
    ("H31.4.30", date(2019, 4, 30)),
    ("h31.4.30", date(2019, 4, 30)),
    ("平成31年4月30日", date(2019, 4, 30)),
    ("\u32ff7.4.1", R7_4_1),  # ㋿
    ("\u32ff7年4月1日", R7_4_1),
    ("\u337b31年4月30日", date(2019, 4, 30)),  # ㍻
    ("\u337c64年1月7日", date(1989, 1, 7)),  # ㍼
    ("昭和64年1月7日", date(1989, 1, 7)),
    ("S64.1.7", date(1989, 1, 7)),
    ("令和七年四月一日", R7_4_1),
    ("令和十二年十二月三十一日", date(2030, 12, 31)),
    ("平成元年一月八日", date(1989, 1, 8)),
    ("平成三十一年四月三十日", date(2019, 4, 30)),
    ("昭和二十年八月十五日", date(1945, 8, 15)),
    ("大正元年7月30日", date(1912, 7, 30)),
    ("T1.7.30", date(1912, 7, 30)),
    ("明治6年1月1日", date(1873, 1, 1)),
    ("M6.1.1", date(1873, 1, 1)),
    ("明治45年7月29日", date(1912, 7, 29)),
    ("令和7年4月1日(火)", R7_4_1),
    ("令和100年1月1日", date(2118, 1, 1)),
]


@pytest.mark.parametrize(("text", "expected"), PARSE_OK)
def test_parse_date_accepts(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("平成31年5月1日", "平成31年は4月30日までです。"),
        ("令和1年4月30日", "令和元年は5月1日からです。"),
        ("令和元年4月30日", "令和元年は5月1日からです。"),
        ("昭和64年1月8日", "昭和64年は1月7日までです。"),
        ("大正15年12月25日", "大正15年は12月24日までです。"),
        ("明治45年7月30日", "明治45年は7月29日までです。"),
        ("H32.1.1", "平成は31年4月30日までです。"),
        ("S65.1.1", "昭和は64年1月7日までです。"),
        ("平成元年1月7日", "平成元年は1月8日からです。"),
        ("明治5年12月31日", "太陰太陽暦"),
        ("M1.1.1", "太陰太陽暦"),
        ("1872-12-31", "1873年"),
        ("令和7年2月29日", "令和7年2月に29日はありません。"),
        ("平成31年2月29日", "2月に29日はありません"),
        ("2025-02-29", "2025年2月に29日はありません。"),
        ("2025-04-31", "4月に31日はありません"),
        ("2025-13-01", "月は1〜12"),
        ("2025-00-10", "月は1〜12"),
        ("R7.4.0", "4月に0日はありません"),
        ("令和0年1月1日", "年は1以上"),
        ("", "入力が空です"),
        ("   ", "入力が空です"),
        ("abc", "日付の形式が正しくありません"),
        ("令和", "日付の形式が正しくありません"),
        ("令和7年4月", "日付の形式が正しくありません"),
        ("2025/4-1", "日付の形式が正しくありません"),
        ("X7.4.1", "日付の形式が正しくありません"),
        ("2025/4/1/5", "日付の形式が正しくありません"),
        ("25/4/1", "4桁"),
        ("2025/4/1(水)", "曜日が合いません（2025年4月1日は火曜日です）"),
        ("2025/4/1 10:00", "時刻"),
        ("令和十十年1月1日", "位の順序"),
        ("令和九千年1月1日", "年が大きすぎます"),
    ],
)
def test_parse_date_rejects(text, reason):
    assert_error(parse_date, text, reason=reason)


def test_parse_date_error_keeps_the_text_and_reason():
    error = assert_error(parse_date, "平成31年5月1日")
    assert str(error) == "日付「平成31年5月1日」を読み取れません: 平成31年は4月30日までです。"
    assert error.text == "平成31年5月1日"
    assert error.reason == "平成31年は4月30日までです。"


def test_parse_date_cuts_very_long_input_in_the_message():
    text = "x" * 500
    error = assert_error(parse_date, text, shown="x" * 60 + "…", reason="長すぎます")
    assert error.text == text


@pytest.mark.parametrize("func", [parse_date, parse_amount])
def test_hostile_input_is_rejected_quickly(func):
    started = time.perf_counter()
    for text in ["R" + " " * 5000 + "x", "金" + " " * 5000 + "x", "金 - ¥ - " * 7, "R . 7 . 4 . 1 x", "1" * 10_000]:
        with pytest.raises(JpParseError):
            func(text)
    assert time.perf_counter() - started < 0.5


# Each era change, both sides, in both long and short forms: the change day belongs to the new era.
ERA_CHANGES = [
    # (last day of old era, first day of new era, the date)
    ("明治45年7月29日", "大正元年7月30日", date(1912, 7, 30)),
    ("大正15年12月24日", "昭和元年12月25日", date(1926, 12, 25)),
    ("昭和64年1月7日", "平成元年1月8日", date(1989, 1, 8)),
    ("平成31年4月30日", "令和元年5月1日", date(2019, 5, 1)),
]


@pytest.mark.parametrize(("old_last", "new_first", "start"), ERA_CHANGES)
def test_era_boundaries_are_exact(old_last, new_first, start):
    assert parse_date(old_last) == start - timedelta(days=1)
    assert parse_date(new_first) == start
    old_era, new_era = old_last[:2], new_first[:2]
    # The first day of the new era written in the old one, and the last day of the old era in the new one.
    old_year = old_last[2:old_last.index("年")]
    too_late = f"{old_era}{old_year}年{start.month}月{start.day}日"
    before = start - timedelta(days=1)
    too_early = f"{new_era}元年{before.month}月{before.day}日"
    assert_error(parse_date, too_late, reason="までです。")
    assert_error(parse_date, too_early, reason="からです。")
    letters = {e.name: e.letter for e in jp.ERAS}
    letter_old, letter_new = letters[old_era], letters[new_era]
    assert parse_date(f"{letter_new}1.{start.month}.{start.day}") == start
    assert parse_date(f"{letter_old}{old_year}.{before.month}.{before.day}") == before
    assert_error(parse_date, f"{letter_old}{old_year}.{start.month}.{start.day}", reason="までです。")
    assert_error(parse_date, f"{letter_new}1.{before.month}.{before.day}", reason="からです。")


def test_parse_date_style_hint_accepts():
    table = [("2025-04-01", "seireki"), ("2025年4月1日", "iso"), ("令和7年4月1日", "wareki"), ("R7.4.1", "wareki_short"),
             ("R7.4.1", None), ("20250401", None)]
    assert not mismatches(lambda row: parse_date(row[0], style=row[1]), [(row, R7_4_1) for row in table])


@pytest.mark.parametrize(
    ("text", "style", "reason"),
    [
        ("令和7年4月1日", "seireki", "西暦で入力してください"),
        ("R7.4.1", "seireki", "西暦で入力してください"),
        ("2025-04-01", "wareki", "和暦で入力してください"),
        ("20250401", "wareki", "和暦で入力してください"),
        ("abc", "wareki", "和暦で入力してください"),
    ],
)
def test_parse_date_style_hint_rejects(text, style, reason):
    assert_error(parse_date, text, style=style, reason=reason)


def test_parse_date_passes_dates_through_and_rejects_bad_arguments():
    assert parse_date(R7_4_1) == R7_4_1
    assert parse_date(datetime(2025, 4, 1, 15, 30)) == R7_4_1
    assert_error(parse_date, None, shown="", reason="入力が空です")
    with pytest.raises(ValueError, match="使えません"):
        parse_date("2025-04-01", style="western")
    with pytest.raises(TypeError):
        parse_date(20250401)


# ------------------------------------------------------------------------------------------ format / round trip


@pytest.mark.parametrize(
    ("value", "style", "expected"),
    [
        (R7_4_1, "wareki", "令和7年4月1日"),
        (R7_4_1, "wareki_short", "R7.4.1"),
        (R7_4_1, "seireki", "2025年4月1日"),
        (R7_4_1, "iso", "2025-04-01"),
        (date(2019, 5, 1), "wareki", "令和元年5月1日"),
        (date(2019, 5, 1), "wareki_short", "R1.5.1"),
        (date(2019, 4, 30), "wareki", "平成31年4月30日"),
        (date(1989, 1, 7), "wareki", "昭和64年1月7日"),
        (date(1989, 1, 8), "wareki", "平成元年1月8日"),
        (date(1926, 12, 25), "wareki_short", "S1.12.25"),
        (date(1912, 7, 29), "wareki_short", "M45.7.29"),
        (date(1873, 1, 1), "wareki", "明治6年1月1日"),
        (date(2030, 12, 31), "wareki", "令和12年12月31日"),
        (datetime(2025, 4, 1, 23, 59), "wareki", "令和7年4月1日"),
        (None, "wareki", ""),
        (None, None, ""),
    ],
)
def test_format_date(value, style, expected):
    assert format_date(value, style) == expected


def test_format_date_default_style_follows_the_app_setting():
    assert format_date(R7_4_1) == "令和7年4月1日"  # no app context
    app = Flask(__name__)
    for setting, expected in [("wareki", "令和7年4月1日"), ("wareki_short", "R7.4.1"), ("seireki", "2025年4月1日")]:
        app.config["DATE_STYLE"] = setting
        with app.app_context():
            assert format_date(R7_4_1) == expected
            assert format_date(R7_4_1, "iso") == "2025-04-01"  # an explicit style wins
    del app.config["DATE_STYLE"]
    with app.app_context():
        assert format_date(R7_4_1) == "令和7年4月1日"


def test_format_date_rejects_unknown_styles_and_pre_meiji_wareki():
    with pytest.raises(ValueError, match="'western'"):
        format_date(R7_4_1, "western")
    with pytest.raises(TypeError):
        format_date("2025-04-01", "iso")
    with pytest.raises(JpParseError, match="「1872-12-31」"):
        format_date(date(1872, 12, 31), "wareki")
    assert format_date(date(1872, 12, 31), "iso") == "1872-12-31"


def test_round_trip_of_random_dates_in_every_style():
    rng = random.Random(20250401)
    first, last = date(1873, 1, 1).toordinal(), date(2100, 12, 31).toordinal()
    days = [date.fromordinal(rng.randint(first, last)) for _ in range(2000)]
    days += [e.start for e in jp.ERAS] + [e.start - timedelta(days=1) for e in jp.ERAS[:-1]]
    for i, day in enumerate(days):
        for style in jp.DATE_STYLES:
            text = format_date(day, style)
            # The style hint is exercised on every fourth day, auto-detection on the others.
            hint = None if i % 4 else ("wareki" if style.startswith("wareki") else "seireki")
            assert parse_date(text, style=hint) == day, (day, style, text)


# ---------------------------------------------------------------------------------------- eras and fiscal years


def test_era_of():
    table = [
        (R7_4_1, ("令和", "R", 7)),
        (date(2019, 5, 1), ("令和", "R", 1)),
        (date(2019, 4, 30), ("平成", "H", 31)),
        (date(1989, 1, 8), ("平成", "H", 1)),
        (date(1989, 1, 7), ("昭和", "S", 64)),
        (date(1926, 12, 25), ("昭和", "S", 1)),
        (date(1926, 12, 24), ("大正", "T", 15)),
        (date(1912, 7, 30), ("大正", "T", 1)),
        (date(1912, 7, 29), ("明治", "M", 45)),
        (date(1873, 1, 1), ("明治", "M", 6)),
        (datetime(2019, 5, 1, 0, 0), ("令和", "R", 1)),
    ]
    assert not mismatches(era_of, table)


def test_era_of_rejects_the_lunisolar_period():
    with pytest.raises(JpParseError, match="「1872-12-31」.*太陰太陽暦"):
        era_of(date(1872, 12, 31))


def test_fiscal_year():
    table = [
        (date(2026, 3, 31), 2025),
        (date(2026, 4, 1), 2026),
        (date(2025, 4, 1), 2025),
        (date(2025, 12, 31), 2025),
        (date(2026, 1, 1), 2025),
        (date(2019, 4, 1), 2019),
        (datetime(2020, 3, 31, 23, 59), 2019),
    ]
    assert not mismatches(fiscal_year, table)


@pytest.mark.parametrize(
    ("fy", "style", "expected"),
    [
        (2025, "wareki", "令和7年度"),
        (2019, "wareki", "令和元年度"),  # April 2019 was 平成31年, but the 年度 is called 令和元年度
        (2018, "wareki", "平成30年度"),
        (2020, "wareki", "令和2年度"),
        (1989, "wareki", "平成元年度"),
        (1988, "wareki", "昭和63年度"),  # 平成 began on 1989-01-08, inside FY1988, which stays 昭和63年度
        (2025, "wareki_short", "R7年度"),
        (2019, "wareki_short", "R1年度"),
        (2025, "seireki", "2025年度"),
        (2025, "iso", "2025年度"),
    ],
)
def test_fiscal_year_label(fy, style, expected):
    assert fiscal_year_label(fy, style) == expected


def test_fiscal_year_label_of_dates_around_the_reiwa_change():
    for day in (date(2019, 4, 1), date(2019, 4, 30), date(2019, 5, 1), date(2020, 3, 31)):
        assert fiscal_year_label(fiscal_year(day)) == "令和元年度"
    assert fiscal_year_label(fiscal_year(date(2019, 3, 31))) == "平成30年度"
    assert fiscal_year_label(fiscal_year(date(1989, 3, 31))) == "昭和63年度"
    assert fiscal_year_label(fiscal_year(date(1989, 4, 1))) == "平成元年度"


def test_fiscal_year_label_default_style_and_errors():
    assert fiscal_year_label(2025) == "令和7年度"
    app = Flask(__name__)
    app.config["DATE_STYLE"] = "seireki"
    with app.app_context():
        assert fiscal_year_label(2025, None) == "2025年度"
    with pytest.raises(JpParseError, match="「1872」"):
        fiscal_year_label(1872)
    with pytest.raises(TypeError):
        fiscal_year_label("2025")


# ------------------------------------------------------------------------------------------------ kanji numerals


def test_kanji_to_int():
    table = [
        ("一", 1), ("九", 9), ("十", 10), ("十一", 11), ("二十", 20), ("三十一", 31), ("十二", 12), ("百", 100),
        ("百一", 101), ("千", 1000), ("二千二十五", 2025), ("九千九百九十九", 9999), ("一十", 10), ("元", 1),
        ("〇", 0), ("二〇二五", 2025), ("○七", 7), ("12", 12), ("１２", 12), (" 三 ", 3),
    ]
    assert not mismatches(kanji_to_int, table)


@pytest.mark.parametrize(
    ("text", "reason"),
    [("", "入力が空です"), ("十十", "位の順序"), ("百千", "位の順序"), ("二二十", "続けて"), ("〇十", "〇は使えません"),
     ("十a", "「a」は漢数字ではありません"), ("万", "「万」は漢数字ではありません"), ("元年", "「元」")],
)
def test_kanji_to_int_rejects(text, reason):
    assert_error(kanji_to_int, text, reason=reason)


# ------------------------------------------------------------------------------------------------ 法人番号

# 7123456789012: the worked example in the reference notes; 4011001098993: a published number cited there;
# 7000012050002: 国税庁 (not from the notes; it passes the formula).
VALID_CORPORATE = ["7123456789012", "4011001098993", "7000012050002"]


def test_corporate_number_validity():
    valid = VALID_CORPORATE + ["7-1234-5678-9012", "７１２３４５６７８９０１２", " 4011 0010 98993 ", "4011001098993\u3000",
                               "7\u22121234\u22125678\u22129012"]
    invalid = ["1123456789012", "0123456789012", "8123456789012", "712345678901", "71234567890123", "712345678901a",
               "", None, 7123456789012, "4011001098994", "４０１１００１０９８９９４"]
    assert not mismatches(is_valid_corporate_number, [(s, True) for s in valid] + [(s, False) for s in invalid])


def test_corporate_check_digit():
    assert corporate_check_digit("123456789012") == 7  # Σ = 74, 74 mod 9 = 2, 9 - 2 = 7
    assert corporate_check_digit("011001098993") == 4
    assert corporate_check_digit("000012050002") == 7
    assert corporate_check_digit("000000000000") == 9  # a sum divisible by 9 gives 9, never 0
    assert_error(corporate_check_digit, "12345", reason="12桁")
    assert_error(corporate_check_digit, "12345678901a", reason="12桁")


def test_corporate_check_digit_detects_single_digit_errors_except_0_and_9():
    rng = random.Random(70)
    for _ in range(200):
        base = "".join(rng.choice("0123456789") for _ in range(12))
        number = f"{corporate_check_digit(base)}{base}"
        assert is_valid_corporate_number(number)
        pos = rng.randrange(1, 13)
        for digit in "0123456789":
            if digit == number[pos]:
                continue
            changed = number[:pos] + digit + number[pos + 1:]
            # Weights are 1 and 2 and the sum is taken mod 9, so 0 <-> 9 is the one change it cannot see.
            assert is_valid_corporate_number(changed) == ({digit, number[pos]} == {"0", "9"}), changed


def test_normalize_corporate_number():
    assert normalize_corporate_number("７-１２３４-５６７８-９０１２") == "7123456789012"
    assert_error(normalize_corporate_number, "8123456789012", reason="チェックディジット")
    assert_error(normalize_corporate_number, "712345678901", reason="13桁")
    assert_error(normalize_corporate_number, "", reason="入力が空です")


# ------------------------------------------------------------------------------------------------ normalize_name

CP932_COMPATIBILITY_IDEOGRAPHS = (
    # the 22 that NFC (and NFKC) change, e.g. 神 U+FA19 -> 神 U+795E
    "\uf929\uf9dc\ufa10\ufa12\ufa15\ufa16\ufa17\ufa18\ufa19\ufa1a\ufa1b\ufa1c\ufa1d\ufa1e\ufa20\ufa22\ufa25\ufa26"
    "\ufa2a\ufa2b\ufa2c\ufa2d"
    # the 12 "unified" ones in the same block that no normalisation changes, e.g. 﨑 U+FA11
    "\ufa0e\ufa0f\ufa11\ufa13\ufa14\ufa1f\ufa21\ufa23\ufa24\ufa27\ufa28\ufa29"
)


def test_the_cp932_compatibility_ideographs_are_what_the_tests_assume():
    decoded = set()
    for lead in [*range(0x81, 0xA0), *range(0xE0, 0xFD)]:
        for trail in range(0x40, 0xFD):
            try:
                c = bytes([lead, trail]).decode("cp932")
            except UnicodeDecodeError:
                continue
            if "\uf900" <= c <= "\ufaff":
                decoded.add(c)
    assert decoded == set(CP932_COMPATIBILITY_IDEOGRAPHS)
    assert sum(unicodedata.normalize("NFC", c) != c for c in decoded) == 22


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ｶﾌﾞｼｷｶﾞｲｼｬ ﾔﾏﾀﾞｹﾝｾﾂ", "カブシキガイシャ ヤマダケンセツ"),
        ("ﾊﾟｲﾌﾟ", "パイプ"),
        ("ｳﾞｨﾗ", "ヴィラ"),
        ("ﾜﾞｦﾞ", "ヷヺ"),
        ("ｱﾞ", "ア゛"),  # nothing to compose with: a spacing mark, not a combining one
        ("ﾞﾟ", "゛゜"),
        ("ｰ｡｢｣､･", "ー。「」、・"),
        ("カ\u3099ス", "ガス"),  # decomposed input (e.g. from macOS)
        ("ＡＢＣ建設１２３", "ABC建設123"),
        ("ａｂｃ", "abc"),
        ("（株）＆Ｃｏ．", "（株）＆Co．"),  # only letters and digits are narrowed
        ("  山田\u3000\u3000太郎  ", "山田 太郎"),
        ("山田\t \n建設", "山田 建設"),
        ("山田\u200b建設\ufeff", "山田建設"),
        ("\u9ad9橋", "\u9ad9橋"),  # 髙 (CP932 IBM extension) is not 高
        ("\ufa19社", "\ufa19社"),  # 神 U+FA19
        ("\ufa11", "\ufa11"),  # 﨑
        ("①②㈱㈲Ⅲ", "①②㈱㈲Ⅲ"),  # CP932 symbols stay: ㈱ is not expanded to (株)
        ("～〜－", "～〜－"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_name(text, expected):
    assert normalize_name(text) == expected


def test_normalize_name_keeps_every_cp932_character_except_halfwidth_kana_and_fullwidth_alnum():
    changed = []
    for lead in [*range(0x81, 0xA0), *range(0xE0, 0xFD)]:
        for trail in range(0x40, 0xFD):
            try:
                c = bytes([lead, trail]).decode("cp932")
            except UnicodeDecodeError:
                continue
            if c != "\u3000" and normalize_name(f"a{c}b") != f"a{c}b":
                changed.append(c)
    expected = {chr(c) for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A)) for c in range(r[0], r[1] + 1)}
    assert set(changed) == expected
    for c in CP932_COMPATIBILITY_IDEOGRAPHS + "\u9ad9":
        assert normalize_name(c).encode("cp932") == c.encode("cp932")


def test_normalize_name_turns_every_halfwidth_kana_into_its_fullwidth_form():
    for code in range(0xFF61, 0xFF9E):
        c = chr(code)
        assert normalize_name(c) == unicodedata.normalize("NFKC", c)
        voiced = unicodedata.normalize("NFKC", c + "\uff9e")
        if len(voiced) == 1:
            assert normalize_name(c + "\uff9e") == voiced


# ------------------------------------------------------------------------------------------------ search_key


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("株式会社 ヤマダ建設", "株式会社ﾔﾏﾀﾞ建設"),
        ("やまだけんせつ", "ヤマダケンセツ"),
        ("キヤノン", "キャノン"),
        ("霞ヶ関", "霞ケ関"),
        ("ＡＢＣ　Ｃｏｒｐ", "abc corp"),
        ("ABC-123", "ABC123"),
        ("ABC－１２３", "abc‐123"),
        ("コーポ", "コ－ポ"),
        ("コーポ", "ｺｰﾎﾟ"),
        ("コーポ", "コ-ポ"),
        ("ジョン・スミス", "ジョンスミス"),
        ("ジョン･スミス", "ジョン スミス"),
        ("㈱山田", "(株)山田"),
        ("\ufa19田", "\u795e田"),  # 神 U+FA19 and 神 U+795E find each other
        ("葛\U000e0100飾", "葛飾"),  # ideographic variation selector
    ],
)
def test_search_key_matches(a, b):
    assert search_key(a) == search_key(b)


def test_search_key():
    table = [
        ("やまだ ケンセツ", "ヤマダケンセツ"),
        ("ＡＢＣ　Ｃｏｒｐ", "abccorp"),
        ("ABC-123", "abc123"),
        ("ーabc", "abc"),
        ("ｽｰﾊﾟｰ", "スーパー"),
        ("①", "1"),
        ("", ""),
        (None, ""),
    ]
    assert not mismatches(search_key, table)


def test_search_key_keeps_distinct_names_distinct():
    assert search_key("山田建設") != search_key("山口建設")
    assert search_key("ビル") != search_key("ビール")
    assert search_key("\u9ad9橋") != search_key("高橋")  # 髙 is a different character, not a compatibility form


# ------------------------------------------------------------------------------------------------ codes


def test_normalize_code():
    table = [
        ("００１２３", "00123"),
        (" 012 345 ", "012345"),
        ("A‐1‑2‒3–4—5―6−7－8ー9ｰ0", "A-1-2-3-4-5-6-7-8-9-0"),
        ("ＡＢ－０１", "AB-01"),
        ("〒１２３－４５６７", "〒123-4567"),
        (None, ""),
    ]
    assert not mismatches(normalize_code, table)


def test_normalize_postal_code():
    table = [("123-4567", "123-4567"), ("1234567", "123-4567"), ("〒１２３－４５６７", "123-4567"), ("〒 123 4567", "123-4567"),
             ("123ー4567", "123-4567"), ("\u3036123-4567", "123-4567"), ("001-0000", "001-0000")]
    assert not mismatches(normalize_postal_code, table)


@pytest.mark.parametrize(("text", "reason"), [("12-34567", "7桁"), ("123456", "7桁"), ("12345678", "7桁"),
                                              ("abc-defg", "7桁"), ("", "入力が空です")])
def test_normalize_postal_code_rejects(text, reason):
    assert_error(normalize_postal_code, text, reason=reason)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("03-1234-5678", "03-1234-5678"),
        ("０３－１２３４－５６７８", "03-1234-5678"),
        ("０３（１２３４）５６７８", "03-1234-5678"),
        ("(03)1234-5678", "03-1234-5678"),
        ("0312345678", "0312345678"),
        ("090ー1234ー5678", "090-1234-5678"),
        ("090 1234 5678", "09012345678"),
        ("0120-123-456", "0120-123-456"),
        ("+81 3 1234 5678", "0312345678"),
        ("+81-90-1234-5678", "090-1234-5678"),
        ("+81(0)3-1234-5678", "03-1234-5678"),
        ("03--1234--5678", "03-1234-5678"),
    ],
)
def test_normalize_phone(text, expected):
    assert normalize_phone(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [("03-1234-567", "10桁または11桁"), ("0312345678901", "10桁または11桁"), ("3-1234-5678", "10桁または11桁"),
     ("03-1234-5678 内線12", "（内線）"), ("TEL03-1234-5678", "（ELT）"), ("", "入力が空です"), ("--", "入力が空です")],
)
def test_normalize_phone_rejects(text, reason):
    assert_error(normalize_phone, text, reason=reason)


# ------------------------------------------------------------------------------------------------ amounts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234,000", 1234000),
        ("1234000", 1234000),
        ("１２３４０００", 1234000),
        ("１，２３４，０００", 1234000),
        ("￥1,234,000", 1234000),
        ("¥1,234,000", 1234000),
        ("\\1,234,000", 1234000),  # 0x5C of a CP932 file decodes as a backslash (shown as ¥ on Japanese Windows)
        ("1,234,000円", 1234000),
        ("金1,234,000円", 1234000),
        ("金 1,234,000 円", 1234000),
        ("金1,234,000円也", 1234000),
        ("  ￥１，２３４，０００円  ", 1234000),
        ("-5,000", -5000),
        ("−5,000", -5000),
        ("－5,000", -5000),
        ("△5,000", -5000),
        ("▲5,000", -5000),
        ("△ 5,000円", -5000),
        ("¥-5,000", -5000),
        ("-¥5,000", -5000),
        ("0", 0),
        ("△0", 0),
        ("007", 7),
        ("9,999,999,999,999,999", 9_999_999_999_999_999),
        (1234000, 1234000),
        (-5, -5),
        (Decimal("1234000"), 1234000),
        (1234000.0, 1234000),
    ],
)
def test_parse_amount_accepts(text, expected):
    assert parse_amount(text) == expected


UNIT_MESSAGE = "単位付きの金額（千円・万円）は曖昧なため受け付けません。円単位の数値で入力してください。"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1234千円", UNIT_MESSAGE),
        ("1.2万円", UNIT_MESSAGE),
        ("12万3千円", UNIT_MESSAGE),
        ("1億円", UNIT_MESSAGE),
        ("百円", UNIT_MESSAGE),
        ("100ドル", "円以外の単位や記号（ドル）"),
        ("$100", "円以外の単位や記号（$）"),
        ("100USD", "円以外の単位や記号（USD）"),
        ("1,234円50銭", "円以外の単位や記号（銭）"),
        ("1234.5", "小数"),
        ("1,234.0", "小数"),
        ("", "入力が空です"),
        ("  ", "入力が空です"),
        ("abc", "金額として読み取れません"),
        ("円", "金額として読み取れません"),
        ("△-5,000", "一つだけ"),
        ("12 345", "金額として読み取れません"),
        ("1,23,4000", "カンマの位置"),
        ("1234,000", "カンマの位置"),
        ("5,000-", "末尾の「-」"),
        ("¥1,000-", "末尾の「-」"),
        ("10,000,000,000,000,000", "大きすぎます"),
    ],
)
def test_parse_amount_rejects(text, reason):
    assert_error(parse_amount, text, reason=reason)


def test_parse_amount_rejects_fractional_numbers_and_bad_types():
    assert_error(parse_amount, 1234.5, reason="小数")
    assert_error(parse_amount, Decimal("1.5"), reason="小数")
    assert_error(parse_amount, float("nan"), shown="nan", reason="小数")
    with pytest.raises(TypeError):
        parse_amount(True)
    with pytest.raises(TypeError):
        parse_amount([1])


def test_format_yen():
    table = [(0, "0円"), (1, "1円"), (1234000, "1,234,000円"), (-1234, "-1,234円"), (1000, "1,000円"), (None, "")]
    assert not mismatches(format_yen, table)


def test_format_number():
    table = [(1234000, "1,234,000"), (-1234, "-1,234"), (0, "0"), (999, "999"), (Decimal("1234.50"), "1,234.50"), (None, "")]
    assert not mismatches(format_number, table)


def test_format_yen_and_number_reject_non_numbers():
    for func in (format_yen, format_number):
        with pytest.raises(TypeError):
            func(True)
    with pytest.raises(TypeError):
        format_yen("1000")


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "金零円"),
        (1, "金壱円"),
        (10, "金壱拾円"),
        (11, "金壱拾壱円"),
        (20, "金弐拾円"),
        (100, "金壱百円"),
        (1_000, "金壱千円"),
        (10_000, "金壱万円"),
        (1_000_000, "金壱百万円"),
        (12_340_000, "金壱千弐百参拾四万円"),
        (100_000_000, "金壱億円"),
        (1_000_000_000_000, "金壱兆円"),
        (2_000_010_000, "金弐拾億壱万円"),
        (305_000, "金参拾万五千円"),
        (9_876_543_210, "金九拾八億七千六百五拾四万参千弐百壱拾円"),
        (9_999_999_999_999_999, "金九千九百九拾九兆九千九百九拾九億九千九百九拾九万九千九百九拾九円"),
    ],
)
def test_daiji_amount(n, expected):
    assert daiji_amount(n) == expected


def test_daiji_amount_rejects_negative_and_huge_amounts():
    with pytest.raises(JpParseError, match="「-1」.*負の金額"):
        daiji_amount(-1)
    with pytest.raises(JpParseError, match="「10000000000000000」"):
        daiji_amount(10**16)
    with pytest.raises(TypeError):
        daiji_amount(1.0)


def test_daiji_uses_no_easily_altered_numerals():
    rng = random.Random(12340000)
    for n in [rng.randrange(10**16) for _ in range(300)]:
        text = daiji_amount(n)
        assert not set(text) & set("一二三十"), text
        assert set(text) <= set("金円零壱弐参四五六七八九拾百千万億兆")


def test_public_api_is_exported():
    for name in jp.__all__:
        assert getattr(jp, name) is not None
        if callable(getattr(jp, name)) and not isinstance(getattr(jp, name), type):
            assert getattr(jp, name).__doc__, name
