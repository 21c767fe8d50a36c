"""The display filters: program values never reach the reader as they are stored."""

from __future__ import annotations

from datetime import datetime

import pytest
from flask import render_template_string

from core.display import actor_label, dates_in_text, endpoint_label, number, source_label, stored_datetime


@pytest.fixture
def ctx(app):
    with app.test_request_context("/"):
        yield


def test_iso_dates_in_log_text_read_in_the_display_style(ctx):
    assert dates_in_text("審査基準日 2026-07-10 P=801") == "審査基準日 令和8年7月10日 P=801"
    assert dates_in_text("2026-12-08 から適用") == "令和8年12月8日 から適用"
    # Not a date: a number with more digits, an impossible day, a reference number.
    assert dates_in_text("12026-07-10 / 2026-13-40 / S2026-00001") == "12026-07-10 / 2026-13-40 / S2026-00001"
    assert dates_in_text(None) == ""


def test_western_style_setting_is_followed(app):
    old = app.config.get("DATE_STYLE")
    app.config["DATE_STYLE"] = "seireki"
    try:
        with app.test_request_context("/"):
            assert "2026年7月10日" in dates_in_text("2026-07-10")
    finally:
        app.config["DATE_STYLE"] = old


def test_command_line_source_and_actor(ctx):
    assert source_label("cli") == "コマンド（システム）"
    assert source_label("192.0.2.10") == "192.0.2.10"
    assert source_label(None) == "—"
    assert actor_label(None) == "コマンド（システム）" and actor_label("keiyaku") == "keiyaku"
    assert endpoint_label("cli:demo") == "コマンド demo"
    assert endpoint_label("registry.contractors.contractor_detail") == "registry.contractors.contractor_detail"


def test_counts_have_thousands_separators(ctx):
    assert number(1183) == "1,183" and number(0) == "0" and number(None) == ""
    assert render_template_string("{{ n|num }} 件", n=1234567) == "1,234,567 件"


def test_stored_timestamps_in_japan_time(ctx):
    assert stored_datetime("2026-04-01T00:30:00") == "令和8年4月1日 09:30"
    assert stored_datetime("not a time") == "not a time"
    assert stored_datetime(datetime(2026, 4, 1).isoformat()).startswith("令和8年4月1日")


def test_none_prints_nothing_in_any_template(ctx):
    assert render_template_string("理由: {{ reason }}", reason=None) == "理由: "
    assert render_template_string('<input value="{{ v }}">', v=None) == '<input value="">'


def test_date_inputs_read_typed_japanese_dates_and_explain_in_the_display_style(app):
    from datetime import date

    from werkzeug.datastructures import MultiDict

    from core.formtools import DateInputField, JapaneseForm

    class F(JapaneseForm):
        class Meta:
            csrf = False

        day = DateInputField("適用開始日")

    with app.test_request_context("/"):
        assert F(MultiDict({"day": "2026-04-01"})).day.data == date(2026, 4, 1)
        assert F(MultiDict({"day": "令和8年4月1日"})).day.data == date(2026, 4, 1)
        form = F(MultiDict({"day": "あした"}))
        form.validate()
        assert form.day.errors == ["適用開始日は正しい日付（例: 令和8年4月1日）で入力してください。"]


def test_addresses_are_kept_whole_and_words_wrap(ctx):
    html = render_template_string("{{ a|source }} / {{ b|source }}", a="2001:db8::1", b="cli")
    assert html == '<span class="addr">2001:db8::1</span> / コマンド（システム）'
