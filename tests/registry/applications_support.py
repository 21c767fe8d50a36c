"""Shared helpers for the qualification application tests (plain functions; each test file defines its fixtures).

Dates are relative to ``today()`` so the tests pass on any day: permits granted a year ago, 経審 with a base
date 100 days ago, the period applied for is the current one offered to applicants.
"""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

from core.auth.passwords import PasswordPolicy
from core.db import utcnow
from core.jp.corporate import corporate_check_digit
from core.timefmt import today
from registry.applications import accounts, services
from tests.helpers import TEST_PASSWORD

_seq = itertools.count(1)

# Minimal files of each accepted type. A PDF must parse (a catalog, a page tree and one blank A4 page).
PDF_BODY = (b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<<>>>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")
PDF = b"%PDF-1.4\n" + PDF_BODY
PNG = (b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
       + b"\x00\x00\x00\x00IEND\xaeB`\x82")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 16 + b"\xff\xd9"

#: 経審 figures whose P computes to 1169 (the worked example of the registry tests).
KEISHIN_FIGURES = {"x1": 1270, "x2": 1323, "y": 1120, "z": 976, "w": 1235, "p": 1169}


def pdf(tag: str) -> bytes:
    """A minimal PDF whose bytes (and so its SHA-256) differ by ``tag``."""
    return b"%PDF-1.4\n%" + tag.encode() + b"\n" + PDF_BODY


def corporate_number(base12: str | None = None) -> str:
    """A valid 13-digit 法人番号 (distinct on each call unless ``base12`` is given)."""
    base = base12 or f"{700000000000 + next(_seq) * 7919:012d}"
    return f"{corporate_check_digit(base)}{base}"


def link_capture():
    """A ``link(token)`` callable for the account services and the list of tokens it saw."""
    tokens: list[str] = []

    def link(token: str) -> str:
        tokens.append(token)
        return f"https://portal.example.jp/applicant/confirm/{token}"

    return link, tokens


def token_from(mail) -> str:
    match = re.search(r"https://portal\.example\.jp/applicant/confirm/(\S+)", mail.body)
    assert match, mail.body
    return match.group(1)


def make_account(session, app, *, firm_name: str | None = None, email: str | None = None):
    """A confirmed applicant account (signed up and confirmed through the services)."""
    n = next(_seq)
    policy = PasswordPolicy(app.config["PASSWORD_MIN_LENGTH"], app.config["PASSWORD_MIN_CLASSES"])
    link, tokens = link_capture()
    accounts.sign_up(session, email=email or f"applicant{n}@example.co.jp", firm_name=firm_name or f"株式会社申請建設{n}",
                     password=TEST_PASSWORD, policy=policy, hash_method=app.config["PASSWORD_HASH_METHOD"],
                     now=utcnow(), link=link)
    return accounts.confirm_email(session, tokens[-1], utcnow())


def current_period_year(session) -> int:
    return services.period_options(session)[0][0]


def company(**overrides) -> dict:
    values = {"legal_form": "corporation", "name": "株式会社申請建設", "name_kana": "シンセイケンセツ",
              "corporate_number": corporate_number(), "representative_title": "代表取締役",
              "representative_name": "申請 太郎", "postal_code": "753-0001", "address": "山口県山口市中央1-1-1",
              "phone": "083-922-1111", "email": "info@shinsei.example.jp"}
    return values | overrides


def permit_row(code: str = "010", **overrides) -> dict:
    return {"work_type_code": code, "text": "山口県知事許可（般-5）第12345号",
            "granted_on": (today() - timedelta(days=365)).isoformat()} | overrides


def keishin_row(code: str = "010", **overrides) -> dict:
    return {"work_type_code": code, "base_date": (today() - timedelta(days=100)).isoformat(),
            **{k: str(v) for k, v in KEISHIN_FIGURES.items()}} | overrides


def technician_row(**overrides) -> dict:
    return {"name": "山田 太郎", "name_kana": "ヤマダ タロウ", "qualifications": "1級土木施工管理技士・監理技術者",
            "employed_since": "2010-04-01"} | overrides


def work_row(**overrides) -> dict:
    return {"title": "市道1号線舗装工事", "client": "山口市", "work_type_code": "010", "role": "prime",
            "amount": "12,340,000", "completed_on": (today() - timedelta(days=200)).isoformat()} | overrides


REQUIRED_FOR_CORPORATE_CONSTRUCTION = ("keishin_notice", "tax_certificate", "registry_certificate", "permit_notice")


def fill_complete(session, account, application, storage_root: str, *, company_values: dict | None = None,
                  codes: tuple[str, ...] = ("010",)) -> None:
    """Fill every section of a 新規申請 through the services so that it can be submitted."""
    services.save_company(session, account, application, company_values or company(email=account.email))
    services.save_categories(session, account, application, {"construction": list(codes)},
                             current_period_year(session))
    for code in codes:
        services.save_row(session, account, application, "permits", permit_row(code))
        services.save_row(session, account, application, "keishin", keishin_row(code))
    services.save_row(session, account, application, "technicians", technician_row())
    services.save_row(session, account, application, "works", work_row())
    services.save_declarations(session, account, application, {"antisocial", "truthful", "no_disqualification"})
    for code in REQUIRED_FOR_CORPORATE_CONSTRUCTION:
        services.add_attachment(session, account, application, document_code=code, filename=f"{code}.pdf",
                                content_bytes=pdf(code), storage_root=storage_root, max_bytes=1024 * 1024, now=utcnow())


def submitted_application(session, app, account=None, **fill):
    """A complete 新規申請, submitted; returns (account, application)."""
    account = account or make_account(session, app)
    application = services.start_application(session, account, "new", utcnow())
    fill_complete(session, account, application, app.config["STORAGE_DIR"], **fill)
    services.submit(session, account, application, utcnow())
    return account, application
