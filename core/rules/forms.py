"""Forms of the rules screens. The rule's own fields are rendered from its schema (``SchemaForm``); they are
sent as text and validated by the service, so every message names the field in Japanese."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from core.formtools import DateInputField, JapaneseForm

from .catalogue import RuleDefinition
from .fields import BoolField, ChoiceField, Field, TableField, TextField

PREFIX = "v-"
EXTRA_ROWS = 2


class RuleVersionForm(JapaneseForm):
    effective_from = DateInputField("適用開始日", validators=[DataRequired(message="適用開始日を入力してください。")])
    correction = BooleanField("同じ適用開始日の版の訂正として登録する")
    note = TextAreaField("登録の理由・根拠", validators=[
        DataRequired(message="登録の理由・根拠を入力してください（例: 令和8年3月の要領改正による）。"),
        Length(max=500, message="登録の理由・根拠は 500 文字以内で入力してください。")])


class LookupForm(JapaneseForm):
    class Meta:
        csrf = False

    on = DateInputField("基準日", validators=[Optional()])


class HolidayForm(JapaneseForm):
    day = DateInputField("日付", validators=[DataRequired(message="日付を入力してください。")])
    name = StringField("名称", validators=[DataRequired(message="名称を入力してください。"),
                                         Length(max=100, message="名称は 100 文字以内で入力してください。")])


class NationalHolidaysForm(JapaneseForm):
    year = HiddenField()
    vernal_equinox = DateInputField("春分の日", validators=[DataRequired(message="春分の日を入力してください。")])
    autumnal_equinox = DateInputField("秋分の日", validators=[DataRequired(message="秋分の日を入力してください。")])


class ConfirmForm(JapaneseForm):
    """A bare POST form: the CSRF token is its only field."""


# --- the rule's schema as inputs ---------------------------------------------------------------------

@dataclass
class Input:
    """One input of the schema form: ``key`` is the service's error key, ``id``/``name`` the HTML ones."""

    key: str
    field: Field
    raw: Any
    errors: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return PREFIX + self.key

    name = id

    @property
    def kind(self) -> str:
        return self.field.kind


@dataclass
class TableRow:
    index: int
    name: Input
    cells: list[Input]
    delete: bool = False
    is_new: bool = False

    @property
    def inputs(self) -> list[Input]:
        return [self.name, *self.cells]


@dataclass
class TableInput:
    key: str
    field: TableField
    rows: list[TableRow]
    errors: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return PREFIX + self.key

    kind = "table"


def _bool_raw(value) -> str:
    return "" if value is None else ("y" if value else "n")


def _raw(f: Field, value) -> Any:
    if isinstance(f, BoolField):
        return _bool_raw(value)
    return f.to_raw(value)


class SchemaForm:
    """Inputs for every field of ``definition``: prefilled from ``values`` or read back from ``formdata``."""

    def __init__(self, definition: RuleDefinition, *, values: dict | None = None, formdata=None):
        self.definition = definition
        self.inputs: list[Input | TableInput] = []
        for f in definition.fields:
            if isinstance(f, TableField):
                self.inputs.append(self._table(f, values, formdata))
            else:
                raw = formdata.get(PREFIX + f.name, "") if formdata is not None else _raw(f, (values or {}).get(f.name))
                self.inputs.append(Input(f.name, f, raw))

    def _table(self, f: TableField, values, formdata) -> TableInput:
        rows = []
        if formdata is not None:
            try:
                count = min(int(formdata.get(f"{PREFIX}{f.name}-rows", "0")), f.max_rows + EXTRA_ROWS)
            except ValueError:
                count = 0
            for i in range(max(count, 0)):
                get = lambda col, i=i: formdata.get(f"{PREFIX}{f.cell_key(i, col)}", "")  # noqa: E731
                rows.append(TableRow(i, Input(f.cell_key(i, "name"), _NAME, get("name")),
                                     [Input(f.cell_key(i, c.name), c, get(c.name)) for c in f.columns],
                                     delete=bool(get("delete")), is_new=bool(get("new"))))
        else:
            existing = ((values or {}).get(f.name) or {}).items()
            for i, (row_name, row) in enumerate(existing):
                rows.append(TableRow(i, Input(f.cell_key(i, "name"), _NAME, row_name),
                                     [Input(f.cell_key(i, c.name), c, _raw(c, row.get(c.name))) for c in f.columns]))
            for i in range(len(rows), len(rows) + EXTRA_ROWS):
                rows.append(TableRow(i, Input(f.cell_key(i, "name"), _NAME, ""),
                                     [Input(f.cell_key(i, c.name), c, _default_raw(c)) for c in f.columns], is_new=True))
        return TableInput(f.name, f, rows)

    def __iter__(self):
        """Every input with its errors, for the error summary (tables contribute their cells)."""
        for item in self.inputs:
            if isinstance(item, TableInput):
                yield item
                for row in item.rows:
                    yield from row.inputs
            else:
                yield item

    def groups(self) -> list[tuple[str, list]]:
        result: dict[str, list] = {}
        for item in self.inputs:
            result.setdefault(item.field.group, []).append(item)
        return list(result.items())

    def data(self) -> dict:
        """Values for ``add_rule_version``: text as typed; a table as a list of row mappings."""
        result = {}
        for item in self.inputs:
            if isinstance(item, TableInput):
                result[item.key] = [{"name": r.name.raw, "delete": r.delete, **{c.field.name: c.raw for c in r.cells}}
                                    for r in item.rows]
            else:
                result[item.key] = item.raw
        return result

    def apply_errors(self, errors: dict[str, list[str]]) -> list[str]:
        """Attach service errors to inputs; returns the messages that belong to none of them."""
        by_key = {item.key: item for item in self}
        general = []
        for key, messages in errors.items():
            target = by_key.get(key)
            if target is None:
                general.extend(messages)
            else:
                target.errors.extend(messages)
        return general


#: The name column of a table (validated by ``TableField`` itself; this only labels the input).
_NAME = TextField("name", "識別名", max_length=40, mono=True,
                  hint="半角英小文字で始まる英小文字・数字・_ の 2〜40 文字（例: answer_due）")


def _default_raw(f: Field) -> str:
    if isinstance(f, ChoiceField):
        return str(f.choices[0][0])
    if isinstance(f, BoolField):
        return "n"
    return ""
