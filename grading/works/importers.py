"""Import kind ``grades``: ten years of past grades from the legacy system's export (SPEC GR5, CM12), one row per
graded work (``docs/samples/past_grades.csv``: CP932, 和暦 and 西暦 dates mixed).

Each row creates or updates, by its 契約番号 (the legacy 工事番号 with the second built-in profile), a graded work
of source 「過去の評定の取込」, 通知済, with its 年度 from the 完成日 (``import_services.import_past_grade``). A row
is refused with its reason: an unknown 業者番号, 担当課コード or 業種コード (or a 業種 that is not construction), a
評定点 outside 0–100 or with more decimal places than the 総合評定点 of the rule in force on the 完成日, an
impossible or future date, an empty key, a number of a work graded in this system (never overwritten), or a
contract in this system with another 受注者. When a contract of the number is in the system (the legacy case import
makes them), the work is linked to it and the 最終契約金額 may be left empty (the contract's is taken).

The dry run's checklist gives per 年度 the works, their average score and how many are linked to a contract; a
committed import links the works it wrote to its batch (``finish``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bidding.cases.permissions import is_contract_section
from bidding.contracts.models import Contract
from core.auth.models import Department
from core.history import BulkWriter
from core.importing.kinds import FieldSpec, ImportKind, RowRejected
from core.jp import fiscal_year, fiscal_year_label, format_date, normalize_code
from core.rules import RuleNotInForce, RuleTimeline
from core.timefmt import today
from registry.codes import work_types
from registry.contractors.models import Contractor

from ..rules import FORMULA_KEY
from ..statistics.figures import mean_of, tenths
from .import_services import PastGrade, as_past_grade, import_past_grade, mark_import_batch
from .models import GradedWork

#: Decimal places of a score the grade database keeps.
STORED_PLACES = 1
#: Field → the export's column (the built-in profile's headers, and the column a rejection names).
COLUMNS = {"contract_number": "契約番号", "name": "工事名", "contractor_number": "業者番号", "final_score": "評定点",
           "completed_on": "完成日", "work_type_code": "業種コード", "department_code": "担当課コード",
           "contract_amount": "最終契約金額"}
_TYPES = {"contract_number": ("code", 40, True), "name": ("name", 200, True), "contractor_number": ("code", 20, True),
          "final_score": ("text", 12, True), "completed_on": ("date", None, True),
          "work_type_code": ("code", 10, True), "department_code": ("code", 20, True),
          "contract_amount": ("amount", None, False)}
_HELP = {"contract_number": "再取込はこの番号で更新（工事番号のファイルは「旧システム（工事番号）」のプロファイル）",
         "contractor_number": "業者の移行で登録済みの業者番号", "final_score": "0〜100（小数点以下はルールの桁数まで）",
         "completed_on": "令和3年8月25日 / R3.8.25 / 2021/08/25。年度はこの日から",
         "contract_amount": "税込。本システムに契約のある工事は空欄可（契約の金額）"}


@dataclass
class GradesContext:
    session: object
    actor: object
    writer: BulkWriter
    today: date
    departments: dict[str, Department]
    #: 業者番号 → id of every registered firm (two columns, not ORM objects).
    contractor_ids: dict[str, int]
    work_types: dict
    formulas: RuleTimeline
    #: The current chunk's contracts in this system by 契約番号 (their changes loaded: the current amount).
    contracts: dict[str, Contract] = field(default_factory=dict)
    #: 年度 → works, the sum of their scores in tenths, and the works linked to a contract (the checklist).
    years: dict[int, Counter] = field(default_factory=lambda: defaultdict(Counter))
    #: 契約番号 of the rows that create or change a work (``finish`` links them to the batch).
    changed: list[str] = field(default_factory=list)


class GradesImport(ImportKind):
    name = "grades"
    label = "工事成績評定（過去の評定の取込）"
    fields = tuple(FieldSpec(name, label, _TYPES[name][0], required=_TYPES[name][2], max_length=_TYPES[name][1],
                             help=_HELP.get(name, "")) for name, label in COLUMNS.items())
    key_fields = ("contract_number",)
    builtin_profiles = {
        "旧システム（契約番号）": {
            "description": "旧システムの評定一覧（1 行 = 評定した工事。CP932、見出し行あり、和暦・西暦の日付）",
            "encoding": "auto", "has_header": True, "columns": dict(COLUMNS), "keys": ["contract_number"],
        },
        "旧システム（工事番号）": {
            "description": "契約番号の列の見出しが「工事番号」のファイル（列の内容は同じ）",
            "encoding": "auto", "has_header": True, "columns": {**COLUMNS, "contract_number": "工事番号"},
            "keys": ["contract_number"],
        },
    }
    after_new_rows = ("過去の評定は通知済みとして登録しました。「工事成績評定」→「評定の統計」で年度ごとの件数と平均点を"
                      "確かめ、必要なら「主観点への反映」を行ってください。")

    def can_import(self, actor) -> bool:
        """The contract section (``None`` is the command line: ``flask import grades FILE``)."""
        return actor is None or is_contract_section(actor)

    def begin(self, session, actor) -> GradesContext:
        day = today()
        return GradesContext(session, actor, BulkWriter(session, actor), day,
                             {d.code: d for d in session.scalars(select(Department))},
                             dict(session.execute(select(Contractor.number, Contractor.id)).all()),
                             work_types(session, day), RuleTimeline(session, FORMULA_KEY))

    # --- checking -----------------------------------------------------------------------------------

    def check(self, ctx: GradesContext, values: dict) -> None:
        number = values["contractor_number"]
        if number not in ctx.contractor_ids:
            raise RowRejected(f"業者番号「{number}」の業者は登録されていません。先に業者の移行データを取り込んでください。",
                              COLUMNS["contractor_number"])
        department = ctx.departments.get(values["department_code"])
        if department is None:
            raise RowRejected(f"担当課コード「{values['department_code']}」の部署は登録されていません。「部署」の画面"
                              "（または職員の取込）で部署を登録してから取り込んでください。", COLUMNS["department_code"])
        code = values["work_type_code"]
        work_type = ctx.work_types.get(code)
        if work_type is None:
            raise RowRejected(f"業種コード「{code}」はコード表にありません。", COLUMNS["work_type_code"])
        if work_type.category != "construction":
            raise RowRejected(f"業種コード「{code}」（{work_type.title}）は建設工事の業種ではありません"
                              "（工事成績評定は建設工事の評定です）。", COLUMNS["work_type_code"])
        day = values["completed_on"]
        if day > ctx.today:
            raise RowRejected(f"完成日（{format_date(day)}）が今日より後です。", COLUMNS["completed_on"])
        values["final_score"] = self._score(ctx, values["final_score"], day)
        amount = values.get("contract_amount")
        if amount is not None and amount <= 0:
            raise RowRejected(f"最終契約金額 {amount:,} 円は 1 円以上にしてください。", COLUMNS["contract_amount"])
        values["contractor_id"], values["department_id"] = ctx.contractor_ids[number], department.id

    @staticmethod
    def _score(ctx: GradesContext, text: str, day: date) -> Decimal:
        column = COLUMNS["final_score"]
        raw = normalize_code(text).removesuffix("点")
        try:
            score = Decimal(raw)
        except InvalidOperation:
            score = None
        if score is None or not score.is_finite():
            raise RowRejected(f"評定点「{text}」は数値ではありません。", column)
        if not 0 <= score <= 100:
            raise RowRejected(f"評定点 {raw} は 0〜100 の範囲外です。", column)
        try:
            places = ctx.formulas.values(day)["final_places"]
        except RuleNotInForce:
            raise RowRejected(f"完成日（{format_date(day)}）に適用される評定点の計算のルールがありません。",
                              COLUMNS["completed_on"]) from None
        # The grade database keeps one decimal place (Numeric(5, 1)), whatever a rule's places.
        places = min(places, STORED_PLACES)
        if score != score.quantize(Decimal(1).scaleb(-places)):
            raise RowRejected(f"評定点 {raw} の小数点以下の桁数が、完成日に適用されるルールの総合評定点の桁数"
                              f"（{places} 桁）より多いです。", column)
        return score.quantize(Decimal("0.1"))

    # --- comparing ----------------------------------------------------------------------------------

    def prefetch(self, ctx: GradesContext, rows: list[dict]) -> None:
        """The stored works and the contracts of a chunk's numbers, one query each; the previous chunk's writes
        are written first."""
        ctx.writer.write()
        numbers = [values["contract_number"] for values in rows]
        works = {w.contract_number: w for w in ctx.session.scalars(
            select(GradedWork).where(GradedWork.contract_number.in_(numbers)))}
        ctx.writer.load(GradedWork, works)
        ctx.contracts = {c.number: c for c in ctx.session.scalars(
            select(Contract).where(Contract.number.in_(numbers)).options(selectinload(Contract.changes)))}

    def compare(self, ctx: GradesContext, values: dict) -> str:
        number = values["contract_number"]
        stored = ctx.writer.get(GradedWork, number)
        if stored is not None and stored.source != "import":
            raise RowRejected(f"契約番号「{number}」は本システムで評定した工事です（取込では更新しません）。",
                              COLUMNS["contract_number"])
        contract = ctx.contracts.get(number)
        if contract is not None and contract.contractor_id != values["contractor_id"]:
            firm = ctx.session.get(Contractor, contract.contractor_id)
            raise RowRejected(f"契約番号「{number}」の契約の受注者は業者番号 {firm.number}（{firm.name}）です"
                              f"（ファイルは {values['contractor_number']}）。", COLUMNS["contractor_number"])
        amount = values.get("contract_amount")
        if amount is None:
            amount = contract.current_amount if contract is not None else (stored.contract_amount if stored else None)
        if amount is None:
            raise RowRejected("最終契約金額が空です（本システムに契約のない工事は最終契約金額が必要です）。",
                              COLUMNS["contract_amount"])
        day = values["completed_on"]
        target = PastGrade(contract_number=number, name=values["name"], contractor_id=values["contractor_id"],
                           department_id=values["department_id"], work_type_code=values["work_type_code"],
                           contract_amount=amount, completed_on=day, fiscal_year=fiscal_year(day),
                           final_score=values["final_score"], contract_id=contract.id if contract else None)
        values["_target"] = target
        status = "new" if stored is None else ("unchanged" if as_past_grade(stored) == target else "updated")
        counts = ctx.years[target.fiscal_year]
        counts["works"] += 1
        counts["tenths"] += tenths(target.final_score)
        counts["linked"] += target.contract_id is not None
        if status != "unchanged":
            ctx.changed.append(number)
        return status

    # --- the checklist ------------------------------------------------------------------------------

    @staticmethod
    def _card(counts: Counter) -> dict:
        mean = mean_of(counts["tenths"], counts["works"])
        return {"工事数": counts["works"], "平均点": str(mean) if mean is not None else "—",
                "本システムの契約と結び付く工事": counts["linked"]}

    def summarize(self, ctx: GradesContext) -> dict:
        """Per 年度 of completion: the works, their average score and those linked to a contract; the total."""
        summary = {f"{year}年度（{fiscal_year_label(year)}）": self._card(ctx.years[year]) for year in sorted(ctx.years)}
        summary["合計"] = self._card(sum(ctx.years.values(), Counter()))
        return summary

    def report_extra(self, ctx: GradesContext) -> dict:
        """The checklist in the JSON report: ``{"checklist": {"by_fiscal_year": {"2016": {"works", "average",
        "linked"}}, "total": {...}}}`` (averages as text with two decimals, as the statistics show them)."""
        def figures(counts: Counter) -> dict:
            mean = mean_of(counts["tenths"], counts["works"])
            return {"works": counts["works"], "average": str(mean) if mean is not None else None,
                    "linked": counts["linked"]}

        return {"checklist": {"by_fiscal_year": {str(year): figures(ctx.years[year]) for year in sorted(ctx.years)},
                              "total": figures(sum(ctx.years.values(), Counter()))}}

    # --- writing ------------------------------------------------------------------------------------

    def apply(self, ctx: GradesContext, values: dict, status: str) -> None:
        import_past_grade(ctx.writer, values["_target"])

    def flush(self, ctx: GradesContext) -> None:
        ctx.writer.write()

    def finish(self, session, actor, ctx: GradesContext, batch, report) -> None:
        """Link the works this import created or changed to its batch (their 取込 on the work's page)."""
        if not ctx.changed:
            return
        ids = [work_id for start in range(0, len(ctx.changed), 1000) for work_id in session.scalars(
            select(GradedWork.id).where(GradedWork.contract_number.in_(ctx.changed[start:start + 1000])))]
        report.summary["取込の記録"] = {"この取込で登録・更新した工事": mark_import_batch(session, actor, ids, batch)}
