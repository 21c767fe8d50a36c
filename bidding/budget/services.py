"""予算科目 services (SPEC CM7): the writes of a budget import. Lines come only from the finance system's file, so
every write is an import's: create or bring a line up to the file (``import_budget_line``), flag the lines a newer
file of their 年度 no longer holds (``flag_absent_lines``) and keep each import's effect on a line with its
amounts (``record_line_imports``). Lines are never deleted and changed amounts keep their history (record
history and ``BudgetLineImport`` rows).

Public API::

    check_amounts(current, executed, remaining, allotted=None)   the one owner of 執行残額 = 予算現額 − 執行済額
    import_budget_line(writer, department, values)               (bulk: history queued on a ``BulkWriter``)
    flag_absent_lines(session, actor, batch, lines, day)
    record_line_imports(session, actor, batch, events)
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import insert
from sqlalchemy.orm import Session

from core.audit.queries import register_operations
from core.auth.models import Department
from core.errors import ValidationFailed, require
from core.history import BulkWriter, record_change, register_fields
from core.importing.models import ImportBatch
from core.jp import fiscal_year_label, format_yen

from .models import AMOUNT_FIELDS, KEY_FIELDS, BudgetLine, BudgetLineImport
from .permissions import can_import_budget

#: Fields whose stored value an import keeps when the file gives none (no column, or an empty cell).
NAME_FIELDS = ("account_name", "chapter_name", "section_name", "item_name", "project_name", "subitem_name",
               "detail_name")
FIELD_LABELS = {
    "fiscal_year": "年度", "account_code": "会計", "account_name": "会計名", "chapter_code": "款", "chapter_name": "款名",
    "section_code": "項", "section_name": "項名", "item_code": "目", "item_name": "目名", "project_code": "事業",
    "project_name": "事業名", "subitem_code": "節", "subitem_name": "節名", "detail_code": "細節",
    "detail_name": "細節名", "department": "所管課", "current_amount": "予算現額", "allotted_amount": "配当額",
    "executed_amount": "執行済額", "remaining_amount": "執行残額", "absent_since": "最新の取込になし（その取込の日）",
}


def line_snapshot(line: BudgetLine) -> dict:
    department = line.department
    return {
        **{f: getattr(line, f) for f in KEY_FIELDS if f != "department_id"},
        **{f: getattr(line, f) for f in NAME_FIELDS},
        "department": f"{department.code} {department.name}" if department else line.department_id,
        **{f: getattr(line, f) for f in AMOUNT_FIELDS},
        "absent_since": line.absent_since.isoformat() if line.absent_since else None,
    }


def register_labels() -> None:
    """History labels of a line's fields and audit labels of the operations (``bidding.init_app``)."""
    register_fields("budget_lines", FIELD_LABELS,
                    {"fiscal_year": lambda v: fiscal_year_label(v, None), **{f: format_yen for f in AMOUNT_FIELDS}},
                    snapshot=(BudgetLine, line_snapshot))
    register_operations({"budget_line.import_create": "予算科目の登録（取込）",
                         "budget_line.import_update": "予算科目の更新（取込）",
                         "budget_line.flag_absent": "予算科目に「最新の取込になし」の印"},
                        {"budget_lines": "予算科目"})


def check_amounts(current: int, executed: int, remaining: int, allotted: int | None = None) -> dict[str, list[str]]:
    """Problems of a line's amounts by field (empty when none): amounts are not negative except 執行残額, and
    執行残額 is 予算現額 − 執行済額 to the yen (the finance system's own figure is checked, never recomputed)."""
    errors: dict[str, list[str]] = {}
    for field, value in (("current_amount", current), ("executed_amount", executed), ("allotted_amount", allotted)):
        if value is not None and value < 0:
            errors[field] = [f"{FIELD_LABELS[field]}がマイナス（{value:,} 円）です。"]
    if not errors and remaining != current - executed:
        errors["remaining_amount"] = [
            f"執行残額 {remaining:,} 円が、予算現額 − 執行済額（{current:,} − {executed:,} = {current - executed:,} 円）"
            "と一致しません。財務会計システムの出力を確認してください。"]
    return errors


