"""The core rule keys and their built-in versions, with sources (see reference/domain-japan.md §1.8, §3.2, §3.3).

Values a city decides for itself are marked 「初期値・要確認」 in their notes: they are defaults so the system
works on day one, not facts about the city. Effective dates of the 中央公契連モデル versions are those of
the municipalities cited as sources; the city's own adoption dates must be checked (a correction for the same
date, or a version of another date, fixes them without touching code).
"""

from __future__ import annotations

from datetime import date

from .amounts import MODE_CHOICES, UNIT_CHOICES
from .fields import BoolField, ChoiceField, Errors, IntField, PercentField, TableField, TextField
from .numbering import INSERT_FIELDS, check_pattern
from .registry import EnvFloor, RuleDefinition, SeedVersion, define_rule

#: Effective date of defaults that are not tied to a dated rule change: early enough for migrated data.
DEFAULTS_FROM = date(2000, 1, 1)

# --- 最低制限価格 / 低入札価格調査基準価格 (works) ------------------------------------------------------

RATES = "算入率（予定価格の積算内訳の各費目に乗じる率）"
RANGE = "設定範囲（予定価格に対する割合）"
ROUNDING = "端数処理"


def _price_fields() -> tuple:
    return (
        PercentField("direct_cost_rate", "直接工事費の算入率", group=RATES),
        PercentField("common_temporary_rate", "共通仮設費の算入率", group=RATES),
        PercentField("site_management_rate", "現場管理費の算入率", group=RATES),
        PercentField("general_admin_rate", "一般管理費等の算入率", group=RATES),
        PercentField("lower_limit", "下限（予定価格に対する割合）", minimum="50", maximum="100", group=RANGE),
        PercentField("upper_limit", "上限（予定価格に対する割合）", minimum="50", maximum="100", group=RANGE),
        ChoiceField("component_unit", "各費目の算入額の端数処理の単位", choices=UNIT_CHOICES, group=ROUNDING),
        ChoiceField("component_mode", "各費目の算入額の端数処理", choices=MODE_CHOICES, group=ROUNDING),
        ChoiceField("result_unit", "算定額の端数処理の単位", choices=UNIT_CHOICES, group=ROUNDING),
        ChoiceField("result_mode", "算定額の端数処理", choices=MODE_CHOICES, group=ROUNDING),
        BoolField("round_up_at_lower", "下限額に満たなくなる場合の扱い", group=ROUNDING,
                  true_text="下限額の端数は切り上げる（下限を下回らない）", false_text="特別な扱いをしない"),
    )


def _check_price(values: dict) -> Errors:
    lower, upper = values.get("lower_limit"), values.get("upper_limit")
    if lower is not None and upper is not None and lower >= upper:
        return {"lower_limit": [f"下限（{lower} %）は上限（{upper} %）より小さい値にしてください。"]}
    return {}


def _price_summary(v: dict) -> str:
    from .amounts import ROUNDING_MODES

    rates = "・".join(f"{label} {v[k]}%" for k, label in (
        ("direct_cost_rate", "直接工事費"), ("common_temporary_rate", "共通仮設費"),
        ("site_management_rate", "現場管理費"), ("general_admin_rate", "一般管理費等")))
    return (f"算入率: {rates}／範囲: 予定価格の {v['lower_limit']}%〜{v['upper_limit']}%／"
            f"算定額: {v['result_unit']:,} 円未満{ROUNDING_MODES[v['result_mode']][0]}")


def _model(direct: str, general: str, lower: str, upper: str) -> dict:
    return {
        "direct_cost_rate": direct, "common_temporary_rate": "90", "site_management_rate": "90",
        "general_admin_rate": general, "lower_limit": lower, "upper_limit": upper,
        "component_unit": 1, "component_mode": "down", "result_unit": 1000, "result_mode": "down",
        "round_up_at_lower": True,
    }


