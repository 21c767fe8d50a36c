"""Import kind ``ebid_results``: the e-bidding system's results (SPEC CM8), one row per case × firm × round.

Cases are matched by 案件番号 and firms by 業者番号 (widths, spaces and leading zeros folded), else by 法人番号; a
firm not found is refused with the registered firms of the closest names. A case not in Keiyaku is refused,
unless the import is told to register such cases (``create_missing_cases``): they come in 決裁済・開札済. A case
in 中止 or still 起案, a bad amount or an unknown result word refuses its row by name. The file's results are
recorded as given (statuses by the profile's words, the award to its 落札 row); where Keiyaku's own view differs
(``import_review``) the report warns. Re-importing the same file changes nothing; a corrected file updates bids
by (case, round, firm) and, when the winner changed, withdraws the earlier award with the reason.

Rows are checked, compared and written through ``import_services`` with one ``BulkWriter`` (records of a chunk
loaded in ``prefetch``, one flush per chunk); the awards follow in ``finish``, after every bid is written.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time

from sqlalchemy import select

from bidding.cases.models import TenderCase
from bidding.nominations.models import CaseParticipant
from core.auth.models import Department
from core.history import BulkWriter
from core.importing.kinds import MAX_STORED_WARNINGS, FieldSpec, ImportKind, ImportOption, RowRejected
from core.jp import format_date
from registry.contractors.models import Contractor

from . import import_cases, import_profile, import_services
from .import_firms import FirmIndex
from .import_review import FileBid, FileCase, case_warnings, suspended_winners
from .import_services import BEFORE_OPENING
from .models import Award, Bid, BidRound

#: Case columns every row of a case must agree on (field → label).
CASE_COLUMNS = {"case_name": "案件名称", "method": "入札方式", "opening_on": "開札日", "planned_price": "予定価格",
                "floor_price": "最低制限価格", "department_code": "担当課コード", "work_type_code": "業種コード",
                "decided_on": "落札決定日"}
#: Cases whose results may not change any more (an unchanged row of them is still accepted).
LOCKED = frozenset({"contracted", "completed", "failed"})


@dataclass
class EbidContext:
    session: object
    actor: object
    writer: BulkWriter
    firms: FirmIndex
    departments: dict[str, Department]
    mapping: import_profile.Mapping | None = None
    create_missing: bool = False
    cases: dict[str, FileCase] = field(default_factory=dict)
    #: (案件番号, round, contractor id) → row, to refuse a firm's second row for one round.
    keys: dict[tuple, int] = field(default_factory=dict)
    #: Case id → (round, contractor id) of its award in force, for the cases of the current chunk.
    awards: dict[int, tuple[int, int]] = field(default_factory=dict)
    warnings: list[dict] = field(default_factory=list)
    warned: set = field(default_factory=set)
    results: Counter = field(default_factory=Counter)
    #: Written in ``finish``: awards recorded and withdrawn.
    awarded: int = 0
    withdrawn: int = 0


class EbidResultsImport(ImportKind):
    name = "ebid_results"
    label = "入札結果（電子入札システム）"
    fields = (
        FieldSpec("case_number", "案件番号", "code", required=True, max_length=40),
        FieldSpec("case_name", "案件名称", "name", max_length=200, help="案件を登録するときに使います"),
        FieldSpec("method", "入札方式", "name", max_length=40, help="プロファイルの methods で方式に対応付けます"),
        FieldSpec("opening_on", "開札日", "date", help="令和7年8月27日 / R07.08.27 / 2025-08-27"),
        FieldSpec("planned_price", "予定価格", "amount", help="税抜・円（1,234,000 の形も可）"),
        FieldSpec("floor_price", "最低制限価格", "amount", help="なければ空欄"),
        FieldSpec("firm_number", "業者番号", "code", required=True, max_length=20),
        FieldSpec("firm_name", "業者名称", "name", max_length=200, help="確認用（照合は業者番号・法人番号）"),
        FieldSpec("corporate_number", "法人番号", "code", max_length=20, help="業者番号で見つからないときに照合"),
        FieldSpec("round", "入札回数", "int", help="1 回目、再度入札は 2、3 …（空欄は 1）"),
        FieldSpec("amount", "入札金額", "amount", help="税抜・円。辞退は空欄"),
        FieldSpec("result", "結果", "text", max_length=60, help="プロファイルの results で状態に対応付けます（空欄も可）"),
        FieldSpec("department_code", "担当課コード", "code", max_length=20, help="登録する案件の担当課（なければ案件番号から）"),
        FieldSpec("work_type_code", "業種コード", "code", max_length=10, help="登録する案件の業種（なければ件名から）"),
        FieldSpec("decided_on", "落札決定日", "date", help="なければ開札日"),
    )
    key_fields = ("case_number", "round", "firm_number")
    options = (ImportOption("create_missing_cases", "Keiyaku にない案件を、ファイルの案件の列から登録する",
                            "電子入札システムだけにある案件を、決裁済・開札済（落札があれば落札決定）として登録します。"
                            "担当課は案件番号の中央の部署コードから決めます。"),)
    extra_settings = import_profile.DEFAULTS
    warning_fields = (("case", "案件番号"),)
    builtin_profiles = {
        "電子入札（標準）": {
            "description": "電子入札システムの入札結果（1 行 = 案件 × 業者 × 回、CP932、見出し行あり、開札日は和暦）",
            "encoding": "auto", "has_header": True,
            "columns": {spec.name: spec.label for spec in fields},
            "keys": list(key_fields),
        },
    }

    def can_import(self, actor) -> bool:
        return import_services.may_import(actor)

    def check_settings(self, settings: dict) -> list[str]:
        return import_profile.check(settings)

    # --- loading ------------------------------------------------------------------------------------

    def begin(self, session, actor) -> EbidContext:
        return EbidContext(session, actor, BulkWriter(session, actor), FirmIndex(session),
                           {d.code: d for d in session.scalars(select(Department))})

    def configure(self, ctx: EbidContext, settings: dict, options: dict[str, bool]) -> None:
        ctx.mapping = import_profile.Mapping(settings)
        ctx.create_missing = options.get("create_missing_cases", False)

    def prefetch(self, ctx: EbidContext, rows: list[dict]) -> None:
        """The stored cases of a chunk of rows with their rounds, bids, participants and award in force, and the
        firms (one query per table); written records of the previous chunk are let go first."""
        writer, session = ctx.writer, ctx.session
        writer.write()
        numbers = sorted({values["case_number"] for values in rows})
        cases = {c.number: c for c in session.scalars(select(TenderCase).where(TenderCase.number.in_(numbers))
                                                      .options(*import_services.case_load_options()))}
        ids = [c.id for c in cases.values()]
        rounds, bids, participants = {}, {}, {}
        if ids:
            rounds = {(r.case_id, r.number): r for r in session.scalars(select(BidRound).where(BidRound.case_id.in_(ids)))}
            number_of = {r.id: r.number for r in rounds.values()}
            bids = {(b.case_id, number_of[b.round_id], b.contractor_id): b
                    for b in session.scalars(select(Bid).where(Bid.case_id.in_(ids)))}
            participants = {(p.case_id, p.contractor_id): p for p in session.scalars(
                select(CaseParticipant).where(CaseParticipant.case_id.in_(ids)))}
            ctx.awards = {case_id: (round_no, firm) for case_id, round_no, firm in session.execute(
                select(Award.case_id, BidRound.number, Award.contractor_id).join(Bid, Award.bid_id == Bid.id)
                .join(BidRound, Bid.round_id == BidRound.id).where(Award.case_id.in_(ids), Award.state != "undone"))}
        firm_ids = sorted({values["_contractor_id"] for values in rows})
        firms = {c.id: c for c in session.scalars(select(Contractor).where(Contractor.id.in_(firm_ids)))}
        for model, records in ((TenderCase, cases), (BidRound, rounds), (Bid, bids), (CaseParticipant, participants),
                               (Contractor, firms)):
            writer.load(model, records)
        if ctx.create_missing:  # the chunk's cases to register, planned before its first row is written
            for number in numbers:
                if number not in cases and ctx.cases[number].status == "":
                    import_cases.plan_creation(ctx, ctx.cases[number])

    # --- checking -----------------------------------------------------------------------------------

    def check(self, ctx: EbidContext, values: dict) -> None:
        row, number = values["_row"], values["case_number"]
        round_no = 1 if values.get("round") is None else values["round"]
        if not 1 <= round_no <= 99:
            raise RowRejected(f"入札回数「{round_no}」は 1〜99 の回数で入力してください。", "入札回数")
        amount = values.get("amount")
        if amount is not None and amount <= 0:
            raise RowRejected(f"入札金額（{amount:,} 円）は 1 円以上の金額で入力してください。", "入札金額")
        for name in ("planned_price", "floor_price"):
            if values.get(name) is not None and values[name] < 0:
                raise RowRejected(f"{CASE_COLUMNS[name]}（{values[name]:,} 円）に負の金額は使えません。", CASE_COLUMNS[name])
        result = ctx.mapping.result(values.get("result"))
        if result is None:
            known = "、".join(f"「{t}」" for t in ctx.mapping.result_texts)
            raise RowRejected(f"結果「{values.get('result') or ''}」は取込プロファイルの結果の対応表（results）にありません"
                              f"（対応表にあるもの: {known}）。プロファイルに追加してください。", "結果")
        status, reason = result
        if status not in ("declined", "invalid") and amount is None:
            raise RowRejected(f"入札金額が空です（結果が「{import_profile.STATUS_TARGETS[status]}」の入札には金額が必要です）。",
                              "入札金額")
        firm_id, how = ctx.firms.match(values["firm_number"], values.get("corporate_number"), values.get("firm_name"))
        key = (number, round_no, firm_id)
        if key in ctx.keys:
            raise RowRejected(f"同じ案件・回・業者の行が {ctx.keys[key]} 行目にもあります。", "業者番号")
        case = self._file_case(ctx, values)
        if status == "award" and case.winner is not None:
            raise RowRejected(f"案件 {number} の落札の行が {case.winner.row} 行目にもあります（落札は 1 件です）。", "結果")
        ctx.keys[key] = row
        firm = f"{values['firm_number']} {values.get('firm_name') or ''}".strip()
        bid = FileBid(row, round_no, firm_id, firm, None if status == "declined" else amount, status)
        case.bids.append(bid)
        if status == "award":
            case.winner = bid
        ctx.firms.count(firm_id, how)
        ctx.results["invalid" if status == "invalid" else status] += 1
        values.update(_round=round_no, _contractor_id=firm_id, _status=status, _reason=reason)

    @staticmethod
    def _file_case(ctx: EbidContext, values: dict) -> FileCase:
        """The file's case of the row; its columns must agree with its first row's (an empty cell agrees)."""
        number = values["case_number"]
        case = ctx.cases.get(number)
        if case is None:
            case = ctx.cases[number] = FileCase(number, values["_row"], {k: values.get(k) for k in CASE_COLUMNS})
            return case
        for name, label in CASE_COLUMNS.items():
            mine, first = values.get(name), case.values.get(name)
            if mine is not None and first is not None and mine != first:
                shown = format_date(first) if hasattr(first, "isoformat") else f"{first:,}" if isinstance(first, int) \
                    else first
                raise RowRejected(f"案件 {number} の{label}が {case.row} 行目（{shown}）と異なります。", label)
            if mine is not None and first is None:
                case.values[name] = mine
        return case

    # --- comparing ----------------------------------------------------------------------------------

    def compare(self, ctx: EbidContext, values: dict) -> str:
        file_case = ctx.cases[values["case_number"]]
        case = ctx.writer.get(TenderCase, file_case.number)
        if case is None:
            status = import_cases.new_case(ctx, file_case)
            import_cases.check_reason(ctx, file_case, values)
            import_cases.check_name(ctx, file_case, values)
            return status
        import_cases.settle(ctx, file_case, case)
        import_cases.check_reason(ctx, file_case, values)
        import_cases.check_name(ctx, file_case, values)
        firm_id, round_no = values["_contractor_id"], values["_round"]
        import_cases.check_bidder(ctx, file_case, case, values)
        stored = ctx.writer.get(Bid, (case.id, round_no, firm_id))
        target = self._target(ctx, file_case, values)
        is_winner = ctx.awards.get(case.id) == (round_no, firm_id)
        if stored is None:
            status = "new"
        elif (case.state in BEFORE_OPENING or stored.round.state != "opened" or is_winner != (values["_status"] == "award")
              or any(getattr(stored, name) != target[name] for name in import_services.BID_FIELDS)):
            status = "updated"
        else:
            status = "unchanged"
        if status != "unchanged":
            if case.state in LOCKED:
                raise RowRejected(f"案件 {case.number} は「{case.state_label}」のため、入札結果を変更できません。", "案件番号")
            file_case.changed = True
        return status

    @staticmethod
    def _target(ctx: EbidContext, file_case: FileCase, values: dict) -> dict:
        """The bid the row says: amount, 辞退, status (the 落札 and a plain valid row: 有効, or 低入札調査 under a
        調査基準価格), the survey decision the e-bid system's award implies, and an invalid bid's reason."""
        status, amount = values["_status"], values.get("amount")
        declined = status == "declined"
        if status in ("award", "valid"):
            below = file_case.floor_kind == "survey" and file_case.floor is not None and amount < file_case.floor
            bid_status = "survey" if below else "valid"
        else:
            bid_status = status
        decision = ("acceptable" if status == "award" else None) if bid_status == "survey" else (
            "unacceptable" if bid_status == "excluded" else None)
        return {"amount": None if declined else amount, "declined": declined,
                "invalid_reason": values["_reason"] if status == "invalid" else None, "status": bid_status,
                "survey_decision": decision}

    # --- writing ------------------------------------------------------------------------------------

    def apply(self, ctx: EbidContext, values: dict, status: str) -> None:
        file_case, writer = ctx.cases[values["case_number"]], ctx.writer
        case = writer.get(TenderCase, file_case.number)
        if case is None:
            self._create_planned(ctx)
            case = writer.get(TenderCase, file_case.number)
        elif case.state in BEFORE_OPENING:
            import_services.open_case(writer, case)
        opened_at = case.opening_at or datetime.combine(file_case.opening_on, time())
        floor = file_case.floor if file_case.floor_kind != "none" else None
        bid_round = import_services.import_round(writer, case, values["_round"], opened_at=opened_at, floor_price=floor)
        firm = writer.get(Contractor, values["_contractor_id"])
        if writer.get(CaseParticipant, (case.id, firm.id)) is None:
            import_services.import_participant(writer, case, firm)
        import_services.import_bid(writer, case, bid_round, firm, self._target(ctx, file_case, values),
                                   received_at=opened_at)

    @staticmethod
    def _create_planned(ctx: EbidContext) -> None:
        """Register every planned case not registered yet (those of the current chunk) at once: one flush."""
        planned = [c for c in ctx.cases.values() if c.status == "created" and c.case_id is None]
        created = import_services.create_cases(ctx.session, ctx.actor, [
            (c.number, c.fiscal_year, dict(c.create_values)) for c in planned])
        for file_case in planned:
            case = ctx.writer.add(TenderCase, file_case.number, created[file_case.number])
            file_case.case_id = case.id

    def flush(self, ctx: EbidContext) -> None:
        ctx.writer.write()

    def finish(self, session, actor, ctx: EbidContext, batch, report) -> None:
        from .import_awards import settle_awards

        settle_awards(session, actor, ctx, batch)
        report.summary["落札決定の記録"] = {"記録した落札決定": ctx.awarded, "取り消した落札決定（訂正）": ctx.withdrawn}

    # --- the report ---------------------------------------------------------------------------------

    def report_extra(self, ctx: EbidContext) -> dict:
        """``cases`` {matched, created, unmatched}, the unmatched cases and firms (with the closest names),
        ``awards`` and ``no_award`` (imported cases with and without a 落札), and ``warnings`` [{row, case,
        message}] in row order: the file's disagreements with Keiyaku's view and with its records."""
        files = list(ctx.cases.values())
        counts = Counter(c.status for c in files)
        imported = [c for c in files if c.imported]
        warnings = list(ctx.warnings)
        for case in imported:
            warnings += [{"row": row, "case": case.number, "message": message} for row, message in case_warnings(case)]
        warnings += [{"row": case.winner.row, "case": case.number, "message": message}
                     for case, message in suspended_winners(ctx.session, imported)]
        warnings.sort(key=lambda w: (w["row"], w["case"]))
        awards = sum(1 for c in imported if c.winner is not None)
        return {"cases": {"matched": counts["matched"] + counts["refused"], "created": counts["created"],
                          "unmatched": counts["unmatched"]},
                "unmatched_cases": [c.number for c in files if c.status == "unmatched"],
                "unmatched_firms": ctx.firms.unmatched_report(),
                "awards": awards, "no_award": len(imported) - awards,
                "warnings": warnings[:MAX_STORED_WARNINGS], "warning_count": len(warnings)}

    def summarize(self, ctx: EbidContext) -> dict:
        counts = Counter(c.status for c in ctx.cases.values())
        imported = [c for c in ctx.cases.values() if c.imported]
        with_award = sum(1 for c in imported if c.winner is not None)
        summary = {
            "案件の照合": {"一致した案件": counts["matched"] + counts["refused"], "ファイルから登録する案件": counts["created"],
                        "見つからない案件": counts["unmatched"]},
            "落札": {"落札のある案件": with_award, "落札のない案件": len(imported) - with_award},
            "業者の照合（業者数）": ctx.firms.summary(),
        }
        labels = {**import_profile.STATUS_TARGETS, "invalid": "無効"}
        if ctx.results:
            summary["ファイルの結果別の行数"] = {labels[s]: n for s, n in ctx.results.most_common()}
        return summary
