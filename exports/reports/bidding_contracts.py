"""Contract forms (SPEC CM5, CM6, CM11): 契約書 or 請書 (契約金額 in 大字 with its tax), 変更契約書 (before/after),
契約締結伺, 完成検査調書 and the contract list. Read through the bidding packages' queries; the case is found with
the user's department scope as the other bidding forms do."""

from __future__ import annotations

from sqlalchemy import select

from bidding.contracts import queries as contracts
from bidding.contracts.models import CONTRACT_STATES, Contract
from bidding.contracts.queries import contract_of_case
from bidding.inspections.models import Inspection
from core.auth import queries as auth_queries
from core.errors import ValidationFailed
from core.jp import JpParseError, daiji_amount, format_date, parse_amount

from . import register
from .base import Column, Document, Param, ReportDefinition, label_for, period_check, today
from .bidding import (
    CASE_PARAM,
    VIEW,
    ServerOperator,
    _department_choices,
    _year_choices,
    find_case,
    place_label,
    yen_text,
)
from .formdoc import Approvals, Dateline, Fields, FormDocument, FormPage, Grid, Heading, Issuer, Note, Text, Title

APPROVERS = ("市長", "部長", "課長", "係長", "担当")


def _contract(session, params: dict, actor) -> Contract:
    case = find_case(session, params, actor)
    contract = contract_of_case(session, case.id)
    if contract is None:
        raise ValidationFailed({"case": [f"案件「{case.number} {case.name}」の契約はまだありません。"]})
    return contract


def _party(firm) -> Fields:
    """The 受注者 as a contract names a party: address, name and representative with the seal mark (the 受任者
    when the firm has delegated its contracts to a branch)."""
    if firm.branch_name:
        address, name = firm.branch_address, f"{firm.name} {firm.branch_name}"
        person = " ".join(p for p in (firm.branch_representative_title, firm.branch_representative_name) if p)
    else:
        address, name = firm.address, firm.name
        person = " ".join(p for p in (firm.representative_title, firm.representative_name) if p)
    return Fields((("住所", address or "—"), ("商号又は名称", name), ("代表者", f"{person or '　'}　　印")))


def _amount_text(amount: int, tax: int) -> str:
    return f"{daiji_amount(amount)}（うち取引に係る消費税及び地方消費税の額 {tax:,} 円）"


def _terms(contract: Contract) -> tuple[tuple[str, str], ...]:
    case = contract.case
    guarantee = contract.guarantee_label + (f" {yen_text(contract.guarantee_amount)}" if contract.guarantee_amount
                                            else "") + (f"（{contract.guarantee_exempt_reason}）"
                                                        if contract.guarantee_exempt_reason else "")
    advance = yen_text(contract.advance_amount) + ("（中間前払金あり）" if contract.intermediate_allowed else "") \
        if contract.advance_amount else "なし"
    return (("工事名", case.name), (place_label(case), case.place or "—"),
            ("工期", f"{format_date(contract.work_from)}から{format_date(contract.current_work_to)}まで"),
            ("請負代金額", _amount_text(contract.current_amount, contract.changes[-1].tax_after if contract.changes
                                        else contract.tax_amount)),
            ("契約保証", guarantee), ("前払金", advance), ("部分払", f"{contract.partial_payments} 回以内"))


# --- 契約書・請書 -----------------------------------------------------------------------------------------

def build_contract_document(session, params: dict, actor) -> FormDocument:
    contract = _contract(session, params, actor)
    firm = contract.contractor
    title = "工事請負契約書" if contract.document_kind == "contract" else "請書"
    blocks = [
        Dateline(contract.contract_date, number=f"契約番号 {contract.number}"),
        Title(title),
        Fields(_terms(contract)),
    ]
    if contract.document_kind == "contract":
        blocks.append(Text("発注者と受注者は、各々の対等な立場における合意に基づいて、上記の工事について別添の条項によって"
                           "公正な請負契約を締結し、信義に従って誠実にこれを履行するものとする。", indent=True))
    else:
        blocks.append(Text("上記の工事を、貴市の指示及び関係法令に従い、上記の金額及び工期で請け負います。", indent=True))
    if contract.special_terms:
        blocks += [Heading("特約"), Text(contract.special_terms)]
    blocks += [Heading("発注者"), Issuer(("契約担当者 市長",)), Heading("受注者"), _party(firm),
               Note("この契約の証として本書 2 通を作成し、当事者記名押印の上、各自 1 通を保有する。"
                    if contract.document_kind == "contract" else "")]
    return FormDocument(title, [FormPage(blocks, label=contract.number)], subject=f"{contract.number} {firm.name}")