ROUNDING_NOTE = ("端数処理（各費目 1 円未満切り捨て、算定額 1,000 円未満切り捨て、下限額は切り上げ）は初期値・要確認"
                 "（例: 東大和市は下限額の 1,000 円未満を切り上げ、別の団体は範囲適用後 1 万円未満を切り捨て）。")

# domain-japan.md §3.2 gives the rates and the two ranges but not when the range changed; the 2020-04-01
# version is added from the two sources in its note (小林市: model revised March 2019; 豊川市: applied 2020-04-01).
PRICE_SEEDS = (
    SeedVersion(date(2016, 4, 1), _model("95", "55", "70", "90"),
                "平成28年度の算定基準: 直接工事費 95%・共通仮設費 90%・現場管理費 90%・一般管理費等 55%、"
                "予定価格の 70%〜90%。適用日は出典の団体の施行日（平成28年4月1日）。"
                "出典: https://expydoc.com/doc/10228933/ "),
    SeedVersion(date(2017, 10, 1), _model("97", "55", "70", "90"),
                "平成29年の中央公契連モデル改正: 直接工事費 95% → 97%。適用日は湖南市の例（平成29年10月1日以降の公告）。"
                "瑞穂市は平成29年5月1日から。出典: https://www.city.shiga-konan.lg.jp/shigoto/nyusatsu_keiyaku/4291.html "
                "http://www.city.mizuho.lg.jp/item/5532.htm "),
    SeedVersion(date(2020, 4, 1), _model("97", "55", "75", "92"),
                "2019年3月の中央公契連モデル改正: 設定範囲 70%〜90% → 75%〜92%。適用日は豊川市の例（令和2年4月1日以降の"
                "公告・指名通知）。"
                "出典: http://www.city.toyokawa.lg.jp/shisei/nyusatsukeiyaku/nyusatsukeiyakuoshirase/saiteihikiage.html "
                "https://kensetsunet-pr.com/2019-9-9-4 "),
    SeedVersion(date(2022, 4, 1), _model("97", "68", "75", "92"),
                "令和4年3月の中央公契連モデル見直し（総行行第77号・国土入企第38号、令和4年3月9日）: 一般管理費等 55% → 68%。"
                "適用日は岡垣町の例（令和4年4月1日以降の公告。伊丹市は令和5年1月1日から）。"
                "出典: https://www.city.ibaraki-koga.lg.jp/soshiki/keiyaku/1/17085.html "
                "http://www.town.okagaki.lg.jp/s005/010/010/100/201502050405.html "),
)

PRICE_DESCRIPTION = (
    "予定価格算出の基礎となった額（消費税抜き）の費目ごとに算入率を乗じて合計し、予定価格に下限・上限の割合を乗じた"
    "範囲に収めた額を{what}とします（算定額 = 直接工事費 × 率 + 共通仮設費 × 率 + 現場管理費 × 率 + 一般管理費等 × 率）。"
    "各費目の算入額と算定額は、指定の単位で端数処理します。建築工事の読み替え（直接工事費相当額など）や入札時の"
    "ランダム係数のような市独自の扱いは、この設定には含まれません。"
)
PRICE_BASIS = (
    "中央公共工事契約制度運用連絡協議会モデル（中央公契連モデル）。算入率: 直接工事費 97/100（平成29年改正前は 95/100）、"
    "共通仮設費 90/100、現場管理費 90/100（それ以前の版では 80/100）、一般管理費等 68/100（令和4年改正前は 55/100）。"
    "設定範囲は最新モデルで予定価格の 7.5/10〜9.2/10（以前は 7/10〜9/10）。出典は各版の理由・根拠を参照。"
    "各版の適用開始日は出典の団体の例であり、市の要綱・要領での確認が必要です。"
    "現場管理費 80/100 の版は適用時期の出典がないため収録していません。" + ROUNDING_NOTE
)

