"""Form of the 技術者 tab."""

from __future__ import annotations

from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from core.formtools import DateInputField, JapaneseForm


class TechnicianForm(JapaneseForm):
    name = StringField("氏名", validators=[InputRequired(message="氏名を入力してください。"), Length(max=100)])
    name_kana = StringField("フリガナ", validators=[Optional(), Length(max=100)])
    qualifications = TextAreaField("資格", validators=[Optional(), Length(max=500)])
    employed_since = DateInputField("雇用開始日", validators=[Optional()])

    def values(self) -> dict:
        return {"name": self.name.data, "name_kana": self.name_kana.data, "qualifications": self.qualifications.data,
                "employed_since": self.employed_since.data}
