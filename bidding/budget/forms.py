"""The filter form of the 予算科目 list (shape only; the choices come from the lines the user may read)."""

from __future__ import annotations

from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from core.formtools import IntegerSelectField, JapaneseForm, choices

from .queries import ABSENT_STATES

#: What one row of the list is: a line, or the totals of one level (款・項・目・節).
LEVEL_CHOICES = (("line", "科目ごと（款・項・目・節の小計つき）"), ("chapter", "款ごとの集計"), ("section", "項ごとの集計"),
                 ("item", "目ごとの集計"), ("subitem", "節ごとの集計"))


class LineFilterForm(JapaneseForm):
    class Meta:
        csrf = False

    fiscal_year = IntegerSelectField("年度", minimum=1900, maximum=2999)
    account = SelectField("会計", validate_choice=False, default="")
    chapter = SelectField("款", validate_choice=False, default="")
    department = IntegerSelectField("所管課", minimum=1)
    q = StringField("科目名", validators=[Optional(), Length(max=100, message="科目名は 100 文字以内で入力してください。")])
    absent = SelectField("取込の状況", validate_choice=False, default="", choices=choices(ABSENT_STATES.items()))
    level = SelectField("表示", validate_choice=False, default="line", choices=choices(LEVEL_CHOICES))
