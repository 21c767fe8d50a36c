"""Forms of tender cases (SPEC CM11): 指名通知書 (a letter per nominated firm) and the printed 入札案件一覧, and
the helpers that write a case's facts for every case form (``bidding_records`` holds 入札執行伺, 予定価格調書 and
最低制限価格調書).

Cases are read through ``bidding.cases.queries`` with the user's department scope: department staff print only
their own department's cases; another department's case is refused as a missing one (its existence is not
revealed). The 指名通知書's wording is the ``bidding.nomination`` rule in force on the notice date.
"""

from __future__ import annotations

from datetime import date, datetime

from bidding.cases import queries as cases
from bidding.cases.models import STATES, TenderCase
from bidding.cases.permissions import VIEW_ROLES
from bidding.nominations import queries as nominations
from core.auth import queries as auth_queries
from core.errors import ValidationFailed
from core.jp import fiscal_year_label, format_date, format_yen
from core.rules import get_rule
from core.timefmt import to_jst
from registry.codes import work_types
from registry.contractors.models import AREAS

from . import register
from .base import Column, Document, Param, ReportDefinition, label_for, period_check, today
from .formdoc import Addressee, Dateline, FormDocument, FormPage, Issuer, Ki, Text, Title

VIEW = frozenset(VIEW_ROLES)
CASE_PARAM = Param("case", "案件番号", "text", required=True, max_length=40,
                   hint="例: 2026-110-0001（入札案件の画面に表示される案件番号）")


class ServerOperator:
    """The user of ``flask report`` (``actor`` None): the server's operator, who may print every department's."""

    is_authenticated = True
    sees_all_departments = True
    department_id = None


def find_case(session, params: dict, actor) -> TenderCase:
    number = params["case"]
    case = cases.case_by_number(session, actor if actor is not None else ServerOperator(), number)
    if case is None:
        raise ValidationFailed({"case": [f"案件番号「{number}」の案件は見つかりません"
                                         "（担当課の職員は自分の課の案件だけ印刷できます）。"]})
    return case


# --- the case's facts as the forms write them ------------------------------------------------------------

def opening_text(case: TenderCase) -> str:
    value: datetime | None = case.opening_at
    return f"{format_date(value)} {value.hour}時{value.minute:02d}分" if value else "未定"


def span_text(first: date | None, last: date | None) -> str:
    if not first and not last:
        return "未定"
    return f"{format_date(first) if first else ''}〜{format_date(last) if last else ''}"


def work_period(case: TenderCase) -> str:
    if case.work_from and case.work_to:
        days = f"（{case.work_days:,} 日間）" if case.work_days else ""
        return f"{format_date(case.work_from)}〜{format_date(case.work_to)}{days}"
    if case.work_days:
        return f"契約の日から {case.work_days:,} 日間"
    return "未定"


def is_works(case: TenderCase) -> bool:
    return case.category == "construction"


def place_label(case: TenderCase) -> str:
    return "工事場所" if is_works(case) else "履行場所"


def period_label(case: TenderCase) -> str:
    return "工期" if is_works(case) else "履行期間"


def yen_text(amount: int | None, missing: str = "未入力") -> str:
    return format_yen(amount) if amount is not None else missing


def _floor_presence(case: TenderCase) -> str:
    return {"minimum": "あり（最低制限価格を設定します）", "survey": "低入札価格調査基準価格を設定します",
            "none": "なし"}.get(case.floor_kind, case.floor_label)


def floor_amount(case: TenderCase) -> str:
    if case.floor_kind == "none":
        return "設定しない"
    if case.floor_price is None:
        return "未算定"
    how = f"\n算定: {case.floor_model}" if case.floor_model else "\n算定: 入力による"
    return format_yen(case.floor_price) + how


def work_type_text(session, case: TenderCase) -> str:
    wt = work_types(session, case.price_date).get(case.work_type_code)
    return f"{case.work_type_code} {wt.title}" if wt else case.work_type_code


