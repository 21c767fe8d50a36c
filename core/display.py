"""How stored values read on screens: the Jinja filters that keep program values (None, True, 'cli', ISO dates,
bare counts) out of what people read. CSV exports keep the stored values; only screens use these."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from flask import Flask
from markupsafe import Markup

#: Where an operation came from when no browser did: the command line (``flask ...``) records ``cli``.
COMMAND_SOURCE = "cli"
COMMAND_LABEL = "コマンド（システム）"

_ISO_DATE = re.compile(r"(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d-])")


def dates_in_text(text: str | None) -> str:
    """``text`` with its ISO dates (2026-04-01) in the display style; log summaries are stored with ISO dates
    (sortable, independent of the setting) and read as 令和8年4月1日 or 2026年4月1日."""
    from core.jp import format_date

    if not text:
        return text or ""

    def shown(match: re.Match) -> str:
        try:
            return format_date(date(int(match[1]), int(match[2]), int(match[3])))
        except ValueError:
            return match[0]

    return _ISO_DATE.sub(shown, text)


def source_label(ip: str | None) -> str:
    """The 接続元 of a log row: the address, or 「コマンド（システム）」 for the command line."""
    if not ip:
        return "—"
    return COMMAND_LABEL if ip == COMMAND_SOURCE else ip


def source_html(ip: str | None) -> Markup:
    """``source_label`` for a page: an address kept whole (class ``addr``), words free to wrap."""
    label = source_label(ip)
    if label == ip:
        return Markup('<span class="addr">{}</span>').format(label)
    return Markup("{}").format(label)


def actor_label(login_id: str | None) -> str:
    """Who did it: the login id, or 「コマンド（システム）」 when no user did (command line, import job)."""
    return login_id or COMMAND_LABEL


def endpoint_label(endpoint: str | None) -> str:
    """The 画面・機能 of a log row: a screen's route name, or the command (``cli:demo`` → コマンド demo)."""
    if not endpoint:
        return "—"
    if endpoint.startswith(COMMAND_SOURCE + ":"):
        return f"コマンド {endpoint.split(':', 1)[1]}"
    return endpoint


def number(value) -> str:
    """A count or amount with thousands separators (1,183); anything else as it is."""
    from core.jp import format_number

    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return format_number(value)
    return "" if value is None else str(value)


def stored_datetime(text: str | None) -> str:
    """A naive-UTC timestamp kept as ISO text (JSON documents, transfer manifests) in Japan time and the
    display style; text that is not a timestamp is shown as it is."""
    from datetime import datetime

    from core.timefmt import display_datetime

    try:
        return display_datetime(datetime.fromisoformat(text)) if text else "—"
    except ValueError:
        return text


def init_display(app: Flask) -> None:
    from core.history import display_value

    # The net under every template: a missing value prints nothing, never 「None」 (screens that must say
    # so write 「—」 or 「未設定」 themselves).
    app.jinja_env.finalize = lambda v: "" if v is None else v
    app.jinja_env.filters["num"] = number  # counts on screens: 1,183, never 1183
    app.jinja_env.filters["dates_in_text"] = dates_in_text
    app.jinja_env.filters["jst_iso"] = stored_datetime
    app.jinja_env.filters["source"] = source_html
    app.jinja_env.filters["actor"] = actor_label
    app.jinja_env.filters["endpoint"] = endpoint_label
    # Any stored value (JSON details, snapshots): — for empty, はい/いいえ, dates in the display style.
    app.jinja_env.filters["value"] = lambda v: display_value("", "", v)
