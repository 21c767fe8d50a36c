"""Reads: the version of a rule in force on a day, a rule's history, holidays by year.

Stored versions and the built-in ones (revision 0) form one history. The version in force on a day is the
one with the greatest effective date not after that day; among versions of that date, the highest revision
(a stored correction beats the built-in version it corrects).
"""

from __future__ import annotations

import bisect
import copy
import itertools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import Select, event, func, select
from sqlalchemy.orm import Session, object_session

from core.errors import DomainError
from core.jp import format_date
from core.timefmt import today

from .catalogue import RuleDefinition, get_definition
from .models import Holiday, RuleVersion


class RuleNotInForce(DomainError):
    """No version of the rule applies on the day asked."""


@dataclass(frozen=True)
class ResolvedVersion:
    definition: RuleDefinition
    effective_from: date
    #: 0 for a built-in version, 1.. for stored ones.
    revision: int
    values: dict
    note: str
    row: RuleVersion | StoredVersion | None = None
    #: A later revision of the same effective date replaces this one.
    superseded: bool = False

    @property
    def key(self) -> str:
        return self.definition.key

    @property
    def builtin(self) -> bool:
        return self.row is None

    @property
    def is_correction(self) -> bool:
        """Stored over an earlier version of the same date (revision > 1, or revision 1 over a built-in one)."""
        if self.row is None:
            return False
        return self.revision > 1 or any(s.effective_from == self.effective_from for s, _ in self.definition.parsed_seeds)




def _check_day(on_date) -> date:
    if isinstance(on_date, datetime) or not isinstance(on_date, date):
        raise TypeError("rules are looked up by a date (the Japan day), not a datetime")
    return on_date


@dataclass(frozen=True)
class StoredVersion:
    """The columns of a stored version that resolving reads (a plain value: it may be shared between requests,
    unlike an ORM row bound to one session)."""

    id: int
    key: str
    effective_from: date
    revision: int
    value: str
    note: str
    created_at: datetime
    login_id: str | None


_STORED_COLUMNS = tuple(getattr(RuleVersion, name) for name in StoredVersion.__dataclass_fields__)


def _from_row(definition: RuleDefinition, row: RuleVersion | StoredVersion) -> ResolvedVersion:
    return ResolvedVersion(definition, row.effective_from, row.revision, definition.load(json.loads(row.value)),
                           row.note, row)


def _from_seed(definition: RuleDefinition, seed, parsed: dict) -> ResolvedVersion:
    return ResolvedVersion(definition, seed.effective_from, 0, copy.deepcopy(parsed), seed.note)


# --- per-transaction cache ---------------------------------------------------------------------------
# A page reads the same rules (code lists, the area rule, numbering) many times; the versions in force do not
# change within one transaction unless this process stores a new version, so they are read once per
# transaction. The cache lives in ``session.info`` (one session per request) and is dropped when the
# session's innermost transaction changes (commit, rollback, savepoint) or any session of this process
# inserts a rule version (``_rules_changed``).

_CACHE = "core.rules.cache"
#: Set on a session that stored a rule version: what it reads may not be committed, so it is never shared.
_WROTE = "core.rules.wrote"
#: Entries kept per transaction at most (an import reading rules for thousands of distinct days stays small).
_CACHE_LIMIT = 512
_generation = itertools.count()
_current_generation = next(_generation)
T = TypeVar("T")


@event.listens_for(RuleVersion, "after_insert")
def _rules_changed(_mapper, _connection, target) -> None:
    global _current_generation
    _current_generation = next(_generation)
    session = object_session(target)
    if session is not None:
        session.info[_WROTE] = True


def _transaction_of(session: Session):
    return session.get_nested_transaction() or session.get_transaction()


def cached_in_transaction(session: Session, key: tuple, compute: Callable[[], T]) -> T:
    """``compute()``, remembered under ``key`` until the session's transaction ends or a rule version is stored.

    For values derived from rules only (the rule's versions and what is built from them, e.g. the code lists
    of ``registry.codes``); callers must not mutate what they get back, or must copy it first.
    """
    transaction = _transaction_of(session)
    held = session.info.get(_CACHE)
    if transaction is not None and held is not None and held[0] is transaction and held[1] == _current_generation:
        cache = held[2]
        if key in cache:
            return cache[key]
    generation = _current_generation
    value = compute()
    transaction = _transaction_of(session)  # the query may have begun it
    if transaction is None:
        return value
    held = session.info.get(_CACHE)
    if held is None or held[0] is not transaction or held[1] != generation:
        held = (transaction, generation, {})
        session.info[_CACHE] = held
    elif len(held[2]) >= _CACHE_LIMIT:
        held[2].clear()
    held[2][key] = value
    return value


