"""The core rule keys and their built-in versions, with sources: the closed days deadlines count with, security.

Feature packages define their own rules in ``<package>/rules.py``, their deadlines included (a table built with
:func:`deadline_table`): core knows no feature's deadline.

Values a city decides for itself are marked 「初期値・要確認」 in their notes: they are defaults so the system
works on day one, not facts about the city.
"""

from __future__ import annotations

from datetime import date

from .catalogue import EnvFloor, RuleDefinition, SeedVersion, define_rule
from .fields import BoolField, ChoiceField, IntField, TableField, TextField

#: Effective date of defaults that are not tied to a dated rule change: early enough for migrated data.
DEFAULTS_FROM = date(2000, 1, 1)

# --- 閉庁日と期限の数え方 ---------------------------------------------------------------------------------

COUNT_FROM_CHOICES = (("next_day", "翌日から数える（初日不算入）"), ("same_day", "当日を 1 日目として数える"))
#: The columns of a deadline table, the shape ``calendar.compute_deadline`` counts.
DEADLINE_COLUMNS = ("label", "days", "business_days", "count_from", "extend_if_closed")


def deadline_table(name: str = "items", label: str = "期限") -> TableField:
    """The table of named deadlines; each feature package keeps its deadlines in a rule of its own built with it
    (``deadline_for(session, name, start, rule_key=...)`` counts them under the closed days of ``deadlines``)."""
    return TableField(name, label, name_label="識別名", group=label, columns=(
        TextField("label", "名称", max_length=60),
        IntField("days", "日数", minimum=1, maximum=365, unit="日"),
        BoolField("business_days", "数え方", true_text="閉庁日を除いて数える", false_text="暦日で数える"),
        ChoiceField("count_from", "起算日", choices=COUNT_FROM_CHOICES),
        BoolField("extend_if_closed", "末日が閉庁日のとき", true_text="翌開庁日まで延長", false_text="延長しない"),
    ))


def deadline_fields(definition: RuleDefinition) -> list[TableField]:
    """The deadline tables of a rule (what the rule page counts from a chosen day)."""
    return [f for f in definition.fields
            if isinstance(f, TableField) and tuple(c.name for c in f.columns) == DEADLINE_COLUMNS]


def deadlines_summary(values: dict) -> str:
    """The list page's line for a rule holding one deadline table called ``items``."""
    return "、".join(f"{row['label'].split('（')[0]} {row['days']}日（{'閉庁日除く' if row['business_days'] else '暦日'}）"
                    for row in (values.get("items") or {}).values()) or "期限なし"


#: How a package's deadline rule describes its counting (its own description adds what the deadlines are for).
DEADLINE_COUNTING = ("「暦日で数える」期限は閉庁日も 1 日として数え、「閉庁日を除いて数える」期限は開庁日だけを数えます。"
                     "閉庁日は「閉庁日と期限の数え方」のとおりです。期限の末日が閉庁日のときに翌開庁日まで延ばすかは、"
                     "地方自治法第4条の2第4項に基づく市の条例の定めに合わせて指定してください。")

# Key "deadlines" kept: versions a city stored before the deadline items moved to the packages' rules still load
# (their "items" are ignored: ``RuleDefinition.load`` reads the defined fields only).
define_rule(RuleDefinition(
    key="deadlines", title="閉庁日と期限の数え方", category="期限・暦",
    description="期限の末日を求めるときの閉庁日の設定です。閉庁日は土曜日・日曜日・「休日」画面に登録した休日"
                "（祝日など）と、下の設定で年末年始（12月29日〜1月3日）です。各期限の日数と数え方は、この一覧の"
                "業務ごとの「…の期限」のルールで定めます。",
    basis="年末年始の閉庁: 地方自治法第4条の2（地方公共団体の休日は条例で定める。年末年始の日を含められる）に"
          "基づき多くの市が 12月29日〜1月3日と定めている慣行。市の条例で確認してください。",
    fields=(
        BoolField("year_end_closure", "年末年始（12月29日〜1月3日）", group="閉庁日",
                  true_text="閉庁日として扱う", false_text="閉庁日として扱わない"),
    ),
    summary=lambda v: f"年末年始: {'閉庁日' if v['year_end_closure'] else '開庁日'}",
    seeds=(SeedVersion(DEFAULTS_FROM, {"year_end_closure": True},
                       "初期値・要確認。年末年始（12月29日〜1月3日）を閉庁日とする多くの市の条例の例。"),),
))


# --- セキュリティ --------------------------------------------------------------------------------------

FLOOR_NOTE = ("環境変数 {env} の値が下限として常に優先され、実際に使われるのはこの設定と環境変数の値の"
              "厳しい方（大きい方）です。この設定では基準を引き上げることだけができます。")

define_rule(RuleDefinition(
    key="password_policy", title="パスワードの基準", category="セキュリティ",
    description="利用者が設定するパスワードの最小文字数と、英大文字・英小文字・数字・記号のうち含める種類の数です。"
                + FLOOR_NOTE.format(env="KEIYAKU_PASSWORD_MIN_LENGTH・KEIYAKU_PASSWORD_MIN_CLASSES"),
    basis="SPEC NF5（最小文字数）。環境変数の許容範囲（8〜128 文字、1〜4 種類）と同じ範囲で検証します。",
    fields=(
        IntField("min_length", "最小文字数", minimum=8, maximum=128, unit="文字"),
        IntField("min_classes", "含める文字の種類の数", minimum=1, maximum=4, unit="種類"),
    ),
    env_floors=(EnvFloor("min_length", "PASSWORD_MIN_LENGTH", "KEIYAKU_PASSWORD_MIN_LENGTH"),
                EnvFloor("min_classes", "PASSWORD_MIN_CLASSES", "KEIYAKU_PASSWORD_MIN_CLASSES")),
    seeds=(SeedVersion(DEFAULTS_FROM, {"min_length": 8, "min_classes": 1},
                       "初期値は許容範囲の最小値（環境変数の値がそのまま使われます）。"),),
))

define_rule(RuleDefinition(
    key="audit_retention_days", title="操作ログの保存期間", category="セキュリティ",
    description="操作ログを削除できるようになるまでの日数です。" + FLOOR_NOTE.format(env="KEIYAKU_AUDIT_RETENTION_DAYS"),
    basis="SPEC NF6: 操作ログは 180 日以上保存する。",
    fields=(IntField("days", "保存日数", minimum=180, maximum=36500, unit="日"),),
    env_floors=(EnvFloor("days", "AUDIT_RETENTION_DAYS", "KEIYAKU_AUDIT_RETENTION_DAYS"),),
    seeds=(SeedVersion(DEFAULTS_FROM, {"days": 180}, "初期値は SPEC NF6 の最小値（環境変数の値がそのまま使われます）。"),),
))
