"""Import kind ``contractors``: the legacy system's contractor export (SPEC CM12), one row per firm and 業種.

Rows of one 業者番号 merge into one ``Contractor`` with one ``Registration`` per category for the current
qualification period, one ``RegisteredWorkType`` per 業種 (格付 → rank, 総合評定値 → objective points) and,
for construction rows, one ``Permit`` per 業種. Firm-level columns must agree across a firm's rows; the later
conflicting row is rejected. Re-importing the same file changes nothing; a corrected row changes only what
differs. Nothing is deleted: a 業種 missing from a later file stays registered.

The kind reads, checks, compares and maps; the writes are the aggregates' own services
(``registry.contractors.services.import_contractor``, ``registry.qualifications.ranks.services.import_registration``
and ``import_work_type``, ``registry.qualifications.permits.services.import_permit``), which keep record history.
They share one ``core.history.BulkWriter``: the records of a chunk of rows are loaded in ``prefetch`` with one
query per table (no per-row queries), the changes are queued and their history written after one flush per
``FLUSH_EVERY`` firms and whenever the runner asks (``flush``: every chunk of rows and after the last), and
the written records are then let go and loaded again by id when a later row needs them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from core.history import BulkWriter
from core.importing.kinds import FieldSpec, ImportKind, RowRejected
from core.rules import get_rule
from core.timefmt import today
from registry.codes import derive_area_by_rule, work_types
from registry.permissions import can_edit_registry
from registry.qualifications.models import Permit, RegisteredWorkType, Registration
from registry.qualifications.permits.numbers import parse_permit
from registry.qualifications.permits.services import import_permit
from registry.qualifications.ranks.periods import period_containing
from registry.qualifications.ranks.services import import_registration, import_work_type
from registry.rules import RANK_CHOICES

from .models import AREAS, CATEGORIES, Contractor
from .services import import_contractor
from .validation import EDITABLE, FIELD_LABELS, validate_firm_fields

CATEGORY_BY_LABEL = {label: code for code, label in CATEGORIES.items()}
AREA_BY_LABEL = {label: code for code, label in AREAS.items()}
RANKS = {code for code, _ in RANK_CHOICES}
LEGACY_AREA_REASON = "旧システムの地域区分を引き継ぎ"
#: Pending history is written after a flush every this many firms (and after the last row).
FLUSH_EVERY = 500

#: Firm-level fields: they must agree across a firm's rows (field → label in rejection messages).
FIRM_FIELDS = {
    "name": "商号", "corporate_number": "法人番号", "representative_title": "代表者役職",
    "representative_name": "代表者氏名", "postal_code": "郵便番号", "address": "所在地", "phone": "電話番号",
    "area": "地域区分",
}


@dataclass
class ContractorsContext:
    session: object
    actor: object
    work_types: dict
    area_rule: dict
    period: tuple[date, date]
    #: The records of the current chunk of rows (``prefetch``) and the services' pending writes. Keys:
    #: firms by 業者番号, registrations by (業者番号, category), 業種 by (業者番号, category, code), permits by
    #: (業者番号, code).
    writer: BulkWriter
    #: 業者番号 → (row number, hashes of the firm-level values) of the firm's first valid row in this file:
    #: hashes, not the values, so 100,000 firms stay small (the hash differs whenever the text does).
    file_firms: dict[str, tuple[int | None, tuple]] = field(default_factory=dict)
    compared_firms: set[str] = field(default_factory=set)
    synced_firms: set[str] = field(default_factory=set)
    firms_since_flush: int = 0
    # Verification checklist: firms and rows per category, firms per area, rows per 業種.
    category_firms: dict[str, set] = field(default_factory=lambda: defaultdict(set))
    category_rows: Counter = field(default_factory=Counter)
    area_firms: dict[str, set] = field(default_factory=lambda: defaultdict(set))
    work_type_counts: Counter = field(default_factory=Counter)
    area_overrides: set[str] = field(default_factory=set)


class ContractorsImport(ImportKind):
    name = "contractors"
    label = "業者（旧システムからの移行）"
    fields = (
        FieldSpec("number", "業者番号", "code", required=True, max_length=20),
        FieldSpec("category", "区分", "name", required=True, help="建設工事 / 測量・建設コンサルタント / 物品"),
        FieldSpec("name", "商号又は名称", "name", required=True, max_length=200),
        FieldSpec("corporate_number", "法人番号", "code", max_length=20, help="個人の業者は空欄"),
        FieldSpec("representative_title", "代表者役職", "name", max_length=100),
        FieldSpec("representative_name", "代表者氏名", "name", max_length=100),
        FieldSpec("postal_code", "郵便番号", "code", max_length=10),
        FieldSpec("address", "所在地", "name", max_length=300),
        FieldSpec("phone", "電話番号", "code", max_length=20),
        FieldSpec("area", "地域区分", "name", required=True, help="市内 / 準市内 / 市外"),
        FieldSpec("permit", "建設業許可番号", "text", max_length=60, help="建設工事の行は必須"),
        FieldSpec("work_type_code", "業種コード", "code", required=True, max_length=10),
        FieldSpec("work_type_name", "業種名", "name", max_length=60, help="確認用（取り込みません）"),
        FieldSpec("rank", "格付", "code", max_length=4),
        FieldSpec("objective_points", "総合評定値", "int"),
    )
    key_fields = ("number", "work_type_code")
    builtin_profiles = {
        "旧システム": {
            "description": "旧システムの業者一覧（1 行 = 業者 × 業種、CP932、見出し行あり）",
            "encoding": "cp932", "has_header": True,
            "columns": {"number": "業者番号", "category": "区分", "name": "商号又は名称", "corporate_number": "法人番号",
                        "representative_title": "代表者役職", "representative_name": "代表者氏名",
                        "postal_code": "郵便番号", "address": "所在地", "phone": "電話番号", "area": "地域区分",
                        "permit": "建設業許可番号", "work_type_code": "業種コード", "work_type_name": "業種名",
                        "rank": "格付", "objective_points": "総合評定値"},
            "keys": ["number", "work_type_code"],
        },
    }

    def can_import(self, actor) -> bool:
        return actor is None or can_edit_registry(actor)

    # --- loading ------------------------------------------------------------------------------------

    def begin(self, session, actor) -> ContractorsContext:
        day = today()
        return ContractorsContext(session, actor, work_types(session, day), get_rule(session, "registry.area", day),
                                  period_containing(session, day), BulkWriter(session, actor))

    def prefetch(self, ctx: ContractorsContext, rows: list[dict]) -> None:
        """The stored firms of a chunk of rows with their registrations of the current period, 業種 and permits
        (one query per table); the previous chunk's records are let go (written ones were flushed first)."""
        self._write_history(ctx)
        numbers = sorted({values["number"] for values in rows})
        session = ctx.session
        contractors = {c.number: c for c in session.scalars(select(Contractor).where(Contractor.number.in_(numbers)))}
        number_of = {c.id: c.number for c in contractors.values()}
        ids = list(number_of)
        registrations = {}
        for r in session.scalars(select(Registration).where(Registration.contractor_id.in_(ids),
                                                            Registration.period_start == ctx.period[0])):
            registrations[(number_of[r.contractor_id], r.category)] = r
        category_of = {r.id: key for key, r in registrations.items()}
        work_type_rows = {}
        if category_of:
            for w in session.scalars(select(RegisteredWorkType).where(
                    RegisteredWorkType.registration_id.in_(list(category_of)))):
                number, category = category_of[w.registration_id]
                work_type_rows[(number, category, w.work_type_code)] = w
        permits = {(number_of[p.contractor_id], p.work_type_code): p
                   for p in session.scalars(select(Permit).where(Permit.contractor_id.in_(ids)))}
        for model, records in ((Contractor, contractors), (Registration, registrations),
                               (RegisteredWorkType, work_type_rows), (Permit, permits)):
            ctx.writer.load(model, records)

    # --- checking -----------------------------------------------------------------------------------

    def check(self, ctx: ContractorsContext, values: dict) -> None:
        category = CATEGORY_BY_LABEL.get(values["category"])
        if category is None:
            raise RowRejected(f"区分「{values['category']}」は不明です（{' / '.join(CATEGORY_BY_LABEL)} のいずれか）。", "区分")
        values["category"] = category
        area = AREA_BY_LABEL.get(values["area"])
        if area is None:
            raise RowRejected(f"地域区分「{values['area']}」は不明です（{' / '.join(AREA_BY_LABEL)} のいずれか）。", "地域区分")
        values["area"] = area
        self._check_firm_fields(ctx, values)
        code = values["work_type_code"]
        work_type = ctx.work_types.get(code)
        if work_type is None:
            raise RowRejected(f"業種コード「{code}」はコード表にありません。", "業種コード")
        if work_type.category != category:
            raise RowRejected(f"業種コード「{code}」（{work_type.title}）は{CATEGORIES[work_type.category]}の業種です"
                              f"（この行の区分は{CATEGORIES[category]}）。", "業種コード")
        rank = values.get("rank")
        if rank and rank.upper() not in RANKS:
            raise RowRejected(f"格付「{rank}」は不明です（{'・'.join(sorted(RANKS))} のいずれか）。", "格付")
        values["rank"] = rank.upper() if rank else None
        points = values.get("objective_points")
        if points is not None and not 0 <= points <= 5000:
            raise RowRejected(f"総合評定値 {points} は 0〜5000 の範囲外です。", "総合評定値")
        values["permit_parsed"] = None
        if category == "construction":
            if not values.get("permit"):
                raise RowRejected("建設工事の行には建設業許可番号が必要です。", "建設業許可番号")
            try:
                values["permit_parsed"] = parse_permit(values["permit"])
            except ValueError as exc:
                raise RowRejected(str(exc), "建設業許可番号") from None
        firm = tuple(hash(values.get(f) or None) for f in FIRM_FIELDS)
        first = ctx.file_firms.get(values["number"])
        if first is None:
            ctx.file_firms[values["number"]] = (values.get("_row"), firm)
            return
        fields = list(FIRM_FIELDS)
        differing = [i for i, h in enumerate(firm) if first[1][i] != h]
        if differing:
            where = f"{first[0]} 行目" if first[0] else "先の行"
            column = self.field(fields[differing[0]]).label
            differing = [FIRM_FIELDS[fields[i]] for i in differing]
            raise RowRejected(f"同じ業者番号の {where}と {'・'.join(differing)} が異なります。", column)

    def _check_firm_fields(self, ctx: ContractorsContext, values: dict) -> None:
        """The firm's fields by the registry's own rules (``validate_firm_fields``, as on the screens and the
        portal), normalised in place; the first problem rejects the row naming its column. The duplicate
        法人番号 check is left out: the legacy data is the registry being migrated."""
        firm = {f: values.get(f) for f in EDITABLE}
        firm["legal_form"] = "corporation" if values.get("corporate_number") else "individual"
        errors = validate_firm_fields(ctx.session, firm, None, check_duplicate=False)
        if errors:
            field, messages = next(iter(errors.items()))
            column = self.field(field).label if any(f.name == field for f in self.fields) else FIELD_LABELS[field]
            raise RowRejected(messages[0], column)
        for field in FIRM_FIELDS:
            if field in firm:
                values[field] = firm[field]

    # --- comparing ----------------------------------------------------------------------------------

    def _firm_target(self, ctx: ContractorsContext, values: dict, current: Contractor | None) -> dict:
        area = values["area"]
        derived = derive_area_by_rule(ctx.area_rule, (current.branch_address if current else None) or values.get("address"))
        if area == derived:
            reason = None
        elif current is not None and current.area == area and current.area_override_reason:
            reason = current.area_override_reason
        else:
            reason = LEGACY_AREA_REASON
        target = {f: values.get(f) or None for f in FIRM_FIELDS if f != "area"}
        target.update(area=area, area_override_reason=reason,
                      legal_form="corporation" if values.get("corporate_number") else "individual")
        return target

    @staticmethod
    def _permit_target(values: dict) -> dict | None:
        p = values.get("permit_parsed")
        if p is None:
            return None
        return {"authority": p.authority, "prefecture": p.prefecture, "grade": p.grade, "permit_year": p.year,
                "permit_number": p.number, "office": p.office}

    def compare(self, ctx: ContractorsContext, values: dict) -> str:
        number, category, code = values["number"], values["category"], values["work_type_code"]
        self._count(ctx, values)
        first_row_of_firm = number not in ctx.compared_firms
        ctx.compared_firms.add(number)
        contractor = ctx.writer.get(Contractor, number)
        wt = ctx.writer.get(RegisteredWorkType, (number, category, code))
        if contractor is None or wt is None:
            status = "new"
        else:
            changed = (wt.rank, wt.objective_points) != (values["rank"], values.get("objective_points"))
            permit_target = self._permit_target(values)
            if permit_target is not None:
                permit = ctx.writer.get(Permit, (number, code))
                changed = changed or permit is None or any(getattr(permit, k) != v for k, v in permit_target.items())
            if first_row_of_firm:
                target = self._firm_target(ctx, values, contractor)
                changed = changed or any(getattr(contractor, k) != v for k, v in target.items())
            status = "updated" if changed else "unchanged"
        return status

    @staticmethod
    def _count(ctx: ContractorsContext, values: dict) -> None:
        number, category = values["number"], values["category"]
        ctx.category_firms[category].add(number)
        ctx.category_rows[category] += 1
        ctx.area_firms[values["area"]].add(number)
        ctx.work_type_counts[values["work_type_code"]] += 1

    def summarize(self, ctx: ContractorsContext) -> dict:
        """The verification checklist over the valid rows: firms and rows per category, firms per area
        (旧システムの地域区分), rows per 業種."""
        return {
            "業者数": {"全体": len(ctx.compared_firms)},
            "区分別の業者数": {CATEGORIES[c]: len(ctx.category_firms[c]) for c in CATEGORIES if ctx.category_rows[c]},
            "区分別の行数": {CATEGORIES[c]: ctx.category_rows[c] for c in CATEGORIES if ctx.category_rows[c]},
            "地域区分別の業者数": {AREAS[a]: len(ctx.area_firms[a]) for a in AREAS if ctx.area_firms[a]},
            "業種別の行数": {f"{code} {ctx.work_types[code].title}": n
                          for code, n in sorted(ctx.work_type_counts.items())},
        }

    # --- writing ------------------------------------------------------------------------------------

    def apply(self, ctx: ContractorsContext, values: dict, status: str) -> None:
        number, category, code = values["number"], values["category"], values["work_type_code"]
        contractor = self._sync_firm(ctx, values)
        registration = import_registration(ctx.writer, contractor, category=category, period=ctx.period)
        import_work_type(ctx.writer, registration, number=number, work_type_code=code, rank=values["rank"],
                         objective_points=values.get("objective_points"))
        permit_target = self._permit_target(values)
        if permit_target is not None:
            import_permit(ctx.writer, contractor, work_type_code=code, fields=permit_target)
        if ctx.firms_since_flush >= FLUSH_EVERY:
            self._write_history(ctx)

    def flush(self, ctx: ContractorsContext) -> None:
        self._write_history(ctx)

    def _sync_firm(self, ctx: ContractorsContext, values: dict) -> Contractor:
        """The firm of the row, created or brought up to date once per file."""
        number = values["number"]
        contractor = ctx.writer.get(Contractor, number)
        if number in ctx.synced_firms:
            return contractor
        ctx.synced_firms.add(number)
        ctx.firms_since_flush += 1
        return import_contractor(ctx.writer, number, self._firm_target(ctx, values, contractor))

    @staticmethod
    def _write_history(ctx: ContractorsContext) -> None:
        """The queued writes and their history (one flush); the written records are then let go, so a 7,000-firm
        file does not hold every firm, registration, 業種 and permit in memory at once."""
        ctx.writer.write()
        ctx.firms_since_flush = 0