def approved_on(case: TenderCase) -> date:
    """The day of 決裁 in Japan (stored in UTC)."""
    return to_jst(case.approved_at).date()


def area_text(case: TenderCase) -> str:
    return "・".join(AREAS.get(a, a) for a in case.area_list) or "問わない"


# --- 指名通知書 ------------------------------------------------------------------------------------------

def _addressee(firm) -> Addressee:
    """The firm's address and name, or its 受任者 (the branch that holds the power of attorney) when it has one."""
    if firm.branch_name:
        postal, address = firm.branch_postal_code, firm.branch_address
        names = [firm.name, firm.branch_name]
        title, person = firm.branch_representative_title, firm.branch_representative_name
    else:
        postal, address = firm.postal_code, firm.address
        names = [firm.name]
        title, person = firm.representative_title, firm.representative_name
    lines = ([f"〒{postal}"] if postal else []) + ([address] if address else []) + names
    if person:
        return Addressee((*lines, " ".join(p for p in (title, person) if p)), "様")
    return Addressee(tuple(lines), "御中")


def _fill(text: str, values: dict[str, str]) -> str:
    """The rule's wording with its placeholders replaced (other braces are left as written)."""
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def _notice_items(case: TenderCase) -> tuple[tuple[str, str], ...]:
    rows = [("案件番号", case.number), ("件名", case.name), (place_label(case), case.place or "—"),
            (period_label(case), work_period(case)), ("入札方式", case.method_label),
            ("入札期間", span_text(case.bids_from, case.bids_until)), ("開札日時", opening_text(case)),
            ("予定価格の公表", case.disclosure_label)]
    if case.disclosure == "before":
        rows.append(("予定価格", f"{yen_text(case.planned_price)}（消費税及び地方消費税相当額を含まない）"))
    rows.append(("最低制限価格の有無", _floor_presence(case)))
    return tuple(rows)


def build_nomination_notice(session, params: dict, actor) -> FormDocument:
    case = find_case(session, params, actor)
    if not case.is_nominated_method:
        raise ValidationFailed({"case": [f"{case.method_label}の案件は業者を指名しません（指名通知書はありません）。"]})
    nominated = [p for p in nominations.participants(session, case.id) if p.status == "nominated"]
    if not nominated:
        raise ValidationFailed({"case": [f"案件「{case.number} {case.name}」には指名通知した業者がありません"
                                         "（「指名・参加者」で業者を選んで指名通知すると印刷できます）。"]})
    number = params.get("contractor") or ""
    if number:
        nominated = [p for p in nominated if p.contractor.number == number]
        if not nominated:
            raise ValidationFailed({"contractor": [f"業者番号「{number}」の業者はこの案件の指名業者ではありません。"]})
    notice_on = case.notice_on or nominated[0].decided_on or today()
    wording = get_rule(session, "bidding.nomination", notice_on)
    values = {"case_name": case.name, "opening": opening_text(case), "place": case.place or ""}
    issuer = wording.get("notice_issuer") or "契約担当者 市長"
    body = Text(_fill(wording["notice_body"], values), indent=True)
    items = Ki(_notice_items(case), notes=(_fill(wording["notice_closing"], values),))
    pages = [FormPage([Dateline(notice_on), _addressee(p.contractor), Issuer((issuer,)),
                       Title(wording["notice_title"]), body, items],
                      label=f"{p.contractor.number} {p.contractor.name}") for p in nominated]
    return FormDocument(wording["notice_title"], pages, unit="通", subject=f"{case.number} {case.name}")


register(ReportDefinition(
    name="nomination_notice",
    title="指名通知書",
    description="指名通知した業者ごとに 1 枚の指名通知書です（業者番号を指定するとその業者の分だけ）。"
                "文言はルール設定「指名の手続と指名通知書」の、指名通知日に適用される版によります。",
    params=(CASE_PARAM, Param("contractor", "業者番号", "text", max_length=20,
                              hint="指定しなければ指名したすべての業者の分（1 業者 1 ページ）")),
    build=build_nomination_notice,
    roles=VIEW,
))


