"""Form of the 許可 tab."""

from __future__ import annotations

from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from core.formtools import DateInputField, JapaneseForm


class PermitForm(JapaneseForm):
    work_type_code = SelectField("業種", validate_choice=False)
    text = StringField("許可番号（許可通知書の表記）", validators=[InputRequired(message="許可番号を入力してください。"),
                                                       Length(max=60)])
    granted_on = DateInputField("許可日", validators=[Optional()])
