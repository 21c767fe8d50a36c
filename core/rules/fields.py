"""Typed fields of a rule's schema: parse what an administrator typed, store it as JSON, show it back.

Every field parses both form text (``"97"``, full-width digits, ``"on"``) and typed values (``Decimal``,
``int``, ``bool``) and reports problems as Japanese messages that name the field (SPEC NF9). Stored JSON is
plain: percents and decimals as strings (no float rounding), integers as numbers, booleans, strings; a
table is an object keyed by each row's name.
"""

from __future__ import annotations

import re
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

Errors = dict[str, list[str]]

TRUE_WORDS = {"1", "y", "yes", "on", "true"}
FALSE_WORDS = {"", "0", "n", "no", "off", "false"}


def add_error(errors: Errors, key: str, message: str) -> None:
    errors.setdefault(key, []).append(message)


def normalize_text(raw: Any) -> str:
    """NFKC: full-width digits, ％ and ． become ASCII (IME input)."""
    return unicodedata.normalize("NFKC", str(raw)).strip()


def decimal_text(value: Decimal) -> str:
    """``Decimal`` as plain text without exponent or trailing zeros: 97.50 → "97.5", 1E+2 → "100"."""
    return format(value.normalize(), "f")


class Field(ABC):
    """One named value of a rule. Subclasses define ``kind`` and the conversions."""

    kind = "text"

    def __init__(self, name: str, label: str, *, unit: str = "", hint: str = "", group: str = "",
                 required: bool = True):
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", name):
            raise ValueError(f"field name {name!r} must be snake_case ASCII")
        self.name, self.label, self.unit, self.hint, self.group, self.required = name, label, unit, hint, group, required

    # --- conversions ------------------------------------------------------------------------------
    @abstractmethod
    def parse(self, raw: Any, errors: Errors, key: str) -> Any:
        """Return the typed value, or ``None`` after adding a message under ``key``."""

    def dump(self, value: Any) -> Any:
        return value

    def load(self, stored: Any) -> Any:
        return stored

    def to_raw(self, value: Any) -> str:
        """Text for a form input."""
        return "" if value is None else str(value)

    def format(self, value: Any) -> str:
        """Text for a page."""
        return f"{value}{self.unit_suffix}" if value is not None else "—"

    @property
    def unit_suffix(self) -> str:
        return f" {self.unit}" if self.unit and self.unit.isascii() else self.unit

    def limits(self) -> str:
        """Human description of the accepted values, shown as the input's hint."""
        return ""

    def _missing(self, raw: Any) -> bool:
        return raw is None or (isinstance(raw, str) and raw.strip() == "")

    def _required_message(self) -> str:
        return f"{self.label}を入力してください。"


class DecimalField(Field):
    """A decimal number such as a rate in percent (``97`` means 97/100); at most ``places`` decimals."""

    kind = "decimal"

    def __init__(self, name, label, *, minimum: Decimal | str, maximum: Decimal | str, places: int = 2, **kw):
        super().__init__(name, label, **kw)
        self.minimum, self.maximum, self.places = Decimal(minimum), Decimal(maximum), places

    def parse(self, raw, errors, key):
        if self._missing(raw):
            add_error(errors, key, self._required_message())
            return None
        if isinstance(raw, Decimal):
            value = raw
        elif isinstance(raw, int) and not isinstance(raw, bool):
            value = Decimal(raw)
        elif isinstance(raw, str):
            text = normalize_text(raw).replace(",", "").removesuffix("%").strip()
            try:
                value = Decimal(text)
            except InvalidOperation:
                add_error(errors, key, f"{self.label}は数値で入力してください（入力値: {raw}）。")
                return None
        else:
            add_error(errors, key, f"{self.label}は数値で指定してください。")
            return None
        if not value.is_finite():
            add_error(errors, key, f"{self.label}は数値で入力してください。")
            return None
        if not self.minimum <= value <= self.maximum:
            add_error(errors, key, f"{self.label}は {self.limits()}で入力してください（入力値: {decimal_text(value)}）。")
            return None
        if -value.normalize().as_tuple().exponent > self.places:
            add_error(errors, key, f"{self.label}の小数点以下は {self.places} 桁までです（入力値: {decimal_text(value)}）。")
            return None
        return Decimal(decimal_text(value))

    def dump(self, value):
        return decimal_text(value)

    def load(self, stored):
        return Decimal(stored)

    def to_raw(self, value):
        return "" if value is None else decimal_text(Decimal(value))

    def format(self, value):
        return "—" if value is None else f"{decimal_text(Decimal(value))}{self.unit_suffix}"

    def limits(self):
        return f"{decimal_text(self.minimum)}〜{decimal_text(self.maximum)}{self.unit_suffix}（小数点以下 {self.places} 桁まで）"


