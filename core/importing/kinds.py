"""Import kinds: what a kind of file feeds (fields and their types) and how its rows become records.

A feature package defines a subclass of ``ImportKind`` and registers it from its ``init_app``; the
framework (``runner.py``) does decoding, column mapping, parsing, the dry run, the report and the batch
record, so a kind only says how to look up, compare and write one row.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

FIELD_TYPES = ("text", "name", "code", "date", "amount", "int", "bool", "email")
TRUE_WORDS = {"1", "true", "yes", "y", "有効", "はい", "○", "〇", "on"}
FALSE_WORDS = {"0", "false", "no", "n", "無効", "いいえ", "×", "off"}
#: A kind keeps at most this many ``warnings`` in its report (``report_extra``) and gives their exact number as
#: ``warning_count``: a file of ten years can warn on every row.
MAX_STORED_WARNINGS = 5000


class RowRejected(ValueError):
    """A row (or one of its cells) cannot be imported; ``column`` names the field, message is Japanese.

    ``value`` is the offending text for the report; left None, the runner reports the named column's cell."""

    def __init__(self, message: str, column: str = "", value: str | None = None):
        super().__init__(message)
        self.column = column
        self.value = value


@dataclass(frozen=True)
class ImportOption:
    """A choice made for one import of a kind (e.g. whether records the file refers to and Keiyaku lacks are
    created from the file): a checkbox on the upload screen and a flag on the command line (``name``
    ``create_missing_things`` → ``--create-missing-things``). Off by default."""

    name: str
    label: str
    help: str = ""

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    type: str = "text"
    required: bool = False
    max_length: int | None = None
    help: str = ""

    def parse(self, raw: str, profile: dict) -> Any:
        """Turn the cell text into a value of the field's type; empty → None. Raises RowRejected."""
        from core import jp

        text = (raw or "").strip()
        if not text:
            if self.required:
                raise RowRejected(f"{self.label}が空です。", self.label)
            return None
        try:
            value = self._convert(text, profile, jp)
        except jp.JpParseError as exc:
            raise RowRejected(str(exc), self.label) from None
        if isinstance(value, str) and self.max_length and len(value) > self.max_length:
            raise RowRejected(f"{self.label}は {self.max_length} 文字以内です（{len(value)} 文字）。", self.label)
        return value

    def _convert(self, text: str, profile: dict, jp) -> Any:
        if self.type == "name":
            return jp.normalize_name(text)
        if self.type == "code":
            return jp.normalize_code(text)
        if self.type == "date":
            style = profile.get("date_style", "auto")
            return jp.parse_date(text, style=None if style == "auto" else style)
        if self.type == "amount":
            amount = jp.parse_amount(text)
            return amount * 1000 if profile.get("number_style") == "thousand_yen" else amount
        if self.type == "int":
            normalized = jp.normalize_code(text).replace(",", "")
            if not normalized.lstrip("-").isdigit():
                raise RowRejected(f"{self.label}「{text}」は整数ではありません。", self.label)
            return int(normalized)
        if self.type == "bool":
            word = jp.normalize_code(text).lower()
            if word in TRUE_WORDS:
                return True
            if word in FALSE_WORDS:
                return False
            raise RowRejected(f"{self.label}「{text}」は「有効」か「無効」（1/0）で指定してください。", self.label)
        if self.type == "email":
            address = jp.normalize_code(text)
            if "@" not in address or " " in address or address.startswith("@") or "." not in address.split("@")[-1]:
                raise RowRejected(f"{self.label}「{text}」はメールアドレスの形式ではありません。", self.label)
            return address
        return text


