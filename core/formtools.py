"""Helpers shared by views that use forms."""

from __future__ import annotations

from functools import lru_cache

from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import DateField, SelectField, SelectMultipleField, StringField
from wtforms.widgets import CheckboxInput, ListWidget

from core.errors import ValidationFailed
from core.inputs import MAX_INT, check_date, parse_int


def apply_errors(form, exc: ValidationFailed) -> list[str]:
    """Copy service errors onto form fields; returns the messages that belong to no field."""
    general = []
    for field_name, messages in exc.errors.items():
        field = getattr(form, field_name, None) if field_name else None
        if field is None or not hasattr(field, "errors"):
            general.extend(messages)
            continue
        field.errors = [*(field.errors or []), *messages]
    return general


def choices(pairs) -> list:
    """``[(value, label), ...]`` as WTForms ``SelectChoice`` objects (tuples are deprecated in WTForms 3.3)."""
    from wtforms.fields.choices import SelectChoice

    return [SelectChoice(value, label) for value, label in pairs]


class JapaneseForm(FlaskForm):
    """Base of every form: WTForms' own messages (e.g. an invalid date) in Japanese."""

    class Meta:
        locales = ("ja_JP", "ja")


class DateInputField(DateField):
    """A date input (``type=date`` sends ISO dates) that also reads dates typed as text where the browser has no
    date picker (令和8年4月1日, R8.4.1, 2026/4/1), with a Japanese error naming the field."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            from datetime import date

            from core.jp import JpParseError, format_date, parse_date

            try:
                self.data = parse_date(valuelist[0])
            except (JpParseError, ValueError, IndexError):
                example = format_date(date(2026, 4, 1))
                raise ValueError(f"{self.label.text}は正しい日付（例: {example}）で入力してください。") from None
        if self.data is not None:
            try:
                check_date(self.data, self.label.text)
            except ValueError:
                self.data = None  # a view that reads the field anyway gets no date, not one it cannot use
                raise


class IntegerSelectField(SelectField):
    """A select of numbers (a department id, a year). A value sent by hand that is no whole number in
    ``minimum``..``maximum`` is a field error naming the field, and the field keeps its default."""

    def __init__(self, label=None, validators=None, *, minimum: int = 0, maximum: int = MAX_INT, **kwargs):
        kwargs.setdefault("validate_choice", False)
        super().__init__(label, validators, coerce=int, **kwargs)
        self.minimum, self.maximum = minimum, maximum

    def process_formdata(self, valuelist):
        if valuelist:
            value = parse_int(valuelist[0], self.label.text, minimum=self.minimum, maximum=self.maximum)
            if value is not None:
                self.data = value


def render_select(field, **attrs) -> Markup:
    """A select box of a WTForms ``SelectField``, written directly: WTForms renders each option through its
    generic attribute writer, which costs a list page of 100 options a few milliseconds on a weak server.
    Same markup: ``id``, ``name``, the given attributes (``class_`` for class), ``selected`` on the chosen one."""
    attributes = {"id": field.id, **attrs, "name": field.name}
    if field.flags.required:
        attributes["required"] = True
    chosen = "" if field.data is None else str(field.data)
    options = "".join(_option(str(c.value), c.label, isinstance(c.label, Markup))[str(c.value) == chosen]
                      for c in field.choices)
    return Markup(f"<select {_attributes(attributes)}>{options}</select>")  # noqa: S704 (each part escaped)


def render_input(field, **attrs) -> Markup:
    """An ``<input>`` of a WTForms text or date field, written directly for the same reason as ``render_select``
    (a filter panel renders several on every list request). Same markup as ``field(**attrs)``."""
    widget = field.widget
    attrs.setdefault("id", field.id)
    attrs.setdefault("type", widget.input_type)
    if "value" not in attrs:
        attrs["value"] = field._value()
    flags = field.flags
    for name in getattr(widget, "validation_attrs", ()):
        if name not in attrs and getattr(flags, name, None) is not None:
            value = getattr(flags, name)
            attrs[name] = value() if callable(value) else value
    attrs["name"] = field.name
    return Markup(f"<input {_attributes(attrs)}>")  # noqa: S704 (escaped by _attributes)


def _attributes(attrs: dict) -> str:
    """``html_params`` of WTForms: sorted, ``class_`` → ``class``, ``data_x``/``aria_x`` → ``data-x``/``aria-x``,
    True bare, False and None left out, values escaped."""
    parts = []
    for key, value in sorted(attrs.items()):
        key = key.rstrip("_")
        if key.startswith(("data_", "aria_")):
            key = key.replace("_", "-")
        if value is True:
            parts.append(str(escape(key)))
        elif value is not False and value is not None:
            parts.append(f'{escape(key)}="{escape(value)}"')
    return " ".join(parts)


@lru_cache(maxsize=8192)
def _option(value: str, label, is_markup: bool) -> tuple[str, str]:
    """The markup of one option, plain and selected: code lists repeat on every list page, escaping them
    once per process instead of once per request. ``is_markup`` keeps a ``Markup`` label apart from the same
    text as a plain string in the cache (the one is written as it is, the other escaped)."""
    value, label = escape(value), escape(label)
    return f'<option value="{value}">{label}</option>', f'<option selected value="{value}">{label}</option>'


class AmountField(StringField):
    """An amount in whole yen typed as people write it (1,234,000 / １２３４０００ / 1,234,000円), read by
    ``core.jp.parse_amount``; anything else is a field error naming the field. ``data`` is an ``int`` or None."""

    def process_formdata(self, valuelist):
        from core.jp import JpParseError, parse_amount

        self.raw_text = (valuelist[0] if valuelist else "") or ""
        self.data = None
        if self.raw_text.strip():
            try:
                self.data = parse_amount(self.raw_text)
            except JpParseError:
                raise ValueError(f"{self.label.text}は円単位の整数で入力してください（例: 12,345,000）。") from None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return f"{self.data:,}" if isinstance(self.data, int) else ""


class MultiCheckboxField(SelectMultipleField):
    """A set of checkboxes (roles, ranks, areas) instead of a multiple select, easier with a keyboard and a
    screen reader."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
