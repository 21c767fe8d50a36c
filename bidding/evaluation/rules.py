"""Versioned rules of 総合評価落札方式 (SPEC CM4, CM13; domain-japan.md §3.1): the 除算方式 and the 加算方式 with their
rounding and the order of equal figures. A city changes a value by adding a version on the rules screen.

Sources: 除算方式 — 松江市「総合評価方式」(評価値 = 技術評価点 ÷ 入札価格, 技術評価点 = 標準点 100 + 加算点) and the
clauses quoted in the reference; 加算方式 — the local example of the reference (expydoc 9675465). What the sources
do not say (the multiplier of 評価値, its rounding, how equal figures are ordered) is marked 初期値・要確認.
"""

from __future__ import annotations

from core.rules.amounts import MAX_PLACES, MODE_CHOICES, ROUNDING_MODES
from core.rules.catalogue import RuleDefinition, SeedVersion, define_rule
from core.rules.fields import ChoiceField, DecimalField, Errors, IntField, TableField, TextField, decimal_text

from ..rules import DEFAULTS_FROM

DIVISION_KEY = "evaluation.division"
ADDITION_KEY = "evaluation.addition"
CATEGORY = "入札・契約（総合評価）"

MATSUE = ("https://www.city.matsue.lg.jp/soshikikarasagasu/zaiseibu_keiyakukensaka/nyusatsu_keiyaku/4/1/770.html")
DIVISION_CLAUSE = "https://lawinsider.com/ja/clause/総合評価の方法"
ADDITION_EXAMPLE = "https://expydoc.com/doc/9675465/"

TECHNICAL = "技術評価点"
RESULT = "評価値"
ROUNDING = "端数処理"
ORDER = "同じ値の順位"

#: The multipliers of 評価値 offered, as powers of ten (points ÷ yen is a tiny number without one).
SCALE_CHOICES = ((0, "乗じない（× 1）"), (4, "× 10^4（1 万）"), (6, "× 10^6（100 万）"), (8, "× 10^8（1 億）"),
                 (10, "× 10^10（100 億）"))


def places_text(places: int, mode: str) -> str:
    """``(4, "half_up")`` → 「小数点以下第5位を四捨五入（第4位まで）」."""
    word = ROUNDING_MODES[mode][0]
    if places == 0:
        return f"小数点以下を{word}（整数）"
    cut = "以下" if mode != "half_up" else ""
    return f"小数点以下第{places + 1}位{cut}を{word}（第{places}位まで）"


def scale_text(exponent: int) -> str:
    """``8`` → 「× 10^8」; ``0`` → 「」 (nothing is multiplied)."""
    return f" × 10^{exponent}" if exponent else ""


def _places_field(label: str) -> IntField:
    return IntField("places", label, minimum=0, maximum=MAX_PLACES, unit="桁", group=ROUNDING,
                    hint="例: 4 なら小数点以下第4位までの値にします。")


def _tie_field(technical: str) -> ChoiceField:
    return ChoiceField("tie_break", "同じ値の入札者の順位", group=ORDER, choices=(
        ("lot", "同順位とし、くじで決める"),
        ("technical", f"{technical}の高い者を上位とし、それも同じならくじで決める"),
    ))


# --- 除算方式 -----------------------------------------------------------------------------------------

def _division_summary(v: dict) -> str:
    return (f"標準点 {decimal_text(v['standard_points'])} 点／評価値 = 技術評価点 ÷ 入札価格{scale_text(v['scale_exponent'])}、"
            f"{places_text(v['places'], v['mode'])}")


define_rule(RuleDefinition(
    key=DIVISION_KEY, title="総合評価落札方式（除算方式）", category=CATEGORY,
    description="入札価格が予定価格の制限の範囲内の入札者について、技術評価点（標準点 + 加算点 + 施工体制評価点）を"
                "入札価格（消費税抜き）で除し、指定の数を乗じた値を評価値とし、評価値の最も高い者を落札候補者とします。"
                "評価値は指定の桁で端数処理し、端数処理した値で順位を付けます。標準点は入札者ごとに入力がないときの値です。",
    basis=f"地方自治法施行令第167条の10の2。評価値 = 技術評価点 ÷ 入札価格、技術評価点 = 標準点（100 点）+ 加算点の合計"
          f"（松江市の例: {MATSUE} ）。標準点・施工体制評価点・加算点の合計を入札価格で除して得た数値を評価値とする例"
          f"（{DIVISION_CLAUSE} ）。評価値に乗じる数（初期値 10^8）、評価値の端数処理（初期値: 小数点以下第5位以下を"
          "切り捨て）、同じ評価値の扱い（初期値: くじ）は出典に定めがなく、初期値・要確認。",
    fields=(
        DecimalField("standard_points", "標準点", minimum="0", maximum="1000", places=2, unit="点", group=TECHNICAL,
                     hint="入札説明書等の要求要件を満たす場合の点数です。"),
        ChoiceField("scale_exponent", "評価値に乗じる数", choices=SCALE_CHOICES, group=RESULT,
                    hint="点数を円で除した値は小さいため、読みやすい桁にする数を乗じます。順位は変わりません。"),
        _places_field("評価値の小数点以下の桁数"),
        ChoiceField("mode", "評価値の端数処理", choices=MODE_CHOICES, group=ROUNDING),
        _tie_field("技術評価点"),
    ),
    summary=_division_summary,
    seeds=(SeedVersion(DEFAULTS_FROM, {"standard_points": "100", "scale_exponent": 8, "places": 4, "mode": "down",
                                       "tie_break": "lot"},
                       f"標準点 100 点は松江市の例（{MATSUE} ）。評価値に乗じる数 10^8、小数点以下第5位以下の切り捨て、"
                       "同じ評価値はくじは初期値・要確認。"),),
))


