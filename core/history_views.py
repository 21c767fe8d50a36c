"""Rendering helpers for the 履歴 tab of any record."""

from __future__ import annotations

from datetime import date, timedelta

from flask import render_template, request

from core.formtools import DateInputField, JapaneseForm
from core.history import FIELD_LABELS, display_value, field_label, history_of, state_as_of
from core.timefmt import jst_day_start_utc


class AsOfForm(JapaneseForm):
    class Meta:
        csrf = False

    as_of = DateInputField("表示する日付")


def describe_changes(rows) -> list[dict]:
    """History rows of several tables as display rows (newest first is the caller's order)."""
    return [{"at": row.at, "login_id": row.login_id, "summary": row.summary, "table": row.target_type,
             "fields": [(field_label(row.target_type, f), display_value(row.target_type, f, old),
                         display_value(row.target_type, f, new)) for f, (old, new) in row.change_map.items()]}
            for row in rows]


def render_history(session, *, table: str, record_id, current: dict, title: str, tabs: list, breadcrumb: list,
                   template: str = "history/record_history.html", **context):
    """The change list of one record, and optionally its state at the end of a chosen (Japan) day."""
    rows = history_of(session, table, record_id)
    form = AsOfForm(request.args)
    snapshot, as_of = None, None
    if request.args.get("as_of") and form.validate():
        as_of: date = form.as_of.data
        state = state_as_of(current, rows, jst_day_start_utc(as_of + timedelta(days=1)) - timedelta(microseconds=1))
        snapshot = None if state is None else [
            (field_label(table, k), display_value(table, k, v)) for k, v in state.items()]
    order = {name: i for i, name in enumerate(list(current) + list(FIELD_LABELS.get(table, {})))}
    changes = [
        {"at": row.at, "login_id": row.login_id, "summary": row.summary, "operation": row.operation,
         "fields": [(field_label(table, f), display_value(table, f, old), display_value(table, f, new))
                    for f, (old, new) in sorted(row.change_map.items(), key=lambda kv: order.get(kv[0], 999))]}
        for row in rows
    ]
    return render_template(template, title=title, tabs=tabs, breadcrumb=breadcrumb, changes=changes, form=form,
                           snapshot=snapshot, as_of=as_of, searched=bool(request.args.get("as_of")), **context)
