"""Forms of the grading screens (shape only; ``services`` and ``sheets.check_sheet`` check the rules).

A sheet's entries are not a fixed WTForms class: their fields follow the 細別 of the grader's role in the rule in
force, named ``<item key>-value`` (the letter, or the bonus points), ``<key>-checked`` / ``<key>-na`` (checklist
indexes: できている / 該当なし), ``<key>-improvement`` (文書による改善指示), ``<key>-override_reason`` and
``<key>-comment``. ``entry_inputs`` reads them into ``EntryInput`` values keyed by item, as the service takes them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence

from wtforms import BooleanField, DecimalField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from core.formtools import DateInputField, IntegerSelectField, JapaneseForm, choices

from ..scoring import Item
from .models import WORK_STATES
from .sheets import EntryInput

STATE_CHOICES = [("", "すべて"), ("open", "未確定（未着手・入力中・提出済）")] + list(WORK_STATES.items())


class BoardFilterForm(JapaneseForm):
    class Meta:
        csrf = False

    q = StringField("工事名・契約番号・受注者", validators=[Optional(), Length(max=100)])
    fiscal_year = IntegerSelectField("年度", minimum=0, maximum=9999, default=0)
    department_id = IntegerSelectField("担当課", default=0)
    state = SelectField("状態", validate_choice=False, default="", choices=choices(STATE_CHOICES))
    late = BooleanField("期限を過ぎたものだけ")


class StepForm(JapaneseForm):
    """A button that takes one step (確定, 減点の取消): CSRF only."""


class AssignForm(JapaneseForm):
    """主任監督員 or 総括監督員 of a work (one form per role, prefixed by it)."""

    user_id = IntegerSelectField("職員", default=0)


class DeductionForm(JapaneseForm):
    kind = SelectField("措置", validate_choice=False, default="")
    points = DecimalField("減点（裁量の措置のみ）", places=1, validators=[
        Optional(), NumberRange(0, 100, "減点は 0〜100 点の数値で入力してください。")])
    reason = TextAreaField("理由", validators=[Optional(), Length(max=500, message="理由は 500 文字以内です。")])
    decided_on = DateInputField("措置の日", validators=[Optional()])


class ReturnForm(JapaneseForm):
    assignment_id = IntegerSelectField("差し戻す評定", default=0)
    reason = TextAreaField("差戻しの理由", validators=[
        Optional(), Length(max=1000, message="差戻しの理由は 1,000 文字以内です。")])


class CorrectionForm(JapaneseForm):
    reason = TextAreaField("修正の理由", validators=[Optional(), Length(max=1000, message="修正の理由は 1,000 文字以内です。")])
    revised_on = DateInputField("修正の日", validators=[Optional()])


def _indexes(raw: Sequence[str], item: Item, errors: dict[str, list[str]]) -> tuple[int, ...]:
    out = []
    for text in raw:
        text = unicodedata.normalize("NFKC", text or "").strip()
        if not text.isdigit() or len(text) > 3:
            errors.setdefault(f"{item.key}-checked", []).append(f"「{item.label}」の評価対象項目の番号が正しくありません。")
            return ()
        out.append(int(text))
    return tuple(sorted(set(out)))


def _text(raw: str | None) -> str | None:
    text = (raw or "").replace("\r\n", "\n").strip()
    return text or None


def entry_inputs(formdata: Mapping, items: Sequence[Item]) -> tuple[dict[str, EntryInput], dict[str, list[str]]]:
    """The posted entries of ``items`` (every 細別 of the grader's role: an unticked box clears its tick), and the
    shape errors keyed as the service keys them (the lengths and everything else are the service's)."""
    entries: dict[str, EntryInput] = {}
    errors: dict[str, list[str]] = {}
    for item in items:
        key = item.key
        value = unicodedata.normalize("NFKC", formdata.get(f"{key}-value") or "").strip() or None
        checked = _indexes(formdata.getlist(f"{key}-checked"), item, errors) if item.checklist else ()
        not_applicable = _indexes(formdata.getlist(f"{key}-na"), item, errors) if item.checklist else ()
        reason, comment = _text(formdata.get(f"{key}-override_reason")), _text(formdata.get(f"{key}-comment"))
        entries[key] = EntryInput(value, checked, not_applicable, bool(formdata.get(f"{key}-improvement")),
                                  reason, comment)
    return entries, errors