register(ReportDefinition(
    name="contract_document", title="契約書・請書",
    description="契約金額を大字と消費税等の額で記載した工事請負契約書（契約金額が市の設定の額未満のときは請書）です。",
    params=(CASE_PARAM,), build=build_contract_document, roles=VIEW,
))


# --- 変更契約書 -------------------------------------------------------------------------------------------

def build_change_document(session, params: dict, actor) -> FormDocument:
    contract = _contract(session, params, actor)
    if not contract.changes:
        raise ValidationFailed({"case": ["この契約には変更契約がありません。"]})
    raw = (params.get("seq") or "").strip()
    if raw and not raw.isdigit():
        raise ValidationFailed({"seq": ["変更の回は数字（例: 1）で入力してください。"]})
    seq = int(raw) if raw else contract.changes[-1].seq
    change = next((c for c in contract.changes if c.seq == seq), None)
    if change is None:
        raise ValidationFailed({"seq": [f"第{seq}回の変更契約はありません。"]})
    rows = (("契約番号", contract.number), ("工事名", contract.case.name),
            ("変更前の請負代金額", daiji_amount(change.amount_before)),
            ("変更後の請負代金額", _amount_text(change.amount_after, change.tax_after)),
            ("増減額", f"{change.amount_after - change.amount_before:+,} 円"),
            ("変更前の工期", f"{format_date(contract.work_from)}から{format_date(change.work_to_before)}まで"),
            ("変更後の工期", f"{format_date(contract.work_from)}から{format_date(change.work_to_after)}まで"),
            ("変更の理由", change.reason))
    blocks = [Dateline(change.changed_on), Title(f"工事請負変更契約書（第{change.seq}回）"),
              Text(f"{format_date(contract.contract_date)}付けで締結した工事請負契約の一部を次のとおり変更する。", indent=True),
              Fields(rows), Heading("発注者"), Issuer(("契約担当者 市長",)), Heading("受注者"),
              _party(contract.contractor)]
    return FormDocument("変更契約書", [FormPage(blocks, label=f"{contract.number}-{change.seq}")],
                        subject=f"{contract.number} 第{change.seq}回変更")


register(ReportDefinition(
    name="change_document", title="変更契約書",
    description="変更契約の前後の請負代金額（大字）と工期、変更の理由を記載した変更契約書です。",
    params=(CASE_PARAM, Param("seq", "変更の回（空欄なら最新）", "text", required=False, max_length=3)),
    build=build_change_document, roles=VIEW,
))


# --- 契約締結伺 ------------------------------------------------------------------------------------------

def build_contract_approval(session, params: dict, actor) -> FormDocument:
    contract = _contract(session, params, actor)
    award = contract.award
    rows = (("案件番号", contract.case.number), ("件名", contract.case.name), ("契約の相手方", contract.contractor.name),
            ("落札金額（税抜）", yen_text(award.amount) if award else "—"),
            ("落札率", f"{award.rate} %" if award and award.rate is not None else "—"),
            ("契約金額（税込）", _amount_text(contract.amount, contract.tax_amount)),
            ("契約日", format_date(contract.contract_date)),
            ("工期", f"{format_date(contract.work_from)}〜{format_date(contract.work_to)}"),
            ("契約書・請書", contract.document_label), ("契約保証", contract.guarantee_label))
    blocks = [Approvals(APPROVERS), Title("契約締結伺"), Dateline(contract.contract_date, label="起案日"),
              Text("下記のとおり契約を締結してよろしいか伺います。", indent=True), Fields(rows)]
    return FormDocument("契約締結伺", [FormPage(blocks, label=contract.number)], subject=contract.number)


