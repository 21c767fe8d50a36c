"""Settings from the environment (prefix ``KEIYAKU_``), validated at start-up (SPEC NF4, NF9).

Every setting has a safe default except the secret key in production, which must be given. A bad value
stops the app with a message naming the variable, rather than running half-configured.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"
ENVIRONMENTS = ("development", "test", "production")
MIN_AUDIT_RETENTION_DAYS = 180


class ConfigError(RuntimeError):
    """A setting is missing or invalid; the message names the variable."""


def _int(env: Mapping[str, str], name: str, default: int, minimum: int, maximum: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} は整数で指定してください（指定値: {raw!r}）。") from None
    if not minimum <= value <= maximum:
        raise ConfigError(f"{name} は {minimum} 以上 {maximum} 以下で指定してください（指定値: {value}）。")
    return value


def _choice(env: Mapping[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = env.get(name, "").strip() or default
    if value not in allowed:
        raise ConfigError(f"{name} は {' / '.join(allowed)} のいずれかです（指定値: {value!r}）。")
    return value


def parse_networks(raw: str, name: str = "KEIYAKU_ADMIN_NETWORKS") -> tuple:
    """Parse a comma/space separated CIDR list; empty means no restriction."""
    networks = []
    for part in raw.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ConfigError(f"{name} に不正なネットワーク指定があります: {part!r}（例: 10.0.0.0/8）") from None
    return tuple(networks)


def parse_rate(raw: str, name: str) -> tuple[int, int]:
    """Parse ``"attempts/seconds"``, e.g. ``"20/300"``."""
    try:
        attempts, seconds = (int(x) for x in raw.split("/"))
    except ValueError:
        raise ConfigError(f"{name} は「回数/秒数」の形式で指定してください（例: 20/300、指定値: {raw!r}）。") from None
    if attempts < 1 or seconds < 1:
        raise ConfigError(f"{name} の回数と秒数は 1 以上にしてください（指定値: {raw!r}）。")
    return attempts, seconds


MODES = ("all", "internal", "portal")


def _mail_settings(env: Mapping[str, str], production: bool, mode: str) -> dict:
    """SMTP in production; a local outbox (files under the storage folder) when no SMTP host is set."""
    host = env.get("KEIYAKU_SMTP_HOST", "").strip()
    backend = _choice(env, "KEIYAKU_MAIL_BACKEND", "smtp" if host else "outbox", ("smtp", "outbox"))
    if backend == "smtp" and not host:
        raise ConfigError("KEIYAKU_MAIL_BACKEND=smtp には KEIYAKU_SMTP_HOST の設定が必要です。")
    if production and mode == "portal" and backend != "smtp":
        raise ConfigError("申請者ポータル（KEIYAKU_MODE=portal）の本番運用には KEIYAKU_SMTP_HOST の設定が必要です"
                          "（登録確認のメールを送るため）。")
    return {
        "MAIL_BACKEND": backend,
        "SMTP_HOST": host or None,
        "SMTP_PORT": _int(env, "KEIYAKU_SMTP_PORT", 587, 1, 65535),
        "SMTP_SECURITY": _choice(env, "KEIYAKU_SMTP_SECURITY", "starttls", ("starttls", "ssl", "none")),
        "SMTP_USER": env.get("KEIYAKU_SMTP_USER", "").strip() or None,
        "SMTP_PASSWORD": env.get("KEIYAKU_SMTP_PASSWORD", "") or None,
        "MAIL_FROM": env.get("KEIYAKU_MAIL_FROM", "").strip() or "keiyaku@localhost",
    }


_HOST_NAME = re.compile(r"\.?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")
LOCAL_HOSTS = ("localhost", "127.0.0.1")


def _host_names(raw: str, name: str) -> list[str]:
    """Comma/space separated host names (no scheme, no port); a leading dot admits every subdomain."""
    hosts = []
    for part in raw.replace(",", " ").split():
        dot, label = (".", part[1:]) if part.startswith(".") else ("", part)
        try:
            host = dot + label.lower().encode("idna").decode("ascii")
        except UnicodeError:
            host = ""
        if not _HOST_NAME.fullmatch(host):
            raise ConfigError(f"{name} はホスト名（例: shinsei.example.jp、.example.jp）をカンマで区切って指定してください"
                              f"（https:// やポート番号は付けません。指定値: {part!r}）。")
        hosts.append(host)
    return hosts


def _public_address(env: Mapping[str, str], app_env: str, mode: str) -> dict:
    """The base of the links in mails and the hosts a request may name (Flask ``TRUSTED_HOSTS``).

    A link must never take its host from the request: anyone can send ``Host: evil.example`` and have a working
    reset link mailed to an address of their own. So production refuses to start the applicant pages (modes
    ``all`` and ``portal``, which mail links) without ``KEIYAKU_PUBLIC_URL``, and trusts by default only the
    host of that address; development and tests trust the local machine.
    """
    raw = env.get("KEIYAKU_PUBLIC_URL", "").strip().rstrip("/")
    public_host = None
    if raw:
        parts = urlsplit(raw)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ConfigError("KEIYAKU_PUBLIC_URL は https://ホスト名（または http://ホスト名）の形式で指定してください"
                              f"（例: https://shinsei.example.jp、指定値: {raw!r}）。")
        public_host = _host_names(parts.hostname, "KEIYAKU_PUBLIC_URL")[0]
    elif app_env == "production" and mode != "internal":
        raise ConfigError("申請者のページがある本番環境（KEIYAKU_MODE=all または portal）では KEIYAKU_PUBLIC_URL の設定が"
                          "必須です（メールのリンクの先頭部分。例: https://shinsei.example.jp）。")
    trusted = _host_names(env.get("KEIYAKU_TRUSTED_HOSTS", ""), "KEIYAKU_TRUSTED_HOSTS") or None
    if trusted is None and app_env != "production":
        trusted = list(LOCAL_HOSTS) + ([public_host] if public_host and public_host not in LOCAL_HOSTS else [])
    elif trusted is None and public_host:
        trusted = [public_host]
    # Base of the links in mails (https://portal.example.lg.jp).
    return {"PUBLIC_URL": raw or None, "TRUSTED_HOSTS": trusted}


def _dev_secret_key(name: str = "dev_secret_key") -> str:
    """A per-installation key for development, kept in instance/ so logins (and the log chain) survive a restart."""
    path = INSTANCE_DIR / name
    if path.exists():
        return path.read_text().strip()
    INSTANCE_DIR.mkdir(exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    return key


#: Fixed keys of test runs: every app a test creates must sign the shared test database's log alike.
TEST_AUDIT_KEY = "test-audit-key-not-secret-" + "0" * 16
TEST_AUDIT_CHECKPOINT_KEY = "test-audit-checkpoint-key-not-secret-" + "1" * 8


def _audit_key(env: Mapping[str, str], name: str, app_env: str, test_value: str, dev_file: str) -> str:
    """A key of the operation log, from the environment only (never the database, which it protects)."""
    value = env.get(name, "").strip()
    if value:
        if len(value) < 32:
            raise ConfigError(f"{name} は 32 文字以上のランダムな値にしてください。")
        return value
    if app_env == "production":
        raise ConfigError(
            f"本番環境（KEIYAKU_ENV=production）では {name} の設定が必須です（操作ログの改ざん検知に使う鍵）。"
            "例: python -c \"import secrets; print(secrets.token_urlsafe(48))\" で生成した値を設定してください。"
            f" / {name} must be set in production."
        )
    return test_value if app_env == "test" else _dev_secret_key(dev_file)


def _audit_settings(env: Mapping[str, str], app_env: str) -> dict:
    """Keys and checkpoint targets of the operation log (core/audit): outside the database on purpose."""
    key = _audit_key(env, "KEIYAKU_AUDIT_KEY", app_env, TEST_AUDIT_KEY, "dev_audit_key")
    checkpoint_key = _audit_key(env, "KEIYAKU_AUDIT_CHECKPOINT_KEY", app_env, TEST_AUDIT_CHECKPOINT_KEY,
                                "dev_audit_checkpoint_key")
    if key == checkpoint_key:
        raise ConfigError("KEIYAKU_AUDIT_CHECKPOINT_KEY には KEIYAKU_AUDIT_KEY と別の値を設定してください。")
    syslog = env.get("KEIYAKU_AUDIT_CHECKPOINT_SYSLOG", "").strip()
    if syslog and syslog != "local":
        host, _, port = syslog.rpartition(":")
        if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
            raise ConfigError("KEIYAKU_AUDIT_CHECKPOINT_SYSLOG は local または ホスト名:ポート番号 で指定してください"
                              f"（例: loghost.example.lg.jp:514、指定値: {syslog!r}）。")
    return {
        # HMAC key of every operation-log row: a row forged or recomputed without it fails verification.
        "AUDIT_KEY": key,
        # HMAC key of the checkpoint lines (the chain's head kept outside the database).
        "AUDIT_CHECKPOINT_KEY": checkpoint_key,
        "AUDIT_CHECKPOINT_DIR": env.get("KEIYAKU_AUDIT_CHECKPOINT_DIR", "").strip() or None,
        # "local" (the host's /dev/log) or "host:port" (UDP); empty: no syslog copy.
        "AUDIT_CHECKPOINT_SYSLOG": syslog or None,
    }


def load_config(environ: Mapping[str, str] | None = None, overrides: Mapping | None = None) -> dict:
    """Build the Flask config mapping from ``KEIYAKU_*`` variables plus explicit overrides."""
    env = dict(os.environ if environ is None else environ)
    if overrides:
        env.update({k: str(v) for k, v in overrides.items() if k.startswith("KEIYAKU_")})
    app_env = env.get("KEIYAKU_ENV", "production").strip() or "production"
    if app_env not in ENVIRONMENTS:
        raise ConfigError(f"KEIYAKU_ENV は {' / '.join(ENVIRONMENTS)} のいずれかです（指定値: {app_env!r}）。")
    production = app_env == "production"

    secret = env.get("KEIYAKU_SECRET_KEY", "").strip()
    if not secret:
        if production:
            raise ConfigError(
                "本番環境（KEIYAKU_ENV=production）では KEIYAKU_SECRET_KEY の設定が必須です。"
                "例: python -c \"import secrets; print(secrets.token_urlsafe(48))\" で生成した値を設定してください。"
                " / KEIYAKU_SECRET_KEY must be set in production."
            )
        secret = secrets.token_urlsafe(48) if app_env == "test" else _dev_secret_key()
    elif production and len(secret) < 32:
        raise ConfigError("KEIYAKU_SECRET_KEY は 32 文字以上のランダムな値にしてください。")

    audit = _audit_settings(env, app_env)

    default_db = f"sqlite:///{INSTANCE_DIR / 'keiyaku.sqlite3'}"
    database_url = env.get("KEIYAKU_DATABASE_URL", "").strip() or default_db
    if app_env == "test":
        database_url = env.get("TEST_DATABASE_URL", "").strip() or env.get("KEIYAKU_TEST_DATABASE_URL", "") or \
            "sqlite:///" + str(INSTANCE_DIR / "test.sqlite3")
    if not database_url.startswith(("sqlite:///", "postgresql+psycopg://")):
        raise ConfigError(
            "KEIYAKU_DATABASE_URL は sqlite:///パス または postgresql+psycopg://ユーザー@ホスト/DB名 の形式で"
            f"指定してください（指定値: {database_url.split('@')[-1]!r}）。"
        )

    retention = _int(env, "KEIYAKU_AUDIT_RETENTION_DAYS", 5 * 365 + 1, MIN_AUDIT_RETENTION_DAYS, 36500)
    idle = _int(env, "KEIYAKU_SESSION_IDLE_MINUTES", 30, 1, 24 * 60)
    absolute = _int(env, "KEIYAKU_SESSION_ABSOLUTE_HOURS", 12, 1, 24 * 7)

    mode = _choice(env, "KEIYAKU_MODE", "all", MODES)
    mail = _mail_settings(env, production, mode)
    transfer_key = env.get("KEIYAKU_TRANSFER_KEY", "").strip()
    if transfer_key and len(transfer_key) < 32:
        raise ConfigError("KEIYAKU_TRANSFER_KEY は 32 文字以上のランダムな値にしてください（ポータルと庁内で同じ値）。")

    config = {
        "KEIYAKU_ENV": app_env,
        # all: one app; internal: staff screens only (LGWAN); portal: applicant screens only (internet).
        "MODE": mode,
        **mail,
        # Shared HMAC key of the transfer bundles between a portal-mode and an internal-mode app.
        "TRANSFER_KEY": transfer_key or None,
        "ATTACHMENT_MAX_MB": _int(env, "KEIYAKU_ATTACHMENT_MAX_MB", 10, 1, 100),
        # ZIP uploads (.xlsx imports, transfer bundles) are refused before reading when their declared sizes
        # pass these: expanded total and per member of an Excel file, ratio of any member over 1 MB.
        "XLSX_MAX_EXPANDED_MB": _int(env, "KEIYAKU_XLSX_MAX_EXPANDED_MB", 200, 1, 4096),
        "XLSX_MAX_MEMBER_MB": _int(env, "KEIYAKU_XLSX_MAX_MEMBER_MB", 100, 1, 4096),
        "ZIP_MAX_RATIO": _int(env, "KEIYAKU_ZIP_MAX_RATIO", 100, 10, 2000),
        # manifest.json of a transfer bundle (its attachments are capped by ATTACHMENT_MAX_MB).
        "TRANSFER_MANIFEST_MAX_MB": _int(env, "KEIYAKU_TRANSFER_MANIFEST_MAX_MB", 16, 1, 1024),
        **_public_address(env, app_env, mode),
        "DEBUG": False,
        "TESTING": app_env == "test",
        "SECRET_KEY": secret,
        "DATABASE_URL": database_url,
        "ORG_NAME": env.get("KEIYAKU_ORG_NAME", "").strip() or "Keiyaku",
        "PASSWORD_MIN_LENGTH": _int(env, "KEIYAKU_PASSWORD_MIN_LENGTH", 12, 8, 128),
        "PASSWORD_MIN_CLASSES": _int(env, "KEIYAKU_PASSWORD_MIN_CLASSES", 3, 1, 4),
        # Test runs create hundreds of users; a cheaper scrypt cost keeps them fast. Never outside tests.
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1" if app_env == "test" else "scrypt",
        "LOCKOUT_THRESHOLD": _int(env, "KEIYAKU_LOCKOUT_THRESHOLD", 5, 1, 100),
        "LOCKOUT_MINUTES": _int(env, "KEIYAKU_LOCKOUT_MINUTES", 15, 1, 24 * 60),
        "LOGIN_RATE_LIMIT": parse_rate(env.get("KEIYAKU_LOGIN_RATE_LIMIT", "").strip() or "30/300",
                                       "KEIYAKU_LOGIN_RATE_LIMIT"),
        "SESSION_IDLE_TIMEOUT": timedelta(minutes=idle),
        "SESSION_ABSOLUTE_TIMEOUT": timedelta(hours=absolute),
        "ADMIN_NETWORKS": parse_networks(env.get("KEIYAKU_ADMIN_NETWORKS", "")),
        "PROXY_COUNT": _int(env, "KEIYAKU_PROXY_COUNT", 0, 0, 5),
        "AUDIT_RETENTION_DAYS": retention,
        **audit,
        "PAGE_SIZE": _int(env, "KEIYAKU_PAGE_SIZE", 50, 10, 500),
        "DATE_STYLE": _choice(env, "KEIYAKU_DATE_STYLE", "wareki", ("wareki", "wareki_short", "seireki")),
        # Cookies: the session cookie holds only a random id pointing at a server-side login session.
        "SESSION_COOKIE_NAME": "keiyaku_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=absolute),
        "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
        # CSRF token lives as long as the login session (idle timeout protects it), so long forms survive.
        "WTF_CSRF_ENABLED": app_env != "test",
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": _int(env, "KEIYAKU_MAX_UPLOAD_MB", 32, 1, 1024) * 1024 * 1024,
        "CHECK_MIGRATIONS": True,
        # Uploaded files (imports, later attachments) live outside static/, under random or hashed names.
        "STORAGE_DIR": env.get("KEIYAKU_STORAGE_DIR", "").strip() or str(INSTANCE_DIR / "storage"),
        # Tests run imports inside the request; servers run them in a background thread with progress.
        "IMPORT_SYNC": app_env == "test",
        # A running import whose worker sent no heartbeat for this long is shown (and stored) as interrupted.
        "IMPORT_STALE_SECONDS": _int(env, "KEIYAKU_IMPORT_STALE_SECONDS", 60, 20, 3600),
    }
    if overrides:
        config.update({k: v for k, v in overrides.items() if not k.startswith("KEIYAKU_")})
    return config