# --- across requests -------------------------------------------------------------------------------
# Every page reads rules (code lists, the qualification rule, numbering), and resolving them was a query and a
# parse per request. Versions are only ever added, so the count, greatest id and latest creation time of the
# table change whenever any process stores one: one small query per transaction (the stamp) tells whether what
# this process resolved before still holds. A session that stored a version itself reads around this cache.
# A version changed or deleted by hand in the database is not seen until the app restarts (docs/deploy.md).

#: stamp → {key: value}, for the latest stamps seen (a long job on an older snapshot and the requests on the
#: newest one do not wipe each other's entries).
_shared: dict[tuple, dict] = {}
_shared_lock = threading.Lock()
_SHARED_STAMPS = 2
#: Entries kept per stamp at most (rules of many distinct days, e.g. an import of ten years); when full it starts
#: again rather than stop caching.
_SHARED_LIMIT = 2048
_MISSING = object()


def _stamp(session: Session) -> tuple:
    return cached_in_transaction(session, ("rules_stamp",), lambda: tuple(session.execute(
        select(func.count(RuleVersion.id), func.max(RuleVersion.id), func.max(RuleVersion.created_at))).one()))


@event.listens_for(Session, "transient_to_pending")
def _rule_added(session: Session, instance) -> None:
    # Marked as soon as a version is added, before any flush: its values are not committed, so never shared.
    if isinstance(instance, RuleVersion):
        session.info[_WROTE] = True


def _wrote_rules(session: Session) -> bool:
    """Has this session stored, or is it about to store, a rule version (not committed: never shared)?"""
    return bool(session.info.get(_WROTE))


def cached_for_rules(session: Session, key: tuple, compute: Callable[[], T]) -> T:
    """``compute()`` of values derived from rules only, remembered in the transaction (``cached_in_transaction``)
    and across requests of this process until any process stores a rule version. Callers must not mutate what
    they get back."""

    def shared() -> T:
        if _wrote_rules(session):
            return compute()
        stamp = _stamp(session)  # may autoflush: ask again below before sharing anything
        held = _shared.get(stamp)
        value = _MISSING if held is None else held.get(key, _MISSING)  # one lookup: another thread may clear it
        if value is not _MISSING:
            return value
        value = compute()
        if _wrote_rules(session):
            return value
        with _shared_lock:
            entries = _shared.get(stamp)
            if entries is None:
                while len(_shared) >= _SHARED_STAMPS:
                    _shared.pop(next(iter(_shared)))  # the oldest stamp seen
                entries = _shared[stamp] = {}
            elif len(entries) >= _SHARED_LIMIT:
                entries.clear()
            entries[key] = value
        return value

    return cached_in_transaction(session, key, shared)


def rule_in_force(session: Session, key: str, on_date: date) -> ResolvedVersion:
    """The version of ``key`` that applies on ``on_date``; its ``values`` are the caller's own copy.

    :raises RuleNotInForce: no version starts on or before that day.
    :raises UnknownRule: ``key`` is not defined (a programming error).
    """
    resolved = _cached_version(session, key, on_date)
    return replace(resolved, values=copy.deepcopy(resolved.values))


def _cached_version(session: Session, key: str, on_date: date) -> ResolvedVersion:
    get_definition(key)  # an unknown key fails first, as before
    on_date = _check_day(on_date)
    return cached_for_rules(session, ("rule", key, on_date), lambda: _resolve(session, key, on_date))


def _stored_versions(session: Session, key: str) -> list[StoredVersion]:
    """Every stored version of ``key``, newest first, read once per transaction: a list of suspensions asks the
    cause table of each decision date, which would otherwise be one query per row."""
    return cached_in_transaction(session, ("rule_rows", key), lambda: [StoredVersion(*row) for row in session.execute(
        select(*_STORED_COLUMNS).where(RuleVersion.key == key)
        .order_by(RuleVersion.effective_from.desc(), RuleVersion.revision.desc()))])


def _resolve(session: Session, key: str, on_date: date) -> ResolvedVersion:
    definition = get_definition(key)
    row = next((r for r in _stored_versions(session, key) if r.effective_from <= on_date), None)
    seed = next(((s, p) for s, p in reversed(definition.parsed_seeds) if s.effective_from <= on_date), None)
    if row is not None and (seed is None or row.effective_from >= seed[0].effective_from):
        return _from_row(definition, row)
    if seed is not None:
        return _from_seed(definition, *seed)  # a copy: the cache's readers share it, never the definition's own
    raise RuleNotInForce(
        f"「{definition.title}」は {format_date(on_date)}時点で適用される版がありません。"
        "システム管理者が「ルール設定」で、適用開始日がこの日以前の版を登録してください。")


def get_rule(session: Session, key: str, on_date: date) -> dict:
    """The values of ``key`` in force on ``on_date``, typed per the rule's schema (``Decimal`` for rates).

    Example: ``get_rule(db.session, "min_price.works", date(2026, 4, 1))["general_admin_rate"]`` →
    ``Decimal("68")`` (percent). The dict is the caller's own copy.
    """
    return rule_in_force(session, key, on_date).values


