"""The 総合評価 rules are validated when a version is saved (SPEC CM13, NF9) and can be changed on the rules screen."""

from datetime import date

import pytest

from bidding.evaluation import ADDITION_KEY, DIVISION_KEY
from core.errors import ValidationFailed
from core.rules.forms import PREFIX
from core.rules.queries import get_rule
from core.rules.services import add_rule_version
from tests.helpers import page_text, rule_form_data

from .conftest import addition, bidder

DAY = date(2030, 4, 1)
BAND = {"label": "1億円未満", "from_amount": 0, "points": "20"}


@pytest.mark.parametrize(("key", "changes", "field", "message"), [
    (DIVISION_KEY, {"standard_points": "-1"}, "standard_points", "標準点は 0〜1000点"),
    (DIVISION_KEY, {"scale_exponent": 5}, "scale_exponent", "評価値に乗じる数は 乗じない（× 1）・× 10^4（1 万）"),
    (DIVISION_KEY, {"places": 11}, "places", "評価値の小数点以下の桁数は 0〜10桁の整数"),
    (DIVISION_KEY, {"mode": "banker"}, "mode", "評価値の端数処理は 切り捨て・四捨五入・切り上げ から選んで"),
    (DIVISION_KEY, {"tie_break": "price"}, "tie_break", "同じ値の入札者の順位は"),
    (ADDITION_KEY, {"below_survey_weight": "1.5"}, "below_survey_weight", "調査基準価格を下回る部分に乗じる割合は 0〜1"),
    (ADDITION_KEY, {"below_survey_weight": "0.12345"}, "below_survey_weight", "小数点以下は 4 桁まで"),
    (ADDITION_KEY, {"full_marks": "0"}, "full_marks", "1〜1000点"),
    (ADDITION_KEY, {"bands": {"over_100m": {**BAND, "from_amount": 100_000_000}}}, "bands",
     "設計金額 0 円から始まる区分を 1 件入れてください"),
    (ADDITION_KEY, {"bands": {"low": BAND, "low_too": {**BAND, "label": "重複"}}}, "bands",
     "設計金額の下限（0 円）が同じ区分が複数あります"),
    (ADDITION_KEY, {"bands": {"low": {**BAND, "points": "100"}}}, "bands",
     "配点 X は総合評価点の満点（100 点）より小さくしてください（1億円未満）"),
    (ADDITION_KEY, {"bands": {"low": {**BAND, "from_amount": -1}}}, "bands-0-from_amount", "0〜999,999,999,999円の整数"),
    (ADDITION_KEY, {"bands": {}}, "bands", "価格以外の評価点の配点（X）を 1 件以上入力してください"),
])
def test_bad_versions_refused_on_save(db_session, admin, key, changes, field, message):
    values = {**get_rule(db_session, key, DAY), **changes}
    with pytest.raises(ValidationFailed) as caught:
        add_rule_version(db_session, admin, key, DAY, values, "誤った改正")
    assert message in " ".join(caught.value.errors[field]), caught.value.errors


def test_builtin_values(db_session):
    division = get_rule(db_session, DIVISION_KEY, DAY)
    assert (division["standard_points"], division["scale_exponent"], division["places"], division["mode"],
            division["tie_break"]) == (100, 8, 4, "down", "lot")
    added = get_rule(db_session, ADDITION_KEY, DAY)
    assert [(r["from_amount"], r["points"]) for r in added["bands"].values()] == [
        (0, 20), (100_000_000, 15), (200_000_000, 10)]
    assert (added["full_marks"], str(added["below_survey_weight"]), added["places"], added["mode"]) == (
        100, "0.5", 4, "half_up")


def test_addition_version_through_the_rules_screen(admin_client, db_session):
    """The X table round-trips through the form, the stored JSON and the calculation."""
    assert 'value="under_200m"' in page_text(admin_client.get(f"/admin/rules/{ADDITION_KEY}/new"))
    data = rule_form_data(ADDITION_KEY, get_rule(db_session, ADDITION_KEY, DAY), effective_from="2030-04-01",
                          note="令和12年度の落札者決定基準の改正")
    data[PREFIX + "bands-0-points"] = "30"  # 1 億円未満: X 20 → 30
    response = admin_client.post(f"/admin/rules/{ADDITION_KEY}/new", data=data)
    assert response.status_code == 302, page_text(response)[:2000]
    # p: (100 − 30) × (1 − 18,000,000 ÷ 20,000,000) = 7.0000; 19 × (30 ÷ 24) = 23.7500; 30.7500
    row = addition(db_session, [bidder("p", 18_000_000, 19, max_added=24)], on=DAY).rows[0]
    assert [str(v) for v in (row.price_score, row.technical_score, row.score)] == ["7.0000", "23.7500", "30.7500"]
    detail = page_text(admin_client.get(f"/admin/rules/{ADDITION_KEY}"))
    assert "価格以外の評価点の配点（X）「1億円未満」の配点 X: 20点 → 30点" in detail


def test_rules_screen_lists_both_methods(admin_client):
    html = page_text(admin_client.get("/admin/rules/"))
    assert "総合評価落札方式（除算方式）" in html and "総合評価落札方式（加算方式）" in html
    assert "評価値 = 技術評価点 ÷ 入札価格 × 10^8、小数点以下第5位以下を切り捨て（第4位まで）" in html
    detail = page_text(admin_client.get(f"/admin/rules/{DIVISION_KEY}"))
    assert "初期値・要確認" in detail and "× 10^8（1 億）" in detail
