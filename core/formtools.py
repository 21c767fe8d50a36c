"""Helpers shared by views that use forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import DateField, SelectField

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
    """A date input (``type=date`` sends ISO dates) whose error names the field in Japanese."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(f"{self.label.text}は正しい日付（例: 2026-04-01）で入力してください。") from None
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
    attributes = {"id": field.id, "name": field.name, **{k.rstrip("_"): v for k, v in attrs.items()}}
    if field.flags.required:
        attributes["required"] = True
    head = Markup(" ").join(Markup("{}").format(k) if v is True else Markup('{}="{}"').format(k, v)
                            for k, v in sorted(attributes.items()) if v is not False and v is not None)
    chosen = "" if field.data is None else str(field.data)
    selected, plain = Markup('<option selected value="{}">{}</option>'), Markup('<option value="{}">{}</option>')
    options = Markup("").join((selected if str(c.value) == chosen else plain).format(c.value, c.label)
                              for c in field.choices)
    return Markup("<select {}>{}</select>").format(head, options)
