"""Helpers shared by views that use forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
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
    """A date input (``type=date`` sends ISO dates) whose error names the field in Japanese."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(f"{self.label.text}は正しい日付（例: 2026-04-01）で入力してください。") from None
