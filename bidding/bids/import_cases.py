"""The e-bid import's cases (SPEC CM8): what a stored case means for the file's rows (refused in 中止 or 起案,
locked once contracted; the prices Keiyaku judges with; warnings where the file's case columns or bidders differ),
and how a case that exists only in the e-bid system is registered (担当課 and 年度 from the 案件番号, 業種 from the
name, checked by the cases' own rules in the dry run)."""

from __future__ import annotations

from datetime import datetime, time
from typing import TYPE_CHECKING

from bidding.cases.models import TenderCase
from bidding.cases.validation import FIELD_LABELS as CASE_LABELS
from bidding.nominations.models import BIDDING_STATUSES, CaseParticipant
from core.importing.kinds import RowRejected
from core.jp import format_date, search_key
from core.rules import get_rule
from core.rules.numbering import fiscal_year_of
from registry.codes import work_types
from registry.contractors.models import Contractor

from . import import_services
from .import_review import FileCase

if TYPE_CHECKING:
    from .importers import EbidContext

#: A case field refused by the cases' rules → the file's column it came from.
CREATION_COLUMNS = {"name": "案件名称", "method": "入札方式", "planned_price": "予定価格", "floor_price": "最低制限価格",
                    "work_type_code": "業種コード", "category": "業種コード", "opening_at": "開札日", "drafted_on": "開札日",
                    "department_id": "案件番号"}


def new_case(ctx: EbidContext, file_case: FileCase) -> str:
    """A row of a case Keiyaku does not hold: refused, or ``new`` when the import registers such cases."""
    if not ctx.create_missing:
        file_case.status = "unmatched"
        raise RowRejected(f"案件番号 {file_case.number} の案件は Keiyaku にありません。電子入札システムだけにある案件なら、"
                          "「Keiyaku にない案件を、ファイルの案件の列から登録する」を選んで取り込んでください。", "案件番号")
    if file_case.status == "":
        plan_creation(ctx, file_case)
    if file_case.creation_problem:
        column, message = file_case.creation_problem
        raise RowRejected(message, column)
    file_case.changed = True
    return "new"


def plan_creation(ctx: EbidContext, file_case: FileCase) -> None:
    """The case fields for registering the file's case, or why it cannot be (checked by the cases' rules);
    ``status`` becomes ``created`` or, when it cannot be registered, ``unmatched``."""
    values, mapping, number = file_case.values, ctx.mapping, file_case.number
    year, code = mapping.number_parts(number)
    code = values.get("department_code") or code or mapping.default_department
    department = ctx.departments.get(code) if code else None
    opening, name = values.get("opening_on"), values.get("case_name")
    method = mapping.method(values.get("method"))
    problem = None
    if department is None or not department.is_active:
        problem = ("案件番号", f"案件 {number} の担当課を決められません（部署コード「{code or '—'}」の有効な部署が"
                              "ありません）。部署を登録するか、取込プロファイルの default_department に部署コードを"
                              "指定してください。")
    elif not name:
        problem = ("案件名称", f"案件 {number} を登録するには案件名称が必要です。")
    elif opening is None:
        problem = ("開札日", f"案件 {number} を登録するには開札日が必要です。")
    elif method is None:
        problem = ("入札方式", f"入札方式「{values.get('method') or ''}」は取込プロファイルの方式の対応表（methods）に"
                              "ありません。")
    if problem is None:
        code = values.get("work_type_code") or mapping.work_type(name)
        kind = work_types(ctx.session, opening).get(code)
        floor = values.get("floor_price")
        create = {"name": name, "department_id": department.id, "category": kind.category if kind else None,
                  "work_type_code": code, "method": method, "planned_price": values.get("planned_price"),
                  "floor_kind": "minimum" if floor is not None else "none", "floor_price": floor,
                  "disclosure": "after", "drafted_on": opening, "opening_at": datetime.combine(opening, time())}
        if kind is None:
            problem = ("業種コード", f"業種「{code}」は業種のコード表（{format_date(opening)}）にありません。")
        else:
            # The number is known to be free: the chunk's cases were looked up (``prefetch``) without it.
            errors = import_services.case_problems(ctx.session, create, number=number, check_number=False)
            if errors:
                key, messages = next(iter(errors.items()))
                problem = (CREATION_COLUMNS.get(key, "案件番号"),
                           f"案件 {number} を登録できません（{CASE_LABELS.get(key, key)}）: {messages[0]}")
        file_case.create_values, file_case.fiscal_year = create, year or fiscal_year_of(opening)
        file_case.planned, file_case.floor, file_case.floor_kind = create["planned_price"], floor, create["floor_kind"]
        file_case.opening_on = opening
    file_case.creation_problem = problem
    file_case.status = "created" if problem is None else "unmatched"  # not in Keiyaku, and cannot be registered


