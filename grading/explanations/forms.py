"""The forms of 説明請求 (shape only; the services check the deadlines and the states)."""

from __future__ import annotations

from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from core.formtools import DateInputField, JapaneseForm, choices

from .models import OUTCOMES
from .queries import STATE_FILTERS
from .services import REASON_MAX, TEXT_MAX

_TEXT = [Optional(), Length(max=TEXT_MAX, message=f"{TEXT_MAX:,} 文字以内で入力してください。")]


class PortalRequestForm(JapaneseForm):
    """The applicant's 説明請求 or 再説明請求 (filed today)."""

    content = TextAreaField("請求の内容", validators=_TEXT)


class PaperRequestForm(JapaneseForm):
    """A request on paper, recorded by the contract section with the day it was received."""

    content = TextAreaField("請求の内容", validators=_TEXT)
    filed_on = DateInputField("受付日", validators=[Optional()])


class AnswerForm(JapaneseForm):
    answer = TextAreaField("回答", validators=_TEXT)
    answered_on = DateInputField("回答日", validators=[Optional()])


class CommitteeForm(JapaneseForm):
    committee_on = DateInputField("委員会審議の日", validators=[Optional()])


class CorrectionForm(JapaneseForm):
    #: ``<assignment id>:<item key>``: a grader's 細別.
    target = SelectField("修正する細別", validate_choice=False)
    value = StringField("修正後の評価（記号又は加点）", validators=[Optional(), Length(max=10)])
    reason = TextAreaField("修正の理由", validators=[Optional(), Length(max=REASON_MAX)])
    revised_on = DateInputField("修正の日", validators=[Optional()])


class DecisionForm(JapaneseForm):
    answer = TextAreaField("回答", validators=_TEXT)
    answered_on = DateInputField("回答日", validators=[Optional()])
    outcome = RadioField("結果", choices=choices(OUTCOMES.items()), validate_choice=False)


class RequestFilterForm(JapaneseForm):
    class Meta:
        csrf = False

    state = SelectField("状態", validate_choice=False, default="open",
                        choices=choices([*STATE_FILTERS.items(), ("all", "すべて")]))
    overdue = BooleanField("期限を過ぎたものだけ")
    q = StringField("工事名・契約番号・受注者", validators=[Optional(), Length(max=100, message="検索語は 100 文字以内です。")])
