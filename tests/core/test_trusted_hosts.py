"""Links in mails never take their host from a request: production needs ``KEIYAKU_PUBLIC_URL`` wherever the
applicant pages run, and requests naming a host outside ``KEIYAKU_TRUSTED_HOSTS`` are refused (HTTP 400)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core import mail
from core.auth.models import User
from core.config import ConfigError, load_config
from tests.helpers import TEST_PASSWORD

PRODUCTION = {"KEIYAKU_ENV": "production", "KEIYAKU_SECRET_KEY": "x" * 40, "KEIYAKU_SMTP_HOST": "mail.example.lg.jp",
              "KEIYAKU_AUDIT_KEY": "a" * 40, "KEIYAKU_AUDIT_CHECKPOINT_KEY": "c" * 40}


@pytest.mark.parametrize("mode", ["all", "portal"])
def test_production_with_applicant_pages_needs_a_public_url(mode):
    with pytest.raises(ConfigError, match="KEIYAKU_PUBLIC_URL"):
        load_config({**PRODUCTION, "KEIYAKU_MODE": mode})


def test_production_internal_mode_sends_no_links_and_needs_none():
    config = load_config({**PRODUCTION, "KEIYAKU_MODE": "internal"})
    assert config["PUBLIC_URL"] is None and config["TRUSTED_HOSTS"] is None


def test_production_trusts_the_host_of_the_public_url_by_default():
    config = load_config({**PRODUCTION, "KEIYAKU_PUBLIC_URL": "https://Shinsei.Example.jp:8443/"})
    assert config["PUBLIC_URL"] == "https://Shinsei.Example.jp:8443"
    assert config["TRUSTED_HOSTS"] == ["shinsei.example.jp"]


def test_trusted_hosts_setting_wins():
    config = load_config({**PRODUCTION, "KEIYAKU_PUBLIC_URL": "https://shinsei.example.jp",
                          "KEIYAKU_TRUSTED_HOSTS": "shinsei.example.jp, 10.0.0.5 .city.example.lg.jp"})
    assert config["TRUSTED_HOSTS"] == ["shinsei.example.jp", "10.0.0.5", ".city.example.lg.jp"]
    internal = load_config({**PRODUCTION, "KEIYAKU_MODE": "internal", "KEIYAKU_TRUSTED_HOSTS": "keiyaku.city.lg.jp"})
    assert internal["TRUSTED_HOSTS"] == ["keiyaku.city.lg.jp"]


def test_development_and_tests_trust_the_local_machine():
    for env in ("development", "test"):
        assert load_config({"KEIYAKU_ENV": env})["TRUSTED_HOSTS"] == ["localhost", "127.0.0.1"]
    config = load_config({"KEIYAKU_ENV": "development", "KEIYAKU_PUBLIC_URL": "http://portal.test:5000"})
    assert config["TRUSTED_HOSTS"] == ["localhost", "127.0.0.1", "portal.test"]


@pytest.mark.parametrize(("env", "fragment"), [
    ({"KEIYAKU_PUBLIC_URL": "shinsei.example.jp"}, "KEIYAKU_PUBLIC_URL"),
    ({"KEIYAKU_PUBLIC_URL": "ftp://shinsei.example.jp"}, "KEIYAKU_PUBLIC_URL"),
    ({"KEIYAKU_PUBLIC_URL": "https://"}, "KEIYAKU_PUBLIC_URL"),
    ({"KEIYAKU_PUBLIC_URL": "https://shinsei.example.jp/?next=x"}, "KEIYAKU_PUBLIC_URL"),
    ({"KEIYAKU_TRUSTED_HOSTS": "https://shinsei.example.jp"}, "KEIYAKU_TRUSTED_HOSTS"),
    ({"KEIYAKU_TRUSTED_HOSTS": "shinsei.example.jp:443"}, "KEIYAKU_TRUSTED_HOSTS"),
    ({"KEIYAKU_TRUSTED_HOSTS": "*"}, "KEIYAKU_TRUSTED_HOSTS"),
])
def test_bad_addresses_name_the_variable(env, fragment):
    with pytest.raises(ConfigError, match=fragment):
        load_config({"KEIYAKU_ENV": "development", **env})


def test_the_app_uses_the_trusted_hosts(app):
    assert app.config["TRUSTED_HOSTS"] == ["localhost", "127.0.0.1"]


def test_a_request_for_an_unknown_host_is_refused(client):
    assert client.get("/login").status_code == 200
    assert client.get("/login", base_url="http://127.0.0.1:5000").status_code == 200
    assert client.get("/login", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/login", base_url="http://evil.example").status_code == 400


def test_no_reset_link_to_a_forged_host(client, db_session):
    mail.clear_outbox()
    users = db_session.scalar(select(func.count()).select_from(User))
    response = client.post("/portal/signup", base_url="http://evil.example",
                           data={"firm_name": "株式会社偽装", "email": "victim@example.co.jp", "password": TEST_PASSWORD,
                                 "password_confirm": TEST_PASSWORD})
    assert response.status_code == 400
    assert mail.outbox() == []
    assert db_session.scalar(select(func.count()).select_from(User)) == users
    response = client.post("/portal/password/forgot", headers={"Host": "evil.example"},
                           data={"email": "victim@example.co.jp"})
    assert response.status_code == 400 and mail.outbox() == []


def test_mail_links_use_the_public_url_or_a_trusted_request_host(app, monkeypatch):
    with app.test_request_context("/", base_url="http://127.0.0.1:5000"):
        assert mail.public_url("/portal/x") == "http://127.0.0.1:5000/portal/x"
        monkeypatch.setitem(app.config, "PUBLIC_URL", "https://portal.example.lg.jp")
        assert mail.public_url("/portal/x") == "https://portal.example.lg.jp/portal/x"


def test_mail_links_never_name_an_untrusted_host(app, monkeypatch):
    # Even when the host check before the view is switched off, a link is never built from a forged host.
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", None)
    with app.test_request_context("/", base_url="http://evil.example"):
        with pytest.raises(mail.UntrustedHost):
            mail.public_url("/portal/reset/abc")
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", ["localhost"])
    with app.test_request_context("/", base_url="http://localhost"):
        assert mail.public_url("/portal/x") == "http://localhost/portal/x"


def test_production_never_builds_a_link_from_the_request(app, monkeypatch):
    monkeypatch.setitem(app.config, "KEIYAKU_ENV", "production")
    with app.test_request_context("/", base_url="http://localhost"):
        with pytest.raises(mail.UntrustedHost):
            mail.public_url("/portal/x")


def test_sign_up_from_an_untrusted_host_changes_nothing_even_without_the_host_check(app, client, db_session,
                                                                                      monkeypatch):
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", None)
    mail.clear_outbox()
    users = db_session.scalar(select(func.count()).select_from(User))
    response = client.post("/portal/signup", base_url="http://evil.example",
                           data={"firm_name": "株式会社偽装", "email": "victim@example.co.jp", "password": TEST_PASSWORD,
                                 "password_confirm": TEST_PASSWORD})
    assert response.status_code == 400 and mail.outbox() == []
    assert db_session.scalar(select(func.count()).select_from(User)) == users
