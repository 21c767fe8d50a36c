"""Forms of tender cases (SPEC CM11): 指名通知書 (a letter per nominated firm), 入札執行伺 (the case for
approval), 予定価格調書 and the 入札案件一覧.

Cases are read through ``bidding.cases.queries`` with the user's department scope: department staff print only
their own department's cases; another department's case is refused as a missing one (its existence is not
revealed). The 指名通知書's wording is the ``bidding.nomination`` rule in force on the notice date.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from bidding.cases import queries as cases
from bidding.cases.models import STATES, TenderCase
from bidding.cases.permissions import VIEW_ROLES
from bidding.nominations import queries as nominations
from core.auth import queries as auth_queries
from core.errors import ValidationFailed
from core.jp import daiji_amount, fiscal_year_label, format_date, format_yen
from core.rules import get_rule
from core.timefmt import to_jst
from registry.codes import work_types
from registry.contractors.models import AREAS

from . import register
from .base import Column, Document, Param, ReportDefinition, label_for, period_check, today
from .formdoc import (
    Addressee,
    Approvals,
    Dateline,
    Fields,
    FormDocument,
    FormPage,
    Grid,
    Heading,
    Issuer,
    Ki,
    Note,
    Text,
    Title,
)

VIEW = frozenset(VIEW_ROLES)
CASE_PARAM = Param("case", "案件番号", "text", required=True, max_length=40,
                   hint="例: 2026-110-0001（入札案件の画面に表示される案件番号）")
#: The 決裁欄 of the internal forms.
APPROVERS = ("部長", "課長", "係長", "担当")
PRICE_APPROVERS = ("市長", "部長", "課長", "係長", "担当")
TAX_NOTE = "金額は消費税及び地方消費税相当額を含みません。"


class _ServerOperator:
    """The user of ``flask report`` (``actor`` None): the server's operator, who may print every department's."""

    is_authenticated = True
    sees_all_departments = True
    department_id = None


def _case(session, params: dict, actor) -> TenderCase:
    number = params["case"]
    case = cases.case_by_number(session, actor if actor is not None else _ServerOperator(), number)
    if case is None:
        raise ValidationFailed({"case": [f"案件番号「{number}」の案件は見つかりません"
                                         "（担当課の職員は自分の課の案件だけ印刷できます）。"]})
    return case


# --- the case's facts as the forms write them ------------------------------------------------------------

def _opening(case: TenderCase) -> str:
    value: datetime | None = case.opening_at
    return f"{format_date(value)} {value.hour}時{value.minute:02d}分" if value else "未定"


def _span(first: date | None, last: date | None) -> str:
    if not first and not last:
        return "未定"
    return f"{format_date(first) if first else ''}〜{format_date(last) if last else ''}"


def _work_period(case: TenderCase) -> str:
    if case.work_from and case.work_to:
        days = f"（{case.work_days:,} 日間）" if case.work_days else ""
        return f"{format_date(case.work_from)}〜{format_date(case.work_to)}{days}"
    if case.work_days:
        return f"契約の日から {case.work_days:,} 日間"
    return "未定"


def _is_works(case: TenderCase) -> bool:
    return case.category == "construction"


def _place_label(case: TenderCase) -> str:
    return "工事場所" if _is_works(case) else "履行場所"


def _period_label(case: TenderCase) -> str:
    return "工期" if _is_works(case) else "履行期間"


def _yen(amount: int | None, missing: str = "未入力") -> str:
    return format_yen(amount) if amount is not None else missing


def _floor_presence(case: TenderCase) -> str:
    return {"minimum": "あり（最低制限価格を設定します）", "survey": "低入札価格調査基準価格を設定します",
            "none": "なし"}.get(case.floor_kind, case.floor_label)


def _floor_amount(case: TenderCase) -> str:
    if case.floor_kind == "none":
        return "設定しない"
    if case.floor_price is None:
        return "未算定"
    how = f"\n算定: {case.floor_model}" if case.floor_model else "\n算定: 入力による"
    return format_yen(case.floor_price) + how


def _work_type(session, case: TenderCase) -> str:
    wt = work_types(session, case.price_date).get(case.work_type_code)
    return f"{case.work_type_code} {wt.title}" if wt else case.work_type_code


def _approved_on(case: TenderCase) -> date:
    """The day of 決裁 in Japan (stored in UTC)."""
    return to_jst(case.approved_at).date()


def _areas(case: TenderCase) -> str:
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
    rows = [("案件番号", case.number), ("件名", case.name), (_place_label(case), case.place or "—"),
            (_period_label(case), _work_period(case)), ("入札方式", case.method_label),
            ("入札期間", _span(case.bids_from, case.bids_until)), ("開札日時", _opening(case)),
            ("予定価格の公表", case.disclosure_label)]
    if case.disclosure == "before":
        rows.append(("予定価格", f"{_yen(case.planned_price)}（消費税及び地方消費税相当額を含まない）"))
    rows.append(("最低制限価格の有無", _floor_presence(case)))
    return tuple(rows)


def build_nomination_notice(session, params: dict, actor) -> FormDocument:
    case = _case(session, params, actor)
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
    values = {"case_name": case.name, "opening": _opening(case), "place": case.place or ""}
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


# --- 入札執行伺 ------------------------------------------------------------------------------------------

def _participants_grid(session, case: TenderCase) -> tuple[Grid, int]:
    everyone = nominations.participants(session, case.id)
    active = [p for p in everyone if p.is_active]
    rows = tuple((p.contractor.number, p.contractor.name,
                  "\n".join(x for x in (p.contractor.representative_title, p.contractor.representative_name) if x),
                  p.contractor.address or "", p.contractor.area_label, p.status_label) for p in active)
    grid = Grid(("業者番号", "商号又は名称", "代表者", "所在地", "地域", "状態"), rows, widths=(1.0, 2.4, 1.5, 2.6, 0.7, 1.3),
                empty="まだ選定していません。" if case.is_nominated_method else "参加申請はまだありません。")
    return grid, len(everyone) - len(active)


def build_case_approval(session, params: dict, actor) -> FormDocument:
    case = _case(session, params, actor)
    grid, dropped = _participants_grid(session, case)
    firms = "指名業者" if case.is_nominated_method else "参加申請者"
    approval = case.approval_label
    if case.is_approved and case.approved_at:
        approval += f"（{format_date(_approved_on(case))}、{case.approved_by.name if case.approved_by else '—'}）"
    blocks = [
        Approvals(APPROVERS),
        Title("入札執行伺"),
        Dateline(case.drafted_on, label="起案日"),
        Text("下記のとおり入札を執行してよろしいか伺います。", indent=True),
        Heading("1　案件"),
        Fields((("案件番号", case.number), ("年度", fiscal_year_label(case.fiscal_year, None)),
                ("担当課", f"{case.department.code} {case.department.name}"), ("入札方式", case.method_label),
                ("件名", case.name), ("区分・業種", f"{case.category_label}／{_work_type(session, case)}"),
                (_place_label(case), case.place or "—"), ("概要", case.summary or "—")), pairs=True, label_width=0.3),
        Heading("2　価格"),
        Fields((("設計金額（税抜）", _yen(case.design_amount)), ("予定価格（税抜）", _yen(case.planned_price)),
                (case.floor_label if case.floor_kind != "none" else "最低制限価格等", _floor_amount(case)),
                ("予定価格の公表", case.disclosure_label)), pairs=True, label_width=0.3),
        Heading("3　参加条件"),
        Fields((("等級", "・".join(case.rank_list) or "問わない"), ("地域区分", _areas(case)),
                ("総合評定値の下限", f"{case.min_points:,} 点以上" if case.min_points is not None else "条件なし"),
                ("配置技術者の資格", case.required_qualification or "条件なし")), pairs=True, label_width=0.3),
        Heading("4　日程"),
        Fields((("起案日", format_date(case.drafted_on)), (case.notice_label, format_date(case.notice_on) or "未定"),
                ("質問期限", format_date(case.questions_until) or "—"), ("開札日時", _opening(case)),
                ("入札期間", _span(case.bids_from, case.bids_until)), (_period_label(case), _work_period(case))),
               pairs=True, label_width=0.3),
        Heading(f"5　{firms}"),
        grid,
    ]
    if dropped:
        blocks.append(Note(f"このほか、取消・参加資格なしの業者が {dropped} 者あります（「指名・参加者」を参照）。"))
    blocks += [Heading("6　決裁"), Fields((("決裁", approval), ("案件の状態", case.state_label))), Note(TAX_NOTE)]
    return FormDocument("入札執行伺", [FormPage(blocks, label=case.number)], numbered=True,
                        subject=f"{case.number} {case.name}")


register(ReportDefinition(
    name="case_approval",
    title="入札執行伺",
    description="案件の内容・価格・参加条件・日程と指名業者（参加申請者）をまとめた決裁用の伺です（決裁欄付き）。",
    params=(CASE_PARAM,),
    build=build_case_approval,
    roles=VIEW,
))


# --- 予定価格調書 ----------------------------------------------------------------------------------------

def _ratio(part: int | None, whole: int | None) -> str:
    if part is None or not whole:
        return "—"
    percent = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{percent} %"


def build_planned_price_record(session, params: dict, actor) -> FormDocument:
    case = _case(session, params, actor)
    if case.is_approved and case.approved_at:
        dateline = Dateline(_approved_on(case), label="決裁日")
    else:
        dateline = Dateline(case.drafted_on, label="起案日")
    planned = case.planned_price
    amounts = [("設計金額（税抜）", _yen(case.design_amount)), ("予定価格（税抜）", _yen(planned)),
               ("予定価格（大字）", daiji_amount(planned) if planned is not None else "—")]
    if case.floor_kind != "none":
        amounts += [(case.floor_label, _floor_amount(case)),
                    ("予定価格に対する割合", _ratio(case.floor_price, planned))]
    else:
        amounts.append(("最低制限価格等", "設定しない"))
    amounts.append(("予定価格の公表", case.disclosure_label))
    blocks = [
        Approvals(PRICE_APPROVERS),
        dateline,
        Title("予定価格調書"),
        Fields((("案件番号", case.number), ("件名", case.name), ("担当課", case.department.name),
                (_place_label(case), case.place or "—"), ("入札方式", case.method_label),
                ("開札日時", _opening(case)))),
        Text("上記の案件の予定価格等を次のとおり定めます。", indent=True),
        Fields(tuple(amounts)),
        Note(TAX_NOTE),
    ]
    return FormDocument("予定価格調書", [FormPage(blocks, label=case.number)], subject=f"{case.number} {case.name}")


register(ReportDefinition(
    name="planned_price_record",
    title="予定価格調書",
    description="設計金額・予定価格（税抜、大字）・最低制限価格等と予定価格に対する割合を記載した調書です（決裁欄付き）。",
    params=(CASE_PARAM,),
    build=build_planned_price_record,
    roles=VIEW,
))


# --- 入札案件一覧 ----------------------------------------------------------------------------------------

STATE_CHOICES = (("", "すべて"), ("running", "進行中（落札決定前）"), *STATES.items())
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
    stmt = cases.case_list(actor if actor is not None else _ServerOperator(), filters)
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
