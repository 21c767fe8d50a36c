"""Forms of the contractor registry: 業者台帳 (one firm), 有資格者名簿 and 指名停止一覧 (the public list)."""

from __future__ import annotations

from datetime import date

from core.auth.roles import Role
from core.errors import ValidationFailed
from core.jp import format_date, format_number
from registry.codes import work_types
from registry.contractors import queries
from registry.contractors.models import CATEGORIES, LEGAL_FORMS
from registry.qualifications.permits.numbers import format_permit
from registry.rules import RANK_CHOICES
from registry.suspensions import queries as suspensions
from registry.suspensions.periods import cause_label

from . import register
from .base import Column, Document, Param, ReportDefinition, label_for, period_check, today

VIEW = frozenset({Role.SYSTEM_ADMIN, Role.CONTRACT_STAFF, Role.DEPARTMENT_STAFF, Role.INSPECTOR, Role.VIEWER})
CATEGORY_CHOICES = tuple(CATEGORIES.items())
SUSPENSION_MAX_DAYS = 1827  # 5 years


def _period(start: date, end: date) -> str:
    return f"{format_date(start)}〜{format_date(end)}"


def _percent(value) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _join(*parts) -> str:
    return " ".join(str(p) for p in parts if p)


# --- 業者台帳 ------------------------------------------------------------------------------------------

def build_ledger(session, params: dict, actor) -> Document:
    number = params["number"]
    contractor = queries.find_by_number(session, number)
    if contractor is None:
        raise ValidationFailed({"number": [f"業者番号「{number}」の業者は登録されていません。"]})
    day = today()
    codes = work_types(session, day)

    def title(code: str) -> str:
        wt = codes.get(code)
        return f"{code} {wt.title}" if wt else code

    c = contractor
    rows: list[list] = []

    def add(section: str, item: str, value) -> None:
        rows.append([section, item, value if value not in (None, "") else "—"])

    add("基本情報", "業者番号", c.number)
    add("基本情報", "商号又は名称", c.name)
    add("基本情報", "フリガナ", c.name_kana)
    add("基本情報", "法人・個人", LEGAL_FORMS.get(c.legal_form, c.legal_form))
    if c.legal_form == "corporation":
        add("基本情報", "法人番号", c.corporate_number)
    add("基本情報", "代表者", _join(c.representative_title, c.representative_name))
    add("基本情報", "所在地", _join(f"〒{c.postal_code}" if c.postal_code else "", c.address))
    add("基本情報", "電話番号", c.phone)
    add("基本情報", "メールアドレス", c.email)
    if c.branch_name:
        add("受任者", "受任者（支店・営業所）", c.branch_name)
        add("受任者", "受任者の代表者", _join(c.branch_representative_title, c.branch_representative_name))
        add("受任者", "受任者の所在地", _join(f"〒{c.branch_postal_code}" if c.branch_postal_code else "",
                                        c.branch_address))
        add("受任者", "受任者の電話番号", c.branch_phone)
    area = c.area_label + (f"（判定と異なる区分: {c.area_override_reason}）" if c.area_override_reason else "")
    add("基本情報", "地域区分", area)
    add("基本情報", "状態", c.status_label + (f"（{c.status_reason}）" if c.status_reason else ""))
    if c.is_jv:
        members = [f"{m.member.number} {m.member.name} {_percent(m.share_percent)}%"
                   + ("（代表者）" if m.is_representative else "") for m in c.jv_members]
        add("共同企業体", "構成員", "\n".join(members))

    registrations = sorted(c.registrations, key=lambda r: (r.period_start, r.category), reverse=True)
    if not registrations:
        add("入札参加資格", "登録", "なし")
    for r in registrations:
        lines = []
        for w in r.work_types:
            points = f"総合点 {format_number(w.total_points)}" if w.total_points is not None else ""
            lines.append(_join(title(w.work_type_code), f"等級 {w.rank}" if w.rank else "等級 未格付", points))
        add("入札参加資格", f"{r.category_label}\n{_period(r.period_start, r.period_end)}", "\n".join(lines) or "業種なし")

    if not c.permits:
        add("建設業許可", "許可", "なし")
    for p in c.permits:
        valid = f"（{_period(p.granted_on, p.expires_on)}）" if p.granted_on and p.expires_on else ""
        add("建設業許可", title(p.work_type_code), format_permit(p) + valid)

    latest: dict[str, object] = {}
    for k in c.keishin:  # newest base date first
        latest.setdefault(k.work_type_code, k)
    if not latest:
        add("経営事項審査", "経審", "なし")
    for code in sorted(latest):
        k = latest[code]
        mismatch = f"（通知書の P {format_number(k.p_entered)} と不一致）" if k.p_mismatch else ""
        add("経営事項審査", title(code),
            f"審査基準日 {format_date(k.base_date)}　P {format_number(k.p_computed)}{mismatch}\n"
            f"X1 {format_number(k.x1)}　X2 {format_number(k.x2)}　Y {format_number(k.y)}　Z {format_number(k.z)}　"
            f"W {format_number(k.w)}　有効期限 {format_date(k.valid_until)}")

    # In force on the day and decided to start later, by the one rule (a JV through its members).
    active = suspensions.suspensions_in_force(session, [c.id], day).get(c.id, [])
    scheduled = suspensions.scheduled_suspensions(session, [c.id], day).get(c.id, [])
    if not active and not scheduled:
        add("指名停止", f"{format_date(day)}現在", "なし（予定もなし）")
    for s, when in [(s, "") for s in active] + [(s, "【予定】") for s in scheduled]:
        who = "" if s.contractor_id == c.id else f"構成員 {s.contractor.name} の停止により\n"
        add("指名停止", when + cause_label(session, s),
            f"{who}{_period(s.starts_on, s.effective_end)}（{s.period_text}）"
            + (f"\n範囲: {s.scope}" if s.scope else ""))

    return Document(
        title="業者台帳",
        columns=[Column("区分", width=1.1), Column("項目", width=1.6), Column("内容", width=4.5)],
        rows=rows,
        conditions=[("業者", f"{c.number} {c.name}"), ("作成日現在", day)],
    )


