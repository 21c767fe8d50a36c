"""Demo data of the applicant portal (``flask demo`` only): a confirmed applicant with a submitted application,
so staff find something to review and the applicant pages have content. Fictional firm and documents."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from core.auth.passwords import generate_one_time_password, hash_password
from core.auth.services import AuthSettings, find_user
from core.db import utcnow
from core.timefmt import today

from . import accounts, content, services
from .models import Application

DEMO_EMAIL = "shinsei@example.jp"
#: A one-page PDF (blank A4) standing in for a certificate.
DEMO_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def load_demo_applicant(session: Session, settings: AuthSettings, storage_root: str) -> tuple[str, str]:
    """(login id, fresh password) of the demo applicant; the application is made once."""
    now = utcnow()
    password = generate_one_time_password(settings.policy)
    user = find_user(session, DEMO_EMAIL)
    if user is not None:
        user.password_hash = hash_password(password, settings.hash_method)
        return DEMO_EMAIL, password
    accounts.sign_up(session, email=DEMO_EMAIL, firm_name="株式会社さくら土木", password=password,
                     policy=settings.policy, hash_method=settings.hash_method, now=now, link=lambda token: token)
    account = accounts.account_of(session, find_user(session, DEMO_EMAIL))
    account.email_confirmed_at = now
    account.user.is_active, account.user.deactivated_reason = True, None
    application = services.start_application(session, account, "new", now)
    _fill(session, account, application, storage_root)
    services.submit(session, account, application, now)
    return DEMO_EMAIL, password


def _fill(session: Session, account, application: Application, storage_root: str) -> None:
    day = today()
    services.save_company(session, account, application, {
        "legal_form": "corporation", "name": "株式会社さくら土木", "name_kana": "サクラドボク",
        "corporate_number": "9234567890123", "representative_title": "代表取締役", "representative_name": "桜井 一郎",
        "postal_code": "747-0035", "address": "山口県防府市栄町一丁目5番1号", "phone": "0835-25-0000",
        "email": DEMO_EMAIL})
    year = services.period_options(session)[0][0]
    services.save_categories(session, account, application, {"construction": ["010", "130"]}, year)
    for code in ("010", "130"):
        services.save_row(session, account, application, "permits", {
            "work_type_code": code, "text": "山口県知事許可（般-4）第23456号",
            "granted_on": (day - timedelta(days=700)).isoformat()})
        services.save_row(session, account, application, "keishin", {
            "work_type_code": code, "base_date": (day - timedelta(days=150)).isoformat(),
            "x1": 812, "x2": 705, "y": 760, "z": 820, "w": 905, "p": 802})
    services.save_row(session, account, application, "technicians", {
        "name": "桜井 次郎", "name_kana": "サクライ ジロウ", "qualifications": "1級土木施工管理技士・監理技術者",
        "employed_since": "2012-04-01"})
    services.save_row(session, account, application, "works", {
        "title": "市道中央線舗装補修工事", "client": "防府市", "work_type_code": "130", "role": "prime",
        "amount": "18,700,000", "completed_on": (day - timedelta(days=300)).isoformat()})
    services.save_declarations(session, account, application, {c for c, _ in content.declaration_items(session)})
    for code, _row in content.document_items(session):
        if code in dict(content.required_documents(session, "new", application.data)):
            services.add_attachment(session, account, application, document_code=code, filename=f"{code}.pdf",
                                    content_bytes=DEMO_PDF, storage_root=storage_root, max_bytes=10 * 1024 * 1024,
                                    now=utcnow())