define_rule(RuleDefinition(
    key="min_price.works", title="最低制限価格（建設工事）", category="入札・契約",
    description=PRICE_DESCRIPTION.format(what="最低制限価格（これを下回る入札は失格）"),
    basis=PRICE_BASIS, fields=_price_fields(), check=_check_price, summary=_price_summary, seeds=PRICE_SEEDS,
))

define_rule(RuleDefinition(
    key="low_bid_survey.works", title="低入札価格調査基準価格（建設工事）", category="入札・契約",
    description=PRICE_DESCRIPTION.format(what="低入札価格調査基準価格（これを下回る入札は調査の対象）"),
    basis=PRICE_BASIS + " 低入札価格調査基準価格も最低制限価格と同じ算定式による。",
    fields=_price_fields(), check=_check_price, summary=_price_summary, seeds=PRICE_SEEDS,
))

# --- 金額の端数処理 ------------------------------------------------------------------------------------

define_rule(RuleDefinition(
    key="rounding.amounts", title="金額の端数処理", category="入札・契約",
    description="予定価格・契約金額・消費税等相当額を計算で求めるときの端数処理の単位と方法です。"
                "入力された金額をそのまま使う場合には適用されません。",
    basis="消費税等相当額: 入札書記載金額に 10% を加えた額の 1 円未満の端数は切り捨てる例（岩手県の入札公告の例）。"
          "予定価格・契約金額の単位は市の定めによります（初期値・要確認）。",
    fields=(
        ChoiceField("estimate_unit", "予定価格の端数処理の単位", choices=UNIT_CHOICES, group="予定価格"),
        ChoiceField("estimate_mode", "予定価格の端数処理", choices=MODE_CHOICES, group="予定価格"),
        ChoiceField("contract_unit", "契約金額の端数処理の単位", choices=UNIT_CHOICES, group="契約金額"),
        ChoiceField("contract_mode", "契約金額の端数処理", choices=MODE_CHOICES, group="契約金額"),
        ChoiceField("tax_unit", "消費税等相当額の端数処理の単位", choices=UNIT_CHOICES, group="消費税等相当額"),
        ChoiceField("tax_mode", "消費税等相当額の端数処理", choices=MODE_CHOICES, group="消費税等相当額"),
    ),
    summary=lambda v: "／".join(
        f"{label}: {v[f'{k}_unit']:,} 円未満{dict(MODE_CHOICES)[v[f'{k}_mode']]}"
        for k, label in (("estimate", "予定価格"), ("contract", "契約金額"), ("tax", "消費税等"))),
    seeds=(SeedVersion(DEFAULTS_FROM, {"estimate_unit": 1, "estimate_mode": "down", "contract_unit": 1,
                                       "contract_mode": "down", "tax_unit": 1, "tax_mode": "down"},
                       "初期値。消費税等相当額の 1 円未満切り捨ては岩手県の例。予定価格・契約金額は要確認。"),),
))

# --- 期限 ----------------------------------------------------------------------------------------------

COUNT_FROM_CHOICES = (("next_day", "翌日から数える（初日不算入）"), ("same_day", "当日を 1 日目として数える"))


def deadline_table(name: str = "items", label: str = "期限") -> TableField:
    """The table of named deadlines; a feature package may reuse it for a rule of its own."""
    return TableField(name, label, name_label="識別名", group=label, columns=(
        TextField("label", "名称", max_length=60),
        IntField("days", "日数", minimum=1, maximum=365, unit="日"),
        BoolField("business_days", "数え方", true_text="閉庁日を除いて数える", false_text="暦日で数える"),
        ChoiceField("count_from", "起算日", choices=COUNT_FROM_CHOICES),
        BoolField("extend_if_closed", "末日が閉庁日のとき", true_text="翌開庁日まで延長", false_text="延長しない"),
    ))


def _deadlines_summary(v: dict) -> str:
    items = "、".join(f"{row['label'].split('（')[0]} {row['days']}日（{'閉庁日除く' if row['business_days'] else '暦日'}）"
                     for row in v["items"].values())
    return f"年末年始: {'閉庁日' if v['year_end_closure'] else '開庁日'}／{items}"


