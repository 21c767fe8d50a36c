"""Joint-venture services: register a 共同企業体 with its member firms and shares."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import ValidationFailed
from core.history import record_change
from core.jp import normalize_name, search_key
from registry.contractors.models import Contractor
from registry.contractors.numbering import next_contractor_number
from registry.contractors.services import contractor_snapshot

from ..common import add_error, check_editor
from ..history import jv_member_snapshot
from ..models import JVMember


@dataclass
class MemberShare:
    member_id: int
    share_percent: Decimal | str | int
    is_representative: bool = False


def create_jv(session: Session, actor, *, name: str, members: list[MemberShare], number: str | None = None,
              note: str | None = None) -> Contractor:
    """Register a 共同企業体 as a registry entity with its member firms: shares (%) sum to 100, exactly one
    representative, members are active firms that are not JVs themselves. The JV takes the representative's area;
    without ``number`` it gets the next 業者番号."""
    check_editor(actor)
    errors: dict[str, list[str]] = {}
    number = (number or "").strip() or next_contractor_number(session, "construction")
    name = normalize_name(name or "") if (name or "").strip() else ""
    if not number:
        add_error(errors, "number", "業者番号を入力してください。")
    elif len(number) > 20:
        add_error(errors, "number", "業者番号は 20 文字以内で入力してください。")
    elif session.scalar(select(Contractor.id).where(Contractor.number == number)):
        add_error(errors, "number", f"業者番号 {number} は使われています。")
    if not name:
        add_error(errors, "name", "共同企業体の名称を入力してください。")
    elif len(name) > 200:
        add_error(errors, "name", "名称は 200 文字以内で入力してください。")
    members = [m for m in members if m.member_id]
    if len(members) < 2:
        add_error(errors, "members", "構成員を 2 社以上選んでください。")
    ids = [m.member_id for m in members]
    if len(set(ids)) != len(ids):
        add_error(errors, "members", "同じ業者が 2 回選ばれています。")
    firms: dict[int, Contractor] = {}
    total = Decimal(0)
    for m in members:
        firm = session.get(Contractor, m.member_id)
        if firm is None or firm.status != "active" or firm.is_jv:
            why = "共同企業体" if firm is not None and firm.is_jv else "有効な業者ではない"
            add_error(errors, "members", f"構成員（ID {m.member_id}）は有効な単体の業者ではありません。"
                 if firm is None else f"{firm.name} は{why}ため構成員にできません。")
            continue
        firms[m.member_id] = firm
        try:
            share = Decimal(str(m.share_percent).strip().rstrip("%"))
        except (InvalidOperation, ValueError):
            add_error(errors, "members", f"{firm.name} の出資比率を数値で入力してください。")
            continue
        if not Decimal(0) < share <= Decimal(100) or share != share.quantize(Decimal("0.01")):
            add_error(errors, "members", f"{firm.name} の出資比率は 0 より大きく 100 以下（小数第 2 位まで）で入力してください。")
            continue
        m.share_percent = share
        total += share
    if members and "members" not in errors and total != Decimal(100):
        add_error(errors, "members", f"出資比率の合計が 100% になりません（合計 {total.normalize():f}%）。")
    reps = sum(1 for m in members if m.is_representative)
    if members and reps != 1:
        add_error(errors, "representative", "代表者を 1 社だけ選んでください。")
    if errors:
        raise ValidationFailed(errors)
    representative = firms[next(m.member_id for m in members if m.is_representative)]
    jv = Contractor(number=number, name=name, search_key=search_key(name), legal_form="corporation", is_jv=True,
                    area=representative.area, status="active", note=(note or "").strip() or None,
                    representative_name=representative.name)
    session.add(jv)
    session.flush()
    record_change(session, actor, "registry.jv.create", f"共同企業体 {name}（{number}）", target=jv, before=None,
                  after=contractor_snapshot(jv))
    for m in members:
        row = JVMember(jv_id=jv.id, member_id=m.member_id, share_percent=m.share_percent,
                       is_representative=m.is_representative)
        session.add(row)
        session.flush()
        record_change(session, actor, "registry.jv.create",
                      f"共同企業体 {name} の構成員 {firms[m.member_id].name} {m.share_percent}%"
                      f"{'（代表者）' if m.is_representative else ''}", target=row, before=None,
                      after=jv_member_snapshot(row))
    session.refresh(jv, ["jv_members"])
    return jv