register(ReportDefinition(
    name="contractor_ledger",
    title="業者台帳",
    description="1 業者の基本情報・入札参加資格（業種・等級）・建設業許可・最新の経審・指名停止を 1 枚にまとめます。",
    params=(Param("number", "業者番号", "text", required=True, max_length=20,
                  hint="例: 250001（業者一覧の業者番号）"),),
    build=build_ledger,
    roles=VIEW,
))


# --- 有資格者名簿 --------------------------------------------------------------------------------------

def _work_type_choices(session) -> list[tuple[str, str]]:
    codes = work_types(session, today())
    return [("", "すべて")] + [(code, f"{code} {wt.title}（{CATEGORIES.get(wt.category, wt.category)}）")
                               for code, wt in sorted(codes.items())]


def _rank_order(rank: str | None) -> str:
    return rank if rank else "~"  # unranked after the ranks


def build_qualified(session, params: dict, actor) -> Document:
    category = params["category"] or "construction"
    code = params.get("work_type") or ""
    rank = params.get("rank") or ""
    on = params.get("on_date") or today()
    codes = work_types(session, on)
    if code and code in codes and codes[code].category != category:
        raise ValidationFailed({"work_type": [f"業種「{code} {codes[code].title}」は"
                                              f"{CATEGORIES[codes[code].category]}の業種です。区分と合わせてください。"]})
    stmt = queries.search_contractors(category=category, work_type_code=code or None, rank=rank or None, period=on,
                                      status="active")
    rows = []
    for c in session.scalars(stmt):
        for r in c.registrations:
            if r.category != category or not r.period_start <= on <= r.period_end:
                continue
            for w in r.work_types:
                if (code and w.work_type_code != code) or (rank and w.rank != rank):
                    continue
                wt = codes.get(w.work_type_code)
                rows.append([w.work_type_code, _rank_order(w.rank), c.number,
                             [c.number, c.name, _join(c.representative_title, c.representative_name),
                              c.address or "", c.area_label,
                              f"{w.work_type_code} {wt.title}" if wt else w.work_type_code, w.rank or "未格付",
                              w.total_points]])
    rows.sort(key=lambda row: row[:3])
    return Document(
        title="有資格者名簿",
        columns=[Column("業者番号", width=0.9), Column("商号又は名称", width=2.4), Column("代表者", width=1.6),
                 Column("所在地", width=2.6), Column("地域区分", width=0.8), Column("業種", width=1.8),
                 Column("等級", width=0.6), Column("総合点", "int", width=0.8)],
        rows=[row[3] for row in rows],
        conditions=[("区分", CATEGORIES[category]),
                    ("業種", f"{code} {codes[code].title}" if code in codes else label_for((), code)),
                    ("等級", rank or "すべて"), ("基準日", on)],
        empty_message="条件に当てはまる有資格者はいません。",
    )


