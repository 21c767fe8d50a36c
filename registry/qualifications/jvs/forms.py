"""Form of the JV registration."""

from __future__ import annotations

from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from core.formtools import JapaneseForm

#: Member rows on the form (JVs have 2–5 members in practice).
JV_ROWS = 5


class JVForm(JapaneseForm):
    name = StringField("共同企業体の名称", validators=[InputRequired(message="名称を入力してください。"), Length(max=200)])
    number = StringField("業者番号（空欄なら自動で採番）", validators=[Optional(), Length(max=20)])
    note = TextAreaField("備考", validators=[Optional(), Length(max=1000)])


def member_rows(source) -> list[dict]:
    """The member rows as entered (業者番号, share, representative) from the posted form."""
    return [{"index": i, "number": (source.get(f"member_{i}") or "").strip(),
             "share": (source.get(f"share_{i}") or "").strip(),
             "representative": source.get("representative") == str(i)} for i in range(JV_ROWS)]
