"""Step ``staff``: departments and staff users of every role (through ``core.auth.admin_services``).

Every staff login gets the benchmark password (``benchmarks._common.BENCH_PASSWORD``), hashed with the
production scrypt cost, and no forced change, so the load benchmark can log in at once. The app itself has
no default password: only this generator sets one, in a benchmark database.
"""

from __future__ import annotations

from sqlalchemy import func, select

from benchmarks._common import BENCH_PASSWORD, STAFF

from . import names
from .context import Context

DEPARTMENTS = [
    ("0101", "総務部 総務課"), ("0102", "総務部 契約課"), ("0103", "総務部 財政課"), ("0201", "土木都市建設部 土木課"),
    ("0202", "土木都市建設部 道路課"), ("0203", "土木都市建設部 河川港湾課"), ("0204", "土木都市建設部 都市計画課"),
    ("0205", "土木都市建設部 公園緑地課"), ("0206", "土木都市建設部 建築課"), ("0207", "土木都市建設部 用地管理課"),
    ("0301", "上下水道局 工務課"), ("0302", "上下水道局 下水道課"), ("0401", "教育委員会 教育総務課"),
    ("0402", "教育委員会 学校施設課"), ("0501", "産業振興部 農林水産振興課"), ("0601", "生活環境部 環境政策課"),
    ("0602", "生活環境部 クリーンセンター"), ("0701", "健康福祉部 高齢福祉課"), ("0801", "消防本部 総務課"),
    ("0901", "文化・スポーツ課"),
]
#: Departments of each department-bound role (works departments; inspectors sit in 用地管理課 and 上下水道局).
HOMES = {"department_staff": ["0201", "0202", "0203", "0204", "0205", "0206", "0301", "0302", "0402", "0501"],
         "inspector": ["0207", "0301"], "contract_staff": ["0102"], "system_admin": ["0101"], "viewer": ["0103"]}


def generate(ctx: Context) -> None:
    from core.auth import admin_services
    from core.auth.models import User, UserRole
    from core.auth.passwords import PasswordPolicy, hash_password
    from core.db import db

    rng = ctx.rng("staff")
    password_hash = hash_password(BENCH_PASSWORD)  # one real scrypt hash, shared: the same password everywhere
    changed_at = ctx.at(ctx.as_of)
    staff: dict[str, list[tuple[int, str]]] = {}
    with ctx.app.app_context():
        session = db.session
        departments = {code: admin_services.create_department(session, None, code=code, name=name)
                       for code, name in DEPARTMENTS}
        for prefix, count, role in STAFF:
            for i in range(1, count + 1):
                login_id = prefix if count == 1 else f"{prefix}{i:02d}"
                home = HOMES[role][(i - 1) % len(HOMES[role])]
                user, _ = admin_services.create_user(
                    session, None, login_id=login_id, name=names.person(rng)[0], department_id=departments[home].id,
                    roles=[role], email=f"{login_id}@example.jp", policy=PasswordPolicy(), issue_password=False)
                user.password_hash, user.must_change_password = password_hash, False
                user.password_changed_at = changed_at
                staff.setdefault(role, []).append((user.id, user.name))
        ctx.shared["departments"] = {code: d.id for code, d in departments.items()}
        session.commit()
        ctx.counts["departments"] = len(departments)
        ctx.counts["users"] = session.scalar(select(func.count()).select_from(User))
        ctx.counts["user_roles"] = session.scalar(select(func.count()).select_from(UserRole))
    ctx.shared["staff"] = staff
