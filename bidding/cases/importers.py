"""Import kind ``cases``: ten years of cases from the legacy system's export (SPEC CM12), one row per case with its
award and contract (``legacy_cases.csv``: CP932, 和暦 dates).

Each row creates or updates, by 案件番号, the case (``legacy.import_case``), its opening and award
(``bidding.bids.legacy``), its contract with a change contract and the completion (``bidding.contracts.legacy``);
``legacy_rows`` reads a row and refuses it with the reason. The firms must be in the registry first (the
``contractors`` kind imports ``legacy_contractors.csv``). Re-importing the same file changes nothing; a corrected
row changes what differs; a row never takes away what is stored (an award, contract, change or completion the
file no longer has) nor touches a case made, or taken further, in this system: such a row is refused.

The dry run's checklist (``summarize`` and the report's ``checklist``) gives per 年度 the cases, the contracts and
the sum of 契約金額 as made (before changes) over the rows that will be imported; the rejected rows are listed
apart by the framework. The department is matched by 担当課コード only; a row whose 担当課名 is not the registered
name (a department renamed over ten years) is imported and listed in the report's ``warnings``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload, undefer

from bidding.bids.legacy import import_award
from bidding.bids.models import Award, Bid, BidRound
from bidding.contracts.legacy import import_contract, terms_by_day
from bidding.contracts.models import Contract, ContractChange
from bidding.prices import TaxTable
from core.auth.models import Department
from core.db import utcnow
from core.history import BulkWriter
from core.importing.kinds import MAX_STORED_WARNINGS, FieldSpec, ImportKind, RowRejected
from core.jp import fiscal_year_label
from core.rules import RuleTimeline
from core.timefmt import today
from registry.codes import work_types
from registry.contractors.models import Contractor

from .legacy import MIGRATED_STATES, LegacyCase, as_stored, method_codes, update_case
from .legacy_bulk import NewCases
from .legacy_rows import COLUMNS, department_name_warning, read_row
from .models import STATES, CaseBudgetCharge, TenderCase
from .permissions import is_contract_section

_TYPES = {"number": ("code", 40), "fiscal_year": ("text", 12), "name": ("name", 200), "department_code": ("code", 20),
          "department_name": ("name", 100), "method": ("name", 60), "work_type_code": ("code", 10),
          "place": ("name", 200), "design_amount": ("amount", None), "planned_price": ("amount", None),
          "floor_price": ("amount", None), "opening_on": ("date", None), "bidder_count": ("int", None),
          "winner_number": ("code", 20), "award_amount": ("amount", None), "contract_number": ("code", 40),
          "contract_date": ("date", None), "contract_amount": ("amount", None), "work_from": ("date", None),
          "work_to": ("date", None), "changed_amount": ("amount", None), "completed_on": ("date", None)}
_REQUIRED = {"number", "fiscal_year", "name", "department_code", "method", "work_type_code"}
_HELP = {"fiscal_year": "2016 / 平成28 / H28年度", "department_name": "確認用（取り込みません。登録の部署名と違えば警告）",
         "method": "一般競争入札 / 指名競争入札 / 随意契約 など", "bidder_count": "個々の入札は移行しません（数だけ）",
         "winner_number": "業者の移行で登録済みの業者番号", "award_amount": "税抜",
         "contract_amount": "税込: 落札金額＋契約日の消費税等", "changed_amount": "税込（変更契約 1 回分）"}


@dataclass
class CasesContext:
    session: object
    actor: object
    writer: BulkWriter
    now: datetime
    today: date
    departments: dict[str, Department]
    #: 業者番号 → id of every registered firm (two columns, not ORM objects).
    contractor_ids: dict[str, int]
    work_types: dict
    methods: dict[str, str]
    departments_by_id: dict[int, Department] = field(default_factory=dict)
    taxes: TaxTable | None = None
    terms: RuleTimeline | None = None
    new_cases: NewCases | None = None
    #: 契約番号 → row number of the file's accepted rows.
    file_contracts: dict[str, int] = field(default_factory=dict)
    # The current chunk (``prefetch``): the firms it names, the stored owner of each 契約番号, and per case the
    # number of rounds and whether an award was undone in this system.
    contractors: dict[int, Contractor] = field(default_factory=dict)
    contract_owner: dict[str, str] = field(default_factory=dict)
    rounds: Counter = field(default_factory=Counter)
    undone: set[str] = field(default_factory=set)
    # The verification checklist over the accepted rows.
    years: dict[int, Counter] = field(default_factory=lambda: defaultdict(Counter))
    states: Counter = field(default_factory=Counter)
    #: Accepted rows whose 担当課名 is not the registered name (the first ``MAX_STORED_WARNINGS``), and their number.
    warnings: list[dict] = field(default_factory=list)
    warning_count: int = 0


class LegacyCasesImport(ImportKind):
    name = "cases"
    label = "入札案件（旧システムからの移行）"
    fields = tuple(FieldSpec(name, label, _TYPES[name][0], required=name in _REQUIRED, max_length=_TYPES[name][1],
                             help=_HELP.get(name, "")) for name, label in COLUMNS.items())
    key_fields = ("number",)
    warning_fields = (("case", "案件番号"), ("department_code", "担当課コード"), ("file_name", "担当課名（ファイル）"),
                      ("registered_name", "部署名（登録）"))
    builtin_profiles = {
        "旧システム": {
            "description": "旧システムの案件一覧（1 行 = 案件、落札と契約を含む。CP932、見出し行あり、和暦・西暦の日付）",
            "encoding": "auto", "has_header": True, "columns": dict(COLUMNS), "keys": ["number"],
        },
    }
    after_new_rows = "移行した案件は決裁済みです。入札案件の一覧で年度・担当課ごとに件数を確かめてください。"

    def can_import(self, actor) -> bool:
        """The contract section (``None`` is the command line: ``flask import cases FILE``)."""
        return actor is None or is_contract_section(actor)

    def begin(self, session, actor) -> CasesContext:
        day, now = today(), utcnow()
        departments = {d.code: d for d in session.scalars(select(Department))}
        firms = dict(session.execute(select(Contractor.number, Contractor.id)).all())
        taxes, terms = TaxTable(session), terms_by_day(session)
        return CasesContext(session, actor, BulkWriter(session, actor), now, day, departments, firms,
                            work_types(session, day), method_codes(), {d.id: d for d in departments.values()},
                            taxes, terms, NewCases(session, actor, now, taxes, terms))

    def check(self, ctx: CasesContext, values: dict) -> None:
        values["_target"] = read_row(ctx, values)

    # --- comparing ----------------------------------------------------------------------------------

    def prefetch(self, ctx: CasesContext, rows: list[dict]) -> None:
        """The stored cases of a chunk with their rounds, bids, awards, contracts (changes, payments) and the firms
        named, one query per table; what the previous chunk wrote is written first."""
        self.flush(ctx)
        session = ctx.session
        targets: list[LegacyCase] = [values["_target"] for values in rows]
        cases = {c.number: c for c in session.scalars(
            select(TenderCase).where(TenderCase.number.in_([t.number for t in targets]))
            .options(undefer(TenderCase.cost_breakdown),
                     selectinload(TenderCase.charges).selectinload(CaseBudgetCharge.line)))}
        number_of = {c.id: c.number for c in cases.values()}
        ids = list(number_of)
        rounds, bids, awards = {}, {}, {}
        ctx.rounds, ctx.undone = Counter(), set()
        for r in session.scalars(select(BidRound).where(BidRound.case_id.in_(ids))):
            ctx.rounds[number_of[r.case_id]] += 1
            if r.number == 1:
                rounds[number_of[r.case_id]] = r
        for a in session.scalars(select(Award).where(Award.case_id.in_(ids)).order_by(Award.id)):
            if a.state == "undone":
                ctx.undone.add(number_of[a.case_id])
            else:
                awards[number_of[a.case_id]] = a
        winners = {a.bid_id: n for n, a in awards.items()}
        for b in session.scalars(select(Bid).where(Bid.id.in_(list(winners)))):
            bids[winners[b.id]] = b
        numbers = [t.contract.number for t in targets if t.contract]
        contracts, ctx.contract_owner = {}, {}
        stored = session.scalars(select(Contract).where(or_(Contract.case_id.in_(ids), Contract.number.in_(numbers)))
                                 .options(selectinload(Contract.changes), selectinload(Contract.payments))).all()
        owners = dict(session.execute(select(TenderCase.id, TenderCase.number).where(
            TenderCase.id.in_({c.case_id for c in stored} - set(ids)))).all()) if stored else {}
        owners.update(number_of)
        for c in stored:
            ctx.contract_owner[c.number] = owners[c.case_id]
            if c.case_id in number_of:
                contracts[number_of[c.case_id]] = c
        firm_ids = {t.award.contractor_id for t in targets if t.award}
        firm_ids |= {a.contractor_id for a in awards.values()} | {c.contractor_id for c in contracts.values()}
        ctx.contractors = {c.id: c for c in session.scalars(select(Contractor).where(Contractor.id.in_(firm_ids)))}
        changes = {number: c.changes[0] for number, c in contracts.items() if c.changes}
        for model, records in ((TenderCase, cases), (BidRound, rounds), (Bid, bids), (Award, awards),
                               (Contract, contracts), (ContractChange, changes)):
            ctx.writer.load(model, records)

    def compare(self, ctx: CasesContext, values: dict) -> str:
        target: LegacyCase = values["_target"]
        owner = ctx.contract_owner.get(target.contract.number) if target.contract else None
        if owner is not None and owner != target.number:
            raise RowRejected(f"契約番号「{target.contract.number}」は登録済みの別の案件（{owner}）の契約です。", "契約番号")
        case = ctx.writer.get(TenderCase, target.number)
        if case is None:
            status = "new"
        else:
            contract = ctx.writer.get(Contract, target.number)
            stored = as_stored(case, ctx.writer.get(Award, target.number), contract)
            if stored == target:
                status = "unchanged"
            else:
                self._refuse_taking_back(ctx, case, stored, target, contract)
                status = "updated"
        counts = ctx.years[target.fiscal_year]
        counts["cases"] += 1
        if target.contract:
            counts["contracts"] += 1
            counts["contract_amount"] += target.contract.amount
            counts["changes"] += target.contract.changed_amount is not None
        ctx.states[target.state] += 1
        warning = department_name_warning(values, ctx.departments_by_id[target.department_id])
        if warning is not None:
            ctx.warning_count += 1
            if len(ctx.warnings) < MAX_STORED_WARNINGS:
                ctx.warnings.append(warning)
        return status

    @staticmethod
    def _refuse_taking_back(ctx: CasesContext, case: TenderCase, stored: LegacyCase, target: LegacyCase,
                            contract: Contract | None) -> None:
        """A row that would change a case made or taken further in this system, or take away a stored part."""
        if not case.migrated:
            raise RowRejected(f"案件番号「{case.number}」は本システムで起案した案件です（移行データではないため更新しません）。",
                              "案件番号")
        if case.state not in MIGRATED_STATES or ctx.rounds[case.number] > 1 or case.number in ctx.undone:
            raise RowRejected(f"この案件は移行の後に本システムで手続が進んでいます（状態: {case.state_label}）。"
                              "移行データでは更新できません。", "案件番号")
        taken = [(stored.opening_at and not target.opening_at, "開札日", "開札日"),
                 (stored.award and not target.award, "落札決定", "落札業者番号"),
                 (stored.contract and not target.contract, "契約", "契約番号")]
        if stored.contract and target.contract:
            taken += [(stored.contract.changed_amount and not target.contract.changed_amount, "変更契約", "変更後契約金額"),
                      (stored.contract.completed_on and not target.contract.completed_on, "完成", "完成日")]
        for gone, what, column in taken:
            if gone:
                raise RowRejected(f"登録済みの{what}がこの行にありません。取込では登録済みの{what}を取り消しません"
                                  "（取り消すときは本システムの画面で行ってください）。", column)
        if contract is not None and (len(contract.changes) > 1 or contract.payments) and stored.contract != target.contract:
            raise RowRejected("この契約には本システムで変更契約・請求を記録しています。移行データでは契約を更新できません。",
                              "契約番号")

    # --- the checklist ------------------------------------------------------------------------------

    def summarize(self, ctx: CasesContext) -> dict:
        """Per 年度 (as in the file): cases, contracts and the sum of 契約金額 as made; the total; cases per state."""
        summary = {}
        for year in sorted(ctx.years):
            counts = ctx.years[year]
            summary[f"{year}年度（{fiscal_year_label(year)}）"] = {
                "案件数": counts["cases"], "契約数": counts["contracts"], "契約金額（円・変更前）": counts["contract_amount"],
                "変更契約のある契約": counts["changes"]}
        total = sum(ctx.years.values(), Counter())
        summary["合計"] = {"案件数": total["cases"], "契約数": total["contracts"],
                         "契約金額（円・変更前）": total["contract_amount"], "変更契約のある契約": total["changes"]}
        if ctx.states:
            summary["移行後の状態別の案件数"] = {STATES[s]: ctx.states[s] for s in MIGRATED_STATES if ctx.states[s]}
        return summary

    def report_extra(self, ctx: CasesContext) -> dict:
        """The checklist in the JSON report: ``{"checklist": {"by_fiscal_year": {"2016": {"cases", "contracts",
        "contract_amount"}}, "total": {...}}}`` (年度 as in the file, amounts in yen as integers), and ``warnings``
        [{row, case, department_code, file_name, registered_name, message}] in row order, the accepted rows whose
        担当課名 is not the registered name, with ``warning_count``."""
        def figures(counts: Counter) -> dict:
            return {"cases": counts["cases"], "contracts": counts["contracts"],
                    "contract_amount": int(counts["contract_amount"])}

        return {"checklist": {"by_fiscal_year": {str(year): figures(ctx.years[year]) for year in sorted(ctx.years)},
                              "total": figures(sum(ctx.years.values(), Counter()))},
                "warnings": list(ctx.warnings), "warning_count": ctx.warning_count}

    # --- writing ------------------------------------------------------------------------------------

    def apply(self, ctx: CasesContext, values: dict, status: str) -> None:
        target: LegacyCase = values["_target"]
        department = ctx.departments_by_id[target.department_id]
        winner = ctx.contractors.get(target.award.contractor_id) if target.award else None
        if status == "new":
            ctx.new_cases.add(target, department, winner)
            return
        case = update_case(ctx.writer, ctx.writer.get(TenderCase, target.number), target, department)
        award = import_award(ctx.writer, case, target, winner, taxes=ctx.taxes)
        if target.contract:
            import_contract(ctx.writer, case, award, target, winner, taxes=ctx.taxes, terms=ctx.terms, actor=ctx.actor,
                            now=ctx.now)

    def flush(self, ctx: CasesContext) -> None:
        """The chunk's new cases in bulk, then the updates of stored ones (one flush) with their history; the
        written records are let go."""
        ctx.new_cases.write()
        ctx.writer.write()
