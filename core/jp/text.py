"""Text normalisation chosen per field type: names keep their characters, codes are folded hard, search keys
are folded hardest."""

from __future__ import annotations

import re
import unicodedata

from core.jp._common import DASHES, WHITESPACE_RE, fail, nfkc_code

# Half-width katakana and punctuation (U+FF61-FF9F), optionally followed by a half-width sound mark.
_HALFWIDTH_KANA_RE = re.compile(r"[\uff61-\uff9f][\uff9e\uff9f]?")
# Kana followed by a combining sound mark (decomposed text, e.g. from macOS): カ + U+3099.
_COMBINING_KANA_RE = re.compile(r"[\u3041-\u30ff][\u3099\u309a]")
_SPACING_MARKS = {"\uff9e": "\u309b", "\uff9f": "\u309c", "\u3099": "\u309b", "\u309a": "\u309c"}
_FULLWIDTH_ALNUM = str.maketrans({c: c - 0xFEE0 for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
                                  for c in range(r[0], r[1] + 1)})
_INVISIBLE = str.maketrans(dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff")))
_INVISIBLE_NAME = str.maketrans(dict.fromkeys(map(ord, "\u200b\ufeff")))

_SMALL_TO_LARGE = dict(zip("ァィゥェォッャュョヮヵヶ", "アイウエオツヤユヨワカケ", strict=True))
_KANA_FOLD = str.maketrans(
    {c: _SMALL_TO_LARGE.get(chr(c + 0x60), chr(c + 0x60)) for c in range(0x3041, 0x3097)}  # ぁ..ゖ → katakana
    | {ord(k): v for k, v in _SMALL_TO_LARGE.items()}
    | {0x309D: "ヽ", 0x309E: "ヾ"}
)
_MIDDLE_DOTS = "\u30fb\u00b7\u2027\u2219\u22c5\u2022"
_DROP_RE = re.compile(r"[\s" + _MIDDLE_DOTS + r"\ufe00-\ufe0f\U000e0100-\U000e01ef]+")
_DASH_CHARS = frozenset(DASHES + "-")


def _halfwidth_kana(match: re.Match[str]) -> str:
    s = match.group()
    if s[0] in _SPACING_MARKS:  # a sound mark with nothing to attach to
        return "".join(_SPACING_MARKS[c] for c in s)
    base = unicodedata.normalize("NFKC", s[0])
    if len(s) == 2:
        composed = unicodedata.normalize("NFC", base + unicodedata.normalize("NFKC", s[1]))
        return composed if len(composed) == 1 else base + _SPACING_MARKS[s[1]]
    return base


def _compose_kana(match: re.Match[str]) -> str:
    composed = unicodedata.normalize("NFC", match.group())
    return composed if len(composed) == 1 else match.group()


def normalize_name(s: str | None) -> str:
    """Tidy a name or title (業者名, 案件名, 氏名) without changing which characters it is written with.

    Only these changes are made: half-width katakana → full-width (ｶﾞ → ガ, ｳﾞ → ヴ; a stray ﾞ becomes ゛),
    kana + combining sound mark → the composed kana, full-width ASCII letters and digits → half-width
    (other full-width symbols such as （）＆ stay), zero-width spaces and BOMs removed, any run of
    whitespace (incl. the ideographic space) → one space, trimmed. No NFC/NFKC: the CJK compatibility ideographs
    of CP932 (神 U+FA19, 﨑 U+FA11, …), 髙 and symbols such as ① and ㈱ are kept byte for byte, so what is
    sent back to other systems is what they sent. ``None`` gives ``""``.
    """
    if s is None:
        return ""
    t = _HALFWIDTH_KANA_RE.sub(_halfwidth_kana, s)
    t = _COMBINING_KANA_RE.sub(_compose_kana, t)
    t = t.translate(_FULLWIDTH_ALNUM).translate(_INVISIBLE_NAME)
    return WHITESPACE_RE.sub(" ", t).strip()


def search_key(s: str | None) -> str:
    """A key for matching and searching names: compare ``search_key(query)`` with a stored ``search_key(name)``.

    NFKC (full/half width, ㈱ → (株), ① → 1, compatibility ideographs such as 神 U+FA19 → 神 U+795E), casefold,
    then kana folded to **katakana** (ひらがな → カタカナ) with small kana made large (キャノン = キヤノン,
    ヶ = ケ). Whitespace, middle dots (・ ·), zero-width characters and variation selectors are removed. Dash
    variants (‐ − － ー - …) become the long-vowel mark ー after a kana (so 「コ-ポ」 matches 「コーポ」) and
    are removed elsewhere (「ABC-123」 → 「abc123」). ``None`` gives ``""``.
    """
    if s is None:
        return ""
    t = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", s).casefold())
    t = _DROP_RE.sub("", t.translate(_KANA_FOLD).translate(_INVISIBLE))
    out: list[str] = []
    for c in t:
        if c in _DASH_CHARS:
            if out and ("\u30a1" <= out[-1] <= "\u30fa" or "\u30fc" <= out[-1] <= "\u30fe"):
                out.append("ー")
        else:
            out.append(c)
    return "".join(out)


def normalize_code(s: str | None) -> str:
    """Fold a code, number or phone/postal number: NFKC, every dash variant (‐ ‑ ‒ – — ― − － ー ｰ …) → ``-``,
    all whitespace and zero-width characters removed. Returns a ``str`` so leading zeros survive. ``None`` → ``""``.
    """
    if s is None:
        return ""
    return WHITESPACE_RE.sub("", nfkc_code(s).translate(_INVISIBLE))


def normalize_postal_code(s: str | None) -> str:
    """A postal code as ``123-4567``, from 「〒１２３－４５６７」, ``1234567`` and the like (a leading 〒 is dropped).

    Raises JpParseError unless exactly 7 digits remain (with an optional hyphen after the third); empty is an error.
    """
    t = normalize_code(s).removeprefix("〒")
    match = re.fullmatch(r"([0-9]{3})-?([0-9]{4})", t)
    if not match:
        reason = "入力が空です。" if not t else "7桁の数字で入力してください（例: 123-4567）。"
        raise fail("郵便番号", s, reason)
    return f"{match[1]}-{match[2]}"


def normalize_phone(s: str | None) -> str:
    """A Japanese phone number as digits and hyphens, keeping the caller's grouping: 「０３（１２３４）５６７８」 →
    ``03-1234-5678``; ``+81 3 1234 5678`` → ``0312345678``; ``0312345678`` stays ungrouped.

    Parentheses count as hyphens, repeated hyphens collapse, ``+81`` (and ``+81(0)``) becomes a leading 0. Raises
    JpParseError for other characters, or unless there are 10 or 11 digits starting with 0 (fixed lines, 050,
    0120 and mobiles); empty is an error.
    """
    t = normalize_code(s)
    if t.startswith("+81"):
        rest = t[3:].lstrip("-").removeprefix("(0)").lstrip("-")
        t = rest if rest.startswith("0") else "0" + rest
    t = re.sub(r"-{2,}", "-", t.replace("(", "-").replace(")", "-")).strip("-")
    if not t:
        raise fail("電話番号", s, "入力が空です。")
    bad = sorted(set(re.sub(r"[0-9-]", "", t)))
    if bad:
        raise fail("電話番号", s, f"数字とハイフン以外の文字（{''.join(bad)}）が含まれています。")
    digits = t.replace("-", "")
    if not (digits.startswith("0") and 10 <= len(digits) <= 11):
        raise fail("電話番号", s, "市外局番から始まる10桁または11桁の番号で入力してください（例: 03-1234-5678）。")
    return t
