"""Password policy, one-time passwords and start-up configuration (SPEC NF4, NF5, NF9)."""

import subprocess
import sys
from datetime import timedelta

import pytest

from core.auth.passwords import PasswordPolicy, generate_one_time_password, hash_password, verify_password
from core.config import PROJECT_ROOT, ConfigError, load_config


class TestPasswordPolicy:
    policy = PasswordPolicy(min_length=12, min_classes=3)

    def test_good_password_passes(self):
        assert self.policy.problems("Kawa-Saki-2026", "tanaka") == []

    @pytest.mark.parametrize(("password", "fragment"), [
        ("Short-1a", "12 文字以上"),
        ("alllowercaseletters", "3 種類以上"),
        ("Tanaka-2026-xyz", "ログインID"),
        ("Kawasaki 2026 ab", "空白・全角"),
        ("Ｋａｗａｓａｋｉ２０２６ａｂ", "空白・全角"),
    ])
    def test_bad_password_named_reason(self, password, fragment):
        problems = self.policy.problems(password, "tanaka")
        assert any(fragment in p for p in problems), problems

    def test_login_id_check_ignores_case(self):
        assert any("ログインID" in p for p in self.policy.problems("XTANAKAx-2026", "Tanaka"))

    def test_one_time_passwords_satisfy_policy_and_differ(self):
        strict = PasswordPolicy(min_length=20, min_classes=4)
        passwords = {generate_one_time_password(strict) for _ in range(50)}
        assert len(passwords) == 50
        assert all(strict.problems(p) == [] and len(p) == 20 for p in passwords)

    def test_hash_is_scrypt_and_verifies(self):
        stored = hash_password("Kawa-Saki-2026")
        assert stored.startswith("scrypt:")
        assert verify_password(stored, "Kawa-Saki-2026")
        assert not verify_password(stored, "kawa-saki-2026")
        assert not verify_password(None, "anything")


PRODUCTION = {"KEIYAKU_ENV": "production", "KEIYAKU_SECRET_KEY": "x" * 40, "KEIYAKU_AUDIT_KEY": "a" * 40,
              "KEIYAKU_AUDIT_CHECKPOINT_KEY": "c" * 40, "KEIYAKU_PUBLIC_URL": "https://shinsei.example.jp"}