def settle(ctx: EbidContext, file_case: FileCase, case: TenderCase) -> None:
    """What the stored case means for its rows (once): refused states, the prices Keiyaku judges with, and
    the warnings about the case's columns."""
    if file_case.status == "":
        file_case.case_id = case.id
        file_case.status = "matched"
        values = file_case.values
        file_case.planned = case.planned_price if case.planned_price is not None else values.get("planned_price")
        file_case.floor_kind = case.floor_kind if case.floor_price is not None or values.get("floor_price") is None \
            else "minimum"
        file_case.floor = case.floor_price if case.floor_price is not None else values.get("floor_price")
        file_case.opening_on = case.opening_at.date() if case.opening_at else values.get("opening_on")
        if case.state in ("cancelled", "draft") or file_case.opening_on is None:
            file_case.status = "refused"
        else:
            _case_warnings(ctx, file_case, case)
    if case.state == "cancelled":
        raise RowRejected(f"案件 {case.number} は中止されています（{case.cancel_reason or '理由の記録なし'}）。中止した案件の"
                          "入札結果は取り込めません。", "案件番号")
    if case.state == "draft":
        raise RowRejected(f"案件 {case.number} はまだ起案中です（公告・指名通知の記録がありません）。先に公告・指名通知を"
                          "記録してください。", "案件番号")
    if file_case.opening_on is None:
        raise RowRejected(f"案件 {case.number} に開札日がありません（案件にもファイルにも）。", "開札日")


def _case_warnings(ctx: EbidContext, file_case: FileCase, case: TenderCase) -> None:
    values, row = file_case.values, file_case.row
    for name, label, stored in (("planned_price", "予定価格", case.planned_price),
                                ("floor_price", "最低制限価格", case.floor_price)):
        if values.get(name) is not None and stored is not None and values[name] != stored:
            _warn(ctx, row, case.number, f"ファイルの{label}（{values[name]:,} 円）が案件の{label}（{stored:,} 円）と異なり"
                                         f"ます。案件の金額で確かめました。")
    opening = values.get("opening_on")
    if opening and case.opening_at and opening != case.opening_at.date():
        _warn(ctx, row, case.number, f"ファイルの開札日（{format_date(opening)}）が案件の開札日"
                                     f"（{format_date(case.opening_at.date())}）と異なります。")
    method = ctx.mapping.method(values.get("method"))
    if method and method != case.method:
        _warn(ctx, row, case.number, f"ファイルの入札方式「{values['method']}」が案件の入札方式（{case.method_label}）と"
                                     "異なります。")


def check_bidder(ctx: EbidContext, file_case: FileCase, case: TenderCase, values: dict) -> None:
    """Warn (once) about a bidder the case does not list as one (it is registered as one, as the file says)."""
    firm_id = values["_contractor_id"]
    firm = ctx.writer.get(Contractor, firm_id)
    participant = ctx.writer.get(CaseParticipant, (case.id, firm_id))
    if participant is None and ("bidder", case.id, firm_id) not in ctx.warned:
        ctx.warned.add(("bidder", case.id, firm_id))
        _warn(ctx, values["_row"], case.number, f"{firm.number} {firm.name}はこの案件の指名・参加者に登録されていません。"
                                                "電子入札の結果のとおり参加者として登録し、入札を記録します。")
    elif participant is not None and participant.status not in BIDDING_STATUSES \
            and ("bidder", case.id, firm_id) not in ctx.warned:
        ctx.warned.add(("bidder", case.id, firm_id))
        _warn(ctx, values["_row"], case.number, f"{firm.number} {firm.name}はこの案件で「{participant.status_label}」"
                                                "ですが、電子入札の結果に入札があります（入札を記録します）。")


def check_name(ctx: EbidContext, file_case: FileCase, values: dict) -> None:
    """Warn (once per firm) when the file's 業者名称 is not the registered name of the firm it matched."""
    name, firm_id = values.get("firm_name"), values["_contractor_id"]
    if not name or ("name", firm_id) in ctx.warned:
        return
    firm = ctx.writer.get(Contractor, firm_id)
    if search_key(name) != search_key(firm.name):
        ctx.warned.add(("name", firm_id))
        _warn(ctx, values["_row"], file_case.number, f"業者名称「{name}」が業者番号 {firm.number} の登録名「{firm.name}」と"
                                                     "異なります（業者番号・法人番号で照合しました）。")


def check_reason(ctx: EbidContext, file_case: FileCase, values: dict) -> None:
    """An invalid bid's reason (the profile's ``invalid:<code>``) must be one of the rule's on the opening day."""
    if values["_status"] == "invalid":
        reasons = get_rule(ctx.session, "bidding.bids", file_case.opening_on)["invalid_reasons"]
        if values["_reason"] not in reasons:
            raise RowRejected(f"取込プロファイルの無効の理由「{values['_reason']}」は、入札の設定の無効とする理由にありません"
                              f"（あるもの: {'、'.join(reasons)}）。", "結果")


def _warn(ctx: EbidContext, row: int, case: str, message: str) -> None:
    ctx.warnings.append({"row": row, "case": case, "message": message})
