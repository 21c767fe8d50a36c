"""The bidding package's versioned rules (SPEC CM13): 最低制限価格 and 低入札価格調査基準価格 models, rounding of
amounts, and the numbering of cases and contracts. Sources: reference/domain-japan.md §3.2, §3.3.

Values a city decides for itself are marked 「初期値・要確認」 in their notes. The rule keys are the ones the
first releases used (stored versions keep working).
"""

from __future__ import annotations

from datetime import date

from core.rules.amounts import MODE_CHOICES, UNIT_CHOICES
from core.rules.catalogue import RuleDefinition, SeedVersion, define_rule
from core.rules.fields import BoolField, ChoiceField, Errors, PercentField, TextField
from core.rules.numbering import INSERT_FIELDS, check_pattern

#: Effective date of defaults that are not tied to a dated rule change: early enough for migrated data.
DEFAULTS_FROM = date(2000, 1, 1)

# --- 最低制限価格 / 低入札価格調査基準価格 (works) ------------------------------------------------------

RATES = "算入率（予定価格の積算内訳の各費目に乗じる率）"
RANGE = "設定範囲（予定価格に対する割合）"
ROUNDING = "端数処理"


def price_rounding_fields() -> tuple:
    """The rounding of a price model (works and consultancy alike): each component, the result, the lower limit."""
    return (
        ChoiceField("component_unit", "各費目の算入額の端数処理の単位", choices=UNIT_CHOICES, group=ROUNDING),
        ChoiceField("component_mode", "各費目の算入額の端数処理", choices=MODE_CHOICES, group=ROUNDING),
        ChoiceField("result_unit", "算定額の端数処理の単位", choices=UNIT_CHOICES, group=ROUNDING),
        ChoiceField("result_mode", "算定額の端数処理", choices=MODE_CHOICES, group=ROUNDING),
        BoolField("round_up_at_lower", "下限額に満たなくなる場合の扱い", group=ROUNDING,
                  true_text="下限額の端数は切り上げる（下限を下回らない）", false_text="特別な扱いをしない"),
    )


def _price_fields() -> tuple:
    return (
        PercentField("direct_cost_rate", "直接工事費の算入率", group=RATES),
        PercentField("common_temporary_rate", "共通仮設費の算入率", group=RATES),
        PercentField("site_management_rate", "現場管理費の算入率", group=RATES),
        PercentField("general_admin_rate", "一般管理費等の算入率", group=RATES),
        PercentField("lower_limit", "下限（予定価格に対する割合）", minimum="50", maximum="100", group=RANGE),
        PercentField("upper_limit", "上限（予定価格に対する割合）", minimum="50", maximum="100", group=RANGE),
        *price_rounding_fields(),
    )


def _check_price(values: dict) -> Errors:
    lower, upper = values.get("lower_limit"), values.get("upper_limit")
    if lower is not None and upper is not None and lower >= upper:
        return {"lower_limit": [f"下限（{lower} %）は上限（{upper} %）より小さい値にしてください。"]}
    return {}


def _price_summary(v: dict) -> str:
    from core.rules.amounts import ROUNDING_MODES

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
    "各費目の算入額と算定額は、指定の単位で端数処理します。建築工事などの読み替え（直接工事費相当額など）は"
    "「最低制限価格等の読み替え（建設工事）」、入札時のランダム係数は「入札時ランダム係数」の設定で定めます。"
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
                "予定価格は、設計金額から求めるときにこの単位で端数処理します（1 円未満切り捨てなら設計金額と同額）。"
                "入力された金額をそのまま使う場合には適用されません。消費税等の税率は「消費税等の税率」で定めます。",
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


# --- 採番 ----------------------------------------------------------------------------------------------

PATTERN_HINT = "差し込み項目: " + "、".join(f"{{{k}}} {v}" for k, v in INSERT_FIELDS.items()) + "（例: {fy}-{seq:04d}）"

define_rule(RuleDefinition(
    key="numbering", title="案件番号・契約番号の付け方", category="採番",
    description="新しく登録する案件・契約に付ける番号の形式です（業者番号は「業者番号の付け方」）。"
                "連番 {seq} を必ず 1 つ含めます。年度 {fy} を含む"
                "形式は、年度ごとに連番を 1 から振り直す前提です。移行したデータの番号は変更しません。",
    basis="市の文書番号・契約番号の付け方によります（初期値・要確認）。",
    fields=(
        TextField("case_number", "案件番号", max_length=40, check=check_pattern, mono=True, hint=PATTERN_HINT),
        TextField("contract_number", "契約番号", max_length=40, check=check_pattern, mono=True, hint=PATTERN_HINT),
    ),
    seeds=(SeedVersion(DEFAULTS_FROM, {"case_number": "{fy}-{dept}-{seq:04d}",
                                       "contract_number": "{fy}-K{seq:04d}"},
                       "初期値・要確認。案件番号は年度・担当課の部署コード・課ごとの連番（例: 2026-110-0001）。"),),
))

