"""指名停止: period rules, start and end days, lifting, JV propagation, and the screens."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.auth.roles import Role
from core.errors import PermissionDenied, ValidationFailed
from core.history import RecordHistory
from registry.qualifications.models import JVMember
from registry.suspensions import periods, queries
from registry.suspensions.models import Suspension
from registry.suspensions.periods import period_end
from registry.suspensions.queries import is_suspended, suspended_contractor_ids
from registry.suspensions.services import lift_suspension, register_suspension
from tests.helpers import page_text

MON = date(2026, 6, 1)  # a Monday
THU = date(2026, 6, 4)


@pytest.fixture
def staff(create_user):
    return create_user(Role.CONTRACT_STAFF)


def _register(db_session, actor, contractor, cause="breach", decided=MON, value=2, unit="months", scope="市発注の建設工事",
              facts="契約書第10条に違反した。"):
    return register_suspension(db_session, actor, contractor, cause, decided, value, unit, scope, facts)


def _errors(fn, *args, **kwargs) -> dict:
    with pytest.raises(ValidationFailed) as info:
        fn(*args, **kwargs)
    return info.value.errors


# --- periods -------------------------------------------------------------------------------------------

def test_period_end_by_weeks_and_calendar_months():
    assert period_end(date(2026, 6, 3), 2, "months") == date(2026, 8, 2)
    assert period_end(date(2026, 6, 3), 3, "weeks") == date(2026, 6, 23)
    assert period_end(date(2026, 1, 31), 1, "months") == date(2026, 2, 28)  # no 31st: the month's last day
    assert period_end(date(2028, 1, 31), 1, "months") == date(2028, 2, 29)
    assert period_end(date(2026, 3, 1), 1, "months") == date(2026, 3, 31)
    assert period_end(date(2026, 11, 15), 3, "months") == date(2027, 2, 14)
    assert periods.period_text(2, "months") == "2か月" and periods.period_text(3, "weeks") == "3週間"


def test_register_computes_start_day_after_next_and_end(db_session, staff, create_contractor):
    firm = create_contractor("株式会社防府土建")
    s = _register(db_session, staff, firm)
    assert (s.decided_on, s.starts_on, s.ends_on, s.period_text) == (MON, date(2026, 6, 3), date(2026, 8, 2), "2か月")
    assert s.cause_code == "breach" and s.scope == "市発注の建設工事" and s.lifted_on is None
    history = db_session.scalars(select(RecordHistory).where(RecordHistory.target_type == "suspensions",
                                                             RecordHistory.target_id == str(s.id))).all()
    assert [h.operation for h in history] == ["suspension.register"]
    assert history[0].change_map["ends_on"] == [None, "2026-08-02"]


def test_start_counts_calendar_days_over_a_weekend(db_session, staff, create_contractor):
    s = _register(db_session, staff, create_contractor(), decided=THU, value=3, unit="weeks")
    assert s.starts_on == date(2026, 6, 6)  # Saturday: the default rule counts calendar days without extension
    assert s.ends_on == date(2026, 6, 26) and s.period_text == "3週間"


def test_period_must_be_in_the_cause_range_weeks_and_months(db_session, staff, create_contractor):
    firm = create_contractor()
    errors = _errors(_register, db_session, staff, firm, value=1, unit="weeks")  # 契約違反 2週間〜4か月
    assert "期間「1週間」" in errors["period_value"][0] and "2週間〜4か月" in errors["period_value"][0]
    assert "範囲" in _errors(_register, db_session, staff, firm, value=5, unit="months")["period_value"][0]
    # 4 months from 6/3 is 122 days: 17 weeks (119 days) fit, 18 weeks (126 days) do not
    assert _register(db_session, staff, firm, value=17, unit="weeks").ends_on == date(2026, 9, 29)
    assert "18週間" in _errors(_register, db_session, staff, firm, value=18, unit="weeks")["period_value"][0]
    assert _register(db_session, staff, firm, value=4, unit="months").ends_on == date(2026, 10, 2)
    assert _register(db_session, staff, firm, value=2, unit="weeks").ends_on == date(2026, 6, 16)
    # 虚偽記載 1〜6か月: 3 weeks is too short
    assert "1か月〜6か月" in _errors(_register, db_session, staff, firm, cause="false_statement", value=3,
                                  unit="weeks")["period_value"][0]


def test_required_fields_and_unknown_cause(db_session, staff, create_contractor):
    firm = create_contractor()
    errors = _errors(register_suspension, db_session, staff, firm, "nope", None, 0, "days", "x" * 301, " ")
    assert set(errors) == {"decided_on", "period_value", "period_unit", "facts", "scope"}
    assert errors["facts"] == ["事実の概要を入力してください。"]
    assert "措置要件を選んでください" in _errors(_register, db_session, staff, firm, cause="nope")["cause_code"][0]


def test_only_contract_staff_may_register(db_session, create_user, create_contractor):
    with pytest.raises(PermissionDenied):
        _register(db_session, create_user(Role.VIEWER), create_contractor())


def test_is_suspended_follows_the_period(db_session, staff, create_contractor):
    firm = create_contractor()
    s = _register(db_session, staff, firm)
    assert not is_suspended(db_session, firm.id, date(2026, 6, 2))
    assert is_suspended(db_session, firm.id, date(2026, 6, 3)) and is_suspended(db_session, firm.id, date(2026, 8, 2))
    assert not is_suspended(db_session, firm.id, date(2026, 8, 3))
    assert queries.status_of(s, date(2026, 6, 2)) == "scheduled"
    assert queries.status_of(s, date(2026, 7, 1)) == "active"
    assert queries.status_of(s, date(2026, 8, 3)) == "ended"


def test_lifting_early(db_session, staff, create_contractor):
    firm = create_contractor()
    s = _register(db_session, staff, firm)
    assert "解除の理由を入力してください。" in _errors(lift_suspension, db_session, staff, s, date(2026, 7, 1), " ")["reason"]
    assert "停止期間" in _errors(lift_suspension, db_session, staff, s, date(2026, 8, 3), "誤り")["lifted_on"][0]
    assert "停止期間" in _errors(lift_suspension, db_session, staff, s, date(2026, 6, 2), "誤り")["lifted_on"][0]
    lift_suspension(db_session, staff, s, date(2026, 7, 1), "処分の前提となる事実が誤りと判明したため")
    assert s.effective_end == date(2026, 6, 30)
    assert is_suspended(db_session, firm.id, date(2026, 6, 30)) and not is_suspended(db_session, firm.id, date(2026, 7, 1))
    assert queries.status_of(s, date(2026, 7, 1)) == "lifted"
    assert "解除済み" in _errors(lift_suspension, db_session, staff, s, date(2026, 7, 2), "再度")[""][0]
    ops = db_session.scalars(select(RecordHistory.operation).where(RecordHistory.target_type == "suspensions",
                                                                   RecordHistory.target_id == str(s.id))).all()
    assert ops == ["suspension.register", "suspension.lift"]


def test_member_suspension_applies_to_its_jvs(db_session, staff, create_contractor):
    member, partner = create_contractor("株式会社甲"), create_contractor("株式会社乙")
    jv = create_contractor("甲・乙特定建設工事共同企業体", is_jv=True, work_types={})
    db_session.add_all([JVMember(jv_id=jv.id, member_id=member.id, share_percent=Decimal("60"), is_representative=True),
                        JVMember(jv_id=jv.id, member_id=partner.id, share_percent=Decimal("40"))])
    db_session.flush()
    _register(db_session, staff, member)
    day = date(2026, 7, 1)
    assert is_suspended(db_session, jv.id, day) and is_suspended(db_session, member.id, day)
    assert not is_suspended(db_session, partner.id, day)
    assert not is_suspended(db_session, jv.id, date(2026, 6, 2))
    assert suspended_contractor_ids(db_session, day) >= {member.id, jv.id}
    assert partner.id not in suspended_contractor_ids(db_session, day)
    assert [s.contractor_id for s in queries.member_suspensions(db_session, jv.id, day)] == [member.id]


def test_suspension_list_by_period(db_session, staff, create_contractor):
    a, b = create_contractor("株式会社一"), create_contractor("株式会社二")
    sa = _register(db_session, staff, a)  # 6/3〜8/2
    sb = _register(db_session, staff, b, decided=date(2026, 9, 1), value=1)  # 9/3〜10/2
    lift_suspension(db_session, staff, sb, date(2026, 9, 10), "理由")

    def ids(*args, **kwargs):
        return [s.id for s in db_session.scalars(queries.suspension_list(*args, **kwargs))
                if s.id in (sa.id, sb.id)]

    assert ids(date(2026, 6, 1), date(2026, 12, 31)) == [sb.id, sa.id]
    assert ids(date(2026, 6, 1), date(2026, 12, 31), include_lifted=False) == [sa.id]
    assert ids(date(2026, 8, 3), date(2026, 9, 2)) == []
    assert ids(current_on=date(2026, 8, 1)) == [sb.id, sa.id]
    assert ids(search="株式会社一") == [sa.id]


# --- screens -------------------------------------------------------------------------------------------

def _form(**overrides):
    data = {"cause_code": "breach", "decided_on": MON.isoformat(), "period_value": "2", "period_unit": "months",
            "scope": "市発注の建設工事", "facts": "契約書第10条に違反した。"}
    return {**data, **overrides}


def test_tab_registers_and_shows_the_saved_record(db_session, staff, login_as, create_contractor):
    firm = create_contractor("株式会社防府土建")
    client = login_as(staff)
    html = page_text(client.get(f"/registry/contractors/{firm.id}/suspensions"))
    assert "指名停止の記録はありません。" in html and "指名停止の登録" in html
    assert "契約違反（2週間〜4か月）" in html
    response = client.post(f"/registry/contractors/{firm.id}/suspensions/new", data=_form())
    assert response.status_code == 302
    s = db_session.scalar(select(Suspension).where(Suspension.contractor_id == firm.id))
    assert response.location.endswith(f"/registry/contractors/{firm.id}/suspensions?saved={s.id}#susp-{s.id}")
    html = page_text(client.get(response.location))
    assert "指名停止を登録しました" in html and "今回登録" in html and "2か月" in html


def test_tab_rerenders_errors_in_japanese(staff, login_as, create_contractor):
    firm = create_contractor()
    client = login_as(staff)
    response = client.post(f"/registry/contractors/{firm.id}/suspensions/new", data=_form(period_value="5", facts=""))
    html = page_text(response)
    assert response.status_code == 200
    assert "入力内容に誤りがあります" in html and "事実の概要を入力してください。" in html
    response = client.post(f"/registry/contractors/{firm.id}/suspensions/new", data=_form(period_value="5"))
    assert "範囲（2週間〜4か月）の外です" in page_text(response)


def test_active_suspension_is_prominent_and_can_be_lifted(db_session, staff, login_as, create_contractor):
    from core.timefmt import today

    firm = create_contractor()
    day = today()
    s = _register(db_session, staff, firm, decided=day - timedelta(days=10))
    client = login_as(staff)
    html = page_text(client.get(f"/registry/contractors/{firm.id}/suspensions"))
    assert "指名停止中（" in html and "停止中" in html and "期間の途中で解除する" in html
    response = client.post(f"/registry/suspensions/{s.id}/lift", data={f"lift{s.id}-lifted_on": "", f"lift{s.id}-reason": ""})
    html = page_text(response)
    assert response.status_code == 200 and "解除の理由を入力してください。" in html and "解除日を入力してください。" in html
    response = client.post(f"/registry/suspensions/{s.id}/lift",
                           data={f"lift{s.id}-lifted_on": day.isoformat(), f"lift{s.id}-reason": "事実誤認のため"})
    assert response.status_code == 302
    db_session.refresh(s)
    assert s.lifted_on == day and s.lift_reason == "事実誤認のため"
    html = page_text(client.get(f"/registry/contractors/{firm.id}/suspensions"))
    assert "指名停止中（" not in html and "解除" in html and "事実誤認のため" in html


def test_list_page_filters_and_csv(db_session, staff, login_as, create_contractor, create_user):
    from core.timefmt import today

    firm = create_contractor("株式会社一覧確認")
    old = create_contractor("株式会社過去分")
    _register(db_session, staff, firm, decided=today() - timedelta(days=5))
    _register(db_session, staff, old, decided=date(2024, 6, 3), value=1)
    client = login_as(create_user(Role.VIEWER))
    html = page_text(client.get("/registry/suspensions"))
    assert "株式会社一覧確認" in html and "株式会社過去分" not in html
    assert 'href="/registry/suspensions"' in html  # menu item 「指名停止」
    html = page_text(client.get("/registry/suspensions?state=all&date_from=2024-01-01&include_lifted=y"))
    assert "株式会社一覧確認" in html and "株式会社過去分" in html
    response = client.get("/registry/suspensions?state=all&q=過去分&format=csv")
    text = response.get_data(as_text=True)
    assert response.mimetype == "text/csv" and "株式会社過去分" in text and "株式会社一覧確認" not in text
    assert "業者番号,商号,所在地,措置要件" in text


def test_forbidden_roles(db_session, create_user, login_as, create_contractor):
    firm = create_contractor()
    viewer = login_as(create_user(Role.VIEWER))
    assert viewer.get(f"/registry/contractors/{firm.id}/suspensions").status_code == 200
    assert viewer.post(f"/registry/contractors/{firm.id}/suspensions/new", data=_form()).status_code == 403
    assert viewer.post("/registry/suspensions/1/lift", data={}).status_code == 403
    html = page_text(viewer.get(f"/registry/contractors/{firm.id}/suspensions"))
    assert "指名停止の登録" not in html
    applicant = login_as(create_user(Role.APPLICANT))
    assert applicant.get(f"/registry/contractors/{firm.id}/suspensions").status_code == 403
    assert applicant.get("/registry/suspensions").status_code == 403
    assert db_session.scalar(select(Suspension).where(Suspension.contractor_id == firm.id)) is None


def test_list_filter_counts_jvs_of_suspended_members(db_session, create_contractor):
    from datetime import date
    from decimal import Decimal

    from registry.contractors.queries import search_contractors

    member = create_contractor("構成員建設")
    other = create_contractor("相手方建設")
    jv = create_contractor("構成員・相手方JV", is_jv=True)
    db_session.add_all([JVMember(jv_id=jv.id, member_id=member.id, share_percent=Decimal("60"), is_representative=True),
                        JVMember(jv_id=jv.id, member_id=other.id, share_percent=Decimal("40"))])
    db_session.add(Suspension(contractor_id=member.id, cause_code="breach", decided_on=date(2026, 4, 1),
                              starts_on=date(2026, 4, 3), ends_on=date(2026, 6, 2), period_text="2か月", facts="契約違反"))
    db_session.flush()
    found = {c.name for c in db_session.scalars(search_contractors(suspended="yes", day=date(2026, 5, 1)))}
    assert {"構成員建設", "構成員・相手方JV"} <= found and "相手方建設" not in found


def test_every_built_in_cause_code_fits_the_table(db_session, staff, create_contractor):
    # The longest built-in codes (e.g. accident_public_death) were refused by PostgreSQL in a 20-character column.
    from registry.suspensions.periods import causes

    firm = create_contractor("株式会社長いコード建設")
    longest = max(causes(db_session, MON), key=len)
    s = _register(db_session, staff, firm, cause=longest, value=3)
    db_session.flush()
    db_session.expire(s)
    assert s.cause_code == longest and len(longest) > 20