register(ReportDefinition(
    name="contract_approval", title="契約締結伺",
    description="落札の結果と契約の内容をまとめた契約締結の伺です（決裁欄付き）。",
    params=(CASE_PARAM,), build=build_contract_approval, roles=VIEW,
))


# --- 完成検査調書 -----------------------------------------------------------------------------------------

def build_inspection_record(session, params: dict, actor) -> FormDocument:
    contract = _contract(session, params, actor)
    inspections = list(session.scalars(select(Inspection).where(Inspection.contract_id == contract.id)
                                       .order_by(Inspection.id)))
    if not any(i.result for i in inspections):
        raise ValidationFailed({"case": ["この契約の検査の結果はまだ記録されていません。"]})
    rows = tuple((i.kind_label + ("（再検査）" if i.reinspection_of_id else ""), format_date(i.inspected_on) or "—",
                  i.inspector.name, i.result_label + (f"（期限 {format_date(i.fix_deadline)}）" if i.fix_deadline else ""),
                  i.remarks or "") for i in inspections)
    blocks = [Approvals(("部長", "課長", "係長", "担当")), Title("検査調書"),
              Fields((("契約番号", contract.number), ("工事名", contract.case.name), ("受注者", contract.contractor.name),
                      ("請負代金額", yen_text(contract.current_amount)),
                      ("工期", f"{format_date(contract.work_from)}〜{format_date(contract.current_work_to)}"),
                      ("完成届", format_date(contract.completion_reported_on) or "—"))),
              Grid(("検査", "検査日", "検査員", "結果", "所見"), rows, widths=(1.3, 1.3, 1.2, 1.5, 3.0))]
    return FormDocument("検査調書", [FormPage(blocks, label=contract.number)], subject=contract.number)


register(ReportDefinition(
    name="inspection_record", title="検査調書（完成・中間・既済部分）",
    description="契約の検査の経過（検査員・検査日・結果・手直しの期限・所見）を記載した調書です。",
    params=(CASE_PARAM,), build=build_inspection_record, roles=VIEW,
))


# --- 契約一覧 ---------------------------------------------------------------------------------------------

#: The list's own filters and sort (``bidding.contracts.queries``), as the form's choices.
STATE_CHOICES = (("", "すべて"), *CONTRACT_STATES.items())
APPROVAL_CHOICES = (("", "すべて"), *((k, label) for k, (label, _c) in contracts.APPROVAL_FILTERS.items()))
CHANGE_CHOICES = (("", "すべて"), *((k, label) for k, (label, _c) in contracts.CHANGE_FILTERS.items()))
OVERDUE_CHOICES = (("", "すべて"), ("y", "支払期限を過ぎた未払の請求がある"))
SORT_CHOICES = (("-date", "契約日の新しい順"), ("date", "契約日の古い順"), ("number", "契約番号順"),
                ("-number", "契約番号の逆順"), ("-amount", "契約金額の大きい順"), ("amount", "契約金額の小さい順"),
                ("work_to", "工期至の早い順"), ("-work_to", "工期至の遅い順"), ("contractor", "契約者（よみ）順"),
                ("-contractor", "契約者（よみ）の逆順"))


def _amount(params: dict, name: str, label: str) -> int | None:
    text = params.get(name) or ""
    if not text:
        return None
    try:
        return parse_amount(text)
    except JpParseError:
        raise ValidationFailed({name: [f"{label}は円単位の整数で指定してください（例: 12,345,000）。"]}) from None