class ImportKind(ABC):
    """One kind of file. Subclasses set the class attributes and implement the row hooks."""

    name: str = ""
    label: str = ""
    fields: tuple[FieldSpec, ...] = ()
    key_fields: tuple[str, ...] = ()
    #: Built-in profiles: name → settings (see ``profiles.validate_settings``).
    builtin_profiles: dict[str, dict] = {}
    #: What the user must do after new rows were committed, shown on the batch page (None: nothing).
    after_new_rows: str | None = None
    #: Choices made per import (``ImportOption``); the runner gives their values to ``configure``.
    options: tuple[ImportOption, ...] = ()
    #: Profile settings of this kind beyond the common ones (name → default), checked by ``check_settings``:
    #: e.g. how a source system's words map to the kind's codes, so a new source is a profile edit.
    extra_settings: dict[str, Any] = {}
    #: Columns of the report's ``warnings`` besides ``row`` and ``message``: (key, Japanese heading).
    warning_fields: tuple[tuple[str, str], ...] = ()

    @abstractmethod
    def can_import(self, actor) -> bool:
        """Whether ``actor`` may import this kind (None = the command line)."""

    @abstractmethod
    def begin(self, session, actor) -> Any:
        """Load what the rows are compared with (e.g. existing records by key); returns a context."""

    def configure(self, ctx, settings: dict, options: dict[str, bool]) -> None:  # noqa: B027 (optional hook)
        """Called right after ``begin`` in each pass with the profile's validated settings (``extra_settings``
        included) and the values of ``options`` chosen for this import."""

    def check_settings(self, settings: dict) -> list[str]:
        """Japanese problems of the ``extra_settings`` values of a profile (empty when they are fine)."""
        return []

    def option_values(self, chosen) -> dict[str, bool]:
        """Every option of the kind with its value, from ``chosen`` (names or a name → value mapping).

        :raises ValidationFailed: a chosen name is not an option of this kind."""
        from core.errors import ValidationFailed

        chosen = dict(chosen) if isinstance(chosen, dict) else {name: True for name in (chosen or ())}
        known = {o.name for o in self.options}
        unknown = sorted(name for name, value in chosen.items() if value and name not in known)
        if unknown:
            raise ValidationFailed({"options": [f"{self.label}には「{'、'.join(unknown)}」の指定はありません。"]})
        return {o.name: bool(chosen.get(o.name)) for o in self.options}

    def check(self, ctx, values: dict) -> None:  # noqa: B027 (optional hook: most kinds need no extra checks)
        """Business checks beyond the field types; raise RowRejected naming the column.

        ``values["_row"]`` is the row's number as a spreadsheet shows it (header = 1).
        """

    def prefetch(self, ctx, rows: list[dict]) -> None:  # noqa: B027 (optional hook)
        """Load the stored records the next ``compare`` and ``apply`` calls need, for a chunk of checked rows
        (``runner.WRITE_CHUNK``): one query per table per chunk, never all records of a big table at once."""

    @abstractmethod
    def compare(self, ctx, values: dict) -> str:
        """``new``, ``updated`` or ``unchanged`` for a valid row."""

    @abstractmethod
    def apply(self, ctx, values: dict, status: str) -> None:
        """Write one new or updated row through the feature's services (they record history and log)."""

    def flush(self, ctx) -> None:  # noqa: B027 (optional hook)
        """Called every ``runner.WRITE_CHUNK`` written rows and after the last: write what ``apply`` queued and
        let go of written records, so memory does not grow with the file (``core.history.BulkWriter.write``)."""

    def finish(self, session, actor, ctx, batch, report) -> None:  # noqa: B027 (optional hook)
        """Once after a committed import, also one whose rows were all unchanged (nothing else was written), in
        the same transaction and before the batch's report is stored: what the file means beyond its rows, e.g.
        flag the stored records a newer file no longer holds. ``ctx`` is the context of the last pass (its
        ``compare`` saw every accepted row), ``batch`` the ``ImportBatch`` (with its id), ``report`` the
        ``runner.ImportReport`` (a kind may add to its ``summary``). Writes go through the feature's services;
        their history rows are bulk rows counted with the batch's."""

    @property
    def finishes(self) -> bool:
        """Whether the kind has a ``finish`` step (the runner then keeps the checked context for it)."""
        return type(self).finish is not ImportKind.finish

    def report_extra(self, ctx) -> dict[str, Any]:
        """Keys the kind adds to the top level of the report (and its JSON), from the checked context of the
        dry run or commit, e.g. ``{"matched": {...}, "warnings": [{"row", "message", ...}]}``. A ``warnings`` list
        is shown on the batch page as a table (``row``, the ``warning_fields``, ``message``); ``finish`` may
        still add to ``report.extra``."""
        return {}

    def summarize(self, ctx) -> dict[str, dict[str, int]]:
        """Counts for the verification checklist, e.g. ``{"区分別": {"建設工事": 40}, "地域別": {...}}``, over the
        accepted rows (rows are not kept: a kind counts them in ``compare``). Shown on the report, printed by
        the CLI and written to the JSON report."""
        return {}

    def field(self, name: str) -> FieldSpec:
        return next(f for f in self.fields if f.name == name)


_KINDS: dict[str, ImportKind] = {}


def register_kind(kind: ImportKind) -> None:
    _KINDS[kind.name] = kind


def get_kind(name: str) -> ImportKind | None:
    return _KINDS.get(name)


def all_kinds() -> list[ImportKind]:
    return list(_KINDS.values())
