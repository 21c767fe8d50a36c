"""The grading package's versioned rules (SPEC CM13): the deadlines of 説明請求 and 不服申立て of a 工事成績評定.

Values a city decides for itself are marked 「初期値・要確認」 in their notes.
"""

from __future__ import annotations

from datetime import date

from core.rules.builtin import DEADLINE_COUNTING, deadline_table, deadlines_summary
from core.rules.catalogue import RuleDefinition, SeedVersion, define_rule

#: Effective date of defaults that are not tied to a dated rule change: early enough for migrated data.
DEFAULTS_FROM = date(2000, 1, 1)

# The grading deadlines (they were rows of the core 「期限の日数と数え方」 until core became feature-free).
define_rule(RuleDefinition(
    key="grading.deadlines", title="工事成績評定の期限", category="期限・暦",
    description="工事成績評定の事務で使う期限です。説明請求は評定結果の通知の日から、不服申立ては説明請求への"
                "回答の日から、この表の日数で末日を求めます。" + DEADLINE_COUNTING,
    basis="説明請求: 国土交通省の通知「評定点等の通知を受けた日から 14 日以内」（休日を含む）、神栖市・鳥取県も 14 日"
          "（鳥取県は通知受領の翌日から起算）、都城市は翌日から 10 日。不服申立て: 鳥取県の例で"
          "回答から 10 日（休日を除く）。いずれも市の要綱で確認してください。",
    fields=(deadline_table(),),
    summary=deadlines_summary,
    seeds=(SeedVersion(DEFAULTS_FROM, {"items": {
        "explanation_request": {"label": "説明請求（評定結果の通知から）", "days": 14, "business_days": False,
                                "count_from": "same_day", "extend_if_closed": False},
        "objection": {"label": "不服申立て（説明請求への回答から）", "days": 10, "business_days": True,
                      "count_from": "next_day", "extend_if_closed": False},
    }}, "初期値・要確認。説明請求 14 日（暦日、通知の日から起算）は国土交通省の通知、不服申立て 10 日（閉庁日を除く）は"
        "鳥取県の例。"),),
))
