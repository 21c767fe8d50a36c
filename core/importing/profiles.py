"""Mapping profiles: built-in ones per kind, plus profiles administrators add, edit and exchange as JSON.

A profile absorbs a file layout: which column feeds which field (by header name, or by 1-based
position when the file has no header), encoding, rows to skip, date and number style, key columns.
"""

from __future__ import annotations

import copy
import json
import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit.services import canonical_json
from core.errors import ValidationFailed, require
from core.history import record_change

from .kinds import ImportKind
from .models import ImportProfile

CHOICES = {
    "encoding": ("auto", "utf-8", "cp932"),
    "date_style": ("auto", "wareki", "seireki"),
    "number_style": ("yen", "thousand_yen"),
}
DEFAULTS = {"encoding": "auto", "has_header": True, "skip_rows": 0, "date_style": "auto", "number_style": "yen"}


def can_manage_profiles(user) -> bool:
    from core.auth.roles import Role

    return bool(user is not None and user.is_active and user.has_role(Role.SYSTEM_ADMIN))


def validate_settings(kind: ImportKind, settings) -> tuple[dict, list[str]]:
    """Fill defaults and check a profile's settings against the kind; returns (settings, problems)."""
    if not isinstance(settings, dict):
        return {}, ["プロファイルの設定は JSON のオブジェクト（{...}）で指定してください。"]
    problems = []
    known = set(DEFAULTS) | {"columns", "keys"} | set(kind.extra_settings)
    problems += [f"設定項目「{k}」は使えません。" for k in settings if k not in known]
    # The kind's own settings start from copies of their defaults (a profile never shares the kind's dicts).
    result = {**DEFAULTS, **copy.deepcopy(kind.extra_settings), **{k: v for k, v in settings.items() if k in known}}
    for key, allowed in CHOICES.items():
        if result[key] not in allowed:
            problems.append(f"{key} は {' / '.join(allowed)} のいずれかです（指定値: {result[key]!r}）。")
    if not isinstance(result["has_header"], bool):
        problems.append("has_header は true か false です。")
    if not isinstance(result["skip_rows"], int) or not 0 <= result["skip_rows"] <= 100:
        problems.append("skip_rows は 0〜100 の整数です。")
    columns = result.get("columns")
    field_names = {f.name for f in kind.fields}
    if not isinstance(columns, dict) or not columns:
        problems.append("columns に「項目名: 見出し名または列番号」を指定してください。")
        columns = {}
    for name, spec in columns.items():
        if name not in field_names:
            problems.append(f"columns の「{name}」は{kind.label}の項目ではありません"
                            f"（使える項目: {', '.join(sorted(field_names))}）。")
        if not (isinstance(spec, str) and spec.strip()) and not (isinstance(spec, int) and spec >= 1):
            problems.append(f"columns の「{name}」には見出し名（文字列）か 1 以上の列番号を指定してください。")
        if not result["has_header"] and not isinstance(spec, int):
            problems.append(f"見出し行がない設定では、columns の「{name}」は列番号で指定してください。")
    for spec in kind.fields:
        if spec.required and spec.name not in columns:
            problems.append(f"必須項目「{spec.label}（{spec.name}）」の列が columns にありません。")
    keys = result.setdefault("keys", list(kind.key_fields))
    if not isinstance(keys, list) or not keys or any(k not in columns for k in keys):
        problems.append("keys には columns に含まれる項目名を 1 つ以上指定してください。")
    if kind.extra_settings:
        problems += kind.check_settings(result)
    return result, problems


def list_profiles(session: Session, kind: ImportKind, active_only: bool = True) -> list[tuple[str, str, bool]]:
    """``(name, description, builtin)`` for the kind's built-in and stored profiles."""
    rows = [(name, settings.get("description", ""), True) for name, settings in kind.builtin_profiles.items()]
    stmt = select(ImportProfile).where(ImportProfile.kind == kind.name).order_by(ImportProfile.name)
    if active_only:
        stmt = stmt.where(ImportProfile.is_active.is_(True))
    rows += [(p.name, p.description or "", False) for p in session.scalars(stmt)]
    return rows


