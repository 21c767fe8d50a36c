"""Forms of the 指名・参加者 tab (shape only; the services check the rules)."""

from __future__ import annotations

from datetime import date

from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from core.formtools import DateInputField, IntegerSelectField, JapaneseForm, choices
from registry.contractors.models import AREAS
from registry.rules import RANK_CHOICES

_RANK_ORDER = {code: i for i, (code, _label) in enumerate(RANK_CHOICES)}
_NEVER = date.min

#: Sorts of the eligibility list: label, key on an ``EligibilityRow``, descending.
SORTS = {
    "rank": ("等級・総合点の順", lambda r: (_RANK_ORDER.get(r.rank, 99), -(r.total_points or 0), r.number), False),
    "points": ("総合点（P＋主観点＋工事成績）の高い順", lambda r: (r.total_points or 0, r.number), True),
    "area": ("地域区分の順", lambda r: (list(AREAS).index(r.area) if r.area in AREAS else 9, r.number), False),
    "fewest": ("今年度の指名回数の少ない順", lambda r: (r.nominated_this_year, r.nominated_last_year, r.number), False),
    "longest": ("前回の指名から長い順", lambda r: (r.last_nominated_on or _NEVER, r.number), False),
    "fewest_awards": ("今年度の落札回数の少ない順", lambda r: (r.awarded_this_year, r.awarded_last_year, r.number), False),
}


class EligibilityFilterForm(JapaneseForm):
    class Meta:
        csrf = False

    show = SelectField("表示", validate_choice=False, default="eligible", choices=choices([
        ("eligible", "参加資格のある業者"), ("ineligible", "参加資格のない業者（理由つき）"), ("all", "すべて")]))
    rank = SelectField("等級", validate_choice=False, default="", choices=choices([("", "すべて")] + list(RANK_CHOICES)))
    area = SelectField("地域区分", validate_choice=False, default="",
                       choices=choices([("", "すべて")] + list(AREAS.items())))
    sort = SelectField("並び順", validate_choice=False, default="rank",
                       choices=choices([(k, label) for k, (label, _key, _desc) in SORTS.items()]))
    page = IntegerSelectField("ページ", minimum=1, maximum=10_000, default=1)


class StepForm(JapaneseForm):
    """A button (指名通知, 選定の取りやめ, the picks of the list): CSRF only."""


class ApplicationForm(JapaneseForm):
    number = StringField("業者番号", validators=[DataRequired("業者番号を入力してください。"), Length(max=20)])
    applied_on = DateInputField("申請日", validators=[Optional()])


class ReviewForm(JapaneseForm):
    decision = SelectField("審査の結果", validate_choice=False, default="admit",
                           choices=choices([("admit", "参加資格あり"), ("refuse", "参加資格なし")]))
    reason = TextAreaField("理由", validators=[Optional(), Length(max=500, message="理由は 500 文字以内です。")])
