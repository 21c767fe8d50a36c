"""Forms of the 経審 tab."""

from __future__ import annotations

from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from core.formtools import DateInputField, JapaneseForm

from .formula import LABELS as SCORE_LABELS


def _int(label: str, required: bool = True):
    validators = [InputRequired(message=f"{label}を入力してください。")] if required else [Optional()]
    return IntegerField(label, validators=validators)


class KeishinForm(JapaneseForm):
    work_type_code = SelectField("業種", validate_choice=False)
    base_date = DateInputField("審査基準日", validators=[InputRequired(message="審査基準日を入力してください。")])
    x1 = _int(SCORE_LABELS["x1"])
    x2 = _int(SCORE_LABELS["x2"])
    y = _int(SCORE_LABELS["y"])
    z = _int(SCORE_LABELS["z"])
    w = _int(SCORE_LABELS["w"])
    p_entered = _int("P（通知書に記載の総合評定値）", required=False)

    def scores(self) -> dict:
        return {"base_date": self.base_date.data, "x1": self.x1.data, "x2": self.x2.data, "y": self.y.data,
                "z": self.z.data, "w": self.w.data, "p_entered": self.p_entered.data}


class KeishinCorrectionForm(KeishinForm):
    reason = TextAreaField("訂正の理由", validators=[DataRequired("訂正の理由を入力してください。"),
                                                Length(max=500, message="訂正の理由は 500 文字以内で入力してください。")])
