"""Forms of the login and account screens (shape only; rules live in the services)."""

from __future__ import annotations

from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from core.formtools import DateInputField, IntegerSelectField, JapaneseForm, MultiCheckboxField, choices

from .roles import ROLE_LABELS, STAFF_ROLES, Role

REQUIRED = "{label}を入力してください。"


def required(label: str) -> DataRequired:
    return DataRequired(message=REQUIRED.format(label=label))


class LoginForm(JapaneseForm):
    login_id = StringField("ログインID", validators=[required("ログインID"), Length(max=64)])
    password = PasswordField("パスワード", validators=[required("パスワード"), Length(max=256)])
    next = HiddenField()


class ChangePasswordForm(JapaneseForm):
    current_password = PasswordField("現在のパスワード", validators=[required("現在のパスワード"), Length(max=256)])
    new_password = PasswordField("新しいパスワード", validators=[required("新しいパスワード"), Length(max=256)])
    confirm_password = PasswordField("新しいパスワード（確認）", validators=[required("確認用のパスワード")])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.new_password.data and self.confirm_password.data and \
                self.new_password.data != self.confirm_password.data:
            self.confirm_password.errors = [*self.confirm_password.errors, "確認用のパスワードが一致しません。"]
            ok = False
        return ok



class UserForm(JapaneseForm):
    login_id = StringField("ログインID", validators=[required("ログインID"), Length(max=64)])
    name = StringField("氏名", validators=[required("氏名"), Length(max=100, message="氏名は 100 文字以内です。")])
    email = StringField("メールアドレス", validators=[Optional(), Length(max=254)])
    department_id = IntegerSelectField("所属部署")
    roles = MultiCheckboxField("役割", choices=choices((r.value, ROLE_LABELS[r]) for r in STAFF_ROLES),
                               validators=[DataRequired(message="役割を 1 つ以上選んでください。")],
                               validate_choice=False)

    def set_department_choices(self, departments) -> None:
        self.department_id.choices = choices([(0, "（所属なし）")] + [(d.id, f"{d.code} {d.name}") for d in departments])

    @property
    def role_values(self) -> list[Role]:
        return [Role(v) for v in (self.roles.data or []) if v in {r.value for r in Role}]


class DepartmentForm(JapaneseForm):
    code = StringField("部署コード", validators=[required("部署コード"), Length(max=20)])
    name = StringField("部署名", validators=[required("部署名"), Length(max=100)])


class ReasonForm(JapaneseForm):
    reason = StringField("理由", validators=[required("理由"), Length(max=500, message="理由は 500 文字以内です。")])


class ConfirmForm(JapaneseForm):
    """A bare POST form: the CSRF token is its only field."""


class UserFilterForm(JapaneseForm):
    class Meta:
        csrf = False

    q = StringField("ログインID・氏名", validators=[Optional(), Length(max=100)])
    department_id = IntegerSelectField("所属部署", default=0)
    role = SelectField("役割", choices=choices([("", "すべて")] + [(r.value, ROLE_LABELS[r]) for r in Role]),
                       validate_choice=False, default="")
    status = SelectField("状態", choices=choices([("active", "有効"), ("inactive", "無効"), ("locked", "ロック中"),
                                                ("all", "すべて")]), default="active", validate_choice=False)


class LoginHistoryFilterForm(JapaneseForm):
    class Meta:
        csrf = False

    login_id = StringField("ログインID", validators=[Optional(), Length(max=64)])
    result = SelectField("結果", validate_choice=False, default="")
    ip = StringField("接続元アドレス", validators=[Optional(), Length(max=45)])
    date_from = DateInputField("期間（開始日）", validators=[Optional()])
    date_to = DateInputField("期間（終了日）", validators=[Optional()])
    include_logout = BooleanField("ログアウトも表示", default=True)