# --- 入札案件一覧 ----------------------------------------------------------------------------------------

STATE_CHOICES = (("", "すべて"), *((key, label) for key, (label, _) in cases.STATE_FILTERS.items()), *STATES.items())
#: The printed list: columns of the list's CSV (``bidding.cases.exports.EXPORT_HEADER``, by position) with their
#: type and relative width. All 21 do not fit A4 landscape legibly (four 和暦 dates and three amounts alone take
#: the width); the CSV and Excel download of the list screen keep every column.
LIST_COLUMNS = ((0, "text", 1.65, None), (2, "text", 2.6, None), (3, "text", 1.1, None), (5, "text", 1.4, None),
                (6, "text", 1.5, None), (9, "yen", 1, "予定価格\n（税抜・円）"), (11, "yen", 1, "最低制限\n価格等（円）"),
                (14, "date", 1, "公告日・\n指名通知日"), (15, "datetime", 1, None), (19, "text", 0.95, None),
                (20, "text", 0.95, None))
OPENING_COLUMN = 15


def _year_choices(session) -> list[tuple[str, str]]:
    return [("", "すべて")] + [(str(y), f"{y} 年度（{fiscal_year_label(y)}）") for y in cases.fiscal_years(session)]


def _department_choices(session) -> list[tuple[str, str]]:
    return [("", "すべて")] + [(d.code, f"{d.code} {d.name}") for d in session.scalars(auth_queries.departments())]


def build_case_list(session, params: dict, actor) -> Document:
    from bidding.cases.exports import EXPORT_HEADER, case_row  # the list's own columns (imported late: it imports us)

    departments = {d.code: d for d in session.scalars(auth_queries.departments())}
    department = departments.get(params.get("department") or "")
    year = int(params["fiscal_year"]) if params.get("fiscal_year") else None
    filters = cases.CaseFilters(fiscal_year=year, department_id=department.id if department else None,
                                state=params.get("state") or None, opening_from=params.get("opening_from"),
                                opening_to=params.get("opening_to"), sort="number")
    stmt = cases.case_list(actor if actor is not None else ServerOperator(), filters)
    titles = {code: wt.title for code, wt in work_types(session).items()}

    def rows():
        for case in session.scalars(stmt).unique():
            row = case_row(case, titles, False)
            row[OPENING_COLUMN] = case.opening_at  # a date-time, written in the date setting
            yield [None if row[i] == "" else row[i] for i, *_ in LIST_COLUMNS]

    columns = [Column(label or EXPORT_HEADER[i], kind, width) for i, kind, width, label in LIST_COLUMNS]
    conditions = [("年度", label_for(_year_choices(session), params.get("fiscal_year") or "")),
                  ("担当課", f"{department.code} {department.name}" if department else "すべて"),
                  ("状態", label_for(STATE_CHOICES, params.get("state") or ""))]
    if params.get("opening_from") or params.get("opening_to"):
        conditions.append(("開札日", (params.get("opening_from"), params.get("opening_to"))))
    return Document("入札案件一覧", columns, rows(), conditions=conditions, empty_message="条件に当てはまる案件はありません。")


register(ReportDefinition(
    name="cases",
    title="入札案件一覧",
    description="年度・担当課・状態・開札日の期間で絞り込んだ入札案件の一覧です（列は一覧画面の CSV から主なもの。"
                "すべての列は一覧画面の CSV・Excel 出力にあります）。担当課の職員は自分の課の案件だけが載ります。",
    params=(
        Param("fiscal_year", "年度", "choice", choices=_year_choices),
        Param("department", "担当課", "choice", choices=_department_choices),
        Param("state", "状態", "choice", choices=STATE_CHOICES),
        Param("opening_from", "開札日（開始）", "date"),
        Param("opening_to", "開札日（終了）", "date"),
    ),
    build=build_case_list,
    roles=VIEW,
    landscape=True,
    check=period_check("opening_from", "opening_to", 3660),
))
