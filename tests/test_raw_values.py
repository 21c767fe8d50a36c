"""A sweep of the main staff screens with demo-like data: no raw program values in the text a user reads.

Python's 「None」「True」「False」, the command-line actor 「cli」, ISO dates (2026-04-01: screens use the display
style, 和暦 or 西暦 per setting), rule keys (registry.suspension_causes: screens show the rule's title), counts
without thousands separators (1183 件) and, for contract staff, environment variable names. Form inputs and
attributes may hold such values (a date input's value is ISO by HTML's rule), so only the visible text of the
page is read: tags, attributes, scripts, styles and the contents of text areas are left out.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.audit.services import AuditContext, reset_context, set_context
from core.auth.roles import Role
from core.auth.services import AuthSettings
from core.cli import load_demo_data
from core.db import utcnow
from core.importing.models import ImportBatch
from core.rules.catalogue import definitions
from core.timefmt import today


class _VisibleText(HTMLParser):
    """The text a reader sees, with the innermost tag of each piece (for the failure message)."""

    SKIP = {"script", "style", "textarea"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.numeric: list[bool] = []  # inside a cell of class "num" (figures right-aligned)
        self.pieces: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)
            self.numeric.append("num" in (dict(attrs).get("class") or "").split())

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                self.numeric.pop()
            self.numeric.pop()

    def handle_data(self, data):
        if data.strip() and not self.SKIP & set(self.stack):
            tag = self.stack[-1] if self.stack else ""
            self.pieces.append((tag + ".num" if any(self.numeric) else tag, data.strip()))


def visible_text(html: str) -> list[tuple[str, str]]:
    parser = _VisibleText()
    parser.feed(html)
    return parser.pieces


RAW = [
    ("Python value", re.compile(r"(?<![A-Za-z])(None|True|False)(?![A-Za-z])")),
    ("command-line actor", re.compile(r"(?<![A-Za-z])cli(?![A-Za-z])")),
    ("ISO date", re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)")),
    ("count without separators", re.compile(r"(?<![\d,.])\d{4,}\s*(件|者|行|人|名)")),
]


def raw_findings(html: str, rule_keys: list[str], staff_only: bool) -> list[str]:
    found = []
    for tag, text in visible_text(html):
        if tag.endswith(".num") and re.fullmatch(r"-?\d{4,}", text):
            found.append(f"figure without separators in <{tag}>: {text}")
        for what, pattern in RAW:
            if pattern.search(text):
                found.append(f"{what} in <{tag}>: {text[:120]}")
        for key in rule_keys:  # a technical name marked as code (for administrators) is not a label
            if key in text and tag != "code":
                found.append(f"rule key in <{tag}>: {text[:120]}")
        if staff_only and "KEIYAKU_" in text:
            found.append(f"environment variable in <{tag}>: {text[:120]}")
    return found


@pytest.fixture
def demo_world(app, db_session, create_contractor):
    """The demo data (users, the legacy sample through the import, the demo application) written as the
    ``flask demo`` command does, plus a firm with a permit, 経審, technician and suspension, a large import
    batch and a changed rule."""
    from registry.demo import load_demo
    from registry.qualifications.keishin.services import add_keishin
    from registry.qualifications.permits.services import save_permit
    from registry.qualifications.technicians.services import add_technician
    from registry.suspensions.services import lift_suspension, register_suspension

    token = set_context(AuditContext(ip="cli", endpoint="cli:demo"))
    try:
        settings = AuthSettings.from_config(app.config)
        load_demo_data(db_session, settings)
        load_demo(db_session, settings, app.config["STORAGE_DIR"])
        firm = create_contractor("株式会社スイープ建設", email="info@sweep-kensetsu.example.jp", phone="083-922-0000",
                                 address="山口県山口市中央1-1-1", work_types={"010": "A", "130": "B"})
        day = today()
        save_permit(db_session, None, firm, work_type_code="010", text="山口県知事許可（般-4）第23456号",
                    granted_on=day - timedelta(days=1800))
        add_keishin(db_session, None, firm, work_type_code="010", base_date=day - timedelta(days=200), x1=812, x2=705,
                    y=760, z=820, w=905, p_entered=800)
        from registry.qualifications.ranks.services import set_subjective_points

        row = firm.registrations[0].work_types[0]
        set_subjective_points(db_session, None, row, 400)  # 総合点 802 + 400: a four-figure point total
        add_technician(db_session, None, firm, name="桜井 次郎", name_kana="サクライ ジロウ",
                       qualifications="1級土木施工管理技士", employed_since=day - timedelta(days=3000))
        from registry.suspensions.periods import causes

        cause = next(iter(causes(db_session, day)))
        from core.auth.services import find_user

        staff, admin = find_user(db_session, "keiyaku"), find_user(db_session, "admin")
        suspension = register_suspension(db_session, staff, firm, cause, day - timedelta(days=10), 2, "months",
                                         "土木一式工事", "贈賄の容疑で逮捕された。")
        lift_suspension(db_session, staff, suspension, day, "処分が取り消された。")
        from registry.applications import review
        from registry.applications.models import Application

        application = db_session.scalar(select(Application).where(Application.status == "submitted"))
        review.start_review(db_session, staff, application, utcnow())
        db_session.add(ImportBatch(kind="contractors", profile_name="標準", file_name="業者.csv", file_sha256="0" * 64,
                                   encoding="cp932", status="done", dry_run=False, committed=True, total=1183,
                                   processed=1183, new=1000, updated=150, unchanged=21, rejected=12,
                                   started_at=utcnow(), finished_at=utcnow()))
        db_session.flush()
    finally:
        reset_context(token)
    # A version added on the screen's behalf: the operation log then names the rule.
    from core.rules.queries import get_rule
    from core.rules.services import add_rule_version

    values = dict(get_rule(db_session, "registry.qualification", day))
    values["permit_warning_days"] = 60
    add_rule_version(db_session, admin, "registry.qualification", day + timedelta(days=1), values, "見直し")
    return {"firm": firm, "day": day}


def _pages(db_session, firm) -> list[str]:
    from registry.applications.models import Application

    application = db_session.scalar(select(Application).where(Application.status == "under_review"))
    c = f"/registry/contractors/{firm.id}"
    pages = ["/", "/registry/contractors", "/registry/contractors?expiring=permit", c, c + "/permits", c + "/keishin",
             c + "/ranks", c + "/technicians", c + "/suspensions", c + "/history", "/registry/suspensions",
             "/registry/suspensions?state=all", "/registry/ranks/review", "/registry/applications",
             "/registry/applications?state=all", f"/registry/applications/{application.id}",
             f"/registry/applications/{application.id}/accept", "/registry/applications/transfer",
             "/exports/reports", "/password",
             "/bidding/prices/calculator?action=calculate&on=2026-05-01&category=works.building&planned=12345678"
             "&c_direct_cost=8000001&c_common_temporary=700003&c_site_management=2000005&c_general_admin=1645669"]
    return pages


def _admin_pages(db_session) -> list[str]:
    from core.auth.models import User
    from core.rules.catalogue import definitions

    entries = db_session.scalars(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(60)).all()
    batches = db_session.scalars(select(ImportBatch.id)).all()
    user = db_session.scalar(select(User).where(User.login_id == "keiyaku"))
    return (["/admin/users", f"/admin/users/{user.id}", f"/admin/users/{user.id}/history", "/admin/sessions",
             "/admin/login-history", "/admin/departments", "/admin/audit/", "/admin/audit/verify", "/admin/imports/",
             "/admin/imports/profiles", "/admin/rules/", "/admin/rules/holidays"]
            + [f"/admin/audit/{i}" for i in entries] + [f"/admin/imports/{i}" for i in batches]
            + [f"/admin/rules/{d.key}" for d in definitions()])


def _sweep(client, pages, staff_only: bool) -> list[str]:
    keys = [d.key for d in definitions()]
    problems = []
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        problems += [f"{path}: {p}" for p in raw_findings(response.get_data(as_text=True), keys, staff_only)]
    return problems


def test_contract_staff_screens_show_no_raw_values(demo_world, db_session, create_user, login_as):
    client = login_as(create_user(Role.CONTRACT_STAFF))
    problems = _sweep(client, _pages(db_session, demo_world["firm"]), staff_only=True)
    assert not problems, "\n".join(problems)


def test_admin_screens_show_no_raw_values(demo_world, db_session, create_user, login_as):
    client = login_as(create_user(Role.SYSTEM_ADMIN))
    pages = _pages(db_session, demo_world["firm"]) + _admin_pages(db_session)
    problems = _sweep(client, pages, staff_only=False)
    assert not problems, "\n".join(problems)


def test_the_sweep_sees_raw_values():
    """The detector itself: raw values in text are found; the same values in attributes and inputs are not."""
    html = ('<p>実行者 <span>cli</span></p><td>None</td><p>True</p><p>2026-04-01 に変更</p><p>1183 件</p>'
            '<p>registry.suspension_causes</p><input value="2026-04-01"><a title="None" href="/x?d=2026-04-01">a</a>'
            '<textarea>None</textarea><p>1,183 件</p><p>KEIYAKU_TRANSFER_KEY</p>'
            '<td class="num">1202</td><td class="num">1,202</td><td class="mono">100003</td>')
    found = raw_findings(html, ["registry.suspension_causes"], staff_only=True)
    assert len(found) == 8, found