def build_contract_list(session, params: dict, actor) -> Document:
    from bidding.contracts.exports import EXPORT_HEADER, contract_row  # the list's own columns

    user = actor if actor is not None else ServerOperator()
    departments = {d.code: d for d in session.scalars(auth_queries.departments())}
    department = departments.get(params.get("department") or "")
    filters = contracts.ContractFilters(
        fiscal_year=int(params["fiscal_year"]) if params.get("fiscal_year") else None,
        department_id=department.id if department else None, contractor=params.get("contractor") or None,
        date_from=params.get("date_from"), date_to=params.get("date_to"),
        amount_min=_amount(params, "amount_min", "契約金額（以上）"),
        amount_max=_amount(params, "amount_max", "契約金額（以下）"),
        state=params.get("state") or None, approval=params.get("approval") or None,
        changes=params.get("changes") or None, overdue=params.get("overdue") == "y", q=params.get("q") or None,
        sort=contracts.sort_key(params.get("sort")))
    stmt = contracts.contract_list(user, filters, today())

    def rows():
        for row in contracts.contract_rows(session, stmt):
            values = contract_row(row, False)
            yield [values[i] for i, *_ in LIST_COLUMNS[:-1]] + [row.state_label]

    columns = [Column(label or EXPORT_HEADER[i], kind, width) for i, kind, width, label in LIST_COLUMNS]
    conditions = [("年度", label_for(_year_choices(session), params.get("fiscal_year") or "")),
                  ("担当課", f"{department.code} {department.name}" if department else "すべて")]
    for name, label, choices in (("state", "状態", STATE_CHOICES), ("approval", "決裁", APPROVAL_CHOICES),
                                 ("changes", "変更契約", CHANGE_CHOICES), ("overdue", "支払", OVERDUE_CHOICES)):
        if params.get(name):
            conditions.append((label, label_for(choices, params[name])))
    if params.get("date_from") or params.get("date_to"):
        conditions.append(("契約日", (params.get("date_from"), params.get("date_to"))))
    if filters.amount_min is not None or filters.amount_max is not None:
        low = f"{filters.amount_min:,} 円" if filters.amount_min is not None else ""
        high = f"{filters.amount_max:,} 円" if filters.amount_max is not None else ""
        conditions.append(("契約金額", f"{low}〜{high}"))
    for name, label in (("contractor", "契約者"), ("q", "件名等")):
        if params.get(name):
            conditions.append((label, params[name]))
    conditions.append(("並び順", label_for(SORT_CHOICES, filters.sort)))
    return Document("契約一覧", columns, rows(), conditions=conditions, empty_message="条件に当てはまる契約はありません。")


#: The printed list: columns of the list's CSV (``bidding.contracts.exports.EXPORT_HEADER``, by position) with their
#: type, relative width and printed label; the last one is the 状態 (not in the CSV, whose rows carry the 完成日).
LIST_COLUMNS = ((0, "text", 1.2, None), (2, "text", 2.1, None), (3, "text", 1.8, None), (4, "text", 1.9, None),
                (5, "date", 0.95, None), (7, "yen", 1.0, "契約金額\n（税込・現在）"), (8, "int", 0.45, "変更\n回数"),
                (10, "date", 0.95, "工期至"), (13, "yen", 1.0, "支払済額"), (None, "text", 0.9, "状態"))


register(ReportDefinition(
    name="contracts", title="契約一覧",
    description="年度・担当課・契約者・契約日・契約金額・状態・決裁・変更契約・支払遅延で絞り込んだ契約の一覧です（現在の契約金額と"
                "工期。一覧画面の「PDF 出力」から画面と同じ条件で開けます。すべての列は一覧画面の CSV・Excel 出力にあります）。"
                "担当課の職員は自分の課の契約だけが載ります。",
    params=(
        Param("fiscal_year", "年度", "choice", choices=_year_choices),
        Param("department", "担当課", "choice", choices=_department_choices),
        Param("contractor", "契約者（名称・業者番号）", "text", max_length=100),
        Param("date_from", "契約日（から）", "date"),
        Param("date_to", "契約日（まで）", "date"),
        Param("amount_min", "契約金額（以上）", "text", max_length=20),
        Param("amount_max", "契約金額（以下）", "text", max_length=20),
        Param("state", "状態", "choice", choices=STATE_CHOICES),
        Param("approval", "決裁", "choice", choices=APPROVAL_CHOICES),
        Param("changes", "変更契約", "choice", choices=CHANGE_CHOICES),
        Param("overdue", "支払", "choice", choices=OVERDUE_CHOICES),
        Param("q", "件名・案件番号・契約番号", "text", max_length=100),
        Param("sort", "並び順", "choice", choices=SORT_CHOICES),
    ),
    build=build_contract_list, roles=VIEW, landscape=True, check=period_check("date_from", "date_to", 3660 * 2),
))
