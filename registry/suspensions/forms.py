"""Forms of the 指名停止 screens."""

from __future__ import annotations

from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core.formtools import DateInputField, JapaneseForm, choices

from .periods import UNITS
from .services import REASON_MAX, SCOPE_MAX

STATE_CHOICES = (("current", "停止中・予定"), ("all", "すべて"))


class SuspensionForm(JapaneseForm):
    cause_code = SelectField("措置要件", validate_choice=False,
                             validators=[DataRequired("措置要件を選んでください。")])
    decided_on = DateInputField("決定日", validators=[InputRequired("決定日を入力してください。")])
    period_value = IntegerField("長さ", validators=[
        InputRequired("期間を入力してください。"), NumberRange(1, 36, "期間は 1〜36 の整数で入力してください。")])
    period_unit = SelectField("単位", choices=choices(UNITS.items()),
                              validators=[DataRequired("期間の単位を選んでください。")])
    scope = StringField("範囲", validators=[Optional(), Length(max=SCOPE_MAX,
                                                             message="範囲は 300 文字以内で入力してください。")])
    facts = TextAreaField("事実の概要", validators=[DataRequired("事実の概要を入力してください。")])


class LiftForm(JapaneseForm):
    lifted_on = DateInputField("解除日", validators=[InputRequired("解除日を入力してください。")])
    reason = TextAreaField("解除の理由", validators=[
        DataRequired("解除の理由を入力してください。"),
        Length(max=REASON_MAX, message="解除の理由は 500 文字以内で入力してください。")])


class ListFilterForm(JapaneseForm):
    class Meta:
        csrf = False

    state = SelectField("表示", choices=choices(STATE_CHOICES), default="current", validate_choice=False)
    q = StringField("業者（番号・商号）", validators=[Optional(), Length(max=100)])
    date_from = DateInputField("期間（開始日）", validators=[Optional()])
    date_to = DateInputField("期間（終了日）", validators=[Optional()])
    include_lifted = BooleanField("解除したものも含める", default=True)
    week = SelectField("今週の始期・終期", default="", validate_choice=False,
                       choices=choices([("", "指定しない"), ("starting", "今週始まるもの"), ("ending", "今週終わるもの")]))


class FirmChoiceForm(JapaneseForm):
    """The first step of 「指名停止を登録」 from the list: which firm (by 業者番号)."""

    class Meta:
        csrf = False  # a GET that only looks the firm up

    number = StringField("業者番号", validators=[DataRequired("業者番号を入力してください。"), Length(max=20)])
