"""Fixtures shared by the application and transfer-bundle tests."""

import pytest

from tests.registry.applications_support import company, make_account, submitted_application


@pytest.fixture
def storage(app) -> str:
    return app.config["STORAGE_DIR"]


@pytest.fixture
def portal(app, db_session):
    """(account, application): submitted on the portal, waiting to be sent."""
    account = make_account(db_session, app, firm_name="株式会社ポータル建設", email="portal@example.co.jp")
    return submitted_application(db_session, app, account,
                                 company_values=company(name="株式会社ポータル建設", email="portal@example.co.jp"))
