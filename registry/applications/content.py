"""What an application contains, section by section, and how each section is checked (SPEC QA1).

An application's ``data`` is one JSON document::

    {"company": {...firm fields...}, "categories": {"construction": ["010", ...], ...},
     "permits": [{work_type_code, text, granted_on}], "keishin": [{work_type_code, base_date, x1, x2, y, z, w, p}],
     "technicians": [{name, name_kana, qualifications, employed_since}],
     "works": [{title, client, work_type_code, amount, completed_on, role}],
     "declarations": {code: true}, "change_note": "..."}

Each ``clean_*`` takes what the applicant typed (text from a form, or the stored JSON) and returns the
normalised section with errors per field, reusing the registry's own validators, so what staff accept is
what the registry would accept. ``problems`` lists what still blocks submission, section by section.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from core.jp import JpParseError, format_date, parse_date
from core.rules import get_rule
from core.timefmt import today
from registry.codes import work_types
from registry.contractors.models import CATEGORIES
from registry.contractors.validation import FIELD_LABELS, validate_firm_fields
from registry.qualifications.keishin import formula as ks
from registry.qualifications.permits.numbers import PermitParseError, parse_permit, permit_expiry
from registry.qualifications.technicians.services import clean_technician

SECTIONS = {
    "change": "変更の内容", "company": "会社情報", "categories": "申請する業種", "permits": "建設業許可",
    "keishin": "経営事項審査", "technicians": "技術者", "works": "工事・業務の実績", "declarations": "誓約",
    "attachments": "添付書類",
}
SECTIONS_BY_KIND = {
    "new": ("company", "categories", "permits", "keishin", "technicians", "works", "declarations", "attachments"),
    "change": ("change", "company", "permits", "keishin", "technicians", "attachments"),
}
ROW_SECTIONS = ("permits", "keishin", "technicians", "works")
MAX_ROWS = {"permits": 29, "keishin": 29, "technicians": 200, "works": 50}

COMPANY_FIELDS = ("legal_form", "name", "name_kana", "corporate_number", "representative_title",
                  "representative_name", "postal_code", "address", "phone", "email", "branch_name",
                  "branch_representative_title", "branch_representative_name", "branch_postal_code",
                  "branch_address", "branch_phone")
COMPANY_REQUIRED = ("name", "name_kana", "representative_title", "representative_name", "postal_code", "address",
                    "phone", "email")
WORK_ROLES = {"prime": "元請", "sub": "下請", "jv": "共同企業体の構成員"}
CHANGE_NOTE_MAX = 2000


@dataclass(frozen=True)
class RowField:
    name: str
    label: str
    kind: str = "text"  # text / date / int / work_type / choice / textarea
    required: bool = False
    hint: str = ""
    choices: tuple[tuple[str, str], ...] = ()


ROW_FIELDS: dict[str, tuple[RowField, ...]] = {
    "permits": (
        RowField("work_type_code", "業種", "work_type", True),
        RowField("text", "許可番号", required=True, hint="許可通知書のとおり。例: 山口県知事許可（般-5）第12345号"),
        RowField("granted_on", "許可日", "date", True, "例: 令和5年4月1日、R5.4.1、2023-04-01"),
    ),
    "keishin": (
        RowField("work_type_code", "業種", "work_type", True),
        RowField("base_date", "審査基準日", "date", True),
        RowField("x1", "X1（完成工事高）", "int", True),
        RowField("x2", "X2（自己資本額・利益額）", "int", True),
        RowField("y", "Y（経営状況）", "int", True),
        RowField("z", "Z（技術力）", "int", True),
        RowField("w", "W（社会性等）", "int", True),
        RowField("p", "P（総合評定値）", "int", True, "通知書に記載の値。X1〜W から計算した値と照合します。"),
    ),
    "technicians": (
        RowField("name", "氏名", required=True),
        RowField("name_kana", "フリガナ"),
        RowField("qualifications", "資格", hint="「・」で区切って複数。例: 1級土木施工管理技士・監理技術者"),
        RowField("employed_since", "雇用開始日", "date"),
    ),
    "works": (
        RowField("title", "工事・業務の名称", required=True),
        RowField("client", "発注者", required=True),
        RowField("work_type_code", "業種", "work_type"),
        RowField("role", "立場", "choice", True, choices=tuple(WORK_ROLES.items())),
        RowField("amount", "契約金額（円）", "int", True, "円単位。例: 12,340,000"),
        RowField("completed_on", "完成日", "date", True),
    ),
}


def _add(errors: dict, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def empty_data(kind: str) -> dict:
    data = {"company": {"legal_form": "corporation"}, "permits": [], "keishin": [], "technicians": []}
    if kind == "new":
        data |= {"categories": {c: [] for c in CATEGORIES}, "works": [], "declarations": {}}
    else:
        data["change_note"] = ""
    return data


# --- company ---------------------------------------------------------------------------------------------


def clean_company(session: Session, raw: dict) -> tuple[dict, dict]:
    values = {f: raw.get(f) for f in COMPANY_FIELDS}
    values["legal_form"] = values["legal_form"] or "corporation"
    errors = validate_firm_fields(session, values, None, check_duplicate=False)
    return {f: values[f] for f in COMPANY_FIELDS}, errors


def company_problems(company: dict) -> dict:
    errors: dict[str, list[str]] = {}
    for field in COMPANY_REQUIRED:
        if not company.get(field):
            _add(errors, field, f"{FIELD_LABELS[field]}を入力してください。")
    if company.get("legal_form") == "corporation" and not company.get("corporate_number"):
        _add(errors, "corporate_number", "法人は法人番号（13 桁）を入力してください。")
    if company.get("branch_name") and not company.get("branch_address"):
        _add(errors, "branch_address", "受任者がいるときは受任者の所在地を入力してください。")
    return errors


# --- categories and 業種 ------------------------------------------------------------------------------------


def clean_categories(session: Session, raw: dict[str, list[str]]) -> tuple[dict, dict]:
    known = work_types(session)
    cleaned: dict[str, list[str]] = {c: [] for c in CATEGORIES}
    errors: dict[str, list[str]] = {}
    for category, codes in (raw or {}).items():
        if category not in CATEGORIES:
            continue
        for code in dict.fromkeys(codes or []):
            wt = known.get(code)
            if wt is None or wt.category != category:
                _add(errors, category, f"{CATEGORIES[category]}に業種コード {code} はありません。")
            else:
                cleaned[category].append(code)
        cleaned[category].sort()
    return cleaned, errors


def construction_codes(data: dict) -> list[str]:
    return list((data.get("categories") or {}).get("construction") or [])


# --- rows: permits, 経審, technicians, works -----------------------------------------------------------------


def _date(raw, label: str, errors: dict, field: str, *, required: bool, not_future: bool = True) -> str | None:
    if raw is None or str(raw).strip() == "":
        if required:
            _add(errors, field, f"{label}を入力してください。")
        return None
    try:
        value = raw if isinstance(raw, date) else parse_date(str(raw))
    except JpParseError as exc:
        _add(errors, field, f"{label}: {exc}")
        return None
    if not_future and value > today():
        _add(errors, field, f"{label}に未来の日付は入力できません。")
    return value.isoformat()


def _int(raw, label: str, errors: dict, field: str, *, required: bool, minimum: int = 0,
         maximum: int = 10**13) -> int | None:
    if raw is None or str(raw).strip() == "":
        if required:
            _add(errors, field, f"{label}を入力してください。")
        return None
    text = str(raw).strip().translate(str.maketrans("０１２３４５６７８９，", "0123456789,")).replace(",", "")
    if not text.lstrip("-").isdigit():
        _add(errors, field, f"{label}は整数で入力してください（入力値: {raw}）。")
        return None
    value = int(text)
    if not minimum <= value <= maximum:
        _add(errors, field, f"{label}は {minimum:,}〜{maximum:,} で入力してください。")
        return None
    return value


class Lookups:
    """Code lists and rule values a check needs, read once per check of a whole application rather than once
    per row (an application may carry hundreds of rows)."""

    def __init__(self, session: Session):
        self.session = session
        self._work_types = None
        self._keishin_months = None

    @property
    def work_types(self) -> dict:
        if self._work_types is None:
            self._work_types = work_types(self.session)
        return self._work_types

    @property
    def keishin_months(self) -> int:
        if self._keishin_months is None:
            self._keishin_months = get_rule(self.session, "registry.qualification", today())["keishin_valid_months"]
        return self._keishin_months


def _work_type(lookups: Lookups, raw, errors: dict, *, category: str | None, required: bool) -> str | None:
    code = (raw or "").strip()
    if not code:
        if required:
            _add(errors, "work_type_code", "業種を選んでください。")
        return None
    wt = lookups.work_types.get(code)
    if wt is None or (category and wt.category != category):
        _add(errors, "work_type_code", f"{CATEGORIES.get(category, '')}の業種を選んでください。")
        return None
    return code


def clean_row(session: Session, section: str, raw: dict, lookups: Lookups | None = None) -> tuple[dict, dict]:
    """One row of a list section, normalised, with errors per field."""
    lookups = lookups or Lookups(session)
    errors: dict[str, list[str]] = {}
    label = {f.name: f.label for f in ROW_FIELDS[section]}
    if section == "permits":
        row = {"work_type_code": _work_type(lookups, raw.get("work_type_code"), errors, category="construction",
                                            required=True),
               "text": (raw.get("text") or "").strip(),
               "granted_on": _date(raw.get("granted_on"), "許可日", errors, "granted_on", required=True)}
        if not row["text"]:
            _add(errors, "text", "許可番号を入力してください。")
        else:
            try:
                parse_permit(row["text"])
            except PermitParseError as exc:
                _add(errors, "text", str(exc))
        if row["granted_on"] and permit_expiry(date.fromisoformat(row["granted_on"])) < today():
            _add(errors, "granted_on", "この許可は有効期間（5 年）が過ぎています。更新後の許可を入力してください。")
        return row, errors
    if section == "keishin":
        row = {"work_type_code": _work_type(lookups, raw.get("work_type_code"), errors, category="construction",
                                            required=True),
               "base_date": _date(raw.get("base_date"), "審査基準日", errors, "base_date", required=True)}
        for key in ("x1", "x2", "y", "z", "w", "p"):
            row[key] = _int(raw.get(key), label[key], errors, key, required=True, minimum=-99999, maximum=99999)
        errors |= {k: v for k, v in ks.range_errors({k: row[k] for k in ("x1", "x2", "y", "z", "w", "p")}).items()
                   if k not in errors}
        if not errors.keys() & {"x1", "x2", "y", "z", "w", "p"} and (computed := keishin_p_mismatch(row)) is not None:
            # A P that X1〜W do not give is a typing error (or the wrong notice): it blocks, on the P field.
            _add(errors, "p", f"P（総合評定値）{row['p']} は X1〜W から計算した値 {computed} と一致しません。"
                              "通知書の値を確認して入力し直してください。")
        if row["base_date"] and not errors.get("base_date"):
            until = ks.valid_until(date.fromisoformat(row["base_date"]), lookups.keishin_months)
            if until < today():
                _add(errors, "base_date", f"この経審は有効期間（{format_date(until)}まで）が過ぎています。")
        return row, errors
    if section == "technicians":
        employed = _date(raw.get("employed_since"), "雇用開始日", errors, "employed_since", required=False)
        tech_errors, values = clean_technician(raw.get("name"), raw.get("name_kana"), raw.get("qualifications"),
                                                 None)
        for key, messages in tech_errors.items():
            errors.setdefault(key, []).extend(messages)
        values["employed_since"] = employed
        return values, errors
    if section == "works":
        row = {}
        for key in ("title", "client"):
            row[key] = (raw.get(key) or "").strip()
            if not row[key]:
                _add(errors, key, f"{label[key]}を入力してください。")
            elif len(row[key]) > 200:
                _add(errors, key, f"{label[key]}は 200 文字以内で入力してください。")
        row["work_type_code"] = _work_type(lookups, raw.get("work_type_code"), errors, category=None, required=False)
        row["role"] = raw.get("role") or ""
        if row["role"] not in WORK_ROLES:
            _add(errors, "role", "立場を選んでください。")
        row["amount"] = _int(raw.get("amount"), "契約金額", errors, "amount", required=True, minimum=1)
        row["completed_on"] = _date(raw.get("completed_on"), "完成日", errors, "completed_on", required=True)
        return row, errors
    raise KeyError(section)


def keishin_p_mismatch(row: dict) -> int | None:
    """The P computed from X1〜W when it differs from the P the applicant entered, else None."""
    try:
        computed = ks.compute_p(row["x1"], row["x2"], row["y"], row["z"], row["w"])
    except (KeyError, TypeError):
        return None
    return computed if row.get("p") is not None and row["p"] != computed else None


def row_summary(session: Session, section: str, row: dict) -> str:
    wt = work_types(session).get(row.get("work_type_code") or "")
    name = f"{wt.code} {wt.title}" if wt else ""
    if section == "permits":
        return f"{name} {row.get('text', '')}"
    if section == "keishin":
        return f"{name} 審査基準日 {row.get('base_date', '')} P={row.get('p')}"
    if section == "technicians":
        return row.get("name", "")
    return row.get("title", "")


# --- declarations -------------------------------------------------------------------------------------------


def declaration_items(session: Session) -> list[tuple[str, str]]:
    rows = get_rule(session, "registry.application_form", today())["declarations"]
    return [(code, row["text"]) for code, row in sorted(rows.items(), key=lambda kv: kv[1]["order"])]


def document_items(session: Session) -> list[tuple[str, dict]]:
    rows = get_rule(session, "registry.application_form", today())["documents"]
    return sorted(rows.items(), key=lambda kv: kv[1]["order"])


def document_title(session: Session, code: str) -> str:
    return dict(document_items(session)).get(code, {}).get("title", code)


def required_documents(session: Session, kind: str, data: dict) -> list[tuple[str, str]]:
    """(code, title) of the documents this application must carry. A 変更届 needs none by rule: staff
    return it when the change needs a proof (e.g. a new permit notice)."""
    if kind != "new":
        return []
    company = data.get("company") or {}
    applies = {
        "always": True,
        "construction": bool(construction_codes(data)),
        "corporation": company.get("legal_form") == "corporation",
        "branch": bool(company.get("branch_name")),
        "optional": False,
    }
    return [(code, row["title"]) for code, row in document_items(session) if applies.get(row["required_when"])]


# --- completeness ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    section: str
    message: str

    @property
    def section_label(self) -> str:
        return SECTIONS[self.section]


def problems(session: Session, kind: str, data: dict, document_codes: set[str],
             period_start_year: int | None = None) -> list[Problem]:
    """Everything that blocks submission, in section order; empty when the application may be submitted."""
    out: list[Problem] = []
    lookups = Lookups(session)
    sections = SECTIONS_BY_KIND[kind]
    if "change" in sections and not (data.get("change_note") or "").strip():
        out.append(Problem("change", "変更の内容（何をいつ変更したか）を入力してください。"))
    company, errors = clean_company(session, data.get("company") or {})
    for messages in (errors | company_problems(company)).values():
        out.extend(Problem("company", m) for m in messages)
    if kind == "new":
        if not period_start_year:
            out.append(Problem("categories", "申請する資格の有効期間を選んでください。"))
        categories = data.get("categories") or {}
        if not any(categories.get(c) for c in CATEGORIES):
            out.append(Problem("categories", "申請する業種を 1 つ以上選んでください。"))
    for section in ("permits", "keishin", "technicians", "works"):
        if section not in sections:
            continue
        for number, row in enumerate(data.get(section) or [], start=1):
            _, row_errors = clean_row(session, section, row, lookups)
            out.extend(Problem(section, f"{number} 行目: {m}") for msgs in row_errors.values() for m in msgs)
    if kind == "new":
        wanted = construction_codes(data)
        permitted = {r.get("work_type_code") for r in data.get("permits") or []}
        assessed = {r.get("work_type_code") for r in data.get("keishin") or []}
        known = lookups.work_types
        for code in wanted:
            title = f"{code} {known[code].title}" if code in known else code
            if code not in permitted:
                out.append(Problem("permits", f"{title}の建設業許可を入力してください。"))
            if code not in assessed:
                out.append(Problem("keishin", f"{title}の経営事項審査の結果を入力してください。"))
        if wanted and not data.get("technicians"):
            out.append(Problem("technicians", "建設工事を申請するときは技術者を 1 人以上入力してください。"))
        agreed = data.get("declarations") or {}
        for code, text in declaration_items(session):
            if not agreed.get(code):
                out.append(Problem("declarations", f"誓約事項に同意してください: {text[:30]}…"))
    for code, title in required_documents(session, kind, data):
        if code not in document_codes:
            out.append(Problem("attachments", f"「{title}」を添付してください。"))
    return out
