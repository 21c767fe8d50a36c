"""Application content: section cleaning (company, 業種, permits, 経審, technicians, works), the completeness
check that blocks submission, and the documents required per application."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.jp import format_date
from core.timefmt import today
from registry.applications import content
from registry.qualifications.keishin.formula import add_months
from tests.registry.applications_support import (
    KEISHIN_FIGURES,
    company,
    corporate_number,
    current_period_year,
    keishin_row,
    permit_row,
    technician_row,
    work_row,
)

# --- company ---------------------------------------------------------------------------------------------


def test_clean_company_normalises_fields(db_session):
    number = corporate_number()
    raw = company(name="　株式会社　申請建設　", name_kana="しんせいけんせつ", postal_code="〒７５３－０００１",
                  phone="０８３（９２２）１１１１", corporate_number=f"{number[:4]}-{number[4:8]}-{number[8:]}",
                  unknown_field="ignored")
    cleaned, errors = content.clean_company(db_session, raw)
    assert errors == {}
    assert set(cleaned) == set(content.COMPANY_FIELDS)
    assert cleaned["name_kana"] == "シンセイケンセツ"
    assert cleaned["postal_code"] == "753-0001"
    assert cleaned["phone"] == "083-922-1111"
    assert cleaned["corporate_number"] == number
    assert "unknown_field" not in cleaned
    assert cleaned["branch_name"] is None


def test_clean_company_defaults_legal_form_to_corporation(db_session):
    cleaned, errors = content.clean_company(db_session, {"name": "株式会社甲"})
    assert cleaned["legal_form"] == "corporation" and errors == {}


def test_clean_company_reports_errors_per_field(db_session):
    bad_number = corporate_number()
    bad_number = str((int(bad_number[0]) % 9) + 1) + bad_number[1:]  # a wrong check digit
    _, errors = content.clean_company(db_session, company(name=" ", corporate_number=bad_number, email="no-at-sign",
                                                          postal_code="12345", phone="abc", legal_form="other"))
    assert set(errors) == {"name", "corporate_number", "email", "postal_code", "phone", "legal_form"}
    assert "チェックディジット" in errors["corporate_number"][0]


def test_clean_company_individual_has_no_corporate_number(db_session):
    _, errors = content.clean_company(db_session, company(legal_form="individual"))
    assert "個人事業者には法人番号はありません" in errors["corporate_number"][0]
    cleaned, errors = content.clean_company(db_session, company(legal_form="individual", corporate_number=""))
    assert errors == {} and cleaned["corporate_number"] is None


def test_company_problems_required_fields_and_branch():
    problems = content.company_problems({"legal_form": "corporation"})
    assert set(problems) == set(content.COMPANY_REQUIRED) | {"corporate_number"}
    assert problems["name"] == ["商号又は名称を入力してください。"]
    assert content.company_problems(company()) == {}
    assert content.company_problems(company(legal_form="individual", corporate_number=None)) == {}
    problems = content.company_problems(company(branch_name="山口営業所"))
    assert list(problems) == ["branch_address"]
    assert content.company_problems(company(branch_name="山口営業所", branch_address="山口市中央2-2")) == {}


# --- categories ----------------------------------------------------------------------------------------------


def test_clean_categories_sorts_dedups_and_checks_category(db_session):
    cleaned, errors = content.clean_categories(db_session, {
        "construction": ["020", "010", "010"], "consulting": ["510"], "goods": [], "unknown": ["010"]})
    assert errors == {}
    assert cleaned == {"construction": ["010", "020"], "consulting": ["510"], "goods": []}


def test_clean_categories_rejects_codes_of_other_categories(db_session):
    cleaned, errors = content.clean_categories(db_session, {"construction": ["910", "999", "010"],
                                                            "goods": ["010"]})
    assert cleaned["construction"] == ["010"] and cleaned["goods"] == []
    assert len(errors["construction"]) == 2 and "910" in errors["construction"][0] and "999" in errors["construction"][1]
    assert "010" in errors["goods"][0]
    assert content.clean_categories(db_session, None) == ({"construction": [], "consulting": [], "goods": []}, {})


# --- permits ---------------------------------------------------------------------------------------------------


def test_permit_row_valid_with_wareki_date(db_session):
    granted = today() - timedelta(days=400)
    row, errors = content.clean_row(db_session, "permits", permit_row(text="  山口県知事許可（般-5）第12345号 ",
                                                                      granted_on=format_date(granted, "wareki")))
    assert errors == {}
    assert row == {"work_type_code": "010", "text": "山口県知事許可（般-5）第12345号", "granted_on": granted.isoformat()}


@pytest.mark.parametrize("text", ["山口県知事許可（般5）第1号", "山口県知事許可第12345号", "知事許可（般-5）第1号"])
def test_permit_row_rejects_malformed_permit_text(db_session, text):
    row, errors = content.clean_row(db_session, "permits", permit_row(text=text))
    assert list(errors) == ["text"]
    assert f"「{text}」を読み取れません" in errors["text"][0]
    assert row["text"] == text


def test_permit_row_rejects_expired_permit(db_session):
    granted = today() - timedelta(days=5 * 366 + 10)  # expired a few days ago whatever the leap years
    _, errors = content.clean_row(db_session, "permits", permit_row(granted_on=granted.isoformat()))
    assert list(errors) == ["granted_on"]
    assert "有効期間（5 年）が過ぎています" in errors["granted_on"][0]
    # Granted 4 years ago: still valid.
    _, errors = content.clean_row(db_session, "permits", permit_row(granted_on=(today() - timedelta(days=4 * 365))))
    assert errors == {}


def test_permit_row_required_fields_future_date_and_category(db_session):
    _, errors = content.clean_row(db_session, "permits", {"work_type_code": "", "text": "", "granted_on": ""})
    assert set(errors) == {"work_type_code", "text", "granted_on"}
    _, errors = content.clean_row(db_session, "permits",
                                  permit_row(granted_on=(today() + timedelta(days=1)).isoformat()))
    assert "未来の日付" in errors["granted_on"][0]
    _, errors = content.clean_row(db_session, "permits", permit_row(code="510"))  # a consulting code
    assert list(errors) == ["work_type_code"]
    _, errors = content.clean_row(db_session, "permits", permit_row(granted_on="2023年13月40日"))
    assert list(errors) == ["granted_on"] and errors["granted_on"][0].startswith("許可日: ")


# --- 経審 ---------------------------------------------------------------------------------------------------------


def test_keishin_row_valid_parses_integers(db_session):
    row, errors = content.clean_row(db_session, "keishin", keishin_row(x1="１,２７０", w=" 1235 "))
    assert errors == {}
    assert row == {"work_type_code": "010", "base_date": (today() - timedelta(days=100)).isoformat(),
                   **KEISHIN_FIGURES}
    assert content.keishin_p_mismatch(row) is None


def test_keishin_row_negative_w_is_allowed(db_session):
    row, errors = content.clean_row(db_session, "keishin", keishin_row(w="-150", p="961"))
    assert errors == {} and row["w"] == -150


def test_keishin_row_range_errors_name_the_fields(db_session):
    _, errors = content.clean_row(db_session, "keishin", keishin_row(x1="100", y="1600", w="-2110", p="5000"))
    assert set(errors) == {"x1", "y", "w", "p"}
    assert "397" in errors["x1"][0] and "2,160" in errors["p"][0]
    _, errors = content.clean_row(db_session, "keishin", keishin_row(x2="abc", z=""))
    assert set(errors) == {"x2", "z"}
    assert "整数" in errors["x2"][0] and "入力してください" in errors["z"][0]
    assert len(errors["x2"]) == 1  # the range check does not repeat the parse error


def test_keishin_row_expired_base_date_rejected(db_session):
    base = add_months(today(), -20)
    _, errors = content.clean_row(db_session, "keishin", keishin_row(base_date=base.isoformat()))
    assert list(errors) == ["base_date"] and "有効期間" in errors["base_date"][0]
    # About a year old: valid (19 months by the seeded rule).
    _, errors = content.clean_row(db_session, "keishin", keishin_row(base_date=add_months(today(), -12)))
    assert errors == {}
    _, errors = content.clean_row(db_session, "keishin",
                                  keishin_row(base_date=(today() + timedelta(days=3)).isoformat()))
    assert list(errors) == ["base_date"] and "未来" in errors["base_date"][0]


def test_keishin_p_mismatch_detection(db_session):
    row, errors = content.clean_row(db_session, "keishin", keishin_row(p="1170"))
    # A P that X1〜W do not give blocks, with the message on the P field (it was a small badge only).
    assert list(errors) == ["p"] and "計算した値 1169 と一致しません" in errors["p"][0]
    assert content.keishin_p_mismatch(row) == 1169
    assert content.clean_row(db_session, "keishin", keishin_row(p="1169"))[1] == {}
    assert content.keishin_p_mismatch(dict(row, p=1169)) is None
    assert content.keishin_p_mismatch(dict(row, p=None)) is None
    assert content.keishin_p_mismatch({"p": 1000}) is None
    assert content.keishin_p_mismatch(dict(row, x1=None)) is None


# --- technicians and works --------------------------------------------------------------------------------------


def test_technician_row(db_session):
    row, errors = content.clean_row(db_session, "technicians", technician_row(
        name=" 山田　太郎 ", qualifications="1級土木施工管理技士、監理技術者\n1級土木施工管理技士", employed_since="H22.4.1"))
    assert errors == {}
    assert row["qualifications"] == "1級土木施工管理技士・監理技術者"
    assert row["employed_since"] == "2010-04-01"
    assert row["name"] and row["name"].startswith("山田")
    row, errors = content.clean_row(db_session, "technicians", {"name": "鈴木 一郎"})
    assert errors == {} and row["employed_since"] is None and row["qualifications"] is None


def test_technician_row_errors(db_session):
    _, errors = content.clean_row(db_session, "technicians", technician_row(
        name="", name_kana="ア" * 101, employed_since=(today() + timedelta(days=1)).isoformat()))
    assert set(errors) == {"name", "name_kana", "employed_since"}
    _, errors = content.clean_row(db_session, "technicians", technician_row(qualifications="資格" * 300))
    assert list(errors) == ["qualifications"]


def test_work_row(db_session):
    row, errors = content.clean_row(db_session, "works", work_row())
    assert errors == {}
    assert row["amount"] == 12_340_000 and row["role"] == "prime" and row["work_type_code"] == "010"
    row, errors = content.clean_row(db_session, "works", work_row(work_type_code="", role="jv"))
    assert errors == {} and row["work_type_code"] is None
    row, errors = content.clean_row(db_session, "works", work_row(work_type_code="910"))  # any category is fine
    assert errors == {}


def test_work_row_errors(db_session):
    _, errors = content.clean_row(db_session, "works", work_row(title="", client="発" * 201, role="boss", amount="0",
                                                                completed_on="", work_type_code="999"))
    assert set(errors) == {"title", "client", "role", "amount", "completed_on", "work_type_code"}
    assert "200 文字以内" in errors["client"][0]
    _, errors = content.clean_row(db_session, "works", work_row(amount="12.5万円"))
    assert list(errors) == ["amount"] and "整数" in errors["amount"][0]


def test_clean_row_unknown_section(db_session):
    with pytest.raises(KeyError):
        content.clean_row(db_session, "declarations", {})


# --- completeness -------------------------------------------------------------------------------------------------


def complete_data(session, **company_overrides) -> dict:
    data = content.empty_data("new")
    data["company"], errors = content.clean_company(session, company(**company_overrides))
    assert errors == {}
    data["categories"] = {"construction": ["010"], "consulting": [], "goods": []}
    data["permits"] = [content.clean_row(session, "permits", permit_row())[0]]
    data["keishin"] = [content.clean_row(session, "keishin", keishin_row())[0]]
    data["technicians"] = [content.clean_row(session, "technicians", technician_row())[0]]
    data["works"] = [content.clean_row(session, "works", work_row())[0]]
    data["declarations"] = {code: True for code, _ in content.declaration_items(session)}
    return data


def test_empty_data_per_kind():
    new = content.empty_data("new")
    assert set(new) == {"company", "permits", "keishin", "technicians", "categories", "works", "declarations"}
    assert new["categories"] == {"construction": [], "consulting": [], "goods": []}
    change = content.empty_data("change")
    assert change["change_note"] == "" and "categories" not in change and "declarations" not in change


def test_problems_of_an_empty_new_application(db_session):
    found = content.problems(db_session, "new", content.empty_data("new"), set(), None)
    sections = {p.section for p in found}
    assert sections == {"company", "categories", "declarations", "attachments"}
    messages = [p.message for p in found]
    assert "商号又は名称を入力してください。" in messages
    assert "法人は法人番号（13 桁）を入力してください。" in messages
    assert "申請する資格の有効期間を選んでください。" in messages
    assert "申請する業種を 1 つ以上選んでください。" in messages
    assert sum(p.section == "declarations" for p in found) == len(content.declaration_items(db_session)) == 3
    attachments = [p.message for p in found if p.section == "attachments"]
    assert len(attachments) == 2  # 納税証明書 (always) and 登記事項証明書 (a corporation); no construction yet
    assert any("納税証明書" in m for m in attachments) and any("登記事項証明書" in m for m in attachments)
    # In section order, with labels.
    order = [content.SECTIONS_BY_KIND["new"].index(p.section) for p in found]
    assert order == sorted(order)
    assert found[0].section_label == "会社情報"


def test_problems_of_a_complete_application_is_empty(db_session):
    data = complete_data(db_session)
    codes = {code for code, _ in content.required_documents(db_session, "new", data)}
    assert codes == {"keishin_notice", "tax_certificate", "registry_certificate", "permit_notice"}
    assert content.problems(db_session, "new", data, codes, current_period_year(db_session)) == []


def test_problems_list_missing_rows_for_construction(db_session):
    data = complete_data(db_session)
    data["categories"]["construction"] = ["010", "020"]
    data["technicians"] = []
    codes = {"keishin_notice", "tax_certificate", "registry_certificate", "permit_notice"}
    found = content.problems(db_session, "new", data, codes, current_period_year(db_session))
    assert [(p.section, p.message) for p in found] == [
        ("permits", "020 建築一式工事の建設業許可を入力してください。"),
        ("keishin", "020 建築一式工事の経営事項審査の結果を入力してください。"),
        ("technicians", "建設工事を申請するときは技術者を 1 人以上入力してください。"),
    ]


def test_problems_report_invalid_rows_with_line_numbers(db_session):
    data = complete_data(db_session)
    data["permits"].append({"work_type_code": "020", "text": "山口県知事許可（般5）第1号",
                            "granted_on": today().isoformat()})
    codes = {"keishin_notice", "tax_certificate", "registry_certificate", "permit_notice"}
    found = content.problems(db_session, "new", data, codes, current_period_year(db_session))
    assert len(found) == 1 and found[0].section == "permits" and found[0].message.startswith("2 行目: ")


def test_problems_of_a_change_notice(db_session):
    data = content.empty_data("change")
    data["company"], _ = content.clean_company(db_session, company())
    found = content.problems(db_session, "change", data, set())
    assert [(p.section, p.message) for p in found] == [("change", "変更の内容（何をいつ変更したか）を入力してください。")]
    data["change_note"] = "令和8年4月1日に本店を移転しました。"
    assert content.problems(db_session, "change", data, set()) == []


def test_required_documents_per_legal_form_construction_and_branch(db_session):
    def codes(kind="new", **data):
        return [code for code, _ in content.required_documents(db_session, kind, data)]

    construction = {"construction": ["010"]}
    assert codes(company={"legal_form": "corporation"}, categories=construction) == [
        "keishin_notice", "tax_certificate", "registry_certificate", "permit_notice"]
    assert codes(company={"legal_form": "individual"}, categories=construction) == [
        "keishin_notice", "tax_certificate", "permit_notice"]
    assert codes(company={"legal_form": "individual"}, categories={"goods": ["910"]}) == ["tax_certificate"]
    assert codes(company={"legal_form": "corporation", "branch_name": "山口営業所"}) == [
        "tax_certificate", "registry_certificate", "power_of_attorney"]
    assert codes(company={}) == ["tax_certificate"]
    assert codes("change", company={"legal_form": "corporation"}, categories=construction) == []
    titles = dict(content.required_documents(db_session, "new", {"company": {}}))
    assert titles["tax_certificate"].startswith("納税証明書")
    assert "other" not in codes(company={"legal_form": "corporation", "branch_name": "x"}, categories=construction)
