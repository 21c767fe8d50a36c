"""The applicant portal's account pages (internet side, SPEC QA1): sign-up, e-mail confirmation, a new
confirmation mail, and the reset of a forgotten password. All public: the visitor has no login yet.
Mails go only after the commit, so no link in a mail points to a token that was rolled back, and after the
answer has gone out, so the answer is the same (and as fast) whether the address is registered or not."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from core import mail
from core.auth.passwords import policy_from_config
from core.db import db, utcnow
from core.permissions import public
from core.transaction import general_errors, transaction

from . import accounts
from .forms import ConfirmForm, EmailForm, ResetPasswordForm, SignUpForm

bp = Blueprint("account", __name__)
MESSAGE = "registry/applications/portal/message.html"
EMAIL_FORM = "registry/applications/portal/email_form.html"


def _link(endpoint: str):
    return lambda token: mail.public_url(url_for(endpoint, token=token))


def _invalid_link(hours: int, again: tuple[str, str]):
    return render_template(MESSAGE, title="リンクが無効です", status="error",
                           lines=[f"このリンクは使用済みか、有効期限（{hours} 時間）が切れています。"], links=[again]), 410


@bp.route("/signup", methods=["GET", "POST"])
@public
def signup():
    """Create an applicant account; the confirmation link arrives by mail."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignUpForm()
    policy = policy_from_config(current_app.config)
    if form.validate_on_submit():
        with transaction(form) as tx:
            message = accounts.sign_up(db.session, email=form.email.data, firm_name=form.firm_name.data,
                                       password=form.password.data, policy=policy,
                                       hash_method=current_app.config["PASSWORD_HASH_METHOD"], now=utcnow(),
                                       link=_link("portal.account.confirm"))
        if tx.ok:
            mail.send_after_response(message)
            return redirect(url_for("portal.account.signup_sent"))
    return render_template("registry/applications/portal/signup.html", form=form, general_errors=general_errors(),
                           policy=policy.describe())


@bp.route("/signup/sent")
@public
def signup_sent():
    return render_template(MESSAGE, title="確認のメールを送りました",
                           lines=["入力されたメールアドレスに、登録を確認するためのメールを送りました。",
                                  "メールのリンクを 24 時間以内に開いて、登録を完了してください。",
                                  "メールが届かないときは、迷惑メールのフォルダを確認するか、確認メールを再送してください。"],
                           links=[("確認メールを再送する", url_for("portal.account.resend")),
                                  ("ログイン画面へ", url_for("auth.login"))])


@bp.route("/confirm/<token>", methods=["GET", "POST"])
@public
def confirm(token: str):
    form = ConfirmForm()
    if not accounts.token_is_usable(db.session, token, "confirm", utcnow()):
        return _invalid_link(24, ("確認メールを再送する", url_for("portal.account.resend")))
    if form.validate_on_submit():
        with transaction() as tx:
            accounts.confirm_email(db.session, token, utcnow())
        if not tx.ok:  # the token was used up meanwhile: the page now says the link is spent
            return redirect(url_for("portal.account.confirm", token=token))
        flash("メールアドレスを確認しました。ログインしてください。", "success")
        return redirect(url_for("auth.login"))
    return render_template("registry/applications/portal/confirm.html", form=form)


@bp.route("/resend", methods=["GET", "POST"])
@public
def resend():
    form = EmailForm()
    if form.validate_on_submit():
        with transaction() as tx:
            message = accounts.resend_confirmation(db.session, form.email.data, utcnow(),
                                                   _link("portal.account.confirm"))
        if tx.ok:
            mail.send_after_response(message)
            return redirect(url_for("portal.account.signup_sent"))
    return render_template(EMAIL_FORM, form=form, title="確認メールの再送",
                           lead="登録したメールアドレスを入力してください。確認が済んでいなければ、確認メールを送り直します。")


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
def forgot_password():
    form = EmailForm()
    if form.validate_on_submit():
        with transaction() as tx:
            message = accounts.request_password_reset(db.session, form.email.data, utcnow(),
                                                      _link("portal.account.reset_password"))
        if tx.ok:
            mail.send_after_response(message)
            return render_template(MESSAGE, title="再設定のメールを送りました",
                                   lines=["登録されているメールアドレスであれば、パスワードを再設定するためのメールを送りました。",
                                          "メールのリンクを 1 時間以内に開いてください。"],
                                   links=[("ログイン画面へ", url_for("auth.login"))])
    return render_template(EMAIL_FORM, form=form, title="パスワードの再設定",
                           lead="登録したメールアドレスを入力してください。パスワードを再設定するためのリンクをメールで送ります。")


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    if not accounts.token_is_usable(db.session, token, "reset", utcnow()):
        return _invalid_link(1, ("もう一度手続きする", url_for("portal.account.forgot_password")))
    form = ResetPasswordForm()
    policy = policy_from_config(current_app.config)
    if form.validate_on_submit():
        with transaction(form) as tx:
            accounts.reset_password(db.session, token, form.password.data, policy=policy,
                                    hash_method=current_app.config["PASSWORD_HASH_METHOD"], now=utcnow())
        if tx.ok:
            flash("パスワードを再設定しました。新しいパスワードでログインしてください。", "success")
            return redirect(url_for("auth.login"))
    return render_template("registry/applications/portal/reset_password.html", form=form,
                           general_errors=general_errors(), policy=policy.describe())
