"""A grader's sheet (SPEC GR1): the entry screen of the assigned grader (each 細別 of their role by 考査項目, with its
checklist, the letter or bonus points, the suggested letter, the reason for another letter and a comment; 一時保存
and 提出), the read-only sheet for those allowed to see it, and the contract section's correction of a settled
work's sheet (評定の修正, with a reason and date).

The service's errors are keyed by item (``chief_management``, ``chief_management-override_reason`` …) and shown
beside that item; nothing is saved when any is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.db import db
from core.errors import PermissionDenied
from core.permissions import roles_required
from core.timefmt import today
from core.transaction import transaction

from ..scoring import Item
from . import permissions, queries, services
from .forms import CorrectionForm, StepForm, entry_inputs
from .models import ROLES, GradedWork, GraderAssignment
from .sheets import EntryInput, role_items, suggestion
from .views import bp, get_work

#: Where each error of an item is shown: the part of its key after ``<item key>-`` (none: the letter).
PARTS = {"": "value", "checked": "checked", "override_reason": "override_reason", "comment": "comment"}


@dataclass
class ItemView:
    item: Item
    entry: EntryInput
    suggestion: str | None
    saved_points: Decimal | None
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def touched(self) -> bool:
        """Anything entered yet (an untouched item shows no suggestion: nothing ticked is not a d)."""
        e = self.entry
        return bool(e.value or e.checked or e.not_applicable or e.improvement_order)

    @property
    def ticked(self) -> int:
        return queries.tick_counts(self.item, self.entry)[0]

    @property
    def applicable(self) -> int:
        return queries.tick_counts(self.item, self.entry)[1]

    @property
    def has_errors(self) -> bool:
        return any(self.errors.values())


def _assignment(work: GradedWork, role: str, seq: int) -> GraderAssignment:
    if role not in ROLES:
        abort(404)
    assignment = next((a for a in work.assignments if a.role == role and a.seq == seq), None)
    if assignment is None:
        abort(404)
    return assignment


def _split_errors(errors: dict[str, list[str]], keys: set[str]) -> tuple[dict[str, dict[str, list[str]]], list]:
    """Service errors by item and part, and (anchor, message) pairs for the summary; messages of no item stay
    general (anchor None)."""
    by_item: dict[str, dict[str, list[str]]] = {}
    summary: list[tuple[str | None, str]] = []
    for place, messages in errors.items():
        key, _sep, part = place.partition("-")
        if key in keys and part in PARTS:
            by_item.setdefault(key, {}).setdefault(PARTS[part], []).extend(messages)
            summary += [(f"{key}-{PARTS[part]}", m) for m in messages]
        else:
            summary += [(None, m) for m in messages]
    return by_item, summary


def _views(table: queries.SheetTable, inputs: dict[str, EntryInput] | None, errors: dict) -> list:
    """The 考査項目 groups of the screen: each 細別 with what is entered now (posted, or as saved)."""
    groups = []
    for group in table.groups:
        views = []
        for line in group.lines:
            entry = (inputs or {}).get(line.item.key, line.entry)
            views.append(ItemView(line.item, entry, suggestion(line.item, entry, table.rules.formula), line.points,
                                  errors.get(line.item.key, {})))
        groups.append((group, views))
    return groups


def _render(work, assignment, *, mode: str, inputs=None, errors=None, form=None, status: int = 200):
    table = queries.sheet_table(queries.work_rules(db.session, work), assignment)
    by_item, summary = _split_errors(errors or {}, {line.item.key for g in table.groups for line in g.lines})
    if isinstance(form, CorrectionForm):
        summary = [(f.id, m) for f in (form.reason, form.revised_on) for m in f.errors] + summary
    return render_template(
        "grading/works/sheet.html", work=work, assignment=assignment, table=table, mode=mode,
        groups=_views(table, inputs, by_item), summary=summary, rule_text=queries.suggestion_text(table.rules.formula),
        form=form or StepForm(), today=today(),
        late=queries.is_late(work, today()), may_correct=permissions.can_correct(current_user, work)), status


@bp.route("/works/<int:work_id>/sheets/<role>/<int:seq>", methods=["GET", "POST"])
@roles_required(*permissions.GRADING_ROLES)
def sheet(work_id: int, role: str, seq: int):
    """The grader enters their sheet (一時保存 or 提出); others allowed see it read-only."""
    work = get_work(work_id)
    assignment = _assignment(work, role, seq)
    may_grade = permissions.can_grade(current_user, assignment)
    if not may_grade and not permissions.can_view_sheet(current_user, assignment):
        raise PermissionDenied("この評定は見られません（評定者本人と、提出の後は確定する者・契約課が見られます）。")
    if request.method == "GET":
        return _render(work, assignment, mode="entry" if may_grade else "view")
    if not may_grade:
        raise PermissionDenied("この評定は入力できません（担当の評定者が、提出前にだけ入力できます）。")
    form = StepForm()
    items = role_items(queries.work_rules(db.session, work), assignment.role)
    inputs, errors = entry_inputs(request.form, items)
    submit = request.form.get("action") == "submit"
    if not form.validate_on_submit():
        errors = {**errors, "": ["画面の有効期限が切れました。もう一度保存してください。"]}
    elif not errors:
        with transaction(form) as tx:
            services.save_sheet(db.session, current_user, assignment, inputs, submit=submit)
        if tx.ok:
            if submit:
                flash(f"{assignment.role_label}の評定を提出しました（評定点 {queries.score_text(assignment.score)} 点）。",
                      "success")
                return redirect(url_for("grading.works.index"))
            flash("一時保存しました。提出するまで何度でも変更できます。", "success")
            return redirect(url_for("grading.works.sheet", work_id=work.id, role=role, seq=seq) + "#sheet-total")
        errors = tx.errors
    return _render(work, assignment, mode="entry", inputs=inputs, errors=errors, status=422)


@bp.route("/works/<int:work_id>/sheets/<role>/<int:seq>/correct", methods=["GET", "POST"])
@roles_required(*permissions.GRADING_ROLES)
def sheet_correct(work_id: int, role: str, seq: int):
    """評定の修正 of a settled work: a grader's entries changed with the reason; the score is recomputed and the
    revision kept beside the original."""
    work = get_work(work_id)
    assignment = _assignment(work, role, seq)
    if not permissions.can_correct(current_user, work):
        raise PermissionDenied("評定の修正は、確定した評定について契約課の職員が行います。")
    if request.method == "GET":
        return _render(work, assignment, mode="correct", form=CorrectionForm(formdata=None, revised_on=today()))
    form = CorrectionForm()
    inputs, errors = entry_inputs(request.form, role_items(queries.work_rules(db.session, work), assignment.role))
    if form.validate_on_submit() and not errors:
        with transaction(form) as tx:
            revision = services.correct_sheet(db.session, current_user, assignment, inputs, reason=form.reason.data,
                                              revised_on=form.revised_on.data)
        if tx.ok:
            flash(f"評定を修正しました（評定点 {queries.score_text(revision.final_before)} → "
                  f"{queries.score_text(revision.final_after)} 点）。", "success")
            return redirect(url_for("grading.works.work_detail", work_id=work.id) + "#revisions")
        errors = {k: v for k, v in tx.errors.items() if k not in ("reason", "revised_on")}
    elif form.csrf_token.errors:
        errors = {**errors, "": ["画面の有効期限が切れました。もう一度修正してください。"]}
    return _render(work, assignment, mode="correct", inputs=inputs, errors=errors, form=form, status=422)
