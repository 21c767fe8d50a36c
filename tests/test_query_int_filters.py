"""Integer filters in query strings (security review): a huge or non-numeric value is answered with a
Japanese message naming the filter, never a 500."""

import pytest

from core.auth.roles import Role
from tests.helpers import page_text

HUGE = "9" * 20


@pytest.fixture
def staff_client(create_user, login_as):
    return login_as(create_user(Role.CONTRACT_STAFF))


@pytest.mark.parametrize("value", [HUGE, "abc", "-1", str(2**31)])
def test_user_list_department_filter(admin_client, value):
    response = admin_client.get(f"/admin/users?department_id={value}")
    assert response.status_code == 200
    assert "所属部署" in page_text(response) and "正しくありません" in page_text(response)


def test_user_list_department_filter_still_filters(admin_client, create_user, create_department):
    dept = create_department(name="土木課")
    create_user(Role.DEPARTMENT_STAFF, department=dept, name="土木 一郎")
    create_user(Role.DEPARTMENT_STAFF, name="建築 次郎")
    html = page_text(admin_client.get(f"/admin/users?department_id={dept.id}"))
    assert "土木 一郎" in html and "建築 次郎" not in html and "正しくありません" not in html


@pytest.mark.parametrize("value", [HUGE, "abc", "-1", "0"])
def test_rank_review_period_filter(staff_client, value):
    response = staff_client.get(f"/registry/ranks/review?start_year={value}")
    assert response.status_code == 200
    assert "有効期間" in page_text(response) and "正しくありません" in page_text(response)


@pytest.mark.parametrize("value", [HUGE, "abc"])
def test_holiday_list_year_filter(admin_client, value):
    response = admin_client.get(f"/admin/rules/holidays?year={value}")
    assert response.status_code == 200
    assert "年" in page_text(response) and "正しくありません" in page_text(response)


@pytest.mark.parametrize("value", [HUGE, "abc"])
def test_page_number_out_of_range_shows_a_page(admin_client, value):
    assert admin_client.get(f"/admin/users?page={value}").status_code == 200
    assert admin_client.get(f"/admin/audit/?page={value}").status_code == 200


@pytest.mark.parametrize("value", [HUGE, "abc"])
def test_suspension_tab_saved_marker(staff_client, create_contractor, value):
    contractor = create_contractor()
    response = staff_client.get(f"/registry/contractors/{contractor.id}/suspensions?saved={value}")
    assert response.status_code == 200
