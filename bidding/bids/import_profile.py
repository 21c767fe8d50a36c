"""The e-bid import's own profile settings (SPEC CM8): a vendor's words for results and methods, and where a case
that exists only in the e-bid system takes its 担当課, 年度 and 業種 from. A new vendor's file is a profile edit:

- ``results``: result text → ``award`` (落札), ``valid`` (有効・落札でない), ``below_minimum``, ``over_planned``,
  ``declined``, ``survey`` (低入札価格調査の対象), ``excluded`` (調査の結果失格) or ``invalid:<code>`` (無効, with a
  reason code of the ``bidding.bids`` rule). Compared after folding width and spaces; the empty text is a key too.
- ``methods``: 入札方式 text → a method code of the cases (the methods' own labels are always understood).
- ``case_number_pattern``: a regular expression on the 案件番号 with the named groups ``year`` (年度) and
  ``department`` (部署コード), e.g. ``2025-310-0001`` → 2025, 310.
- ``default_department``: the 部署コード used when the number names none (empty: such a row is refused).
- ``work_types``: ``[keyword, 業種コード]`` pairs tried in order on the case name; ``default_work_type`` otherwise.
"""

from __future__ import annotations

import re

from bidding.cases.models import METHODS
from core import jp

STATUS_TARGETS = {
    "award": "落札", "valid": "有効（落札でない）", "below_minimum": "失格（最低制限価格未満）",
    "over_planned": "予定価格超過", "declined": "辞退", "survey": "低入札価格調査の対象",
    "excluded": "失格（低入札価格調査の結果）",
}
INVALID_PREFIX = "invalid:"

DEFAULTS = {
    "results": {
        "落札": "award", "": "valid", "失格（最低制限価格未満）": "below_minimum", "最低制限価格未満": "below_minimum",
        "予定価格超過": "over_planned", "辞退": "declined",
    },
    "methods": {"一般競争入札": "open_restricted", "指名競争入札": "nominated", "随意契約": "negotiated"},
    "case_number_pattern": r"^(?P<year>\d{4})-(?P<department>\d+)-\d+$",
    "default_department": "",
    # Initial values, to be checked by the city: the words of the sample's case names.
    "work_types": [["舗装", "130"], ["電気", "080"], ["照明", "080"], ["配水管", "190"], ["上水道", "190"],
                   ["塗装", "150"], ["造園", "170"], ["解体", "230"], ["外壁", "020"], ["校舎", "020"],
                   ["屋内運動場", "020"]],
    "default_work_type": "010",
}


def word(text: str | None) -> str:
    """A result or method text as compared: widths and spaces folded (（） and () are the same)."""
    return jp.normalize_code(text or "")


def check(settings: dict) -> list[str]:
    """Japanese problems of the e-bid settings of a profile."""
    problems = []
    results = settings.get("results")
    if not isinstance(results, dict) or not results:
        problems.append("results には「結果の文字: 状態」を 1 つ以上指定してください。")
    else:
        allowed = " / ".join([*STATUS_TARGETS, "invalid:<無効の理由コード>"])
        for text, target in results.items():
            if not isinstance(target, str) or not (target in STATUS_TARGETS or (
                    target.startswith(INVALID_PREFIX) and len(target) > len(INVALID_PREFIX))):
                problems.append(f"results の「{text}」の状態「{target}」は使えません（使えるもの: {allowed}）。")
        if "award" not in results.values():
            problems.append("results に落札（award）を表す結果がありません。")
    methods = settings.get("methods")
    if not isinstance(methods, dict):
        problems.append("methods には「入札方式の文字: 方式コード」を指定してください。")
    else:
        problems += [f"methods の「{text}」の方式コード「{code}」はありません（使えるもの: {', '.join(METHODS)}）。"
                     for text, code in methods.items() if code not in METHODS]
    pattern = settings.get("case_number_pattern")
    if pattern:
        try:
            compiled = re.compile(pattern)
            unknown = set(compiled.groupindex) - {"year", "department"}
            if unknown:
                problems.append(f"case_number_pattern の名前付きグループは year と department だけです（{', '.join(unknown)}）。")
        except (re.error, TypeError) as exc:
            problems.append(f"case_number_pattern は正規表現として読めません（{exc}）。")
    if not isinstance(settings.get("default_department"), str):
        problems.append("default_department は部署コードの文字列です（なければ空文字）。")
    pairs = settings.get("work_types")
    if not isinstance(pairs, list) or any(not (isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) and x
                                                                                           for x in p)) for p in pairs):
        problems.append("work_types は [キーワード, 業種コード] の組の一覧です。")
    if not isinstance(settings.get("default_work_type"), str) or not settings.get("default_work_type"):
        problems.append("default_work_type には業種コードを指定してください。")
    return problems


class Mapping:
    """The settings of one profile, ready for the rows: lookups by folded text, the compiled pattern."""

    def __init__(self, settings: dict):
        self.results = {word(text): target for text, target in settings["results"].items()}
        self.result_texts = list(settings["results"])
        self.methods = {word(label): code for code, label in METHODS.items()}
        self.methods.update({word(text): code for text, code in settings["methods"].items()})
        pattern = settings.get("case_number_pattern")
        self.pattern = re.compile(pattern) if pattern else None
        self.default_department = settings["default_department"].strip()
        self.work_types = [(keyword, code) for keyword, code in settings["work_types"]]
        self.default_work_type = settings["default_work_type"]

    def result(self, text: str | None) -> tuple[str, str | None] | None:
        """``(status, invalid reason code)`` of a result text, or None when the profile does not know it."""
        target = self.results.get(word(text))
        if target is None:
            return None
        if target.startswith(INVALID_PREFIX):
            return "invalid", target[len(INVALID_PREFIX):]
        return target, None

    def method(self, text: str | None) -> str | None:
        return self.methods.get(word(text)) if text else None

    def number_parts(self, number: str) -> tuple[int | None, str | None]:
        """(年度, 部署コード) the 案件番号 names by ``case_number_pattern`` (None for what it does not name)."""
        match = self.pattern.search(number) if self.pattern else None
        if match is None:
            return None, None
        groups = match.groupdict()
        year = groups.get("year")
        year = int(year) if year and year.isdigit() and 2000 <= int(year) <= 2100 else None
        return year, groups.get("department") or None

    def work_type(self, name: str) -> str:
        return next((code for keyword, code in self.work_types if keyword in name), self.default_work_type)