# --- 加算方式 -----------------------------------------------------------------------------------------

def _check_addition(values: dict) -> Errors:
    errors: Errors = {}
    bands, full = values.get("bands"), values.get("full_marks")
    if bands:
        starts = [row["from_amount"] for row in bands.values()]
        if None not in starts:
            if 0 not in starts:
                errors["bands"] = ["配点の区分には、設計金額 0 円から始まる区分を 1 件入れてください。"]
            elif len(starts) != len(set(starts)):
                same = sorted({s for s in starts if starts.count(s) > 1})
                errors["bands"] = [f"設計金額の下限（{'、'.join(f'{s:,} 円' for s in same)}）が同じ区分が複数あります。"]
        if full is not None:
            over = [row["label"] for row in bands.values() if row["points"] is not None and row["points"] >= full]
            if over:
                errors.setdefault("bands", []).append(
                    f"配点 X は総合評価点の満点（{decimal_text(full)} 点）より小さくしてください（{'、'.join(over)}）。")
    return errors


def band_rows(bands: dict) -> list[dict]:
    """The rows of the X table by their lower bound (ascending)."""
    return sorted(bands.values(), key=lambda row: row["from_amount"])


def _addition_summary(v: dict) -> str:
    bands = "・".join(f"{row['label']} {decimal_text(row['points'])} 点" for row in band_rows(v["bands"]))
    return (f"配点 X: {bands}／調査基準価格を下回る部分 × {decimal_text(v['below_survey_weight'])}／"
            f"{places_text(v['places'], v['mode'])}")


ADDITION_SEED = {
    "full_marks": "100",
    "bands": {
        "under_100m": {"label": "1億円未満", "from_amount": 0, "points": "20"},
        "under_200m": {"label": "1億円以上2億円未満", "from_amount": 100_000_000, "points": "15"},
        "over_200m": {"label": "2億円以上", "from_amount": 200_000_000, "points": "10"},
    },
    "below_survey_weight": "0.5", "places": 4, "mode": "half_up", "tie_break": "lot",
}

define_rule(RuleDefinition(
    key=ADDITION_KEY, title="総合評価落札方式（加算方式）", category=CATEGORY,
    description="入札価格が予定価格の制限の範囲内の入札者について、総合評価点 = 価格評価点 + 価格以外の評価点 とし、"
                "総合評価点の最も高い者を落札候補者とします。価格評価点 = (満点 − X) × (1 − 入札価格 ÷ 予定価格)。"
                "入札価格が低入札価格調査基準価格を下回るときは (満点 − X) × {(1 − 調査基準価格 ÷ 予定価格) + 割合 × "
                "(調査基準価格 − 入札価格) ÷ 予定価格}。価格以外の評価点 = A × (X ÷ B)（A: 入札者の加算点と施工体制評価点の"
                "合計、B: その配点の合計）。X は設計金額（消費税抜き）の区分で決まります。各評価点は指定の桁で端数処理し、"
                "総合評価点はその合計です。",
    basis=f"地方自治法施行令第167条の10の2。算定式・配点 X（設計金額 1 億円未満 20 点、1 億円以上 2 億円未満 15 点、"
          f"2 億円以上 10 点）・調査基準価格を下回る部分の 0.5・「各評価点は小数点以下第5位を四捨五入し、小数点以下"
          f"第4位止め」は自治体の評価方法の例（{ADDITION_EXAMPLE} ）。設計金額は消費税抜きの額で区分する扱い、"
          "同じ総合評価点の扱い（初期値: くじ）は初期値・要確認。",
    fields=(
        DecimalField("full_marks", "総合評価点の満点（価格評価点と価格以外の評価点の配点の合計）", minimum="1",
                     maximum="1000", places=2, unit="点"),
        TableField("bands", "価格以外の評価点の配点（X）", name_label="識別名", max_rows=10, columns=(
            TextField("label", "区分の名称", max_length=40),
            IntField("from_amount", "設計金額（この額以上）", minimum=0, maximum=999_999_999_999, unit="円"),
            DecimalField("points", "配点 X", minimum="0", maximum="1000", places=2, unit="点"),
        ), hint="設計金額がその額以上の区分のうち、下限の最も大きい区分の X を使います。"),
        DecimalField("below_survey_weight", "調査基準価格を下回る部分に乗じる割合", minimum="0", maximum="1", places=4,
                     hint="入札価格が低入札価格調査基準価格を下回った部分の評価の割合です（例: 0.5）。"),
        _places_field("評価点の小数点以下の桁数"),
        ChoiceField("mode", "評価点の端数処理", choices=MODE_CHOICES, group=ROUNDING),
        _tie_field("価格以外の評価点"),
    ),
    check=_check_addition, summary=_addition_summary,
    seeds=(SeedVersion(DEFAULTS_FROM, ADDITION_SEED,
                       f"自治体の評価方法の例（{ADDITION_EXAMPLE} ）: 配点 X、調査基準価格を下回る部分 0.5、"
                       "小数点以下第5位を四捨五入し第4位止め。適用時期は出典に記載がなく、同じ総合評価点はくじとするのは"
                       "初期値・要確認。"),),
))
