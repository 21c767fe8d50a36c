"""The filters of the results page (shape only)."""

from __future__ import annotations

from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from bidding.cases.models import METHODS
from core.formtools import DateInputField, IntegerSelectField, JapaneseForm, choices

from .queries import RESULTS


class ResultFilterForm(JapaneseForm):
    class Meta:
        csrf = False

    fiscal_year = IntegerSelectField("年度", minimum=0, maximum=9999, default=0)
    opening_from = DateInputField("開札日（から）", validators=[Optional()])
    opening_to = DateInputField("開札日（まで）", validators=[Optional()])
    department_id = IntegerSelectField("担当課", default=0)
    method = SelectField("入札方式", validate_choice=False, default="",
                         choices=choices([("", "すべて")] + list(METHODS.items())))
    result = SelectField("結果", validate_choice=False, default="", choices=choices([("", "すべて")] + list(RESULTS.items())))
    q = StringField("件名・案件番号", validators=[Optional(), Length(max=100, message="件名・案件番号は 100 文字以内です。")])
