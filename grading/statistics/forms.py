"""Forms of the statistics screens (shape only): the filters, the 年度 of the 優良工事 candidates and the 主観点 feed."""

from __future__ import annotations

from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import Length, Optional

from core.formtools import DateInputField, IntegerSelectField, JapaneseForm, choices

from .firms import SORTS


class StatsFilterForm(JapaneseForm):
    class Meta:
        csrf = False

    year_from = IntegerSelectField("年度（から）", minimum=0, maximum=9999, default=0)
    year_to = IntegerSelectField("年度（まで）", minimum=0, maximum=9999, default=0)
    work_type = SelectField("業種", validate_choice=False, default="")
    department_id = IntegerSelectField("担当課", default=0)
    contractor = StringField("業者番号", validators=[Optional(), Length(max=20, message="業者番号は 20 文字以内です。")])
    sort = SelectField("並び順", validate_choice=False, default="mean",
                       choices=choices((key, label) for key, (label, _k, _d) in SORTS.items()))


class YearForm(JapaneseForm):
    class Meta:
        csrf = False

    fiscal_year = IntegerSelectField("年度", minimum=0, maximum=9999, default=0)
    work_type = SelectField("業種", validate_choice=False, default="")
    department_id = IntegerSelectField("担当課", default=0)


class FeedForm(JapaneseForm):
    day = DateInputField("基準日", validators=[Optional()])
    digest = HiddenField()
