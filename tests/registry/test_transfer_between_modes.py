"""The deployment split end to end: a portal-mode app and an internal-mode app, each on its own database and
storage, exchange signed bundles through the ``flask transfer`` commands — applications in, decisions back —
and a tampered or replayed bundle is refused."""

from __future__ import annotations

import contextlib
import os
import zipfile

import pytest
from sqlalchemy import select

from core import create_app, mail
from core.audit.models import AuditEntry
from core.auth.roles import Role
from core.db import db, utcnow
from core.migrate import upgrade_database
from registry.applications import review
from registry.applications.models import Application
from registry.contractors.models import Contractor
from tests.helpers import scratch_database
from tests.registry.applications_support import submitted_application

KEY = "shared-transfer-key-" + "x" * 20


@contextlib.contextmanager
def _database(tmp_path, name: str):
    base = os.environ.get("TEST_DATABASE_URL", "").strip()
    if base:
        with scratch_database(base, f"keiyaku_{name}") as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / f'{name}.sqlite3'}"


@pytest.fixture
def two_sides(tmp_path):
    """(portal app, internal app) with separate databases and storage folders."""
    with _database(tmp_path, "portal") as portal_url, _database(tmp_path, "internal") as internal_url:
        apps = []
        for mode, url in (("portal", portal_url), ("internal", internal_url)):
            upgrade_database(url)
            apps.append(create_app({"KEIYAKU_ENV": "test", "KEIYAKU_MODE": mode, "KEIYAKU_TRANSFER_KEY": KEY,
                                    "DATABASE_URL": url, "STORAGE_DIR": str(tmp_path / f"{mode}-files")}))
        yield tuple(apps)
        for made in apps:
            made.extensions["keiyaku_db"]["engine"].dispose()


def _run(app, *args):
    result = app.test_cli_runner().invoke(args=["transfer", *args])
    return result.exit_code, result.output


def test_applications_go_in_and_decisions_come_back(two_sides, tmp_path):
    portal, internal = two_sides
    with portal.app_context():
        account, application = submitted_application(db.session, portal)
        db.session.commit()
        reference, email = application.reference, account.email
    bundle = tmp_path / "applications.zip"
    assert _run(portal, "export-applications", "--out", str(bundle))[0] == 0
    assert _run(portal, "export-applications", "--out", str(tmp_path / "again.zip"))[0] == 2  # nothing new

    code, output = _run(internal, "import-applications", str(bundle), "--dry-run")
    assert code == 0 and "新規" in output and "書き込みなし" in output
    with internal.app_context():
        assert db.session.scalar(select(Application).where(Application.reference == reference)) is None
    code, output = _run(internal, "import-applications", str(bundle))
    assert code == 0, output
    code, output = _run(internal, "import-applications", str(bundle))
    assert code == 1 and "取込済み" in output  # a replayed bundle is refused
    again = tmp_path / "resent.zip"  # a lost file is made anew; what is already in is skipped
    assert _run(portal, "export-applications", "--resend", "--out", str(again))[0] == 0
    code, output = _run(internal, "import-applications", str(again))
    assert code == 0 and "新規 0・更新 0・対象外 1" in output

    with internal.app_context():
        received = db.session.scalar(select(Application).where(Application.reference == reference))
        assert received.origin == "portal" and received.status == "submitted" and received.account_id is None
        assert len(received.live_attachments) == 4
        from core.auth import admin_services
        from core.auth.passwords import PasswordPolicy

        staff, _ = admin_services.create_user(db.session, None, login_id="transfer.staff", name="審査 担当",
                                              roles=[Role.CONTRACT_STAFF], department_id=None, policy=PasswordPolicy(),
                                              hash_method=internal.config["PASSWORD_HASH_METHOD"])
        review.start_review(db.session, staff, received, utcnow())
        contractor, message = review.accept_application(db.session, staff, received, "ようこそ", utcnow())
        assert message is None  # the applicant lives on the portal: the mail goes from there
        db.session.commit()
        number = contractor.number
        assert db.session.scalar(select(Contractor).where(Contractor.number == number)).name == received.firm_name

    decisions = tmp_path / "decisions.zip"
    assert _run(internal, "export-decisions", "--out", str(decisions))[0] == 0
    mail.clear_outbox()
    code, output = _run(portal, "import-decisions", str(decisions))
    assert code == 0, output
    with portal.app_context():
        local = db.session.scalar(select(Application).where(Application.reference == reference))
        assert local.status == "accepted" and local.contractor_number == number
        assert local.account.contractor_number == number
        assert [e.action for e in local.events][-2:] == ["review", "accept"]
    sent = mail.outbox()[-1]
    assert sent.to == email and number in sent.body and "ようこそ" in sent.body


def test_tampered_bundle_is_refused_and_changes_nothing(two_sides, tmp_path):
    portal, internal = two_sides
    with portal.app_context():
        submitted_application(db.session, portal)
        db.session.commit()
    bundle = tmp_path / "applications.zip"
    assert _run(portal, "export-applications", "--out", str(bundle))[0] == 0
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(bundle) as source, zipfile.ZipFile(tampered, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "manifest.json":
                data = data.replace("株式会社申請建設".encode(), "株式会社改ざん建設".encode())
            target.writestr(info, data)
    code, output = _run(internal, "import-applications", str(tampered))
    assert code == 1 and "署名が一致しません" in output
    with internal.app_context():
        assert db.session.scalar(select(Application)) is None
        refusal = db.session.scalar(select(AuditEntry).where(AuditEntry.operation == "transfer.refused"))
        assert "署名が一致しません" in refusal.summary


def test_wrong_key_is_refused(two_sides, tmp_path):
    portal, _internal = two_sides
    with portal.app_context():
        submitted_application(db.session, portal)
        db.session.commit()
    bundle = tmp_path / "applications.zip"
    assert _run(portal, "export-applications", "--out", str(bundle))[0] == 0
    other = create_app({"KEIYAKU_ENV": "test", "KEIYAKU_MODE": "internal", "KEIYAKU_TRANSFER_KEY": "another-key-" + "y" * 30,
                        "DATABASE_URL": _internal.config["DATABASE_URL"]})
    try:
        code, output = _run(other, "import-applications", str(bundle))
        assert code == 1 and "鍵" in output
    finally:
        other.extensions["keiyaku_db"]["engine"].dispose()
