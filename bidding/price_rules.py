"""Versioned rules of the price calculator beyond the works models of ``bidding.rules`` (SPEC CM13): the
consultancy models (測量, 建設コンサルタント, 地質調査, 補償コンサルタント), the works adjustments (建築 and
工事 whose 現場管理費 cannot be separated), the 入札時ランダム係数, the breakdown check and the consumption tax.
Sources: reference/domain-japan.md §3.1, §3.2 and the notes of each seed.

A city changes a rate, a range or a component by adding a version on the rules screen, never by editing code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from core.rules.amounts import ROUNDING_MODES
from core.rules.catalogue import RuleDefinition, SeedVersion, define_rule
from core.rules.fields import (
    BoolField,
    ChoiceField,
    DecimalField,
    Errors,
    IntField,
    PercentField,
    TableField,
    TextField,
    add_error,
    normalize_text,
)

from .rules import DEFAULTS_FROM, RANGE, RATES, ROUNDING_NOTE, price_rounding_fields

CONSULTANCY_CATEGORY = "入札・契約（業務委託の最低制限価格等）"

# --- a share of 予定価格 written as a fraction ------------------------------------------------------------


@dataclass(frozen=True)
class Ratio:
    """A share of 予定価格 as the rule writes it (``2/3``, ``8.5/10``, ``75%``) and its exact value."""

    text: str
    value: Fraction

    def __str__(self) -> str:
        return self.text


_FRACTION = re.compile(r"(\d+(?:\.\d+)?)\s*/\s*(\d+(?:\.\d+)?)")
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")


def parse_ratio(raw) -> Ratio | None:
    """``"2/3"``, ``"8.5/10"`` or ``"75%"`` (full-width too) as a :class:`Ratio`; None when it is none of them."""
    if isinstance(raw, Ratio):
        return raw
    text = normalize_text(raw if raw is not None else "").replace("％", "%")
    try:
        if m := _FRACTION.fullmatch(text):
            numerator, denominator = Decimal(m[1]), Decimal(m[2])
            if denominator == 0:
                return None
            return Ratio(f"{m[1]}/{m[2]}", Fraction(numerator) / Fraction(denominator))
        if m := _PERCENT.fullmatch(text):
            return Ratio(f"{m[1]}%", Fraction(Decimal(m[1])) / 100)
    except InvalidOperation:
        return None
    return None


def ratio_percent(value: Fraction) -> str:
    """``Fraction(2, 3)`` → ``"66.67%"`` (for reading a fraction at a glance)."""
    percent = (Decimal(value.numerator) * 100 / Decimal(value.denominator)).quantize(Decimal("0.01"))
    return f"{format(percent.normalize(), 'f')}%"


class RatioField(TextField):
    """A share of 予定価格 above 0 and at most 1: ``2/3`` is kept exactly (a percent with two decimals cannot)."""

    def __init__(self, name: str, label: str, **kw):
        super().__init__(name, label, max_length=20, mono=True,
                         hint="分数（例: 7.5/10、2/3）か百分率（例: 75%）で入力します。", **kw)

    def parse(self, raw, errors, key):
        if not isinstance(raw, Ratio) and self._missing(raw):
            add_error(errors, key, self._required_message())
            return None
        ratio = parse_ratio(raw)
        if ratio is None:
            add_error(errors, key, f"{self.label}は分数（例: 7.5/10、2/3）か百分率（例: 75%）で入力してください"
                                   f"（入力値: {raw}）。")
            return None
        if not 0 < ratio.value <= 1:
            add_error(errors, key, f"{self.label}は 0 より大きく 1（100%）以下にしてください（入力値: {ratio.text}）。")
            return None
        return ratio

    def dump(self, value):
        return value.text

    def load(self, stored):
        return parse_ratio(stored)

    def to_raw(self, value):
        return "" if value is None else str(value)

    def format(self, value):
        if value is None:
            return "—"
        return value.text if value.text.endswith("%") else f"{value.text}（{ratio_percent(value.value)}）"

    def limits(self):
        return "0 より大きく 1 以下"


def _mode_text(unit: int, mode: str) -> str:
    return f"{unit:,} 円未満{ROUNDING_MODES[mode][0]}"


# --- 最低制限価格 / 低入札価格調査基準価格 (consultancy) ---------------------------------------------------

def _consultancy_fields() -> tuple:
    return (
        TableField("components", "費目と算入率", name_label="識別名", max_rows=10, group=RATES, columns=(
            TextField("label", "費目", max_length=40),
            PercentField("rate", "算入率"),
        )),
        RatioField("lower_limit", "下限（予定価格に対する割合）", group=RANGE),
        RatioField("upper_limit", "上限（予定価格に対する割合）", group=RANGE),
        *price_rounding_fields(),
    )


def _check_consultancy(values: dict) -> Errors:
    lower, upper = values.get("lower_limit"), values.get("upper_limit")
    if lower is not None and upper is not None and lower.value >= upper.value:
        return {"lower_limit": [f"下限（{lower.text}）は上限（{upper.text}）より小さい値にしてください。"]}
    return {}


def _consultancy_summary(v: dict) -> str:
    rates = "・".join(f"{row['label']} {row['rate']}%" for row in v["components"].values())
    return (f"算入率: {rates}／範囲: 予定価格の {v['lower_limit']}〜{v['upper_limit']}／"
            f"算定額: {_mode_text(v['result_unit'], v['result_mode'])}")


def _rows(*components: tuple[str, str, str]) -> dict:
    return {key: {"label": label, "rate": rate} for key, label, rate in components}


def _consultancy_model(components: dict, lower: str, upper: str) -> dict:
    return {"components": components, "lower_limit": lower, "upper_limit": upper, "component_unit": 1,
            "component_mode": "down", "result_unit": 1000, "result_mode": "down", "round_up_at_lower": True}


SAKATA = "https://www.city.sakata.yamagata.jp/jyorei/act/content/content110001479.htm"
#: Category code → (title, seed values, the formula as the source writes it). The codes are the ``category``
#: of ``bidding.prices.compute_minimum``; the component keys are the breakdown's keys (and CLI options).
CONSULTANCY_MODELS = {
    "surveying": ("測量", _consultancy_model(_rows(
        ("direct_survey", "直接測量費", "100"), ("survey_investigation", "測量調査費", "100"),
        ("expenses", "諸経費", "48")), "6/10", "8.2/10"),
        "直接測量費 + 測量調査費 + 諸経費 × 0.48、予定価格の 6/10〜8.2/10"),
    "architecture": ("建築関係建設コンサルタント業務", _consultancy_model(_rows(
        ("direct_labor", "直接人件費", "100"), ("technical_expense", "技術経費", "60"),
        ("special_expense", "特別経費", "100"), ("expenses", "諸経費", "60")), "6/10", "8/10"),
        "直接人件費 + 技術経費 × 0.6 + 特別経費 + 諸経費 × 0.6、予定価格の 6/10〜8/10"),
    "civil": ("土木関係建設コンサルタント業務", _consultancy_model(_rows(
        ("direct_labor", "直接人件費", "100"), ("direct_expense", "直接経費", "100"),
        ("other_cost", "その他原価", "90"), ("general_admin", "一般管理費等", "48")), "6/10", "8/10"),
        "直接人件費 + 直接経費 + その他原価 × 0.9 + 一般管理費等 × 0.48、予定価格の 6/10〜8/10"),
    "geology": ("地質調査業務", _consultancy_model(_rows(
        ("direct_investigation", "直接調査費", "100"), ("indirect_investigation", "間接調査費", "90"),
        ("expenses", "諸経費", "48"), ("analysis", "解析等調査業務費", "80")), "2/3", "8.5/10"),
        "直接調査費 + 間接調査費 × 0.9 + 諸経費 × 0.48 + 解析等調査業務費 × 0.8、予定価格の 2/3〜8.5/10"),
    "compensation": ("補償関係コンサルタント業務", _consultancy_model(_rows(
        ("direct_labor", "直接人件費", "100"), ("direct_expense", "直接経費", "100"),
        ("other_cost", "その他原価", "90"), ("general_admin", "一般管理費等", "45")), "6/10", "8/10"),
        "直接人件費 + 直接経費 + その他原価 × 0.9 + 一般管理費等 × 0.45、予定価格の 6/10〜8/10"),
}

CONSULTANCY_DESCRIPTION = (
    "{title}の{what}の算定式です。予定価格算出の基礎となった額（消費税抜き）の費目ごとに算入率を乗じて合計し、"
    "予定価格に下限・上限の割合を乗じた範囲に収めた額とします。費目は表の順に入力欄になり、費目を増やす・減らす・"
    "算入率を変えるときは新しい版を登録します。各費目の算入額と算定額は、指定の単位で端数処理します。"
)
CONSULTANCY_BASIS = (
    "酒田市の例（低入札価格調査基準価格。適用時期は出典に記載がなく、現行の国土交通省のモデルとの一致は未確認）: {formula}。"
    "出典: " + SAKATA + " 。最低制限価格も同じ算定式とするのは初期値・要確認。" + ROUNDING_NOTE
)

for _code, (_title, _values, _formula) in CONSULTANCY_MODELS.items():
    for _prefix, _what in (("min_price", "最低制限価格"), ("low_bid_survey", "低入札価格調査基準価格")):
        define_rule(RuleDefinition(
            key=f"{_prefix}.{_code}", title=f"{_what}（{_title}）", category=CONSULTANCY_CATEGORY,
            description=CONSULTANCY_DESCRIPTION.format(title=_title, what=_what),
            basis=CONSULTANCY_BASIS.format(formula=_formula), fields=_consultancy_fields(), check=_check_consultancy,
            summary=_consultancy_summary,
            seeds=(SeedVersion(DEFAULTS_FROM, _values, f"初期値・要確認。酒田市の例: {_formula}。出典: {SAKATA} "),),
        ))


# --- 建設工事の読み替え -------------------------------------------------------------------------------------

def _check_codes(text: str) -> list[str]:
    codes = [c for c in re.split(r"[\s,、]+", text) if c]
    bad = [c for c in codes if not re.fullmatch(r"[0-9A-Za-z]{1,10}", c)]
    return [f"業種コードは英数字 10 文字以内をカンマで区切って入力してください（{'、'.join(bad)}）。"] if bad else []


def work_type_codes(text: str) -> list[str]:
    """The 業種 codes of an adjustment row (``"020, 030"`` → ``["020", "030"]``)."""
    return [c for c in re.split(r"[\s,、]+", text or "") if c]


KOGA = "https://www.city.ibaraki-koga.lg.jp/soshiki/keiyaku/1/17085.html"
HIGASHIYAMATO = "https://www.city.higashiyamato.lg.jp/index.cfm/36,75253,377,html"

define_rule(RuleDefinition(
    key="prices.works_adjustments", title="最低制限価格等の読み替え（建設工事）", category="入札・契約",
    description="建設工事の最低制限価格・低入札価格調査基準価格を求めるとき、直接工事費の一部を現場管理費とみなす"
                "読み替えです。行ごとに計算の区分（例: 建設工事（建築工事の読み替え））になり、案件でその区分を選ぶと、"
                "直接工事費相当額 = 直接工事費 − 直接工事費 × 割合（1 円未満切り捨て）、現場管理費相当額 = 現場管理費 + "
                "その額として、それぞれに建設工事の算入率を乗じます。対象の業種コードは、案件の業種から区分を選ぶときの"
                "初期値です。",
    basis="古河市: 建築工事は直接工事費相当額 = 直接工事費 × 90/100、現場管理費相当額 = 現場管理費 + 直接工事費 × "
          f"10/100（出典: {KOGA} ）。東大和市: 現場管理費を分離できない工事は直接工事費の 10%（昇降機は 20%）を"
          f"現場管理費とみなす（出典: {HIGASHIYAMATO} ）。どの工事に適用するかは市の要領によります（初期値・要確認）。",
    fields=(TableField("items", "読み替え", name_label="識別名", max_rows=10, required=False, columns=(
        TextField("label", "読み替えの名称", max_length=40),
        PercentField("share", "現場管理費とみなす直接工事費の割合", maximum="50"),
        TextField("work_types", "対象の業種コード", max_length=100, required=False, check=_check_codes, mono=True,
                  hint="カンマ区切り（例: 020）。空欄なら業種からは選ばれません。"),
    )),),
    summary=lambda v: "、".join(f"{r['label']} {r['share']}%" for r in v["items"].values()) or "なし",
    seeds=(SeedVersion(DEFAULTS_FROM, {"items": {
        "building": {"label": "建築工事の読み替え", "share": "10", "work_types": "020"},
        "unseparated": {"label": "現場管理費を分離できない工事", "share": "10", "work_types": ""},
        "elevator": {"label": "昇降機（現場管理費を分離できないもの）", "share": "20", "work_types": ""},
    }}, f"初期値・要確認。建築工事は古河市の例（{KOGA} ）、現場管理費を分離できない工事と昇降機は東大和市の例"
        f"（{HIGASHIYAMATO} ）。建築一式工事の業種コード 020 は業種コード表の初期値。"),),
))


# --- 入札時ランダム係数 ------------------------------------------------------------------------------------

RANDOM_TARGETS = (("minimum", "最低制限価格のみ"), ("both", "最低制限価格と低入札価格調査基準価格"))


def _check_random(values: dict) -> Errors:
    low, high = values.get("coefficient_min"), values.get("coefficient_max")
    if low is not None and high is not None and low > high:
        return {"coefficient_min": [f"係数の下限（{low:.4f}）は上限（{high:.4f}）以下にしてください。"]}
    return {}


define_rule(RuleDefinition(
    key="prices.random_coefficient", title="入札時ランダム係数", category="入札・契約",
    description="使う場合、開札の直前に下限から上限までの係数（0.0001 刻み）を抽選し、算定した最低制限価格（基本価格）に"
                "乗じます。乗じた額も予定価格に対する設定範囲に収め、算定額と同じ端数処理をします。抽選した係数は開札の"
                "記録に残します。計算画面では基本価格を表示します。",
    basis=f"古河市: 最低制限基本価格に入札時ランダム係数（0.9950〜1.0049）を乗じ、基本価格・最終の価格とも予定価格の "
          f"7.5/10〜9.2/10 の範囲に収める（出典: {KOGA} ）。使うかどうかは市の定めによります（初期値: 使わない）。",
    fields=(
        BoolField("enabled", "入札時ランダム係数", true_text="使う", false_text="使わない"),
        DecimalField("coefficient_min", "係数の下限", minimum="0.9", maximum="1.1", places=4),
        DecimalField("coefficient_max", "係数の上限", minimum="0.9", maximum="1.1", places=4),
        ChoiceField("applies_to", "対象", choices=RANDOM_TARGETS),
    ),
    check=_check_random,
    summary=lambda v: (f"使う（{v['coefficient_min']:.4f}〜{v['coefficient_max']:.4f}、"
                       f"{dict(RANDOM_TARGETS)[v['applies_to']]}）" if v["enabled"] else "使わない"),
    seeds=(SeedVersion(DEFAULTS_FROM, {"enabled": False, "coefficient_min": "0.995", "coefficient_max": "1.0049",
                                       "applies_to": "minimum"},
                       f"初期値: 使わない。係数の範囲は古河市の例（{KOGA} ）。"),),
))


# --- 積算内訳の確認 ----------------------------------------------------------------------------------------

define_rule(RuleDefinition(
    key="prices.breakdown", title="積算内訳の確認", category="入札・契約",
    description="案件に入力した積算内訳（費目ごとの額）の合計と予定価格（いずれも消費税抜き）の差が許容差を超えると、"
                "入力の誤りとして知らせます。内訳の合計を設計金額として「金額の端数処理」で求めた予定価格と一致する"
                "場合も誤りとしません。",
    basis="積算内訳の合計は予定価格算出の基礎となった額（工事価格・業務価格）に等しい（中央公契連モデルの算定式の前提）。"
          "許容差は初期値 0 円・要確認。",
    fields=(IntField("tolerance", "許容差", minimum=0, maximum=1_000_000, unit="円"),),
    summary=lambda v: f"許容差 {v['tolerance']:,} 円",
    seeds=(SeedVersion(DEFAULTS_FROM, {"tolerance": 0}, "初期値・要確認。"),),
))


# --- 消費税等 ----------------------------------------------------------------------------------------------

NTA = "https://www.nta.go.jp/taxes/shiraberu/taxanswer/shohi/6303.htm"

define_rule(RuleDefinition(
    key="tax.consumption", title="消費税等の税率", category="入札・契約",
    description="消費税と地方消費税を合わせた税率です。消費税等相当額は金額に税率を乗じ、「金額の端数処理」の消費税等"
                "相当額の単位で端数処理します（初期値: 1 円未満切り捨て）。税込の額は金額と消費税等相当額の合計です。"
                "どの日の税率を使うか（契約日など）は、それぞれの処理が決めます。",
    basis=f"国税庁タックスアンサー No.6303「消費税および地方消費税の税率」（{NTA} ）: 平成9年4月1日から 5%、"
          "平成26年4月1日から 8%、令和元年10月1日から 10%（軽減税率 8% は工事・業務委託には適用されない）。"
          "工事の請負等には改正時の経過措置があるため、経過措置の対象となる契約は旧税率の日付で計算します。",
    fields=(PercentField("rate", "税率（消費税と地方消費税の合計）", maximum="30"),),
    summary=lambda v: f"税率 {v['rate']}%",
    seeds=(
        # 5 % applies from 1997-04-01; the version starts with the other defaults (migrated data is later).
        SeedVersion(DEFAULTS_FROM, {"rate": "5"}, "平成9年4月1日から 5%（消費税 4%・地方消費税 1%）。この設定は他の初期値と"
                                                 f"同じく平成12年1月1日から。出典: {NTA} "),
        SeedVersion(date(2014, 4, 1), {"rate": "8"}, f"平成26年4月1日から 8%（消費税 6.3%・地方消費税 1.7%）。出典: {NTA} "),
        SeedVersion(date(2019, 10, 1), {"rate": "10"},
                    f"令和元年10月1日から 10%（消費税 7.8%・地方消費税 2.2%）。出典: {NTA} "),
    ),
))
