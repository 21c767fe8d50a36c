"""Dates at the ends of the calendar (found while fixing the input findings of the security review): a filter
of 0001-01-01 or 9999-12-31 was a 500 (the day after 9999-12-31 overflows; years before 1873 have no 和暦 to
show). Every date input now takes 1900-01-01 … 2999-12-31 and names the field otherwise."""

import pytest

from core.inputs import DATE_MAX, DATE_MIN
from tests.helpers import page_text

EXTREMES = ["0001-01-01", "1899-12-31", "3000-01-01", "9999-12-31"]
FILTERS = ["/admin/audit/?date_from={d}&date_to={d}", "/admin/login-history?date_from={d}&date_to={d}",
           "/registry/suspensions?state=all&date_from={d}&date_to={d}", "/registry/contractors?period={d}",
           "/admin/rules/registry.qualification?on={d}"]
REPORTS = ["/exports/reports/audit_log?date_from={d}&date_to={d}",
           "/exports/reports/audit_log.pdf?date_from={d}&date_to={d}"]
MESSAGE = f"から {DATE_MAX:%Y-%m-%d} までの日付で入力してください"


@pytest.mark.parametrize("day", EXTREMES)
@pytest.mark.parametrize("url", FILTERS)
def test_list_filters_name_the_date(admin_client, create_contractor, url, day):
    create_contractor()
    response = admin_client.get(url.format(d=day))
    assert response.status_code == 200
    assert MESSAGE in page_text(response)


@pytest.mark.parametrize("day", EXTREMES)
@pytest.mark.parametrize("url", REPORTS)
def test_report_parameters_name_the_date(admin_client, url, day):
    response = admin_client.get(url.format(d=day))
    assert response.status_code in (200, 400)
    # Before 1873 the 和暦 parser already refuses the text; either way the message names the parameter.
    assert "期間（開始日）" in page_text(response) and "までの日付で入力してください" in page_text(response)


@pytest.mark.parametrize("day", EXTREMES)
def test_history_as_of(admin_client, admin, create_contractor, day):
    contractor = create_contractor()
    for url in (f"/registry/contractors/{contractor.id}/history?as_of={day}", f"/admin/users/{admin.id}/history?as_of={day}"):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert MESSAGE in page_text(response)


def test_the_bounds_themselves_are_accepted(admin_client):
    for day in (DATE_MIN, DATE_MAX):
        response = admin_client.get(f"/admin/audit/?date_from={day}&date_to={day}")
        assert response.status_code == 200 and MESSAGE not in page_text(response)