register(ReportDefinition(
    name="qualified_contractors",
    title="有資格者名簿",
    description="基準日に入札参加資格のある業者（状態が有効のもの）を、業種・等級・業者番号の順に出力します。",
    params=(
        Param("category", "区分", "choice", required=True, choices=CATEGORY_CHOICES, default="construction"),
        Param("work_type", "業種", "choice", choices=_work_type_choices, hint="指定しなければ区分のすべての業種"),
        Param("rank", "等級", "choice", choices=(("", "すべて"), *RANK_CHOICES)),
        Param("on_date", "基準日", "date", default=lambda today: today, hint="資格の有効期間に含まれる日（既定: 今日）"),
    ),
    build=build_qualified,
    roles=VIEW,
    landscape=True,
))


# --- 指名停止一覧 --------------------------------------------------------------------------------------

def _fiscal_year_start(today: date) -> date:
    return date(today.year if today.month >= 4 else today.year - 1, 4, 1)


def build_suspensions(session, params: dict, actor) -> Document:
    date_from: date = params["date_from"]
    date_to: date = params["date_to"]
    stmt = suspensions.suspension_list(date_from, date_to, include_lifted=True)
    rows = []
    for s in sorted(session.scalars(stmt), key=lambda s: (s.starts_on, s.id)):
        c = s.contractor
        period = f"{format_date(s.starts_on)}〜\n{format_date(s.ends_on)}\n（{s.period_text}）"
        if s.lifted_on:
            period += f"\n{format_date(s.lifted_on)}解除"
        outline = (f"範囲: {s.scope}\n" if s.scope else "") + s.facts
        rows.append([c.name, c.address or "", period, cause_label(session, s), outline])
    return Document(
        title="指名停止一覧",
        columns=[Column("業者名", width=1.8), Column("所在地", width=1.9), Column("期間", width=1.5),
                 Column("措置要件", width=1.7), Column("範囲・事実の概要", width=4.2)],
        rows=rows,
        conditions=[("期間", (date_from, date_to))],
        empty_message="この期間に指名停止の措置はありません。",
    )


register(ReportDefinition(
    name="suspensions",
    title="指名停止一覧",
    description="指定した期間に効力のあった指名停止措置の公表用一覧です（期間の途中で解除したものを含みます）。",
    params=(
        Param("date_from", "期間（開始日）", "date", required=True, default=_fiscal_year_start),
        Param("date_to", "期間（終了日）", "date", required=True, default=lambda today: today),
    ),
    build=build_suspensions,
    roles=VIEW,
    landscape=True,
    check=period_check("date_from", "date_to", SUSPENSION_MAX_DAYS),
))
