"""Helpers shared by views that use forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import DateField

from core.errors import ValidationFailed


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
