"""History snapshots and labels of the qualification tables: one definition, used by the services, the
legacy import and the 履歴 tab. ``register_labels`` is called by ``registry.init_app``."""

from __future__ import annotations

from core.audit.queries import register_operations
from core.history import register_fields
from registry.contractors.models import CATEGORIES

from .common import iso as _iso
from .models import JVMember, KeishinScore, Permit, RegisteredWorkType, Registration, Technician
from .permits.numbers import AUTHORITIES, GRADE_LABELS


def permit_snapshot(p: Permit) -> dict:
    return {"contractor_id": p.contractor_id, "work_type_code": p.work_type_code, "authority": p.authority,
            "prefecture": p.prefecture, "grade": p.grade, "permit_year": p.permit_year,
            "permit_number": p.permit_number, "office": p.office, "granted_on": _iso(p.granted_on),
            "expires_on": _iso(p.expires_on)}


def keishin_snapshot(k: KeishinScore) -> dict:
    return {"contractor_id": k.contractor_id, "work_type_code": k.work_type_code, "base_date": _iso(k.base_date),
            "x1": k.x1, "x2": k.x2, "y": k.y, "z": k.z, "w": k.w, "p_entered": k.p_entered,
            "p_computed": k.p_computed, "valid_until": _iso(k.valid_until)}


def registration_snapshot(r: Registration) -> dict:
    return {"contractor_id": r.contractor_id, "category": r.category, "period_start": _iso(r.period_start),
            "period_end": _iso(r.period_end)}


def work_type_snapshot(w: RegisteredWorkType) -> dict:
    return {"registration_id": w.registration_id, "work_type_code": w.work_type_code,
            "objective_points": w.objective_points, "subjective_points": w.subjective_points,
            "performance_points": w.performance_points, "performance_basis": w.performance_basis, "rank": w.rank,
            "rank_confirmed_at": w.rank_confirmed_at.isoformat(timespec="seconds") if w.rank_confirmed_at else None}


def technician_snapshot(t: Technician) -> dict:
    return {"contractor_id": t.contractor_id, "name": t.name, "name_kana": t.name_kana,
            "qualifications": t.qualifications, "employed_since": _iso(t.employed_since), "is_active": t.is_active}


def jv_member_snapshot(m: JVMember) -> dict:
    return {"jv_id": m.jv_id, "member_id": m.member_id, "share_percent": str(m.share_percent),
            "is_representative": m.is_representative}


# --- how stored ids and figures read on the 履歴 tab (the snapshot keeps ids and plain numbers) -----------------

def _firm(firm_id) -> str:
    """A firm id as 「100003 有限会社和田設備」 (the identity map serves every row of one firm from one read)."""
    from core.db import db
    from registry.contractors.models import Contractor

    firm = db.session.get(Contractor, firm_id)
    return f"{firm.number} {firm.name}" if firm else f"（削除された業者 #{firm_id}）"


def _registration(registration_id) -> str:
    """A registration id as 「建設工事 令和7年4月1日〜令和9年3月31日」."""
    from core.db import db
    from core.jp import format_date

    r = db.session.get(Registration, registration_id)
    if r is None:
        return f"（削除された資格登録 #{registration_id}）"
    return f"{r.category_label} {format_date(r.period_start)}〜{format_date(r.period_end)}"


def _work_type(code) -> str:
    from core.db import db

    from .common import work_type_title

    return work_type_title(db.session, code)


def _figure(value):
    from core.jp import format_number

    return format_number(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _timestamp(value) -> str:
    from core.display import stored_datetime

    return stored_datetime(value)


_FIRM = {"contractor_id": _firm, "work_type_code": _work_type}


def register_labels() -> None:
    """Field labels, value formatters and snapshots for the 履歴 tab; operation labels for the audit log."""
    register_fields("construction_permits", {
        "contractor_id": "業者", "work_type_code": "業種", "authority": "許可権者", "prefecture": "都道府県", "grade": "般/特",
        "permit_year": "許可年", "permit_number": "許可番号", "office": "振興局", "granted_on": "許可日",
        "expires_on": "有効期限"},
        {"authority": lambda v: AUTHORITIES.get(v, v), "grade": lambda v: GRADE_LABELS.get(v, v), **_FIRM},
        snapshot=(Permit, permit_snapshot))
    register_fields("keishin_scores", {
        "contractor_id": "業者", "work_type_code": "業種", "base_date": "審査基準日", "x1": "X1", "x2": "X2", "y": "Y",
        "z": "Z", "w": "W", "p_entered": "P（通知書）", "p_computed": "P（計算値）", "valid_until": "有効期限"},
        {**_FIRM, **dict.fromkeys(("x1", "x2", "y", "z", "w", "p_entered", "p_computed"), _figure)},
        snapshot=(KeishinScore, keishin_snapshot))
    register_fields("contractor_registrations", {
        "contractor_id": "業者", "category": "区分", "period_start": "有効期間の始期", "period_end": "有効期間の終期"},
        {"category": lambda v: CATEGORIES.get(v, v), "contractor_id": _firm},
        snapshot=(Registration, registration_snapshot))
    register_fields("registered_work_types", {
        "registration_id": "資格登録", "work_type_code": "業種", "objective_points": "客観点", "subjective_points": "主観点",
        "performance_points": "主観点（工事成績）", "performance_basis": "工事成績の主観点の根拠", "rank": "等級",
        "rank_confirmed_at": "等級の確定日時"},
        {"registration_id": _registration, "work_type_code": _work_type, "objective_points": _figure,
         "subjective_points": _figure, "performance_points": _figure, "rank_confirmed_at": _timestamp},
        snapshot=(RegisteredWorkType, work_type_snapshot))
    register_fields("technicians", {
        "contractor_id": "業者", "name": "氏名", "name_kana": "フリガナ", "qualifications": "資格",
        "employed_since": "雇用開始日", "is_active": "在籍"}, {"contractor_id": _firm},
        snapshot=(Technician, technician_snapshot))
    register_fields("jv_members", {
        "jv_id": "共同企業体", "member_id": "構成員", "share_percent": "出資比率（%）", "is_representative": "代表者"},
        {"jv_id": _firm, "member_id": _firm}, snapshot=(JVMember, jv_member_snapshot))

    register_operations({
        "registry.permit.save": "建設業許可の登録・変更",
        "registry.keishin.add": "経審の登録",
        "registry.keishin.correct": "経審の訂正",
        "registry.registration.create": "資格登録",
        "registry.registration.update": "資格登録の変更",
        "registry.work_type.add": "登録業種の追加",
        "registry.work_type.remove": "登録業種の削除",
        "registry.work_type.points": "客観点・主観点の変更",
        "registry.work_type.performance": "工事成績による主観点の更新",
        "registry.rank.confirm": "格付の確定",
        "registry.technician.create": "技術者の登録",
        "registry.technician.update": "技術者の変更",
        "registry.technician.deactivate": "技術者の無効化",
        "registry.technician.reactivate": "技術者の再有効化",
        "registry.jv.create": "共同企業体の登録",
        # The legacy import (registry.contractors.importers) writes the same records under its own operations.
        "contractor.import_registration": "資格の登録（取込）",
        "contractor.import_work_type": "業種の登録（取込）",
        "contractor.import_permit": "建設業許可の登録（取込）",
    }, {"construction_permits": "建設業許可", "keishin_scores": "経審", "contractor_registrations": "資格登録",
        "registered_work_types": "登録業種", "technicians": "技術者", "jv_members": "共同企業体の構成員"})