define_rule(RuleDefinition(
    key="deadlines", title="期限の日数と数え方", category="期限・暦",
    description="通知などの日（起算の基準日）から期限の末日を求めるための設定です。閉庁日は土曜日・日曜日・「休日」画面に"
                "登録した休日（祝日など）と、下の設定で年末年始（12月29日〜1月3日）です。「暦日で数える」期限は閉庁日も"
                "1 日として数え、「閉庁日を除いて数える」期限は開庁日だけを数えます。期限の末日が閉庁日のときに翌開庁日"
                "まで延ばすかは、地方自治法第4条の2第4項に基づく市の条例の定めに合わせて指定してください。",
    basis="説明請求: 国土交通省の通知「評定点等の通知を受けた日から 14 日以内」（休日を含む）、神栖市・鳥取県も 14 日"
          "（鳥取県は通知受領の翌日から起算）、都城市は翌日から 10 日。不服申立て: 鳥取県の例で"
          "回答から 10 日（休日を除く）。指名停止の始期: 決定日の翌々日（椎葉村の例）。年末年始の閉庁: 地方自治法"
          "第4条の2（地方公共団体の休日は条例で定める。年末年始の日を含められる）に基づき多くの市が 12月29日〜1月3日と"
          "定めている慣行。いずれも市の要綱・条例で確認してください。",
    fields=(
        BoolField("year_end_closure", "年末年始（12月29日〜1月3日）", group="閉庁日",
                  true_text="閉庁日として扱う", false_text="閉庁日として扱わない"),
        deadline_table(),
    ),
    summary=_deadlines_summary,
    seeds=(SeedVersion(DEFAULTS_FROM, {
        "year_end_closure": True,
        "items": {
            "explanation_request": {"label": "説明請求（評定結果の通知から）", "days": 14, "business_days": False,
                                    "count_from": "same_day", "extend_if_closed": False},
            "objection": {"label": "不服申立て（説明請求への回答から）", "days": 10, "business_days": True,
                          "count_from": "next_day", "extend_if_closed": False},
            "suspension_start": {"label": "指名停止の始期（停止の決定日から）", "days": 2, "business_days": False,
                                 "count_from": "next_day", "extend_if_closed": False},
        },
    }, "初期値・要確認。説明請求 14 日（暦日、通知の日から起算）は国土交通省の通知、不服申立て 10 日（閉庁日を除く）は"
       "鳥取県の例、指名停止の始期（決定日の翌々日）は椎葉村の例。"),),
))

# --- 採番 ----------------------------------------------------------------------------------------------

PATTERN_HINT = "差し込み項目: " + "、".join(f"{{{k}}} {v}" for k, v in INSERT_FIELDS.items()) + "（例: {fy}-{seq:04d}）"

define_rule(RuleDefinition(
    key="numbering", title="番号の付け方", category="採番",
    description="新しく登録する業者・案件・契約に付ける番号の形式です。連番 {seq} を必ず 1 つ含めます。年度 {fy} を含む"
                "形式は、年度ごとに連番を 1 から振り直す前提です。移行したデータの番号は変更しません。",
    basis="市の文書番号・契約番号の付け方によります（初期値・要確認）。",
    fields=(
        TextField("contractor_number", "業者番号", max_length=40, check=check_pattern, mono=True, hint=PATTERN_HINT),
        TextField("case_number", "案件番号", max_length=40, check=check_pattern, mono=True, hint=PATTERN_HINT),
        TextField("contract_number", "契約番号", max_length=40, check=check_pattern, mono=True, hint=PATTERN_HINT),
    ),
    seeds=(SeedVersion(DEFAULTS_FROM, {"contractor_number": "{seq:05d}", "case_number": "{fy}-{seq:04d}",
                                       "contract_number": "{fy}-K{seq:04d}"}, "初期値・要確認。"),),
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
