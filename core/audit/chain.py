"""How an operation-log row is hashed, and where the key comes from.

A row's hash covers the previous row's hash and every recorded field. Since the keyed chain it is an
HMAC-SHA256 keyed with ``KEIYAKU_AUDIT_KEY`` (config ``AUDIT_KEY``): the key lives in the environment of
the app servers and the command line, never in the database, so someone who can only write to the database
cannot make a row that verifies. Rows from before the switch keep their plain SHA-256 (``CHAIN_SHA256``).

The key travels with the app's database engine: services receive a session, not the app, and tests call
them without an application context, so ``audit_key(session)`` finds the key of the engine the session is
bound to (each app has its own engine, hence its own key).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import weakref

from .models import CHAIN_HMAC

#: Prefix of every keyed payload, so a keyed hash can never equal a hash made for another purpose.
KEYED_DOMAIN = b"keiyaku-audit-chain-v2\n"

_engine_keys: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def canonical_json(value) -> str:
    return _ENCODER.encode(value)


def keyed_hasher(key: bytes):
    """A keyed HMAC primed with the domain prefix; ``entry_hash`` copies it per row (verification hashes
    millions of rows)."""
    return hmac.new(key, KEYED_DOMAIN, hashlib.sha256)


def register_key(engine, key: str) -> None:
    """Remember the operation-log key of an app's engine (called by the app factory)."""
    _engine_keys[engine] = key.encode("utf-8")


def audit_key(session) -> bytes:
    bind = session.get_bind()
    key = _engine_keys.get(getattr(bind, "engine", bind))
    if key is None:
        raise RuntimeError("No operation-log key (KEIYAKU_AUDIT_KEY) is registered for this database engine.")
    return key


def _payload(row) -> bytes:
    """The fields in a fixed order; ``row`` is an ``AuditEntry`` or a result row with the same names."""
    return canonical_json([
        row.prev_hash,
        row.id,
        row.at.isoformat(timespec="microseconds"),
        row.user_id,
        row.login_id,
        row.ip,
        row.endpoint,
        row.operation,
        row.target_type,
        row.target_id,
        row.summary,
        row.details,
    ]).encode("utf-8")


def entry_hash(row, key) -> str:
    """HMAC-SHA256 with ``key`` (bytes, or a ``keyed_hasher``); with ``key=None`` the plain SHA-256 of the rows
    before the keyed chain."""
    if key is None:
        return hashlib.sha256(_payload(row)).hexdigest()
    hasher = key.copy() if hasattr(key, "copy") else keyed_hasher(key)
    hasher.update(_payload(row))
    return hasher.hexdigest()


def row_is_valid(row, key) -> bool:
    """Does the stored hash match the row's contents under the algorithm its ``chain`` names?"""
    expected = entry_hash(row, key if row.chain == CHAIN_HMAC else None)
    return hmac.compare_digest(expected, row.hash)