def PercentField(name: str, label: str, *, minimum="0", maximum="100", places: int = 2, **kw) -> DecimalField:  # noqa: N802
    """A rate in percent: the stored ``97`` means × 97/100."""
    return DecimalField(name, label, minimum=minimum, maximum=maximum, places=places, unit="%", **kw)


class IntField(Field):
    kind = "int"

    def __init__(self, name, label, *, minimum: int, maximum: int, **kw):
        super().__init__(name, label, **kw)
        self.minimum, self.maximum = minimum, maximum

    def parse(self, raw, errors, key):
        if self._missing(raw):
            add_error(errors, key, self._required_message())
            return None
        if isinstance(raw, bool):
            add_error(errors, key, f"{self.label}は整数で入力してください。")
            return None
        if isinstance(raw, int):
            value = raw
        else:
            text = normalize_text(raw).replace(",", "")
            if not re.fullmatch(r"[+-]?\d{1,12}", text):
                add_error(errors, key, f"{self.label}は整数で入力してください（入力値: {raw}）。")
                return None
            value = int(text)
        if not self.minimum <= value <= self.maximum:
            add_error(errors, key, f"{self.label}は {self.limits()}で入力してください（入力値: {value}）。")
            return None
        return value

    def format(self, value):
        return "—" if value is None else f"{value:,}{self.unit_suffix}"

    def limits(self):
        return f"{self.minimum:,}〜{self.maximum:,}{self.unit_suffix}の整数"


class BoolField(Field):
    kind = "bool"

    def __init__(self, name, label, *, true_text: str = "はい", false_text: str = "いいえ", **kw):
        super().__init__(name, label, **kw)
        self.true_text, self.false_text = true_text, false_text

    def parse(self, raw, errors, key):
        if isinstance(raw, bool):
            return raw
        if raw is None:
            add_error(errors, key, f"{self.label}を指定してください。")
            return None
        text = normalize_text(raw).lower()
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        add_error(errors, key, f"{self.label}は「{self.true_text}」か「{self.false_text}」で指定してください。")
        return None

    def to_raw(self, value):
        return "y" if value else ""

    def format(self, value):
        return "—" if value is None else (self.true_text if value else self.false_text)


class ChoiceField(Field):
    """One of fixed values (ints or short codes), each with a Japanese label."""

    kind = "choice"

    def __init__(self, name, label, *, choices: tuple[tuple[Any, str], ...], **kw):
        super().__init__(name, label, **kw)
        self.choices = tuple(choices)

    def parse(self, raw, errors, key):
        if self._missing(raw):
            add_error(errors, key, f"{self.label}を選んでください。")
            return None
        for value, _label in self.choices:
            if raw == value or (not isinstance(raw, bool) and normalize_text(raw) == str(value)):
                return value
        add_error(errors, key, f"{self.label}は {self.limits()} から選んでください。")
        return None

    def label_of(self, value) -> str:
        return next((label for v, label in self.choices if v == value), str(value))

    def format(self, value):
        return "—" if value is None else self.label_of(value)

    def limits(self):
        return "・".join(label for _v, label in self.choices)


