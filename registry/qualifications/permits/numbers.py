"""建設業許可番号: reading the printed form (山口県知事許可（般-5）第12345号) and writing it back.

``parse_permit`` accepts full-width or half-width brackets, digits and dashes, 国土交通大臣 (and the older
建設大臣) or a prefecture's governor, and 北海道's variant with the one-letter 振興局 abbreviation before 第
(北海道知事許可（般-3）石第12345号). Anything else raises ``PermitParseError`` (a ``JpParseError``) whose
Japanese message names the text. A permit is valid for 5 years: ``permit_expiry`` is the day before the
fifth anniversary of the grant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from core.jp._common import JpParseError, nfkc_code, shown

KIND = "建設業許可番号"

PREFECTURES = (
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県", "群馬県", "埼玉県",
    "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県", "岐阜県", "静岡県",
    "愛知県", "三重県", "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県", "岡山県",
    "広島県", "山口県", "徳島県", "香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県", "熊本県", "大分県",
    "宮崎県", "鹿児島県", "沖縄県",
)
#: 北海道's 振興局 abbreviations printed before 第 (石狩 渡島 檜山 後志 空知 上川 留萌 宗谷 オホーツク 胆振 日高 十勝 釧路 根室).
HOKKAIDO_OFFICES = "石渡檜後空上留宗オ胆日十釧根"
AUTHORITIES = {"minister": "国土交通大臣", "governor": "知事"}
GRADES = {"general": "般", "special": "特"}
GRADE_LABELS = {"general": "一般", "special": "特定"}

_RE = re.compile(
    r"(?P<auth>国土交通大臣|建設大臣|(?P<pref>[^\s()（）]{2,4}?)知事)\s*許可\s*"
    r"\(\s*(?P<grade>[般特])\s*-\s*(?P<year>[0-9]{1,2})\s*\)\s*"
    r"(?P<office>[^\s0-9第]?)\s*第\s*(?P<number>[0-9]{1,6})\s*号"
)


class PermitParseError(JpParseError):
    """A permit number that cannot be read."""


@dataclass(frozen=True)
class ParsedPermit:
    authority: str  # 'minister' | 'governor'
    prefecture: str | None
    grade: str  # 'general' | 'special'
    year: int
    number: int
    #: 北海道's 振興局 letter (石, 渡 …), when printed.
    office: str | None = None


def _fail(text: str, reason: str) -> PermitParseError:
    return PermitParseError(f"{KIND}「{shown(text)}」を読み取れません: {reason}", text=text, reason=reason)


def parse_permit(text: str | None) -> ParsedPermit:
    """Read a printed permit number; raises ``PermitParseError`` naming the text when it is malformed."""
    raw = "" if text is None else str(text)
    t = re.sub(r"\s+", "", nfkc_code(raw))
    if not t:
        raise _fail(raw, "入力が空です。")
    if len(t) > 60:
        raise _fail(raw, "長すぎます。")
    m = _RE.fullmatch(t)
    if m is None:
        raise _fail(raw, "「山口県知事許可（般-5）第12345号」「国土交通大臣許可（特-25）第123号」の形で入力してください。")
    prefecture = m["pref"]
    if prefecture is not None and prefecture not in PREFECTURES:
        raise _fail(raw, f"「{prefecture}」は都道府県名ではありません。")
    office = m["office"] or None
    if office is not None and prefecture != "北海道":
        raise _fail(raw, "第の前に文字が入るのは北海道知事許可（振興局の略称）だけです。")
    if office is not None and office not in HOKKAIDO_OFFICES:
        raise _fail(raw, f"「{office}」は北海道の振興局の略称ではありません。")
    year, number = int(m["year"]), int(m["number"])
    if year == 0:
        raise _fail(raw, "許可年（般-XX の XX）は 1 以上です。")
    if number == 0:
        raise _fail(raw, "許可番号は 1 以上です。")
    return ParsedPermit(authority="governor" if prefecture else "minister", prefecture=prefecture,
                        grade="special" if m["grade"] == "特" else "general", year=year, number=number, office=office)


def format_permit(p) -> str:
    """The printed form (全角括弧): 山口県知事許可（般-5）第12345号. Takes a ``ParsedPermit`` or a ``Permit`` row."""
    authority = p.authority
    prefecture = getattr(p, "prefecture", None)
    year = getattr(p, "year", None) if hasattr(p, "year") else getattr(p, "permit_year", None)
    number = getattr(p, "number", None) if hasattr(p, "number") else getattr(p, "permit_number", None)
    office = getattr(p, "office", None) or ""
    who = "国土交通大臣" if authority == "minister" else f"{prefecture}知事"
    year_text = "" if year is None else f"-{year}"
    return f"{who}許可（{GRADES.get(p.grade, '?')}{year_text}）{office}第{number}号"


def add_years(d: date, years: int) -> date:
    """The same month and day ``years`` later; 29 February becomes 1 March in a common year."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return date(d.year + years, 3, 1)


def permit_expiry(granted_on: date) -> date:
    """Last day of a permit's validity: grant + 5 years − 1 day (2025-04-01 → 2030-03-31)."""
    return add_years(granted_on, 5) - timedelta(days=1)