class TestConfig:
    def test_production_refuses_to_start_without_secret_key(self):
        with pytest.raises(ConfigError, match="KEIYAKU_SECRET_KEY"):
            load_config({"KEIYAKU_ENV": "production"})

    def test_environment_defaults_to_production(self):
        with pytest.raises(ConfigError, match="KEIYAKU_SECRET_KEY"):
            load_config({})

    def test_production_with_key_is_hardened(self):
        config = load_config(PRODUCTION)
        assert config["SESSION_COOKIE_SECURE"] is True
        assert config["SESSION_COOKIE_HTTPONLY"] is True
        assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
        assert config["DEBUG"] is False and config["TESTING"] is False
        assert config["WTF_CSRF_ENABLED"] is True
        assert config["PASSWORD_HASH_METHOD"] == "scrypt"

    def test_short_production_key_refused(self):
        with pytest.raises(ConfigError, match="32 文字以上"):
            load_config({**PRODUCTION, "KEIYAKU_SECRET_KEY": "short"})

    @pytest.mark.parametrize("name", ["KEIYAKU_AUDIT_KEY", "KEIYAKU_AUDIT_CHECKPOINT_KEY"])
    def test_production_refuses_to_start_without_the_audit_keys(self, name):
        with pytest.raises(ConfigError, match=f"{name} の設定が必須です"):
            load_config({k: v for k, v in PRODUCTION.items() if k != name})
        with pytest.raises(ConfigError, match=f"{name} は 32 文字以上"):
            load_config({**PRODUCTION, name: "short"})

    def test_audit_keys_must_differ(self):
        with pytest.raises(ConfigError, match="別の値"):
            load_config({**PRODUCTION, "KEIYAKU_AUDIT_CHECKPOINT_KEY": PRODUCTION["KEIYAKU_AUDIT_KEY"]})

    def test_audit_keys_outside_production(self, tmp_path, monkeypatch):
        test = load_config({"KEIYAKU_ENV": "test"})
        assert test["AUDIT_KEY"] == load_config({"KEIYAKU_ENV": "test"})["AUDIT_KEY"]  # fixed: one shared test log
        monkeypatch.setattr("core.config.INSTANCE_DIR", tmp_path)
        dev = load_config({"KEIYAKU_ENV": "development"})
        assert dev["AUDIT_KEY"] == (tmp_path / "dev_audit_key").read_text() != test["AUDIT_KEY"]
        assert dev["AUDIT_CHECKPOINT_KEY"] == (tmp_path / "dev_audit_checkpoint_key").read_text()
        assert dev["AUDIT_CHECKPOINT_DIR"] is None and dev["AUDIT_CHECKPOINT_SYSLOG"] is None

    @pytest.mark.parametrize(("value", "ok"), [("local", True), ("loghost.example.lg.jp:514", True),
                                               ("loghost", False), ("loghost:port", False)])
    def test_checkpoint_syslog_setting(self, value, ok):
        env = {"KEIYAKU_ENV": "test", "KEIYAKU_AUDIT_CHECKPOINT_SYSLOG": value}
        if ok:
            assert load_config(env)["AUDIT_CHECKPOINT_SYSLOG"] == value
        else:
            with pytest.raises(ConfigError, match="KEIYAKU_AUDIT_CHECKPOINT_SYSLOG"):
                load_config(env)

    def test_test_environment_is_separate(self):
        config = load_config({"KEIYAKU_ENV": "test", "TEST_DATABASE_URL": "sqlite:////tmp/x.sqlite3",
                              "KEIYAKU_DATABASE_URL": "postgresql+psycopg://prod/db"})
        assert config["TESTING"] is True
        assert config["DATABASE_URL"] == "sqlite:////tmp/x.sqlite3"

    def test_defaults(self):
        config = load_config({"KEIYAKU_ENV": "development"})
        assert config["LOCKOUT_THRESHOLD"] == 5
        assert config["LOCKOUT_MINUTES"] == 15
        assert config["SESSION_IDLE_TIMEOUT"] == timedelta(minutes=30)
        assert config["AUDIT_RETENTION_DAYS"] >= 5 * 365
        assert config["ADMIN_NETWORKS"] == ()
        assert config["DATABASE_URL"].startswith("sqlite:///")
        assert config["SESSION_COOKIE_SECURE"] is False

    @pytest.mark.parametrize(("env", "fragment"), [
        ({"KEIYAKU_ENV": "staging"}, "KEIYAKU_ENV"),
        ({"KEIYAKU_AUDIT_RETENTION_DAYS": "90"}, "180 以上"),
        ({"KEIYAKU_LOCKOUT_THRESHOLD": "five"}, "整数"),
        ({"KEIYAKU_ADMIN_NETWORKS": "10.0.0.0/8, not-a-net"}, "not-a-net"),
        ({"KEIYAKU_LOGIN_RATE_LIMIT": "10 per minute"}, "回数/秒数"),
        ({"KEIYAKU_DATABASE_URL": "mysql://x/y"}, "KEIYAKU_DATABASE_URL"),
        ({"KEIYAKU_PASSWORD_MIN_LENGTH": "4"}, "8 以上"),
        ({"KEIYAKU_MODE": "public"}, "KEIYAKU_MODE"),
        ({"KEIYAKU_MAIL_BACKEND": "smtp"}, "KEIYAKU_SMTP_HOST"),
        ({"KEIYAKU_SMTP_SECURITY": "tls"}, "KEIYAKU_SMTP_SECURITY"),
        ({"KEIYAKU_TRANSFER_KEY": "short"}, "32 文字以上"),
        ({"KEIYAKU_ATTACHMENT_MAX_MB": "0"}, "KEIYAKU_ATTACHMENT_MAX_MB"),
    ])
    def test_invalid_settings_name_the_variable(self, env, fragment):
        with pytest.raises(ConfigError, match=fragment):
            load_config({"KEIYAKU_ENV": "development", **env})

    def test_mail_goes_to_the_outbox_without_smtp_and_to_smtp_with_a_host(self):
        assert load_config({"KEIYAKU_ENV": "development"})["MAIL_BACKEND"] == "outbox"
        config = load_config({"KEIYAKU_ENV": "development", "KEIYAKU_SMTP_HOST": "mail.example.lg.jp"})
        assert config["MAIL_BACKEND"] == "smtp" and config["SMTP_PORT"] == 587 and config["SMTP_SECURITY"] == "starttls"
        assert config["MODE"] == "all" and config["TRANSFER_KEY"] is None and config["ATTACHMENT_MAX_MB"] == 10

    def test_production_portal_needs_smtp(self):
        production = PRODUCTION
        with pytest.raises(ConfigError, match="KEIYAKU_SMTP_HOST"):
            load_config({**production, "KEIYAKU_MODE": "portal"})
        config = load_config({**production, "KEIYAKU_MODE": "portal", "KEIYAKU_SMTP_HOST": "mail.example.lg.jp"})
        assert config["MODE"] == "portal"
        assert load_config({**production, "KEIYAKU_MODE": "internal"})["MAIL_BACKEND"] == "outbox"

    def test_admin_networks_parsed(self):
        config = load_config({"KEIYAKU_ENV": "development", "KEIYAKU_ADMIN_NETWORKS": "10.0.0.0/8 192.168.1.5"})
        assert [str(n) for n in config["ADMIN_NETWORKS"]] == ["10.0.0.0/8", "192.168.1.5/32"]


def test_empty_rate_limit_falls_back_to_default():
    assert load_config({"KEIYAKU_ENV": "development", "KEIYAKU_LOGIN_RATE_LIMIT": " "})["LOGIN_RATE_LIMIT"] == (30, 300)


def test_every_ascii_symbol_counts():
    assert PasswordPolicy(12, 4).problems('Abcdefghij1"') == []


def test_wsgi_refuses_to_start_in_production_without_key():
    env = {"PATH": "/usr/bin:/bin", "KEIYAKU_ENV": "production"}
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=PROJECT_ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 1
    assert "設定エラー" in result.stderr and "KEIYAKU_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr
