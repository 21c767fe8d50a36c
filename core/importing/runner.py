"""Run an import: parse and validate every row first, then (unless a dry run) write in the caller's transaction.

Rows stream: the first pass reads, parses and checks the file keeping only counts, the duplicate-key index and
the first rejections; writing starts only after that pass, so a rejected row can block the whole file without
anything to undo. The write pass reads the file again with a fresh context and applies each accepted row,
letting the kind flush every ``WRITE_CHUNK`` rows; a kind with a ``finish`` step then gets it once (a committed
import only, also when no row changed), e.g. to flag stored records the file no longer holds. An error while
writing propagates and the caller rolls the transaction back (nothing commits).
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
from .reading import FileUnreadable, estimated_rows, map_columns, read_table

#: Progress is reported every this many rows.
PROGRESS_EVERY = 250
#: At most this many rejected rows are kept in the stored report (the count is always exact).
MAX_STORED_REJECTIONS = 5000
#: The write pass lets the kind flush (and let go of written records) every this many rows.
WRITE_CHUNK = 1000
NO_DATA_ROWS = ("ファイルにデータの行がありません（見出し行だけ、または空の行だけです）。"
                "取り込む行のあるファイルを選んでください。")


@dataclass(slots=True)
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
    #: The kind's options chosen for this import (``ImportKind.options``: name → on/off).
    options: dict = field(default_factory=dict)
    #: The kind's own top-level report keys (``ImportKind.report_extra``), merged into ``as_dict``.
    extra: dict = field(default_factory=dict)

    def reject(self, row_no: int, errors: list[Rejection]) -> None:
        """Count a rejected row; only the first ``MAX_STORED_REJECTIONS`` are kept (memory, stored report)."""
        self.rejected_rows += 1
        for e in errors:
            e.row = row_no
            if len(self.rejected) < MAX_STORED_REJECTIONS:
                self.rejected.append(e)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["rejected"] = [asdict(r) for r in self.rejected[:MAX_STORED_REJECTIONS]]
        extra = data.pop("extra")
        # A kind's keys never replace the framework's (counts, rejections): those mean the same for every kind.
        data.update({key: value for key, value in extra.items() if key not in data})
        return data


ProgressFn = Callable[[str, int, int], None]


def _noop(_phase: str, _done: int, _total: int) -> None:
    return None


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def run_import(
    session: Session, actor, kind: ImportKind, *, data: bytes, file_name: str, profile_name: str, settings: dict,
    dry_run: bool, skip_rejected: bool = False, progress: ProgressFn = _noop, batch: ImportBatch | None = None,
    before_write: Callable[[], None] | None = None, options=None,
) -> ImportReport:
    """Parse, validate and (unless ``dry_run``) apply one file; records the batch and the operation log.

    :param settings: the validated profile settings (``profiles.get_settings``).
    :param batch: an existing pending batch row to fill (web jobs); a new one is created otherwise.
    :param options: the kind's options chosen (names, or name → value; ``ImportKind.option_values``).
    :param before_write: called once after every row was checked and before anything is written (the
        background job uses it to end its read-only transaction on SQLite).
    :raises ValidationFailed: the file cannot be read, its columns do not match the profile, it has no
        data rows, or an option is not the kind's.
    """
    require(kind.can_import(actor), f"{kind.label}を取り込む権限がありません。")
    options = kind.option_values(options)
    report = ImportReport(kind=kind.name, file_name=file_name, file_sha256=sha256_of(data), profile=profile_name,
                          dry_run=dry_run, options=options)
    ctx = _begin(kind, session, actor, settings, options)
    # For the progress bar only (0: unknown, e.g. Excel): line breaks less the header and skipped rows.
    estimate = max(0, estimated_rows(data, file_name) - settings["skip_rows"] - int(settings["has_header"]))
    for _ in _checked_rows(kind, ctx, data, file_name, settings, report, lambda done: progress("check", done, estimate)):
        pass
    progress("check", report.total, report.total)
    if report.total == 0:
        raise ValidationFailed({"file": [NO_DATA_ROWS]})
    report.summary = kind.summarize(ctx)
    report.extra = kind.report_extra(ctx)
    # The write pass starts from a fresh context; let this one go first unless ``finish`` needs it.
    last_ctx = ctx if kind.finishes else None
    ctx = None

    blocked = report.rejected_rows and not skip_rejected
    if before_write is not None:
        before_write()
    changed = 0
    if not dry_run and not blocked and (report.new or report.updated):  # all unchanged: nothing to write
        accepted = report.new + report.updated + report.unchanged
        progress("write", 0, accepted)  # before the first write: on SQLite none can be reported after it
        ctx = _begin(kind, session, actor, settings, options)
        again = ImportReport(kind=kind.name, file_name=file_name, file_sha256=report.file_sha256, profile=profile_name)
        # Each record keeps its own history rows; the operation log gets one entry for the batch.
        with bulk_changes() as log:
            for done, (row_no, values, status) in enumerate(
                    _checked_rows(kind, ctx, data, file_name, settings, again, _noop_done), start=1):
                if status != "unchanged":
                    try:
                        kind.apply(ctx, values, status)
                    except ValidationFailed as exc:
                        messages = " ".join(m for msgs in exc.errors.values() for m in msgs)
                        raise ValidationFailed({"file": [f"{row_no} 行目を書き込めませんでした: {messages}"]}) from None
                if done % WRITE_CHUNK == 0:
                    kind.flush(ctx)
                    progress("write", done, accepted)
            kind.flush(ctx)
            progress("write", accepted, accepted)
        changed = log.changed
        last_ctx = ctx if kind.finishes else None
    report.committed = not dry_run and not blocked
    if report.committed and last_ctx is not None:
        if batch is None:
            batch = _new_batch(session, actor, kind, report)
            session.flush()
        with bulk_changes() as log:
            kind.finish(session, actor, last_ctx, batch, report)
        changed += log.changed
    _record_batch(session, actor, kind, report, batch, skip_rejected, changed)
    return report


def _noop_done(_done: int) -> None:
    return None


def _begin(kind: ImportKind, session: Session, actor, settings: dict, options: dict[str, bool]):
    ctx = kind.begin(session, actor)
    kind.configure(ctx, settings, options)
    return ctx


def open_rows(data: bytes, file_name: str, settings: dict, kind: ImportKind):
    """The file's data rows after the skipped rows and the header, and the field → column index mapping.

    :raises ValidationFailed: the file cannot be read or its columns do not match the profile.
    """
    try:
        table = read_table(data, file_name, settings["encoding"])
        rows = iter(table.rows)
        for _ in range(settings["skip_rows"]):
            next(rows, None)
        header = None
        if settings["has_header"]:
            first = next(rows, None)
            if first is None:
                raise ValidationFailed({"file": ["ファイルに見出し行がありません（空のファイルです）。"]})
            header = first[1]
    except FileUnreadable as exc:
        raise ValidationFailed({"file": [str(exc)]}) from None
    optional = {f.name for f in kind.fields if not f.required}
    columns, problems = map_columns(header, settings["columns"], optional=optional)
    if problems:
        raise ValidationFailed({"file": problems})
    return table.encoding, _guarded(rows), columns


def _guarded(rows):
    """Rows, with a decoding or Excel error met half-way turned into the same Japanese message."""
    try:
        yield from rows
    except FileUnreadable as exc:
        raise ValidationFailed({"file": [str(exc)]}) from None


def preflight(data: bytes, file_name: str, settings: dict, kind: ImportKind) -> None:
    """Refuse at once (before a job is queued) a file that cannot be read, whose columns do not match the
    profile, or that has no data rows; reads only up to the first data row."""
    _, rows, _ = open_rows(data, file_name, settings, kind)
    if not any(any(c.strip() for c in cells) for _, cells in rows):
        raise ValidationFailed({"file": [NO_DATA_ROWS]})


def _checked_rows(kind: ImportKind, ctx, data: bytes, file_name: str, settings: dict, report: ImportReport,
                  tick: Callable[[int], None]):
    """Yield ``(row number, values, status)`` for every accepted row, counting and recording rejections in
    ``report`` as it goes. Rows go by chunks of ``WRITE_CHUNK``: each is parsed and checked, then the kind
    loads the stored records the chunk needs (``prefetch``) and compares; no more than a chunk is kept."""
    report.encoding, rows, columns = open_rows(data, file_name, settings, kind)
    seen_keys: dict[tuple, int] = {}
    chunk: list[tuple[int, list[str], dict]] = []
    for done, (row_no, cells) in enumerate(rows, start=1):
        if done % PROGRESS_EVERY == 0:
            tick(done)
        if not any(c.strip() for c in cells):
            continue  # blank lines are not rows
        report.total += 1
        values, errors = _parse_row(kind, cells, columns, settings)
        if not errors:
            key = tuple(values.get(k) for k in settings["keys"])
            if key in seen_keys:
                raw = "・".join(_cell(cells, columns.get(k)) for k in settings["keys"])
                errors.append(Rejection(row_no, "", raw, f"同じキー（{'・'.join(map(str, key))}）の行が "
                                                         f"{seen_keys[key]} 行目にもあります。"))
            else:
                seen_keys[key] = row_no
        if not errors:
            values["_row"] = row_no  # the spreadsheet row number, for kinds that name other rows in messages
            try:
                kind.check(ctx, values)
            except RowRejected as exc:
                errors.append(Rejection(row_no, exc.column, _raw_of(kind, cells, columns, exc), str(exc)))
        if errors:
            report.reject(row_no, errors)
            continue
        chunk.append((row_no, cells, values))
        if len(chunk) >= WRITE_CHUNK:
            yield from _compared(kind, ctx, chunk, columns, report)
            chunk = []
    yield from _compared(kind, ctx, chunk, columns, report)


def _compared(kind: ImportKind, ctx, chunk: list, columns: dict[str, int], report: ImportReport):
    kind.prefetch(ctx, [values for _, _, values in chunk])
    for row_no, cells, values in chunk:
        try:
            status = kind.compare(ctx, values)
        except RowRejected as exc:
            report.reject(row_no, [Rejection(row_no, exc.column, _raw_of(kind, cells, columns, exc), str(exc))])
            continue
        setattr(report, status, getattr(report, status) + 1)
        yield row_no, values, status


def _cell(cells: list[str], index: int | None) -> str:
    return cells[index] if index is not None and index < len(cells) else ""


def _raw_of(kind: ImportKind, cells: list[str], columns: dict[str, int], exc: RowRejected) -> str:
    """The file's own text of the cell a row check named (by field label or name), for the report."""
    if exc.value is not None:
        return exc.value
    spec = next((f for f in kind.fields if exc.column in (f.label, f.name)), None)
    return _cell(cells, columns.get(spec.name)) if spec is not None else ""


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


def _new_batch(session, actor, kind, report: ImportReport) -> ImportBatch:
    batch = ImportBatch(kind=kind.name, profile_name=report.profile, file_name=report.file_name[:255],
                        file_sha256=report.file_sha256, user_id=getattr(actor, "id", None),
                        login_id=getattr(actor, "login_id", None), started_at=utcnow(),
                        options=canonical_json(report.options) if any(report.options.values()) else None)
    session.add(batch)
    return batch


def _record_batch(session, actor, kind, report: ImportReport, batch: ImportBatch | None, skip_rejected: bool,
                  changed: int) -> None:
    if batch is None:
        batch = _new_batch(session, actor, kind, report)
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
