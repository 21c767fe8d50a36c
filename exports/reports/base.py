"""What a report (帳票) is: its parameters, and the plain tabular document it builds for the renderers.

A ``ReportDefinition`` reads data (through the feature packages' ``queries.py``) and returns a ``Document``:
title, a conditions line, column specs and rows of plain values. ``render_pdf`` and ``render_xlsx`` turn any
``Document`` into a file, so one definition gives both formats, the preview, the downloads and the CLI.
Rows may be a list or a generator; the renderers read them page by page (PDF) and row by row (Excel), so a report's
length is bounded by ``ReportDefinition.max_rows`` (time and paper), not by memory.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from core.auth.roles import Role
from core.errors import ValidationFailed
from core.permissions import ADMIN_ONLY
from core.timefmt import today

from .formdoc import FormDocument
from .rows import RowStore, TooManyRows

PARAM_TYPES = ("date", "choice", "text")
COLUMN_TYPES = ("text", "int", "yen", "date", "datetime")
#: Query-string names the views use themselves; a report parameter may not take them.
RESERVED_NAMES = frozenset({"inline", "format", "page", "csrf_token"})
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
#: The default row limit of a report (see ``ReportDefinition.max_rows``).
MAX_ROWS = 100_000


@dataclass(frozen=True)
class Param:
    """One parameter of a report, e.g. ``Param("date_from", "期間（開始日）", "date", required=True)``.

    ``choices`` is a sequence of ``(value, label)`` or a callable ``(session) -> sequence`` for choices read
    from the database. ``default`` (a value or a callable ``(today) -> value``) pre-fills the preview page only;
    a required parameter must still be given on download URLs and on the command line.
    """

    name: str
    label: str
    type: str = "text"
    required: bool = False
    choices: Sequence[tuple[str, str]] | Callable[[Any], Sequence[tuple[str, str]]] = ()
    default: Any = None
    hint: str = ""
    max_length: int = 100

    def __post_init__(self):
        if self.type not in PARAM_TYPES:
            raise ValueError(f"parameter {self.name}: type must be one of {PARAM_TYPES}")
        if not _NAME.match(self.name) or self.name in RESERVED_NAMES:
            raise ValueError(f"parameter name {self.name!r} is not allowed")

    def choice_list(self, session) -> list[tuple[str, str]]:
        if callable(self.choices):
            return [(str(v), str(label)) for v, label in self.choices(session)]
        return [(str(v), str(label)) for v, label in self.choices]

    def default_value(self, today: date):
        return self.default(today) if callable(self.default) else self.default


@dataclass(frozen=True)
class Column:
    """A table column: header label, value type and relative width.

    Types: ``text`` (wraps), ``int`` (``1,234``), ``yen`` (``1,234,000``; "（円）" is added to the header),
    ``date``, ``datetime`` (Japan time, naive; ``seconds=True`` shows seconds).
    """

    label: str
    type: str = "text"
    width: float = 1.0
    seconds: bool = False

    def __post_init__(self):
        if self.type not in COLUMN_TYPES:
            raise ValueError(f"column {self.label}: type must be one of {COLUMN_TYPES}")
        if self.width <= 0:
            raise ValueError(f"column {self.label}: width must be positive")

    @property
    def header(self) -> str:
        if self.type == "yen" and "円" not in self.label:
            return f"{self.label}（円）"
        return self.label

    @property
    def numeric(self) -> bool:
        return self.type in ("int", "yen")


@dataclass
class Document:
    """Plain data of one tabular report, independent of the output format.

    Row values: ``str`` for text, ``int`` for int/yen, ``date`` for date, naive Japan-time ``datetime`` for
    datetime; ``None`` is an empty cell.
    """

    title: str
    columns: list[Column]
    #: A list, or any iterable such as a generator over a query: ``spool`` then keeps it in a ``RowStore``
    #: (a temporary file once large) instead of memory.
    rows: Sequence[Sequence[Any]] | Iterable[Sequence[Any]]
    #: The line under the title naming the conditions: ``[(label, value), ...]`` where a value is text, a
    #: ``date`` or a ``(date, date)`` period, formatted by the renderer ("期間: 令和7年4月1日 〜 令和7年4月30日");
    #: or a ready-made string.
    conditions: str | list[tuple[str, Any]] = ""
    #: None: the definition's orientation.
    landscape: bool | None = None
    font: str = "gothic"
    empty_message: str = "該当するデータはありません。"

    def __post_init__(self):
        if isinstance(self.rows, list | tuple):  # an iterator is checked while it is spooled
            width = len(self.columns)
            for i, row in enumerate(self.rows):
                if len(row) != width:
                    raise ValueError(f"row {i} has {len(row)} values for {width} columns")

    def spool(self, limit: int | None = None) -> Sequence[Sequence[Any]] | RowStore:
        """The rows as a sized collection that can be read more than once (a list stays a list, an iterator is
        read once into a ``RowStore``); ``TooManyRows`` if there are more than ``limit``."""
        rows = self.rows
        if not isinstance(rows, list | tuple | RowStore):
            self.rows = rows = RowStore(rows, len(self.columns), limit)
        elif limit is not None and len(rows) > limit:
            raise TooManyRows(limit, len(rows))
        return rows

    @property
    def count_label(self) -> str:
        """The size the preview and the command line report: ``全 1,234 件``."""
        return f"全 {len(self.spool()):,} 件"

    def close(self) -> None:
        """Drop the temporary file of spooled rows (also done when the document is garbage-collected)."""
        if isinstance(self.rows, RowStore):
            self.rows.close()


#: ``build(session, params, actor) -> Document | FormDocument``; ``actor`` is the requesting user (None from the
#: CLI), for reports that must limit data to the user's department.
Builder = Callable[[Any, dict[str, Any], Any], "Document | FormDocument"]


@dataclass(frozen=True)
class ReportDefinition:
    """One report. Register it with ``exports.reports.register(...)``; everything else follows."""

    name: str
    title: str
    params: tuple[Param, ...]
    build: Builder
    roles: frozenset[Role]
    description: str = ""
    landscape: bool = False
    #: Also refuse the report outside ``KEIYAKU_ADMIN_NETWORKS``. By default, as for routes: when only system
    #: administrators may use it (the reports of the administration screens).
    admin_network_only: bool | None = None
    #: A check across parameters, e.g. the length of a period: ``(params) -> {name: [message]}``.
    check: Callable[[dict[str, Any]], Mapping[str, list[str]]] | None = None
    #: More rows than this is refused with a message. Memory no longer depends on it (rows are spooled and
    #: rendered page by page), but time and paper do: 100,000 rows are ~4,000 A4 pages and ~30 s of one core.
    max_rows: int = MAX_ROWS

    def __post_init__(self):
        if not _NAME.match(self.name):
            raise ValueError(f"form name {self.name!r}: lower-case letters, digits and _ only")
        names = [p.name for p in self.params]
        if len(names) != len(set(names)):
            raise ValueError(f"form {self.name}: duplicate parameter names")
        object.__setattr__(self, "roles", frozenset(self.roles))
        if self.admin_network_only is None:
            object.__setattr__(self, "admin_network_only", self.roles == ADMIN_ONLY)

    @property
    def orientation_label(self) -> str:
        return "A4 横" if self.landscape else "A4 縦"

    def may_use(self, user) -> bool:
        return bool(user is not None and user.is_authenticated and user.is_active and user.has_role(*self.roles))

    def default_args(self, today: date) -> dict[str, str]:
        """Query-string values that pre-fill the preview page when it is opened without parameters."""
        args = {}
        for p in self.params:
            value = p.default_value(today)
            if value is not None:
                args[p.name] = value.isoformat() if isinstance(value, date) else str(value)
        return args

    def parse(self, raw: Mapping[str, str], session, *, unknown: str = "ignore") -> dict[str, Any]:
        """Check and convert raw string values; raises ``ValidationFailed({param: [Japanese message]})``.

        ``unknown="error"`` (the CLI) refuses names the report does not have; the web ignores them.
        """
        errors: dict[str, list[str]] = {}
        values: dict[str, Any] = {}
        if unknown == "error":
            known = {p.name for p in self.params}
            for name in raw:
                if name not in known:
                    allowed = "、".join(sorted(known)) or "なし"
                    errors.setdefault("", []).append(
                        f"パラメータ「{name}」はこの帳票にはありません（指定できるもの: {allowed}）。")
        for p in self.params:
            text = str(raw.get(p.name) or "")
            text = (text if p.type == "text" else unicodedata.normalize("NFKC", text)).strip()
            if not text:
                if p.required:
                    errors[p.name] = [f"{p.label}を指定してください。"]
                    continue
                fallback = p.default_value(today()) if p.type == "choice" else None
                if not fallback:
                    values[p.name] = None if p.type == "date" else ""
                    continue
                text = str(fallback)
            try:
                values[p.name] = _convert(p, text, session)
            except ValueError as exc:
                errors[p.name] = [str(exc)]
        if not errors and self.check is not None:
            for name, messages in (self.check(values) or {}).items():
                if messages:
                    errors.setdefault(name, []).extend(messages)
        if errors:
            raise ValidationFailed(errors)
        return values

    def args_of(self, values: Mapping[str, Any]) -> dict[str, str]:
        """Parsed values back to query-string form (for the download links and the audit log)."""
        args = {}
        for p in self.params:
            value = values.get(p.name)
            if value is None or value == "":
                continue
            args[p.name] = value.isoformat() if isinstance(value, date) else str(value)
        return args

    def produce(self, session, values: dict[str, Any], actor=None) -> Document | FormDocument:
        """Build the document for parsed ``values``; the orientation defaults to the definition's (a
        ``FormDocument`` is always portrait and has no row limit)."""
        document = self.build(session, values, actor)
        if document.landscape is None:
            document.landscape = self.landscape
        try:
            document.spool(self.max_rows)
        except TooManyRows as exc:
            count = f"（{exc.count:,} 件）" if exc.count is not None else ""
            raise ValidationFailed({"": [f"該当件数{count}が帳票の上限（{self.max_rows:,} 件）を超えています。"
                                         "条件を絞り込んでください。"]}) from None
        return document


def _convert(p: Param, text: str, session):
    if p.type == "date":
        return parse_date(text, p.label)
    if p.type == "choice":
        allowed = p.choice_list(session)
        if text not in {v for v, _ in allowed}:
            labels = "、".join(f"{v}（{label}）" if v != label else v for v, label in allowed if v)
            raise ValueError(f"{p.label}の値「{text}」は選べません（指定できるもの: {labels}）。")
        return text
    if len(text) > p.max_length:
        raise ValueError(f"{p.label}は {p.max_length} 文字以内で指定してください。")
    return text


def parse_date(text: str, label: str) -> date:
    """西暦 or 和暦 (``2026-04-01``, ``2026/4/1``, ``令和8年4月1日``, ``R8.4.1``); the message names the parameter."""
    from core.inputs import check_date
    from core.jp import JpParseError
    from core.jp import parse_date as jp_parse_date

    try:
        value = jp_parse_date(text)
    except JpParseError as exc:
        raise ValueError(f"{label}「{exc.text}」を日付として読み取れません: {exc.reason}") from None
    return check_date(value, label)


def period_check(start: str, end: str, max_days: int) -> Callable[[dict[str, Any]], dict[str, list[str]]]:
    """A ``check`` for a date range: end not before start, at most ``max_days`` days including both ends."""

    def check(values: dict[str, Any]) -> dict[str, list[str]]:
        first, last = values.get(start), values.get(end)
        if not isinstance(first, date) or not isinstance(last, date):
            return {}
        if last < first:
            return {end: ["期間の終了日は開始日以降の日付にしてください。"]}
        if (last - first).days + 1 > max_days:
            return {end: [f"期間は {max_days} 日以内で指定してください（指定: {(last - first).days + 1} 日）。"]}
        return {}

    return check




def clean_text(value: Any) -> str:
    """A cell's text without control characters (other than line breaks)."""
    if value is None:
        return ""
    text = str(value)
    if text.isprintable():  # the usual case, checked in C
        return text
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")


def label_for(choices: Iterable[tuple[str, str]], value: str, empty: str = "すべて") -> str:
    if not value:
        return empty
    return dict(choices).get(value, value)
