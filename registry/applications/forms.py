"""Forms of the applicant portal and of the review screens. Shape only: the services check the content."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    FileField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from core.formtools import JapaneseForm, MultiCheckboxField, choices
from registry.contractors.validation import FIELD_LABELS

from . import content
from .models import KINDS
from .queries import STATE_FILTERS


class SignUpForm(JapaneseForm):
    firm_name = StringField("商号又は名称", validators=[DataRequired("商号又は名称を入力してください。"), Length(max=200)])
    email = StringField("メールアドレス（ログインID になります）",
                        validators=[DataRequired("メールアドレスを入力してください。"), Length(max=254)])
    password = PasswordField("パスワード", validators=[DataRequired("パスワードを入力してください。")])
    password_confirm = PasswordField("パスワード（確認）", validators=[
        DataRequired("確認のため、もう一度パスワードを入力してください。"),
        EqualTo("password", "パスワードと確認用のパスワードが一致しません。")])


class EmailForm(JapaneseForm):
    email = StringField("メールアドレス", validators=[DataRequired("メールアドレスを入力してください。"), Length(max=254)])


class ConfirmForm(JapaneseForm):
    """The confirmation link opens a page with this button, so a mail scanner's GET confirms nothing."""


class ResetPasswordForm(JapaneseForm):
    password = PasswordField("新しいパスワード", validators=[DataRequired("新しいパスワードを入力してください。")])
    password_confirm = PasswordField("新しいパスワード（確認）", validators=[
        DataRequired("確認のため、もう一度入力してください。"),
        EqualTo("password", "パスワードと確認用のパスワードが一致しません。")])


class StartForm(JapaneseForm):
    kind = SelectField("申請の種類", choices=choices([("new", "新規申請"), ("change", "変更届")]), validate_choice=False)


def _text(name: str, max_length: int = 300):
    return StringField(FIELD_LABELS[name], validators=[Optional(), Length(max=max_length)])


class CompanyForm(JapaneseForm):
    legal_form = RadioField("法人・個人の別", choices=choices([("corporation", "法人"), ("individual", "個人")]),
                            default="corporation", validate_choice=False)
    name = _text("name", 200)
    name_kana = _text("name_kana", 200)
    corporate_number = _text("corporate_number", 20)
    representative_title = _text("representative_title", 100)
    representative_name = _text("representative_name", 100)
    postal_code = _text("postal_code", 10)
    address = _text("address")
    phone = _text("phone", 20)
    email = _text("email", 254)
    branch_name = _text("branch_name", 200)
    branch_representative_title = _text("branch_representative_title", 100)
    branch_representative_name = _text("branch_representative_name", 100)
    branch_postal_code = _text("branch_postal_code", 10)
    branch_address = _text("branch_address")
    branch_phone = _text("branch_phone", 20)


class CategoriesForm(JapaneseForm):
    period_start_year = SelectField("申請する資格の有効期間", validate_choice=False)
    construction = MultiCheckboxField("建設工事", validate_choice=False)
    consulting = MultiCheckboxField("測量・建設コンサルタント", validate_choice=False)
    goods = MultiCheckboxField("物品", validate_choice=False)


class DeclarationsForm(JapaneseForm):
    agreed = MultiCheckboxField("誓約事項", validate_choice=False)


class ChangeNoteForm(JapaneseForm):
    change_note = TextAreaField("変更の内容", validators=[Length(max=content.CHANGE_NOTE_MAX)])


class AttachmentForm(JapaneseForm):
    document_code = SelectField("書類の種類", validate_choice=False)
    file = FileField("ファイル（PDF・JPEG・PNG）")


def row_form(section: str, work_type_pairs: list[tuple[str, str]], formdata=None, data: dict | None = None):
    """A form for one row of ``section`` with a field per ``content.ROW_FIELDS`` entry."""
    attrs = {}
    for spec in content.ROW_FIELDS[section]:
        if spec.kind == "work_type":
            attrs[spec.name] = SelectField(spec.label, choices=choices([("", "選んでください")] + work_type_pairs),
                                           validate_choice=False)
        elif spec.kind == "choice":
            attrs[spec.name] = SelectField(spec.label, choices=choices([("", "選んでください"), *spec.choices]),
                                           validate_choice=False)
        else:
            attrs[spec.name] = StringField(spec.label, validators=[Optional(), Length(max=500)])
    form_class = type(f"{section.title()}RowForm", (JapaneseForm,), attrs)
    values = {k: ("" if v is None else str(v)) for k, v in (data or {}).items()}
    return form_class(formdata=formdata, data=values)


class ReviewStartForm(JapaneseForm):
    """Start the review (a button)."""


def review_form(application, formdata=None):
    """The review page's one form: per section ``<section>_ok`` and ``<section>_note`` (saved together, so a
    note typed in one section is never lost by saving another), and the ``comment`` of a return or rejection."""
    attrs = {"comment": TextAreaField("申請者への連絡", validators=[Optional(), Length(max=4000)])}
    data = {}
    rows = {c.section: c for c in application.checks}
    for key in content.SECTIONS_BY_KIND[application.kind]:
        attrs[f"{key}_ok"] = BooleanField("確認済み")
        attrs[f"{key}_note"] = TextAreaField(f"「{content.SECTIONS[key]}」への指摘",
                                             validators=[Optional(), Length(max=4000)])
        row = rows.get(key)
        data[f"{key}_ok"], data[f"{key}_note"] = (row.ok, row.note or "") if row else (False, "")
    form_class = type("ReviewForm", (JapaneseForm,), attrs)
    return form_class(formdata=formdata, data=data)


def check_values(form, application) -> dict[str, tuple[bool, str | None]]:
    """{section: (ok, note)} of the review form, for ``checks.save_checks``."""
    return {key: (bool(form[f"{key}_ok"].data), form[f"{key}_note"].data)
            for key in content.SECTIONS_BY_KIND[application.kind]}


class DecisionForm(JapaneseForm):
    comment = TextAreaField("申請者への連絡", validators=[Optional(), Length(max=4000)])


class BundleUploadForm(JapaneseForm):
    file = FileField("転送ファイル（.zip）")


class ListFilterForm(JapaneseForm):
    """Filters of the staff's application list (GET, no CSRF)."""

    class Meta:
        csrf = False

    state = SelectField("状態", choices=choices([(k, label) for k, (label, _s) in STATE_FILTERS.items()]),
                        default="open", validate_choice=False)
    kind = SelectField("種類", choices=choices([("", "すべて"), *KINDS.items()]), validate_choice=False)
    q = StringField("受付番号・商号", validators=[Optional(), Length(max=100)])
