"""The direct select renderer writes the same markup as WTForms (list pages use it for speed)."""

from werkzeug.datastructures import MultiDict
from wtforms import SelectField

from core.formtools import JapaneseForm, choices, render_select


class _Form(JapaneseForm):
    class Meta:
        csrf = False

    kind = SelectField("種類", validate_choice=False, default="")


def test_render_select_matches_wtforms(app):
    with app.test_request_context("/"):
        for data in ({"kind": "b"}, {}, {"kind": "<&>"}):
            form = _Form(MultiDict(data))
            form.kind.choices = choices([("", "すべて"), ("a", "A <甲>"), ("b", "B & 乙"), ("<&>", "記号")])
            assert str(render_select(form.kind, class_="select")) == str(form.kind(class_="select"))