def import_budget_line(writer: BulkWriter, department: Department, values: dict) -> BudgetLine:
    """Create the line of ``values`` or bring it up to the file, for a bulk import (no flush here: the history entry
    is queued on ``writer``, which keeps lines by their key tuple, ``BudgetLine.key``).

    ``values`` holds the key fields (``project_code``/``detail_code`` '' when the line has none), the amounts and
    the names the file gave. A name not given keeps the stored one; ``allotted_amount`` absent from ``values``
    (no such column) keeps the stored amount. A line flagged 「最新の取込になし」 is held again: the flag goes.

    :raises PermissionDenied: the actor may not import budgets.
    :raises ValidationFailed: the amounts do not agree (``check_amounts``).
    """
    require(can_import_budget(writer.actor), "予算を取り込む権限がありません。")
    errors = check_amounts(values["current_amount"], values["executed_amount"], values["remaining_amount"],
                           values.get("allotted_amount"))
    if errors:
        raise ValidationFailed(errors)
    key = tuple(values[f] for f in KEY_FIELDS[:-1]) + (department.id,)
    line = writer.get(BudgetLine, key)
    if line is None:
        line = writer.add(BudgetLine, key, BudgetLine(**dict(zip(KEY_FIELDS[:-1], key, strict=False)),
                                                      department=department))
        before, operation, what = None, "budget_line.import_create", "予算科目を登録（取込）"
    else:
        before, operation, what = line_snapshot(line), "budget_line.import_update", "予算科目を更新（取込）"
    for field in NAME_FIELDS:
        if values.get(field) and getattr(line, field) != values[field]:
            setattr(line, field, values[field])
    for field in AMOUNT_FIELDS:
        if (field in values or before is None) and getattr(line, field) != values.get(field):
            setattr(line, field, values.get(field))
    if line.absent_since is not None:
        line.absent_since = line.absent_batch_id = None
    writer.queue(operation, f"{what}: {fiscal_year_label(line.fiscal_year, 'seireki')} {line.account_code} "
                            f"{line.title}（{department.name}）", line, before, line_snapshot)
    return line


def flag_absent_lines(session: Session, actor, batch: ImportBatch, lines: Iterable[BudgetLine], day: date) -> int:
    """Flag the ``lines`` an import of their 年度 did not hold (「最新の取込になし」 from ``day``, the import's day in
    Japan); they are kept with their amounts. Each flag is recorded in the line's history and import history.
    Returns how many lines were flagged (lines already flagged keep their first day)."""
    require(can_import_budget(actor), "予算を取り込む権限がありません。")
    events, flagged = [], 0
    for line in lines:
        if line.absent_since is not None:
            continue
        before = line_snapshot(line)
        line.absent_since, line.absent_batch_id = day, batch.id
        record_change(session, actor, "budget_line.flag_absent",
                      f"予算科目に「最新の取込になし」の印: {fiscal_year_label(line.fiscal_year, 'seireki')} "
                      f"{line.account_code} {line.title}（{batch.file_name}）",
                      target=line, before=before, after=line_snapshot(line))
        events.append({"line_id": line.id, "event": "absent", **{f: getattr(line, f) for f in AMOUNT_FIELDS}})
        flagged += 1
    session.flush()
    record_line_imports(session, actor, batch, events)
    return flagged


def record_line_imports(session: Session, actor, batch: ImportBatch, events: list[dict]) -> None:
    """Keep what ``batch`` did to each line (``{"line_id", "event", amounts...}``): multi-row INSERTs, thousands
    per import."""
    require(can_import_budget(actor), "予算を取り込む権限がありません。")
    rows = [{**event, "batch_id": batch.id} for event in events]
    for start in range(0, len(rows), 1000):
        session.execute(insert(BudgetLineImport), rows[start:start + 1000])
