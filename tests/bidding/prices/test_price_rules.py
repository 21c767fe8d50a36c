"""The price rules are validated when a version is saved (SPEC CM13, NF9), and can be changed on the rules screen."""

from datetime import date
from fractions import Fraction

import pytest

from bidding.price_rules import CONSULTANCY_MODELS, parse_ratio
from bidding.prices import compute_minimum
from bidding.prices.cli import COMPONENT_OPTIONS
from core.errors import ValidationFailed
from core.rules.forms import PREFIX
from core.rules.queries import get_rule
from core.rules.services import add_rule_version
from tests.helpers import page_text, rule_form_data

DAY = date(2030, 4, 1)


@pytest.mark.parametrize(("text", "value", "shown"), [
    ("2/3", Fraction(2, 3), "2/3"), ("8.5/10", Fraction(17, 20), "8.5/10"), ("７５％", Fraction(3, 4), "75%"),
    (" 6 / 10 ", Fraction(3, 5), "6/10"),
])
def test_ratio_notation(text, value, shown):
    ratio = parse_ratio(text)
    assert (ratio.value, ratio.text) == (value, shown)


@pytest.mark.parametrize(("key", "changes", "field", "message"), [
    ("min_price.geology", {"lower_limit": "9/10"}, "lower_limit", "下限（9/10）は上限（8.5/10）より小さい値"),
    ("min_price.geology", {"upper_limit": "11/10"}, "upper_limit", "0 より大きく 1（100%）以下"),
    ("min_price.geology", {"upper_limit": "1/0"}, "upper_limit", "分数（例: 7.5/10、2/3）か百分率"),
    ("min_price.geology", {"lower_limit": "0.6"}, "lower_limit", "分数（例: 7.5/10、2/3）か百分率"),
    ("low_bid_survey.civil", {"components": {}}, "components", "費目と算入率を 1 件以上入力してください"),
    ("low_bid_survey.civil", {"components": {"direct_labor": {"label": "直接人件費", "rate": "120"}}},
     "components-0-rate", "算入率は 0〜100 %"),
    ("prices.random_coefficient", {"enabled": True, "coefficient_min": "1.01", "coefficient_max": "1.0"},
     "coefficient_min", "係数の下限（1.0100）は上限（1.0000）以下"),
    ("prices.random_coefficient", {"coefficient_max": "1.00491"}, "coefficient_max", "小数点以下は 4 桁まで"),
    ("prices.works_adjustments", {"items": {"building": {"label": "建築", "share": "10", "work_types": "02-0"}}},
     "items-0-work_types", "業種コードは英数字"),
    ("prices.works_adjustments", {"items": {"building": {"label": "建築", "share": "60", "work_types": ""}}},
     "items-0-share", "0〜50 %"),
    ("tax.consumption", {"rate": "35"}, "rate", "0〜30 %"),
    ("prices.breakdown", {"tolerance": -1}, "tolerance", "0〜1,000,000円の整数"),
])
def test_bad_versions_refused_on_save(db_session, admin, key, changes, field, message):
    values = {**get_rule(db_session, key, DAY), **changes}
    with pytest.raises(ValidationFailed) as caught:
        add_rule_version(db_session, admin, key, DAY, values, "誤った改正")
    assert message in " ".join(caught.value.errors[field]), caught.value.errors


def test_consultancy_version_through_the_rules_screen(admin_client, db_session):
    """The fraction and the component table round-trip through the form, the stored JSON and the calculation."""
    key = "low_bid_survey.geology"
    assert 'value="2/3"' in page_text(admin_client.get(f"/admin/rules/{key}/new"))
    data = rule_form_data(key, get_rule(db_session, key, DAY), effective_from="2030-04-01", note="令和12年度の要領改正")
    data[PREFIX + "lower_limit"] = "7/10"
    data[PREFIX + "components-3-rate"] = "85"  # 解析等調査業務費 80 → 85 %
    response = admin_client.post(f"/admin/rules/{key}/new", data=data)
    assert response.status_code == 302, page_text(response)[:2000]
    rule = get_rule(db_session, key, DAY)
    assert rule["lower_limit"].value == Fraction(7, 10) and str(rule["components"]["analysis"]["rate"]) == "85"
    # 12,000,000 + 5,400,000 + 3,360,000 + 5,000,000×85% (4,250,000) = 25,010,000; 下限 30,000,000×7/10 = 21,000,000.
    r = compute_minimum(db_session, on=DAY, category="geology", planned=30_000_000, kind="survey",
                        breakdown={"direct_investigation": 12_000_000, "indirect_investigation": 6_000_000,
                                   "expenses": 7_000_000, "analysis": 5_000_000})
    assert (r.raw, r.lower, r.result) == (25_010_000, 21_000_000, 25_010_000)
    detail = page_text(admin_client.get(f"/admin/rules/{key}"))
    assert "7/10（70%）" in detail and "2/3（66.67%）" in detail


def test_rules_screen_lists_the_new_rules(admin_client):
    html = page_text(admin_client.get("/admin/rules/"))
    for title in ("最低制限価格（測量）", "低入札価格調査基準価格（地質調査業務）", "最低制限価格等の読み替え（建設工事）",
                  "入札時ランダム係数", "積算内訳の確認", "消費税等の税率"):
        assert title in html


def test_every_builtin_component_has_a_cli_option():
    keys = {key for _option, key, _help in COMPONENT_OPTIONS}
    for _title, values, _formula in CONSULTANCY_MODELS.values():
        assert set(values["components"]) <= keys
