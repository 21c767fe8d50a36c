"""Forms of the 格付 tab and the rank review."""

from __future__ import annotations

from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from core.formtools import IntegerSelectField, JapaneseForm, choices
from registry.rules import RANK_CHOICES

from .periods import FIRST_START_YEAR, LAST_START_YEAR


def _period_field() -> IntegerSelectField:
    return IntegerSelectField("有効期間", minimum=FIRST_START_YEAR, maximum=LAST_START_YEAR)


class PeriodForm(JapaneseForm):
    start_year = _period_field()


class RegistrationForm(JapaneseForm):
    category = SelectField("区分", validate_choice=False)
    start_year = _period_field()


class WorkTypeForm(JapaneseForm):
    work_type_code = SelectField("業種", validate_choice=False)
    rank = SelectField("等級（任意）", validate_choice=False, default="",
                       choices=choices([("", "なし（見直しで付ける）")] + list(RANK_CHOICES)))


class SubjectiveForm(JapaneseForm):
    subjective_points = IntegerField("主観点", validators=[Optional()])


class ReasonForm(JapaneseForm):
    reason = StringField("削除の理由", validators=[InputRequired(message="削除の理由を入力してください。"), Length(max=200)])


class ReviewFilterForm(JapaneseForm):
    """The category, period and 業種 of the rank review (GET, no CSRF)."""

    class Meta:
        csrf = False

    category = SelectField("区分", validate_choice=False, default="construction")
    start_year = _period_field()
    work_type = SelectField("業種", validate_choice=False, default="")
    changed = SelectField("表示する行", validate_choice=False, default="changed",
                          choices=choices([("changed", "格付が変わる行と未確定の行"), ("all", "すべての行")]))
