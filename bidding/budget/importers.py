"""Import kind ``budget``: the finance system's budget export (財務会計システム連携, SPEC CM7), one row per 予算科目.

A row is keyed by 年度・会計・款・項・目・事業・節・細節・所管課 (empty 事業/細節 = none). Re-importing updates the
amounts by key and never duplicates; lines of the file's 年度 that the file no longer holds are flagged
「最新の取込になし」 after a committed import (``finish``), never deleted. 執行残額 is checked against
予算現額 − 執行済額 (``services.check_amounts``, the rule's one owner). The 所管課 is a registered department by
its code: an unknown or deactivated code rejects the row (departments come from the personnel import or the
部署 screen, never from a budget file). Names missing from the file (the sample has 款名 and 節名 only) keep the
stored ones.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select

from core import jp
from core.auth.models import Department
from core.history import BulkWriter
from core.importing.kinds import FieldSpec, ImportKind, RowRejected
from core.timefmt import to_jst

from .models import AMOUNT_FIELDS, CODE_MAX, KEY_FIELDS, NAME_MAX, BudgetLine
from .permissions import can_import_budget
from .queries import lines_by_ids, lines_with_keys, stored_keys
from .services import FIELD_LABELS, NAME_FIELDS, check_amounts, flag_absent_lines, import_budget_line, record_line_imports

#: The lines listed by name in the report's 「今回のファイルにない科目」 (the count is always exact).
ABSENT_LISTED = 50
COLUMN = {"fiscal_year": "年度", "department_code": "所管課コード", **{f: FIELD_LABELS[f] for f in AMOUNT_FIELDS}}


def parse_fiscal_year(text: str) -> int:
    """年度 as the finance system writes it: ``2025``, ``2025年度``, ``令和7``, ``R7年度``, ``令和元年度``."""
    raw = jp.normalize_code(text).removesuffix("年度").removesuffix("年")
    if raw.isdigit() and len(raw) == 4:
        year = int(raw)
    else:
        year = None
        for day in ("4月1日", "12月31日"):  # 平成31年度 began on 平成31年4月1日; 令和元年度 is named at 12月31日
            try:
                year = jp.parse_date(f"{raw}年{day}").year
                break
            except jp.JpParseError:
                continue
    if year is None or not 1900 <= year <= 2999:
        raise RowRejected(f"年度「{text}」を読み取れません。西暦（2025）か和暦（令和7、R7）で入力してください。", "年度")
    return year


@dataclass
class BudgetContext:
    session: object
    actor: object
    #: The services' pending writes and the stored lines of the current chunk, by ``BudgetLine.key``.
    writer: BulkWriter
    departments: dict[str, Department]
    #: Key of every accepted row → its status (``compare``), for the absent lines and the import history.
    seen: dict[tuple, str] = field(default_factory=dict)
    #: Key → row number of the file's rows checked so far (年度 normalised: 2025 and R7 are one key).
    rows: dict[tuple, int] = field(default_factory=dict)
    counts: Counter = field(default_factory=Counter)
    totals: Counter = field(default_factory=Counter)
    per_department: Counter = field(default_factory=Counter)


class BudgetImport(ImportKind):
    name = "budget"
    label = "予算（財務会計システム）"
    fields = (
        FieldSpec("fiscal_year", "年度", "text", required=True, max_length=12, help="2025 / 令和7 / R7"),
        FieldSpec("account_code", "会計", "code", required=True, max_length=CODE_MAX),
        FieldSpec("account_name", "会計名", "name", max_length=NAME_MAX),
        FieldSpec("chapter_code", "款", "code", required=True, max_length=CODE_MAX),
        FieldSpec("chapter_name", "款名", "name", max_length=NAME_MAX),
        FieldSpec("section_code", "項", "code", required=True, max_length=CODE_MAX),
        FieldSpec("section_name", "項名", "name", max_length=NAME_MAX),
        FieldSpec("item_code", "目", "code", required=True, max_length=CODE_MAX),
        FieldSpec("item_name", "目名", "name", max_length=NAME_MAX),
        FieldSpec("project_code", "事業", "code", max_length=CODE_MAX, help="事業のない科目は空欄"),
        FieldSpec("project_name", "事業名", "name", max_length=NAME_MAX),
        FieldSpec("subitem_code", "節", "code", required=True, max_length=CODE_MAX),
        FieldSpec("subitem_name", "節名", "name", max_length=NAME_MAX),
        FieldSpec("detail_code", "細節", "code", max_length=CODE_MAX, help="細節のない科目は空欄"),
        FieldSpec("detail_name", "細節名", "name", max_length=NAME_MAX),
        FieldSpec("department_code", "所管課コード", "code", required=True, max_length=20, help="部署コード"),
        FieldSpec("department_name", "所管課名", "name", max_length=100, help="確認用（取り込みません）"),
        FieldSpec("current_amount", "予算現額", "amount", required=True),
        FieldSpec("allotted_amount", "配当額", "amount"),
        FieldSpec("executed_amount", "執行済額", "amount", required=True, help="支出負担行為額"),
        FieldSpec("remaining_amount", "執行残額", "amount", required=True, help="予算現額 − 執行済額"),
    )
    key_fields = ("fiscal_year", "account_code", "chapter_code", "section_code", "item_code", "project_code",
                  "subitem_code", "detail_code", "department_code")
    builtin_profiles = {
        "財務会計（標準）": {
            "description": "財務会計システムの予算執行状況（見出し行あり、文字コード自動判定）。項名・目名・事業・細節・"
                           "配当額などの列はなくても読めます",
            "encoding": "auto", "has_header": True,
            "columns": {spec.name: spec.label for spec in fields},
            "keys": list(key_fields),
        },
    }

    def can_import(self, actor) -> bool:
        return can_import_budget(actor)

    def begin(self, session, actor) -> BudgetContext:
        departments = {d.code: d for d in session.scalars(select(Department))}
        return BudgetContext(session, actor, BulkWriter(session, actor), departments)

    # --- checking -----------------------------------------------------------------------------------

    def check(self, ctx: BudgetContext, values: dict) -> None:
        values["fiscal_year"] = parse_fiscal_year(values["fiscal_year"])
        for code in ("project_code", "detail_code"):
            values[code] = values.get(code) or ""
        department = self._department(ctx, values["department_code"])
        errors = check_amounts(values["current_amount"], values["executed_amount"], values["remaining_amount"],
                               values.get("allotted_amount"))
        if errors:
            name, messages = next(iter(errors.items()))
            raise RowRejected(messages[0], COLUMN[name])
        key = self._key(values, department)
        first = ctx.rows.setdefault(key, values["_row"])
        if first != values["_row"]:
            raise RowRejected(f"同じ予算科目（年度・会計・款・項・目・事業・節・細節・所管課）の行が {first} 行目にもあります。",
                              "年度")
        values["department"] = department

    @staticmethod
    def _department(ctx: BudgetContext, code: str) -> Department:
        department = ctx.departments.get(code)
        if department is None:
            department = next((d for c, d in ctx.departments.items() if c.lower() == code.lower()), None)
        if department is None:
            raise RowRejected(f"所管課コード「{code}」の部署は登録されていません。「部署」の画面（または職員の取込）で"
                              "部署を登録してから取り込んでください。", "所管課コード")
        if not department.is_active:
            raise RowRejected(f"所管課コード「{code}」の部署（{department.name}）は無効になっています。", "所管課コード")
        return department

    @staticmethod
    def _key(values: dict, department: Department) -> tuple:
        return tuple(values[f] for f in KEY_FIELDS[:-1]) + (department.id,)

    # --- comparing ----------------------------------------------------------------------------------

    def prefetch(self, ctx: BudgetContext, rows: list[dict]) -> None:
        """The stored lines of a chunk of rows, in one query (their 年度・会計・款 and 所管課, filtered to the keys)."""
        ctx.writer.write()
        keys = {self._key(values, values["department"]) for values in rows}
        ctx.writer.load(BudgetLine, {line.key: line for line in lines_with_keys(ctx.session, keys)})

    def compare(self, ctx: BudgetContext, values: dict) -> str:
        department = values["department"]
        key = self._key(values, department)
        line = ctx.writer.get(BudgetLine, key)
        if line is None:
            status = "new"
        else:
            changed = line.absent_since is not None or any(
                values.get(f) and getattr(line, f) != values[f] for f in NAME_FIELDS) or any(
                f in values and getattr(line, f) != values[f] for f in AMOUNT_FIELDS)
            status = "updated" if changed else "unchanged"
        ctx.seen[key] = status
        group = f"{jp.fiscal_year_label(values['fiscal_year'], 'seireki')} {values['account_code']}" + (
            f" {values['account_name']}" if values.get("account_name") else "")
        ctx.counts[group] += 1
        ctx.totals[group] += values["current_amount"]
        ctx.per_department[f"{department.code} {department.name}"] += 1
        return status

    def summarize(self, ctx: BudgetContext) -> dict:
        """The verification checklist: lines and 予算現額 per 年度・会計, lines per 所管課, and the stored lines of the
        file's 年度 that the file does not hold (flagged 「最新の取込になし」 by a committed import)."""
        summary = {"年度・会計別の科目数": dict(ctx.counts), "年度・会計別の予算現額（円）": dict(ctx.totals),
                   "所管課別の科目数": dict(sorted(ctx.per_department.items()))}
        absent = self._absent(ctx)
        summary["今回のファイルにない科目（取り込むと印を付けます）"] = {"科目数": len(absent)}
        if absent:
            listed = {f"{jp.fiscal_year_label(line.fiscal_year, 'seireki')} {line.account_code} {line.title}"
                      f"（{line.department.name}）": line.current_amount for line in absent[:ABSENT_LISTED]}
            more = f"、最初の {ABSENT_LISTED} 科目" if len(absent) > ABSENT_LISTED else ""
            summary[f"今回のファイルにない科目の予算現額（円{more}）"] = listed
        return summary

    @staticmethod
    def _absent(ctx: BudgetContext) -> list[BudgetLine]:
        years = {key[0] for key in ctx.seen}
        if not years:
            return []
        stored = stored_keys(ctx.session, years)
        ids = [line_id for key, line_id in stored.items() if key not in ctx.seen]
        return lines_by_ids(ctx.session, ids)

    # --- writing ------------------------------------------------------------------------------------

    def apply(self, ctx: BudgetContext, values: dict, status: str) -> None:
        import_budget_line(ctx.writer, values["department"], values)

    def flush(self, ctx: BudgetContext) -> None:
        ctx.writer.write()

    def finish(self, session, actor, ctx: BudgetContext, batch, report) -> None:
        """Keep each line's import history (new and updated lines with their amounts), then flag the stored lines
        of the file's 年度 it does not hold. A file imported without its rejected rows flags nothing: a rejected
        row's line is in the file, so its absence proves nothing."""
        years = {key[0] for key in ctx.seen}
        changed = {key: status for key, status in ctx.seen.items() if status != "unchanged"}
        if changed:
            stored = stored_keys(session, years, amounts=True)
            record_line_imports(session, actor, batch, [
                {"line_id": stored[key][0], "event": status, **dict(zip(AMOUNT_FIELDS, stored[key][1:], strict=True))}
                for key, status in changed.items()])
        if report.rejected_rows:
            skipped = len(self._absent(ctx))
            report.summary["「最新の取込になし」の印"] = {"不正な行を除いて取り込んだため付けなかった科目": skipped}
            return
        day = to_jst(batch.started_at).date()
        flagged = flag_absent_lines(session, actor, batch, self._absent(ctx), day)
        report.summary["「最新の取込になし」の印"] = {"今回付けた科目": flagged}

