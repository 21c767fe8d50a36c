"""One row of the legacy case export (SPEC CM12) read into a ``LegacyCase``, or refused with the reason naming the
column: unknown 担当課・入札方式・業種・業者, an award or contract with parts missing, a 契約金額 that is not the 落札金額
plus the tax of the 契約日, 工期 ending before it starts, a 最低制限価格 above the 予定価格, dates in the future, a
契約番号 used twice. A 担当課名 that is not the registered name of the 担当課コード's department does not refuse the
row (departments are renamed over the years): ``department_name_warning`` gives the warning the checklist lists.

Cells arrive parsed by the import framework (dates in any style, amounts with commas, full-width digits); the case
rules themselves are the tender cases' own (``validation.clean_values``, ``check_dates``, ``check_prices``).
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, time

from bidding.budget.importers import parse_fiscal_year
from bidding.contracts.services import amount_problem
from core.importing.kinds import RowRejected
from core.jp import format_date

from .legacy import LegacyAward, LegacyCase, LegacyContract, case_errors, legacy_state, method_of
from .models import METHODS
from .validation import clean_values

#: Field → the export's column (the built-in profile's headers, and the column named in a rejection).
COLUMNS = {
    "number": "案件番号", "fiscal_year": "年度", "name": "案件名称", "department_code": "担当課コード",
    "department_name": "担当課名", "method": "入札方式", "work_type_code": "業種コード", "place": "工事場所",
    "design_amount": "設計金額", "planned_price": "予定価格", "floor_price": "最低制限価格", "opening_on": "開札日",
    "bidder_count": "入札者数", "winner_number": "落札業者番号", "award_amount": "落札金額",
    "contract_number": "契約番号", "contract_date": "契約日", "contract_amount": "契約金額", "work_from": "工期自",
    "work_to": "工期至", "changed_amount": "変更後契約金額", "completed_on": "完成日",
}
#: A case rule's field (``validation``) → the column it reads here.
_CASE_COLUMNS = {"name": "案件名称", "place": "工事場所", "design_amount": "設計金額", "planned_price": "予定価格",
                 "floor_price": "最低制限価格", "drafted_on": "開札日", "opening_at": "開札日", "work_from": "工期自",
                 "work_to": "工期至", "method": "入札方式"}
_CONTRACT_PARTS = ("contract_number", "contract_date", "contract_amount", "work_from", "work_to")


def department_name_key(name: str | None) -> str:
    """A department name as the 担当課名 check compares it: NFKC (full- and half-width forms, compatibility
    ideographs), runs of whitespace as one space, trimmed."""
    return " ".join(unicodedata.normalize("NFKC", name or "").split())


def department_name_warning(values: dict, department) -> dict | None:
    """The report's warning for an accepted row whose 担当課名 differs from the registered name of the department
    its 担当課コード names (the row is imported by the code), or None: the same name, or no 担当課名 in the row."""
    file_name = values.get("department_name")
    if not file_name or department_name_key(file_name) == department_name_key(department.name):
        return None
    code = values["department_code"]
    return {"row": values["_row"], "case": values["number"], "department_code": code, "file_name": file_name,
            "registered_name": department.name,
            "message": f"担当課名「{file_name}」が登録の部署名「{department.name}」と異なります（担当課コード {code} の"
                       "部署として取り込みます）。部署名の変更か、コードの誤りかを確かめてください。"}


def _first(errors: dict[str, list[str]]) -> RowRejected:
    field, messages = next(iter(errors.items()))
    return RowRejected(messages[0], _CASE_COLUMNS.get(field, COLUMNS.get(field, "")))


def _missing(values: dict, fields) -> list[str]:
    return [COLUMNS[f] for f in fields if values.get(f) is None]


def read_row(ctx, values: dict) -> LegacyCase:
    """The case one checked row makes (``ctx``: the import's context with the departments, firms, code list and
    method labels). Raises RowRejected with the first problem."""
    number = values["number"]
    fiscal_year = parse_fiscal_year(values["fiscal_year"])
    department = ctx.departments.get(values["department_code"])
    if department is None:
        raise RowRejected(f"担当課コード「{values['department_code']}」の部署は登録されていません。「部署」の画面"
                          "（または職員の取込）で部署を登録してから取り込んでください。", "担当課コード")
    method = method_of(values["method"], ctx.methods)
    if method is None:
        raise RowRejected(f"入札方式「{values['method']}」は不明です（{'、'.join(METHODS.values())} など）。", "入札方式")
    work_type = ctx.work_types.get(values["work_type_code"])
    if work_type is None:
        raise RowRejected(f"業種コード「{values['work_type_code']}」はコード表にありません。", "業種コード")
    for field in ("opening_on", "contract_date", "completed_on"):
        day = values.get(field)
        if day is not None and day > ctx.today:
            raise RowRejected(f"{COLUMNS[field]}（{format_date(day)}）が今日より後です。移行するのは手続の済んだ日付"
                              "だけです（開札前の案件は本システムで起案してください）。", COLUMNS[field])
    opening_on = values.get("opening_on")
    award = _award(ctx, values, opening_on)
    count = values.get("bidder_count")
    if count is not None and (count < 0 or count > 999):
        raise RowRejected(f"入札者数 {count} は 0〜999 の範囲外です。", "入札者数")
    if count == 0 and award is not None:
        raise RowRejected("落札者があるのに入札者数が 0 です。", "入札者数")
    errors: dict[str, list[str]] = {}
    fields = clean_values(ctx.session, {key: values.get(key) for key in
                                        ("name", "place", "design_amount", "planned_price", "floor_price")}, errors)
    if errors:
        raise _first(errors)
    fields.update(
        fiscal_year=fiscal_year, department_id=department.id, category=work_type.category,
        work_type_code=values["work_type_code"], method=method,
        floor_kind="minimum" if fields["floor_price"] is not None else "none",
        drafted_on=opening_on or (award.decided_on if award else None) or date(fiscal_year, 4, 1),
        opening_at=datetime.combine(opening_on, time()) if opening_on else None,
        work_from=values.get("work_from"), work_to=values.get("work_to"), bidder_count=count)
    errors = case_errors(fields)
    if errors:
        raise _first(errors)
    contract = _contract(ctx, values, award)
    fields["state"] = legacy_state(opening_on, award, contract)
    if contract is not None:  # once the row is accepted: a refused row's number names no other row
        ctx.file_contracts[contract.number] = values["_row"]
    return LegacyCase(number=number, **fields, award=award, contract=contract)


def _award(ctx, values: dict, opening_on: date | None) -> LegacyAward | None:
    winner, amount = values.get("winner_number"), values.get("award_amount")
    if winner is None and amount is None:
        return None
    if winner is None or amount is None:
        missing = _missing(values, ("winner_number", "award_amount"))
        raise RowRejected(f"落札業者番号と落札金額は両方入れてください（{'・'.join(missing)}が空です）。", missing[0])
    contractor_id = ctx.contractor_ids.get(winner)
    if contractor_id is None:
        raise RowRejected(f"落札業者番号「{winner}」の業者は登録されていません。先に業者の移行データ"
                          "（legacy_contractors.csv、種類「業者（旧システムからの移行）」）を取り込んでください。",
                          "落札業者番号")
    if amount <= 0:
        raise RowRejected(f"落札金額 {amount:,} 円は 1 円以上にしてください。", "落札金額")
    decided_on = opening_on or values.get("contract_date")
    if decided_on is None:
        raise RowRejected("落札決定の日が分かりません（開札日か契約日が必要です）。", "開札日")
    return LegacyAward(contractor_id, amount, decided_on)


def _contract(ctx, values: dict, award: LegacyAward | None) -> LegacyContract | None:
    present = [f for f in ("contract_number", "contract_date", "contract_amount") if values.get(f) is not None]
    changed, completed = values.get("changed_amount"), values.get("completed_on")
    if not present:
        if changed is not None or completed is not None:
            column = "変更後契約金額" if changed is not None else "完成日"
            raise RowRejected(f"契約のない行に{column}があります（契約番号・契約日・契約金額が空です）。", column)
        return None
    missing = _missing(values, _CONTRACT_PARTS)
    if missing:
        raise RowRejected(f"契約の{'・'.join(missing)}が空です（契約のある行は契約番号・契約日・契約金額・工期自・工期至が"
                          "必要です）。", missing[0])
    if award is None:
        raise RowRejected("契約があるのに落札業者番号・落札金額が空です（随意契約も契約の相手方と金額を入れてください）。",
                          "落札業者番号")
    day, amount = values["contract_date"], values["contract_amount"]
    if day < award.decided_on:
        raise RowRejected(f"契約日（{format_date(day)}）が開札日（{format_date(award.decided_on)}）より前です。", "契約日")
    if problem := amount_problem(ctx.session, amount, award.amount, day, ctx.taxes):
        raise RowRejected(problem, "契約金額")
    if changed is not None and changed <= 0:
        raise RowRejected(f"変更後契約金額 {changed:,} 円は 1 円以上にしてください。", "変更後契約金額")
    if changed == amount:
        raise RowRejected("変更後契約金額が当初の契約金額と同じです（金額の変更がないときは空欄にしてください）。",
                          "変更後契約金額")
    if completed is not None and completed < values["work_from"]:
        raise RowRejected(f"完成日（{format_date(completed)}）が工期自（{format_date(values['work_from'])}）より前です。",
                          "完成日")
    number = values["contract_number"]
    first = ctx.file_contracts.get(number)
    if first is not None:
        raise RowRejected(f"契約番号「{number}」は {first} 行目の案件の契約にも使われています。", "契約番号")
    return LegacyContract(number, day, amount, values["work_from"], values["work_to"], changed, completed)
