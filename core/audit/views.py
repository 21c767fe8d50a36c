"""Operation-log screen for administrators: filter, detail, CSV export, chain verification."""

from __future__ import annotations

import json

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from core.auth.roles import Role
from core.csvexport import csv_response
from core.db import db
from core.formtools import DateInputField, JapaneseForm, choices
from core.pagination import paginate, parse_page
from core.permissions import roles_required
from core.timefmt import format_jst
from core.transaction import transaction

from . import queries, services
from .models import AuditEntry
from .verify import verify_configured

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")
admin_only = roles_required(Role.SYSTEM_ADMIN)


class AuditFilterForm(JapaneseForm):
    class Meta:
        csrf = False

    login_id = StringField("利用者（ログインID）", validators=[Optional(), Length(max=64)])
    operation = SelectField("操作", validate_choice=False, default="")
    target_type = SelectField("対象", validate_choice=False, default="")
    date_from = DateInputField("期間（開始日）", validators=[Optional()])
    date_to = DateInputField("期間（終了日）", validators=[Optional()])


@bp.route("/")
@admin_only
def entry_list():
    """Operation log with filters and CSV export (UTF-8 with BOM)."""
    filters = AuditFilterForm(request.args)
    filters.operation.choices = choices([("", "すべて")] + sorted(queries.OPERATION_LABELS.items()))
    filters.target_type.choices = choices([("", "すべて")] + list(queries.TARGET_LABELS.items()))
    valid = filters.validate()
    stmt = queries.search_entries(filters.login_id.data, filters.operation.data, filters.target_type.data,
                                  date_from=filters.date_from.data if valid else None,
                                  date_to=filters.date_to.data if valid else None)
    if request.args.get("format") == "csv" and valid:
        # Exporting the log is itself an operation worth logging.
        with transaction():
            services.record_export(db.session, current_user, "操作ログ", request.args.to_dict())
        def rows():  # a generator function, so the query runs while the response streams
            for e in db.session.scalars(stmt.execution_options(yield_per=1000)):
                yield [e.id, format_jst(e.at, seconds=True), e.login_id or "", e.ip or "", e.endpoint or "",
                       queries.operation_label(e.operation), e.operation,
                       queries.TARGET_LABELS.get(e.target_type or "", e.target_type or ""), e.target_id or "",
                       e.summary, e.details or "", e.hash]
        return csv_response("操作ログ", ["ID", "日時", "ログインID", "接続元アドレス", "画面・機能", "操作",
                                      "操作コード", "対象", "対象ID", "内容", "詳細", "ハッシュ"], rows())
    page = paginate(db.session, stmt, parse_page(request.args.get("page")), current_app.config["PAGE_SIZE"])
    return render_template("admin/audit_list.html", page=page, filters=filters, label=queries.operation_label,
                           target_labels=queries.TARGET_LABELS)


@bp.route("/<int:entry_id>")
@admin_only
def entry_detail(entry_id: int):
    """One operation-log entry with its details and hashes."""
    entry = db.get(AuditEntry, entry_id)
    from core.history import display_value, field_label
    from core.rules.catalogue import definitions

    details = json.loads(entry.details) if entry.details else None
    table = entry.target_type or ""
    return render_template("admin/audit_detail.html", entry=entry, details=details, label=queries.operation_label,
                           target_labels=queries.TARGET_LABELS, rule_titles={d.key: d.title for d in definitions()},
                           field_label=lambda f: field_label(table, f),
                           shown=lambda f, v: display_value(table, f, v))


@bp.route("/verify")
@admin_only
def verify():
    """Check the chain against the key and the checkpoints now, and show the result (as ``flask audit verify``)."""
    from core.rules.queries import effective_audit_retention_days

    result = verify_configured(db.session, current_app.config)

    return render_template("admin/audit_verify.html", result=result,
                           retention_days=effective_audit_retention_days(db.session, current_app.config))
