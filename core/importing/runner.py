"""Run an import: parse and validate every row first, then (unless a dry run) write in the caller's transaction.

Writing starts only after every row was read, so a rejected row can block the whole file without anything
to undo; an error while writing propagates and the caller rolls the transaction back (nothing commits).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from sqlalchemy.orm import Session

from core.audit.services import canonical_json, record
from core.db import utcnow
from core.errors import ValidationFailed, require
from core.history import bulk_changes

from .kinds import ImportKind, RowRejected
from .models import ImportBatch
from .reading import FileUnreadable, map_columns, read_table

#: Progress is reported every this many rows.
PROGRESS_EVERY = 250
#: At most this many rejected rows are kept in the stored report (the count is always exact).
MAX_STORED_REJECTIONS = 5000


@dataclass
class Rejection:
    row: int
    column: str
    value: str
    reason: str


@dataclass
class ImportReport:
    kind: str
    file_name: str
    file_sha256: str
    profile: str
    encoding: str = ""
    total: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    rejected_rows: int = 0
    committed: bool = False
    dry_run: bool = True
    batch_id: int | None = None
    #: Checklist counts from the kind (``ImportKind.summarize``), e.g. per category and per area.
    summary: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["rejected"] = [asdict(r) for r in self.rejected[:MAX_STORED_REJECTIONS]]
        return data


ProgressFn = Callable[[str, int, int], None]


def _noop(_phase: str, _done: int, _total: int) -> None:
    return None


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def run_import(
    session: Session, actor, kind: ImportKind, *, data: bytes, file_name: str, profile_name: str, settings: dict,
    dry_run: bool, skip_rejected: bool = False, progress: ProgressFn = _noop, batch: ImportBatch | None = None,
    before_write: Callable[[], None] | None = None,
) -> ImportReport:
    """Parse, validate and (unless ``dry_run``) apply one file; records the batch and the operation log.

    :param settings: the validated profile settings (``profiles.get_settings``).
    :param batch: an existing pending batch row to fill (web jobs); a new one is created otherwise.
    :param before_write: called once after every row was checked and before anything is written (the
        background job uses it to end its read-only transaction on SQLite).
    :raises ValidationFailed: the file cannot be read or its columns do not match the profile.
    """
    require(kind.can_import(actor), f"{kind.label}を取り込む権限がありません。")
    report = ImportReport(kind=kind.name, file_name=file_name, file_sha256=sha256_of(data), profile=profile_name,
                          dry_run=dry_run)
    try:
        table = read_table(data, file_name, settings["encoding"])
        rows = list(table.rows)  # small next to the parsed values; lets us count for the progress bar
    except FileUnreadable as exc:
        raise ValidationFailed({"file": [str(exc)]}) from None
    report.encoding = table.encoding
    rows = rows[settings["skip_rows"]:]
    header = None
    if settings["has_header"]:
        if not rows:
            raise ValidationFailed({"file": ["ファイルに見出し行がありません（空のファイルです）。"]})
        header = rows.pop(0)[1]
    optional = {f.name for f in kind.fields if not f.required}
    columns, problems = map_columns(header, settings["columns"], optional=optional)
    if problems:
        raise ValidationFailed({"file": problems})

    ctx = kind.begin(session, actor)
    accepted: list[tuple[int, dict, str]] = []
    seen_keys: dict[tuple, int] = {}
    total = len(rows)
    for done, (row_no, cells) in enumerate(rows, start=1):
        if not any(c.strip() for c in cells):
            continue  # blank lines are not rows
        report.total += 1
        values, errors = _parse_row(kind, cells, columns, settings)
        if not errors:
            key = tuple(values.get(k) for k in settings["keys"])
            if key in seen_keys:
                errors.append(Rejection(row_no, "", "", f"同じキー（{'・'.join(map(str, key))}）の行が "
                                                        f"{seen_keys[key]} 行目にもあります。"))
            else:
                seen_keys[key] = row_no
        if not errors:
            values["_row"] = row_no  # the spreadsheet row number, for kinds that name other rows in messages
            try:
                kind.check(ctx, values)
                status = kind.compare(ctx, values)
            except RowRejected as exc:
                errors.append(Rejection(row_no, exc.column, "", str(exc)))
        if errors:
            for e in errors:
                e.row = row_no
            report.rejected.extend(errors)
            report.rejected_rows += 1
            continue
        accepted.append((row_no, values, status))
        setattr(report, status, getattr(report, status) + 1)
        if done % PROGRESS_EVERY == 0:
            progress("check", done, total)
    progress("check", total, total)
    report.summary = kind.summarize(ctx, [values for _, values, _ in accepted])

    blocked = report.rejected_rows and not skip_rejected
    if before_write is not None:
        before_write()
    changed = 0
    if not dry_run and not blocked:
        # Each record keeps its own history rows; the operation log gets one entry for the batch.
        with bulk_changes() as log:
            for done, (row_no, values, status) in enumerate(accepted, start=1):
                if status != "unchanged":
                    try:
                        kind.apply(ctx, values, status)
                    except ValidationFailed as exc:
                        messages = " ".join(m for msgs in exc.errors.values() for m in msgs)
                        raise ValidationFailed({"file": [f"{row_no} 行目を書き込めませんでした: {messages}"]}) from None
                if done % PROGRESS_EVERY == 0:
                    progress("write", done, len(accepted))
        changed = log.changed
        report.committed = True
    _record_batch(session, actor, kind, report, batch, skip_rejected, changed)
    return report


def _parse_row(kind: ImportKind, cells: list[str], columns: dict[str, int], settings: dict):
    """Values of the columns the file has; a field whose column is absent is left out (kinds keep the
    stored value), while an empty cell in a present column is an explicit empty value."""
    values, errors = {}, []
    for spec in kind.fields:
        index = columns.get(spec.name)
        if index is None:
            continue
        raw = cells[index] if index < len(cells) else ""
        try:
            values[spec.name] = spec.parse(raw, settings)
        except RowRejected as exc:
            errors.append(Rejection(0, exc.column or spec.label, raw, str(exc)))
    return values, errors


def _record_batch(session, actor, kind, report: ImportReport, batch: ImportBatch | None, skip_rejected: bool,
                  changed: int) -> None:
    if batch is None:
        batch = ImportBatch(kind=kind.name, profile_name=report.profile, file_name=report.file_name[:255],
                            file_sha256=report.file_sha256, user_id=getattr(actor, "id", None),
                            login_id=getattr(actor, "login_id", None), started_at=utcnow())
        session.add(batch)
    batch.encoding = report.encoding
    batch.dry_run, batch.skip_rejected, batch.committed = report.dry_run, skip_rejected, report.committed
    batch.total, batch.processed = report.total, report.total
    batch.new, batch.updated, batch.unchanged = report.new, report.updated, report.unchanged
    batch.rejected = report.rejected_rows
    batch.status, batch.finished_at = "done", utcnow()
    session.flush()
    report.batch_id = batch.id
    batch.report = canonical_json(report.as_dict())
    if report.dry_run:
        operation, what = "import.dry_run", "取込の事前確認"
    elif report.committed:
        operation, what = "import.commit", "取込"
    else:
        operation, what = "import.blocked", "取込（不正な行があるため中止）"
    record(session, actor, operation,
           f"{kind.label}の{what}: {report.file_name}（新規 {report.new}・更新 {report.updated}・変更なし "
           f"{report.unchanged}・不正 {report.rejected_rows}）",
           target=batch, details={"file_sha256": report.file_sha256, "profile": report.profile,
                                  "encoding": report.encoding, "records_changed": changed})
