"""Forms of the 契約 tab (shape only; the services check the rules)."""

from __future__ import annotations

from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from core.formtools import AmountField, DateInputField, IntegerSelectField, JapaneseForm, choices

from .models import CONTRACT_STATES, GUARANTEE_METHODS, PAYMENT_KINDS
from .queries import APPROVAL_FILTERS, CHANGE_FILTERS


class ContractForm(JapaneseForm):
    contract_date = DateInputField("契約日", validators=[Optional()])
    amount = AmountField("契約金額（税込）")
    work_from = DateInputField("工期（始期）", validators=[Optional()])
    work_to = DateInputField("工期（終期）", validators=[Optional()])
    guarantee_method = SelectField("契約保証", choices=choices(GUARANTEE_METHODS.items()), default="bond",
                                   validate_choice=False)
    guarantee_amount = AmountField("契約保証の額")
    guarantee_exempt_reason = StringField("免除の理由", validators=[Optional(), Length(max=500)])
    advance_amount = AmountField("前払金の額（前払金を払わないときは空欄）")
    intermediate_allowed = BooleanField("中間前払金を認める")
    advance_guarantee = StringField("前払保証（保証事業会社・証書番号）", validators=[Optional(), Length(max=200)])
    partial_payments = IntegerField("部分払の回数", default=0,
                                    validators=[Optional(), NumberRange(0, 12, "部分払の回数は 0〜12 回です。")])
    special_terms = TextAreaField("特約", validators=[Optional(), Length(max=4000)])


class ChangeForm(JapaneseForm):
    changed_on = DateInputField("変更契約の日", validators=[Optional()])
    amount_after = AmountField("変更後の契約金額（税込。変えないときは空欄）")
    work_to_after = DateInputField("変更後の工期の終期（変えないときは空欄）", validators=[Optional()])
    reason = TextAreaField("変更の理由", validators=[Optional(), Length(max=1000)])
    guideline_reason = TextAreaField("目安を超える変更の確認の理由（必要なとき）", validators=[Optional(), Length(max=1000)])
    #: Shown when the case is charged to several lines (the only line is taken otherwise).
    budget_line_id = SelectField("増減額を充当する予算科目", coerce=int, default=0, validate_choice=False)


class CompletionForm(JapaneseForm):
    reported_on = DateInputField("完成届の日", validators=[Optional()])


class PaymentForm(JapaneseForm):
    kind = SelectField("請求の種類", choices=choices(PAYMENT_KINDS.items()), validate_choice=False)
    amount = AmountField("請求額")
    claimed_on = DateInputField("請求日", validators=[Optional()])


class PaidForm(JapaneseForm):
    paid_on = DateInputField("支払日", validators=[Optional()])


def _any(pairs) -> list:
    return choices([("", "すべて")] + list(pairs))


class ContractFilterForm(JapaneseForm):
    """The contract list's filters (a GET form: no CSRF)."""

    class Meta:
        csrf = False

    q = StringField("件名・案件番号・契約番号", validators=[Optional(), Length(max=100)])
    fiscal_year = IntegerSelectField("年度", minimum=0, maximum=9999, default=0)
    department_id = IntegerSelectField("担当課", default=0)
    contractor = StringField("契約者（名称・業者番号）", validators=[Optional(), Length(max=100)])
    date_from = DateInputField("契約日（から）", validators=[Optional()])
    date_to = DateInputField("契約日（まで）", validators=[Optional()])
    amount_min = AmountField("契約金額（以上）")
    amount_max = AmountField("契約金額（以下）")
    state = SelectField("状態", validate_choice=False, default="", choices=_any(CONTRACT_STATES.items()))
    approval = SelectField("決裁", validate_choice=False, default="",
                           choices=_any((k, label) for k, (label, _c) in APPROVAL_FILTERS.items()))
    changes = SelectField("変更契約", validate_choice=False, default="",
                          choices=_any((k, label) for k, (label, _c) in CHANGE_FILTERS.items()))
    overdue = BooleanField("支払期限を過ぎた未払の請求がある")
