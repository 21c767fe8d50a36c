"""Contract forms (SPEC CM5, CM6, CM11): 契約書 or 請書 (契約金額 in 大字 with its tax), 変更契約書 (before/after),
契約締結伺, 完成検査調書 and the contract list. Read through the bidding packages' queries; the case is found with
the user's department scope as the other bidding forms do."""

from __future__ import annotations

from sqlalchemy import select

from bidding.contracts.models import Contract
from bidding.contracts.queries import contract_list, contract_of_case
from bidding.inspections.models import Inspection
from core.errors import ValidationFailed
from core.jp import daiji_amount, format_date

from . import register
from .base import Column, Document, Param, ReportDefinition
from .bidding import CASE_PARAM, VIEW, ServerOperator, find_case, place_label, yen_text
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

def build_contract_list(session, params: dict, actor) -> Document:
    user = actor if actor is not None else ServerOperator()
    rows = ([c.number, c.case.name, c.case.department.name, c.contractor.name, c.contract_date, c.current_amount,
             c.current_work_to, c.state_label] for c in session.scalars(contract_list(user)).unique())
    return Document("契約一覧", [Column("契約番号"), Column("件名", width=2.5), Column("担当課", width=1.2),
                                 Column("契約者", width=2.0), Column("契約日", "date"), Column("契約金額（税込）", "yen"),
                                 Column("工期（終期）", "date"), Column("状態")], rows)


register(ReportDefinition(
    name="contracts", title="契約一覧", description="契約の一覧（現在の契約金額と工期）です。", params=(),
    build=build_contract_list, roles=VIEW, landscape=True,
))
