"""Forms of the contractor screens (shape only; the services check the business rules)."""

from __future__ import annotations

from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from core.formtools import DateInputField, JapaneseForm, choices
from registry.rules import RANK_CHOICES

from .models import AREAS, CATEGORIES, LEGAL_FORMS, STATUSES
from .queries import EXPIRING
from .validation import EDITABLE


class ContractorFilterForm(JapaneseForm):
    class Meta:
        csrf = False

    q = StringField("業者番号・商号・カナ", validators=[Optional(), Length(max=100)])
    category = SelectField("登録区分", validate_choice=False, default="")
    work_type = SelectField("業種", validate_choice=False, default="")
    rank = SelectField("等級", validate_choice=False, default="",
                       choices=choices([("", "すべて")] + list(RANK_CHOICES)))
    area = SelectField("地域区分", validate_choice=False, default="",
                       choices=choices([("", "すべて")] + list(AREAS.items())))
    status = SelectField("状態", validate_choice=False, default="active",
                         choices=choices(list(STATUSES.items()) + [("all", "すべて")]))
    suspended = SelectField("指名停止", validate_choice=False, default="any",
                            choices=choices([("any", "すべて"), ("yes", "指名停止中"), ("no", "指名停止中を除く")]))
    period = DateInputField("資格の有効日", validators=[Optional()])
    expiring = SelectField("満了が近い資格", validate_choice=False, default="",
                           choices=choices([("", "すべて")] + [(k, label) for k, (label, _f) in EXPIRING.items()]))


def _text(label: str, max_length: int, **kw) -> StringField:
    return StringField(label, validators=[Optional(), Length(max=max_length, message=f"{label}は {max_length} 文字以内です。")],
                       **kw)


class ContractorForm(JapaneseForm):
    number = _text("業者番号", 20)
    number_category = SelectField("業者番号の区分", choices=choices(CATEGORIES.items()), default="construction",
                                  validate_choice=False)
    name = _text("商号又は名称", 200)
    name_kana = _text("商号又は名称（カナ）", 200)
    legal_form = SelectField("法人・個人の別", choices=choices(LEGAL_FORMS.items()), default="corporation",
                             validate_choice=False)
    corporate_number = _text("法人番号", 20)
    representative_title = _text("代表者の役職", 100)
    representative_name = _text("代表者の氏名", 100)
    postal_code = _text("郵便番号", 10)
    address = _text("所在地", 300)
    phone = _text("電話番号", 20)
    email = _text("メールアドレス", 254)
    branch_name = _text("受任者（委任先）の名称", 200)
    branch_representative_title = _text("受任者の役職", 100)
    branch_representative_name = _text("受任者の氏名", 100)
    branch_postal_code = _text("受任者の郵便番号", 10)
    branch_address = _text("受任者の所在地", 300)
    branch_phone = _text("受任者の電話番号", 20)
    is_jv = BooleanField("共同企業体（JV）")
    note = TextAreaField("備考", validators=[Optional(), Length(max=2000, message="備考は 2000 文字以内です。")])
    area_override = SelectField("地域区分", validate_choice=False, default="",
                                choices=choices([("", "所在地から判定する")] + list(AREAS.items())))
    area_override_reason = _text("地域区分を判定と変える理由", 500)

    def values(self) -> dict:
        return {f: getattr(self, f).data for f in EDITABLE}


class AreaForm(JapaneseForm):
    action = SelectField("操作", choices=choices([("override", "変更"), ("clear", "判定に戻す")]), validate_choice=False)
    area_override = SelectField("地域区分", validate_choice=False, default="",
                                choices=choices([("", "選んでください")] + list(AREAS.items())))
    area_override_reason = _text("理由", 500)


class StatusForm(JapaneseForm):
    status = SelectField("新しい状態", validate_choice=False, choices=choices(STATUSES.items()))
    reason = _text("理由", 500)
