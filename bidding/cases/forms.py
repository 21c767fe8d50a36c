"""Forms of the tender case screens (shape only; the services check the business rules)."""

from __future__ import annotations

from wtforms import DateTimeLocalField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from core.formtools import AmountField, DateInputField, IntegerSelectField, JapaneseForm, MultiCheckboxField, choices
from registry.contractors.models import AREAS, CATEGORIES
from registry.rules import RANK_CHOICES

from .models import DISCLOSURES, EVALUATION_METHODS, FLOOR_KINDS, METHODS, STATES
from .queries import STATE_FILTERS


def _text(label: str, max_length: int) -> StringField:
    return StringField(label, validators=[Optional(), Length(max=max_length, message=f"{label}は {max_length} 文字以内です。")])


def _int(label: str, minimum: int, maximum: int) -> IntegerField:
    message = f"{label}は {minimum}〜{maximum:,} の整数です。"
    return IntegerField(label, validators=[Optional(), NumberRange(minimum, maximum, message)])


class CaseForm(JapaneseForm):
    name = _text("件名", 200)
    department_id = IntegerSelectField("担当課")
    fiscal_year = _int("年度", 2000, 2100)
    category = SelectField("区分", choices=choices(CATEGORIES.items()), default="construction", validate_choice=False)
    work_type_code = SelectField("業種", validate_choice=False, default="")
    method = SelectField("入札方式", choices=choices(METHODS.items()), default="nominated", validate_choice=False)
    place = _text("工事場所", 200)
    summary = TextAreaField("工事概要", validators=[Optional(), Length(max=4000, message="工事概要は 4,000 文字以内です。")])
    design_amount = AmountField("設計金額（税抜）")
    planned_price = AmountField("予定価格（税抜）")
    floor_kind = SelectField("最低制限価格等の種類", choices=choices(FLOOR_KINDS.items()), default="minimum",
                             validate_choice=False)
    evaluation_method = SelectField("総合評価の方式", validate_choice=False, default="",
                                    choices=choices([("", "（総合評価でない）")] + list(EVALUATION_METHODS.items())))
    evaluation_max_points = DecimalField("加算点の満点（B、加算方式）", places=4, validators=[Optional()])
    disclosure = SelectField("予定価格の公表", choices=choices(DISCLOSURES.items()), default="after", validate_choice=False)
    allowed_ranks = MultiCheckboxField("参加できる等級", choices=choices(RANK_CHOICES), validate_choice=False)
    allowed_areas = MultiCheckboxField("参加できる地域区分", choices=choices(AREAS.items()), validate_choice=False)
    min_points = _int("総合評定値（P）の下限", 0, 3000)
    required_qualification = _text("配置技術者の資格", 200)
    drafted_on = DateInputField("起案日", validators=[Optional()])
    notice_on = DateInputField("公告日・指名通知日", validators=[Optional()])
    questions_until = DateInputField("質問期限", validators=[Optional()])
    bids_from = DateInputField("入札期間（開始）", validators=[Optional()])
    bids_until = DateInputField("入札期間（終了）", validators=[Optional()])
    opening_at = DateTimeLocalField("開札日時", format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"], validators=[Optional()])
    work_days = _int("工期（日数）", 1, 3650)
    work_from = DateInputField("工期（開始）", validators=[Optional()])
    work_to = DateInputField("工期（終了）", validators=[Optional()])

    def values(self) -> dict:
        """The fields as the services take them."""
        data = {name: self[name].data for name in (
            "name", "department_id", "category", "work_type_code", "method", "place", "summary", "design_amount",
            "planned_price", "floor_kind", "disclosure", "min_points", "required_qualification", "drafted_on",
            "notice_on", "questions_until", "bids_from", "bids_until", "opening_at", "work_days", "work_from",
            "work_to", "evaluation_method", "evaluation_max_points")}
        data["allowed_ranks"] = list(self.allowed_ranks.data or [])
        data["allowed_areas"] = list(self.allowed_areas.data or [])
        return data


class ReasonForm(JapaneseForm):
    reason = TextAreaField("理由", validators=[Optional(), Length(max=500, message="理由は 500 文字以内です。")])


class StepForm(JapaneseForm):
    """A button that takes one step (決裁, 公告, 締切): CSRF only."""


class RetenderForm(JapaneseForm):
    drafted_on = DateInputField("再入札の起案日", validators=[Optional()])


class CaseFilterForm(JapaneseForm):
    class Meta:
        csrf = False

    q = StringField("件名・案件番号・工事場所", validators=[Optional(), Length(max=100)])
    fiscal_year = IntegerSelectField("年度", minimum=0, maximum=9999, default=0)
    department_id = IntegerSelectField("担当課", default=0)
    method = SelectField("入札方式", validate_choice=False, default="",
                         choices=choices([("", "すべて")] + list(METHODS.items())))
    category = SelectField("区分", validate_choice=False, default="",
                           choices=choices([("", "すべて")] + list(CATEGORIES.items())))
    work_type = SelectField("業種", validate_choice=False, default="")
    state = SelectField("状態", validate_choice=False, default="",
                        choices=choices([("", "すべて")] + [(k, label) for k, (label, _c) in STATE_FILTERS.items()]
                                        + list(STATES.items())))
    opening_from = DateInputField("開札日（から）", validators=[Optional()])
    opening_to = DateInputField("開札日（まで）", validators=[Optional()])
    price_min = AmountField("予定価格（以上）")
    price_max = AmountField("予定価格（以下）")


class ChargeForm(JapaneseForm):
    line_id = IntegerSelectField("予算科目", default=0)
    amount = AmountField("充当額（税込）")