def get_settings(session: Session, kind: ImportKind, name: str | None) -> tuple[str, dict]:
    """Resolve a profile by name (default: the kind's first built-in one). Raises ValidationFailed."""
    name = name or next(iter(kind.builtin_profiles))
    if name in kind.builtin_profiles:
        settings = {k: v for k, v in kind.builtin_profiles[name].items() if k != "description"}
    else:
        stored = session.scalar(select(ImportProfile).where(
            ImportProfile.kind == kind.name, ImportProfile.name == name, ImportProfile.is_active.is_(True)))
        if stored is None:
            known = "、".join(n for n, _, _ in list_profiles(session, kind))
            raise ValidationFailed({"profile": [f"プロファイル「{name}」は{kind.label}にありません（あるもの: {known}）。"]})
        settings = stored.settings
    settings, problems = validate_settings(kind, settings)
    if problems:
        raise ValidationFailed({"profile": problems})
    return name, settings


#: Characters a profile name may not hold: it is shown, logged, put in the export's URL and file name.
NAME_FORBIDDEN = '/\\:*?"<>|'
NAME_MAX = 64


def name_problem(name: str) -> str | None:
    """Why ``name`` (already stripped) cannot be a profile name, in Japanese, or None when it can."""
    if not name or len(name) > NAME_MAX:
        return f"プロファイル名を {NAME_MAX} 文字以内で入力してください。"
    # Control and format characters: line breaks, tabs, NUL, zero-width and bidirectional marks.
    if any(unicodedata.category(c)[0] == "C" or unicodedata.category(c) in ("Zl", "Zp") or c in NAME_FORBIDDEN
           for c in name) or name.startswith(".") or ".." in name:
        return ("プロファイル名に使えない文字が含まれています（改行・タブなどの制御文字と / \\ : * ? \" < > | は"
                "使えません。「.」で始まる名前や「..」を含む名前も使えません）。")
    return None


def save_profile(session: Session, actor, kind: ImportKind, *, name: str, description: str, settings,
                 create: bool = False) -> ImportProfile:
    """Create (``create=True``: the name must be new) or update a stored profile; built-in names are
    reserved; history and the operation log are recorded."""
    if actor is not None:
        require(can_manage_profiles(actor))
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if problem := name_problem(name):
        errors["name"] = [problem]
    elif name in kind.builtin_profiles:
        errors["name"] = [f"「{name}」は組み込みのプロファイル名なので使えません。別の名前にしてください。"]
    settings, problems = validate_settings(kind, settings)
    if problems:
        errors["config"] = problems
    # A refused name is not looked up: PostgreSQL rejects text with NUL in a query, too.
    profile = None if "name" in errors else session.scalar(
        select(ImportProfile).where(ImportProfile.kind == kind.name, ImportProfile.name == name))
    if create and profile is not None:
        errors["name"] = [f"プロファイル「{name}」は既にあります。変更は一覧の「編集」から行ってください。"]
    if errors:
        raise ValidationFailed(errors)
    before = None if profile is None else _snapshot(profile)
    if profile is None:
        profile = ImportProfile(kind=kind.name, name=name, is_active=True)
        session.add(profile)
    profile.description = (description or "").strip()[:500] or None
    profile.config = canonical_json(settings)
    profile.is_active = True
    session.flush()
    record_change(session, actor, "import_profile.save", f"取込プロファイルを保存: {kind.label}「{name}」",
                  target=profile, before=before, after=_snapshot(profile))
    return profile


def deactivate_profile(session: Session, actor, profile: ImportProfile) -> None:
    require(can_manage_profiles(actor))
    before = _snapshot(profile)
    profile.is_active = False
    record_change(session, actor, "import_profile.deactivate", f"取込プロファイルを無効化: 「{profile.name}」",
                  target=profile, before=before, after=_snapshot(profile))


def export_json(kind: ImportKind, name: str, description: str, settings: dict) -> str:
    """The exchange format: one JSON object that ``import_json`` reads back."""
    return json.dumps({"kind": kind.name, "name": name, "description": description, "settings": settings},
                      ensure_ascii=False, indent=2)


def parse_exchange(text: str) -> dict:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValidationFailed({"config": [f"JSON として読めません（{exc.lineno} 行目 {exc.colno} 文字目）。"]}) from None
    if not isinstance(data, dict) or not {"kind", "name", "settings"} <= set(data):
        raise ValidationFailed({"config": ["kind・name・settings を含む JSON オブジェクトが必要です。"]})
    return data


def _snapshot(profile: ImportProfile) -> dict:
    return {"name": profile.name, "description": profile.description, "config": profile.config,
            "is_active": profile.is_active}