class TextField(Field):
    """Free text (a label, a pattern). ``check`` returns extra messages for a non-empty value."""

    kind = "text"

    def __init__(self, name, label, *, max_length: int = 100, check: Callable[[str], list[str]] | None = None,
                 mono: bool = False, multiline: bool = False, **kw):
        super().__init__(name, label, **kw)
        self.max_length, self.check, self.mono, self.multiline = max_length, check, mono, multiline

    def parse(self, raw, errors, key):
        text = "" if raw is None else unicodedata.normalize("NFC", str(raw)).strip()
        if self.multiline:  # one line per entry: blank lines and trailing spaces dropped
            text = "\n".join(line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip())
        if not text:
            if self.required:
                add_error(errors, key, self._required_message())
                return None
            return ""
        if len(text) > self.max_length:
            add_error(errors, key, f"{self.label}は {self.max_length} 文字以内で入力してください（現在 {len(text)} 文字）。")
            return None
        if any(not c.isprintable() and not (self.multiline and c == "\n") for c in text):
            add_error(errors, key, f"{self.label}に{'' if self.multiline else '改行や'}制御文字は使えません。")
            return None
        problems = self.check(text) if self.check else []
        for message in problems:
            add_error(errors, key, f"{self.label}: {message}")
        return None if problems else text

    def limits(self):
        return f"{self.max_length} 文字以内"


class TableField(Field):
    """Named rows with the same columns, e.g. each deadline. Stored as ``{row_name: {column: value}}``.

    Form input is a list of row mappings (``name`` plus the columns, optional ``delete``); rows left blank are
    ignored. Error keys are ``"<field>-<row index>-<column>"`` so a view can show them beside the cell.
    """

    kind = "table"
    NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]{1,39}")

    def __init__(self, name, label, *, columns: tuple[Field, ...], name_label: str = "識別名",
                 max_rows: int = 50, **kw):
        super().__init__(name, label, **kw)
        self.columns, self.name_label, self.max_rows = tuple(columns), name_label, max_rows

    def cell_key(self, index: int, column: str) -> str:
        return f"{self.name}-{index}-{column}"

    def parse(self, raw, errors, key):
        if raw is None:
            add_error(errors, key, self._required_message())
            return None
        rows = [{"name": n, **r} for n, r in raw.items()] if isinstance(raw, Mapping) else list(raw)
        result: dict[str, dict] = {}
        ok = True
        for index, row in enumerate(rows):
            if not isinstance(row, Mapping):
                add_error(errors, key, f"{self.label}の {index + 1} 件目の形式が正しくありません。")
                ok = False
                continue
            if self._is_blank_row(row) or BoolField("delete", "削除").parse(row.get("delete", False), {}, "") is True:
                continue
            row_name = normalize_text(row.get("name") or "")
            if not self.NAME_PATTERN.fullmatch(row_name):
                add_error(errors, self.cell_key(index, "name"),
                          f"{self.label}の {index + 1} 件目: {self.name_label}は半角英小文字で始まる英小文字・数字・_ の"
                          "2〜40 文字にしてください。")
                ok = False
            elif row_name in result:
                add_error(errors, self.cell_key(index, "name"),
                          f"{self.label}の {index + 1} 件目: {self.name_label}「{row_name}」が重複しています。")
                ok = False
            parsed = {}
            for column in self.columns:
                cell_errors: Errors = {}
                value = column.parse(row.get(column.name), cell_errors, self.cell_key(index, column.name))
                for cell_key, messages in cell_errors.items():
                    for message in messages:
                        add_error(errors, cell_key, f"{self.label}の {index + 1} 件目: {message}")
                ok = ok and not cell_errors
                parsed[column.name] = value
            if ok:
                result[row_name] = parsed
        if ok and not result and self.required:
            add_error(errors, key, f"{self.label}を 1 件以上入力してください。")
            return None
        if len(result) > self.max_rows:
            add_error(errors, key, f"{self.label}は {self.max_rows} 件までです。")
            return None
        return result if ok else None

    def dump(self, value):
        return {name: {c.name: c.dump(row[c.name]) for c in self.columns} for name, row in value.items()}

    def load(self, stored):
        return {name: {c.name: c.load(row[c.name]) for c in self.columns} for name, row in stored.items()}

    def format(self, value):
        if not value:
            return "—"
        return "／".join(f"{row.get('label', name)}" for name, row in value.items())

    def format_row(self, row: Mapping) -> list[tuple[str, str]]:
        return [(c.label, c.format(row.get(c.name))) for c in self.columns]

    def _is_blank_row(self, row: Mapping) -> bool:
        """No name and nothing typed (check boxes and drop-downs carry defaults, so they do not count)."""
        typed = ["name"] + [c.name for c in self.columns if not isinstance(c, BoolField | ChoiceField)]
        return all(row.get(k) is None or (isinstance(row.get(k), str) and row[k].strip() == "") for k in typed)
