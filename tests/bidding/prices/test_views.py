"""The calculator screen: staff only, a GET form, every step of both prices, Japanese messages on bad input."""

import pytest

from core.auth.roles import Role
from tests.helpers import page_text

URL = "/bidding/prices/calculator"
WORKS = {"action": "calculate", "on": "2026-05-01", "category": "works", "planned": "10,000,000",
         "c_direct_cost": "6,500,000", "c_common_temporary": "600,000", "c_site_management": "1,700,000",
         "c_general_admin": "1,200,000"}


@pytest.fixture
def staff(create_user, login_as):
    return login_as(create_user(Role.CONTRACT_STAFF))


@pytest.mark.parametrize("role", [Role.CONTRACT_STAFF, Role.DEPARTMENT_STAFF, Role.SYSTEM_ADMIN])
def test_staff_open_the_blank_form(create_user, login_as, role):
    html = page_text(login_as(create_user(role)).get(URL))
    assert "最低制限価格・低入札価格調査基準価格の計算" in html
    assert '<label class="form-label" for="c_direct_cost">直接工事費' in html and "計算結果" not in html
    assert "最低制限価格の計算" in html  # the menu item


@pytest.mark.parametrize("role", [Role.VIEWER, Role.INSPECTOR, Role.APPLICANT])
def test_other_roles_forbidden(create_user, login_as, role):
    assert login_as(create_user(role)).get(URL, query_string=WORKS).status_code == 403


def test_anonymous_sent_to_login(client):
    response = client.get(URL, query_string=WORKS)
    assert response.status_code == 302 and response.location.startswith("/login")


def test_both_prices_with_their_steps(staff):
    html = page_text(staff.get(URL, query_string=WORKS))
    assert "計算結果" in html and html.count("の計算過程") == 2
    # 6,305,000 + 540,000 + 1,530,000 + 816,000 = 9,191,000 (both kinds: the same seeds); 税込 10 %: 10,110,100.
    assert "6,305,000 + 540,000 + 1,530,000 + 816,000 = 9,191,000 円" in html
    assert html.count("<strong>9,191,000円</strong>") == 2 and "10,110,100円" in html
    assert "最低制限価格（建設工事）（令和4年4月1日から適用）" in html
    assert "低入札価格調査基準価格（建設工事）（令和4年4月1日から適用）" in html
    assert "総行行第77号" in html and "7,500,000円〜9,200,000円" in html
    assert "積算内訳の合計が予定価格と合いません" not in html


def test_breakdown_not_adding_up_is_flagged(staff):
    html = page_text(staff.get(URL, query_string={**WORKS, "c_general_admin": "1,300,000"}))
    assert "積算内訳の合計が予定価格と合いません" in html and "差 +100,000 円" in html


def test_switching_category_shows_its_components(staff):
    html = page_text(staff.get(URL, query_string={**WORKS, "action": "switch", "category": "geology"}))
    assert "解析等調査業務費" in html and 'id="c_direct_cost"' not in html and "計算結果" not in html
    assert 'value="10,000,000"' in html  # 予定価格 kept


def test_consultancy_calculation(staff):
    query = {"action": "calculate", "on": "2026-05-01", "category": "surveying", "planned": "20000000",
             "c_direct_survey": "10000000", "c_survey_investigation": "4000000", "c_expenses": "6000000"}
    html = page_text(staff.get(URL, query_string=query))
    # 10,000,000 + 4,000,000 + 2,880,000 = 16,880,000 > 上限 16,400,000 → 16,400,000.
    assert "<strong>16,400,000円</strong>" in html and "× 8.2/10 = 16,400,000 円" in html


@pytest.mark.parametrize(("changes", "message"), [
    ({"planned": ""}, "予定価格（消費税抜き）を入力してください"),
    ({"planned": "1千万円"}, "単位付きの金額"),
    ({"c_site_management": "", "c_direct_cost": "x"}, "現場管理費を入力してください"),
    ({"on": "2016-03-31"}, "平成28年3月31日時点で適用される版がありません"),
    ({"on": "令和99年"}, "基準日（公告日など）は正しい日付"),
])
def test_bad_input_shows_japanese_messages(staff, changes, message):
    response = staff.get(URL, query_string={**WORKS, **changes})
    html = page_text(response)
    assert response.status_code == 200 and "入力内容に誤りがあります" in html and message in html
    assert "の計算過程" not in html


def test_random_coefficient_notice(staff, db_session, admin):
    from datetime import date

    from core.rules.queries import get_rule
    from core.rules.services import add_rule_version

    values = {**get_rule(db_session, "prices.random_coefficient", date(2030, 4, 1)), "enabled": True}
    add_rule_version(db_session, admin, "prices.random_coefficient", date(2030, 4, 1), values, "導入")
    html = page_text(staff.get(URL, query_string={**WORKS, "on": "2030-04-01"}))
    assert html.count("入札時ランダム係数を使う設定です") == 1 and "0.9950〜1.0049" in html


def test_category_without_a_version_on_the_day(staff):
    html = page_text(staff.get(URL, query_string={"action": "switch", "on": "1999-12-31", "category": "surveying"}))
    assert "入力内容に誤りがあります" in html and "平成11年12月31日時点で適用される版がありません" in html
    assert 'id="c_direct_survey"' not in html