def shared_rule(session: Session, key: str, on_date: date) -> dict:
    """Like ``get_rule`` but the values held by the cache itself, not a copy: for code that only reads them to
    build something of its own (``registry.codes`` builds its code lists this way). Never change them."""
    return _cached_version(session, key, on_date).values


class RuleTimeline:
    """One rule's versions over time, read once: ``values(on)`` is what ``get_rule(session, key, on)`` gives (the same
    resolution, found by bisecting the effective dates instead of resolving each day; not a copy: never change it).
    For bulk work over thousands of days in one transaction, e.g. an import of ten years of contracts."""

    def __init__(self, session: Session, key: str):
        self.session, self.key = session, key
        self._days = sorted({v.effective_from for v in rule_history(session, key)})
        # What applies on a day is decided by the versions starting on or before it: the same as on the latest
        # effective date not after it.
        self._values = [_cached_version(session, key, day).values for day in self._days]

    def values(self, on_date: date) -> dict:
        """:raises RuleNotInForce: no version starts on or before that day."""
        index = bisect.bisect_right(self._days, _check_day(on_date)) - 1
        if index < 0:
            return get_rule(self.session, self.key, on_date)  # raises with the rule's own message
        return self._values[index]


def rule_history(session: Session, key: str) -> list[ResolvedVersion]:
    """Every version of ``key``, stored and built-in, newest effective date first, then highest revision."""
    definition = get_definition(key)
    rows = session.scalars(select(RuleVersion).where(RuleVersion.key == key)).all()
    versions = [_from_row(definition, r) for r in rows] + [_from_seed(definition, s, p) for s, p in definition.parsed_seeds]
    versions.sort(key=lambda v: (v.effective_from, v.revision), reverse=True)
    latest_by_date: dict[date, int] = {}
    for v in versions:
        latest_by_date.setdefault(v.effective_from, v.revision)
    return [replace(v, superseded=v.revision < latest_by_date[v.effective_from]) for v in versions]


def next_version(session: Session, key: str, after: date) -> ResolvedVersion | None:
    """The first version taking effect after ``after`` (scheduled changes), or None."""
    later = [v for v in rule_history(session, key) if v.effective_from > after and not v.superseded]
    return min(later, key=lambda v: v.effective_from) if later else None


def versions_at(session: Session, key: str, effective_from: date) -> list[ResolvedVersion]:
    """Versions (stored and built-in) with exactly this effective date, highest revision first."""
    return [v for v in rule_history(session, key) if v.effective_from == effective_from]


# --- holidays ---------------------------------------------------------------------------------------

def holidays_in_year(year: int, include_inactive: bool = True) -> Select:
    stmt = select(Holiday).where(Holiday.day >= date(year, 1, 1), Holiday.day <= date(year, 12, 31))
    if not include_inactive:
        stmt = stmt.where(Holiday.is_active.is_(True))
    return stmt.order_by(Holiday.day)


def holiday_years(session: Session) -> list[int]:
    """Years that have at least one holiday row, ascending."""
    return sorted({d.year for d in session.scalars(select(Holiday.day))})


# --- settings whose environment value is the floor ---------------------------------------------------

@dataclass(frozen=True)
class FloorInfo:
    label: str
    env_var: str
    env_value: int
    rule_value: int
    effective: int
    unit: str


def apply_env_floors(definition: RuleDefinition, values: dict, config, applied: bool = True) -> tuple[dict, list[FloorInfo]]:
    """Values as actually used: for each ``EnvFloor`` field the larger of the rule and the environment, or
    the environment value alone when no code enforces the rule yet (``applied`` False)."""
    effective = dict(values)
    infos = []
    for floor in definition.env_floors:
        field = definition.field(floor.field)
        env_value = int(config[floor.config_key])
        rule_value = values.get(floor.field)
        use_rule = applied and rule_value is not None
        effective[floor.field] = max(env_value, rule_value) if use_rule else env_value
        infos.append(FloorInfo(field.label, floor.env_var, env_value, rule_value, effective[floor.field], field.unit))
    return effective, infos


def effective_password_policy(session: Session, config, on_date: date | None = None):
    """The password policy to enforce: the stricter of ``KEIYAKU_PASSWORD_MIN_*`` and the ``password_policy`` rule."""
    from core.auth.passwords import PasswordPolicy

    definition = get_definition("password_policy")
    values, _ = apply_env_floors(definition, get_rule(session, "password_policy", on_date or today()), config)
    return PasswordPolicy(values["min_length"], values["min_classes"])


def effective_audit_retention_days(session: Session, config, on_date: date | None = None) -> int:
    """Days the operation log must be kept: the larger of ``KEIYAKU_AUDIT_RETENTION_DAYS`` and the rule."""
    definition = get_definition("audit_retention_days")
    values, _ = apply_env_floors(definition, get_rule(session, "audit_retention_days", on_date or today()), config)
    return values["days"]
