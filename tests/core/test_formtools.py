"""The direct select and input renderers write the same markup as WTForms (list pages use them for speed)."""

from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from core.formtools import DateInputField, JapaneseForm, choices, render_input, render_select


class _Form(JapaneseForm):
    class Meta:
        csrf = False

    kind = SelectField("種類", validate_choice=False, default="")
    q = StringField("名称", validators=[Optional(), Length(max=100)])
    code = StringField("番号", validators=[DataRequired(), Length(min=2, max=8)])
    day = DateInputField("日付", validators=[Optional()])
    count = IntegerField("件数", validators=[Optional()])


def test_render_select_matches_wtforms(app):
    with app.test_request_context("/"):
        for data in ({"kind": "b"}, {}, {"kind": "<&>"}):
            form = _Form(MultiDict(data))
            form.kind.choices = choices([("", "すべて"), ("a", "A <甲>"), ("b", "B & 乙"), ("<&>", "記号"),
                                         ("m", Markup("<b>太字</b>")), ("n", "<b>太字</b>")])
            for attrs in ({"class_": "select"}, {"class_": "select", "aria_describedby": "hint", "data_x": "1"},
                          {"class_": "select", "aria-describedby": "hint", "disabled": True, "multiple": False}):
                assert str(render_select(form.kind, **attrs)) == str(form.kind(**attrs)), attrs


def test_render_input_matches_wtforms(app):
    attribute_sets = ({}, {"class_": "input", "placeholder": '例: "<テスト>" & 1'},
                      {"class_": "input", "type": "date", "aria-describedby": "hint"},
                      {"data_role": "filter", "aria_label": "名称", "autofocus": True, "readonly": False})
    with app.test_request_context("/"):
        for data in ({"q": 'a"<b>&', "code": "12", "day": "2026-04-01", "count": "5"}, {},
                     {"day": "2026-13-40", "count": "x"}):
            form = _Form(MultiDict(data))
            form.validate()
            for name in ("q", "code", "day", "count"):
                for attrs in attribute_sets:
                    field = form[name]
                    assert str(render_input(field, **attrs)) == str(field(**attrs)), (name, attrs, data)
