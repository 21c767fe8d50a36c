"""The forms of notification and publication (shape only; the services check the rules)."""

from __future__ import annotations

from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from core.formtools import DateInputField, IntegerSelectField, JapaneseForm, choices

from .queries import NOTICE_STATES, QUARTERS


class NotifyForm(JapaneseForm):
    notified_on = DateInputField("通知日", validators=[Optional()])


class NoticeFilterForm(JapaneseForm):
    class Meta:
        csrf = False

    state = SelectField("状態", validate_choice=False, default="waiting",
                        choices=choices([*NOTICE_STATES.items(), ("all", "すべて")]))
    fiscal_year = IntegerSelectField("年度（完成）", minimum=0, maximum=9999, default=0)
    department_id = IntegerSelectField("担当課", default=0)
    q = StringField("工事名・契約番号・受注者", validators=[Optional(), Length(max=100, message="検索語は 100 文字以内です。")])


class PublicationFilterForm(JapaneseForm):
    class Meta:
        csrf = False

    fiscal_year = IntegerSelectField("年度（通知日）", minimum=0, maximum=9999, default=0)
    quarter = IntegerSelectField("四半期", minimum=0, maximum=4, default=0,
                                 choices=choices([(0, "年度全体"), *QUARTERS.items()]))
    notified_from = DateInputField("通知日（から）", validators=[Optional()])
    notified_to = DateInputField("通知日（まで）", validators=[Optional()])
    department_id = IntegerSelectField("担当課", default=0)
