"""The calculator's form (a GET form: it changes nothing). The breakdown inputs depend on the category, so the
form class is made per request with one text input per component (``c_<key>``)."""

from __future__ import annotations

from wtforms import SelectField, StringField
from wtforms.validators import Optional

from core.formtools import DateInputField, JapaneseForm

AMOUNT_HINT = "円単位・消費税抜き（例: 10,000,000）"


class CalculatorForm(JapaneseForm):
    class Meta:
        csrf = False

    on = DateInputField("基準日（公告日など）", validators=[Optional()])
    category = SelectField("区分", validate_choice=False)
    planned = StringField("予定価格（消費税抜き）")


def component_field(key: str) -> str:
    return f"c_{key}"


def calculator_form(components: list[tuple[str, str]], formdata=None, **defaults) -> CalculatorForm:
    """A ``CalculatorForm`` with a text input for each (key, label) of ``components``, in order."""
    fields = {component_field(key): StringField(label) for key, label in components}
    form_class = type("CalculatorWithComponents", (CalculatorForm,), fields)
    return form_class(formdata=formdata, **defaults)
