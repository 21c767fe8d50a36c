"""Forms of the 入札 tab (shape only; the services check the rules)."""

from __future__ import annotations

from wtforms import BooleanField, DateTimeLocalField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from core.formtools import AmountField, DateInputField, IntegerSelectField, JapaneseForm


class BidForm(JapaneseForm):
    contractor_id = IntegerSelectField("業者", default=0)
    amount = AmountField("入札金額（税抜）")
    declined = BooleanField("辞退")
    invalid_reason = SelectField("無効の理由", validate_choice=False, default="")
    received_at = DateTimeLocalField("受付日時", format=["%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"],
                                     validators=[Optional()])
    lot_input = StringField("くじ入力番号（3 桁）", validators=[Optional(), Length(max=3, message="くじ入力番号は 3 桁です。")])
    paper = BooleanField("紙入札")


class StepForm(JapaneseForm):
    """A button (開札, くじ, 再度入札, 不調, 落札決定): CSRF only."""


class DecisionForm(JapaneseForm):
    decided_on = DateInputField("決定日", validators=[Optional()])


class SurveyForm(JapaneseForm):
    decision = SelectField("調査の結果", validate_choice=False, default="acceptable")
    decided_on = DateInputField("決定日", validators=[Optional()])
    note = TextAreaField("所見（失格とするときは必須）", validators=[Optional(), Length(max=500)])


class UndoForm(JapaneseForm):
    reason = TextAreaField("取り消す理由", validators=[Optional(), Length(max=500)])


class TechForm(JapaneseForm):
    """総合評価の技術評価点 (text: the service reads the numbers and names a bad one)."""

    tech_standard = StringField("標準点", validators=[Optional(), Length(max=12)])
    tech_added = StringField("加算点", validators=[Optional(), Length(max=12)])
    tech_structure = StringField("施工体制評価点", validators=[Optional(), Length(max=12)])
