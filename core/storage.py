"""Files kept by the app (DESIGN "Storage"): attachments, import uploads, generated bundles, one place.

Every file lives at ``STORAGE_DIR/<area>/<name>``; the name is 32 random hex characters plus an optional
short suffix (``.pdf``), never anything a user typed, and ``path()`` refuses any other name, so no path
can be smuggled in. The size (and, when asked, the type by the first bytes) is checked before anything
is kept.

A file is kept with the database rows that point to it: ``save(session, ...)`` ties the file to that
session's transaction, so a rollback (or a session closed without commit) deletes it, and a commit keeps
it for good — kept files are never deleted here (history rule). A rolled-back savepoint deletes only the
files written since it began. Uploads that wait for a later request (an import checked before it is
committed) are temporaries instead: ``save_temporary`` + ``read_temporary`` + ``discard``, removed once
older than their keeping time, in areas that hold only temporaries.

One caveat: a COMMIT whose outcome the database never reported (connection lost during COMMIT) counts as
failed and its files are deleted; the rows may have been committed all the same.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from core.errors import ValidationFailed

log = logging.getLogger("keiyaku.storage")

#: Areas whose files wait for a later request and expire; ``save`` refuses them, ``save_temporary`` needs them.
TEMPORARY_AREAS = frozenset({"imports", "transfer"})
HEAD_BYTES = 4096
_CHUNK = 1024 * 1024
_AREA = re.compile(r"[a-z][a-z0-9_]{0,31}")
_SUFFIX = re.compile(r"(\.[a-z0-9]{1,8})?")
#: 32 random hex characters; a temporary may instead be named by its SHA-256 (64 hex), never by a user.
_NAME = re.compile(r"[0-9a-f]{32}(?:[0-9a-f]{32})?(\.[a-z0-9]{1,8})?")
_PENDING = "keiyaku.storage.pending"
#: (what the first bytes start with, label in messages) per type a ``check`` may accept.
SIGNATURES = {
    "pdf": ((b"%PDF-",), "PDF"),
    "jpeg": ((b"\xff\xd8\xff",), "JPEG"),
    "png": ((b"\x89PNG\r\n\x1a\n",), "PNG"),
    "xlsx": ((b"PK\x03\x04",), "Excel（.xlsx）"),
    "zip": ((b"PK\x03\x04",), "ZIP"),
}

Data = bytes | bytearray | memoryview | BinaryIO
Check = Callable[[bytes], None]


@dataclass(frozen=True)
class StoredFile:
    area: str
    name: str
    size: int
    sha256: str
    path: Path


def accept_types(*kinds: str) -> Check:
    """A ``check`` accepting only files whose content starts like one of ``kinds`` (never trusting the name)."""
    unknown = set(kinds) - set(SIGNATURES)
    if unknown or not kinds:
        raise ValueError(f"unknown file types: {sorted(unknown)}")
    labels = "・".join(SIGNATURES[k][1] for k in kinds)

    def check(head: bytes) -> None:
        if not any(head.startswith(SIGNATURES[k][0]) for k in kinds):
            raise ValidationFailed({"file": [f"ファイルの種類が違います。{labels} のファイルを選んでください"
                                             "（ファイルの中身で判定しています）。"]})

    return check


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{max(1, size // 1024)} KB"


def _too_large(max_bytes: int, size: int | None = None) -> ValidationFailed:
    actual = f"（{_megabytes(size)}）" if size is not None else ""
    return ValidationFailed({"file": [f"ファイルが大きすぎます{actual}。{_megabytes(max_bytes)} 以下にしてください。"]})


class Storage:
    """The storage folder of one app (``STORAGE_DIR``)."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).resolve()

    @classmethod
    def for_app(cls, app: Flask | None = None) -> Storage:
        return cls((app or current_app).config["STORAGE_DIR"])

    # --- names ---------------------------------------------------------------------------------------------

    def folder(self, area: str) -> Path:
        if not _AREA.fullmatch(area or ""):
            raise ValueError(f"invalid storage area {area!r}")
        path = self.root / area
        path.mkdir(parents=True, exist_ok=True)
        return path

    def path(self, area: str, name: str) -> Path:
        """Where a stored file is; only names this module makes are accepted (ValueError otherwise)."""
        if not _NAME.fullmatch(name or ""):
            raise ValueError("invalid stored file name")
        return self.folder(area) / name

    def open(self, area: str, name: str) -> BinaryIO:
        """The stored file opened for reading (the caller closes it); FileNotFoundError when it is gone."""
        return self.path(area, name).open("rb")

    def read(self, area: str, name: str) -> bytes:
        return self.path(area, name).read_bytes()

    # --- files kept with a transaction -----------------------------------------------------------------------

    def save(self, session: Session, area: str, data: Data, *, suffix: str = "", max_bytes: int | None = None,
             check: Check | None = None) -> StoredFile:
        """Keep ``data`` under a new random name, deleted again unless ``session``'s transaction commits.

        Raises ``ValidationFailed({"file": [...]})`` (nothing written) when it is larger than ``max_bytes``
        or ``check(first_bytes)`` refuses it."""
        if area in TEMPORARY_AREAS:
            raise ValueError(f"{area!r} holds temporaries (save_temporary)")
        if not session.in_transaction():
            session.begin()
        stored = self._write(area, data, suffix=suffix, max_bytes=max_bytes, check=check)
        _track(session, stored.path)
        return stored

    # --- temporaries -----------------------------------------------------------------------------------------

    def save_temporary(self, area: str, data: Data, *, ttl_seconds: int, suffix: str = "",
                       max_bytes: int | None = None, check: Check | None = None,
                       named_by_hash: bool = False) -> StoredFile:
        """Keep an upload for a later request (no transaction); files of the area older than ``ttl_seconds``
        are removed first. ``named_by_hash`` names it by its SHA-256, so the same file is stored once."""
        if area not in TEMPORARY_AREAS:
            raise ValueError(f"{area!r} is not an area for temporaries")
        self.sweep(area, ttl_seconds)
        stored = self._write(area, data, suffix=suffix, max_bytes=max_bytes, check=check)
        if not named_by_hash:
            return stored
        final = stored.path.with_name(stored.sha256 + suffix)
        os.replace(stored.path, final)  # same name means same content: replacing loses nothing
        return StoredFile(area, final.name, stored.size, stored.sha256, final)

    def read_temporary(self, area: str, name: str, *, ttl_seconds: int) -> bytes | None:
        """The temporary's bytes, or None when it is gone or older than ``ttl_seconds``."""
        path = self.path(area, name)
        try:
            if time.time() - path.stat().st_mtime > ttl_seconds:
                return None
            return path.read_bytes()
        except FileNotFoundError:
            return None

    def has_temporary(self, area: str, name: str, *, ttl_seconds: int) -> bool:
        """Whether ``read_temporary`` would find the file (without reading it)."""
        try:
            return time.time() - self.path(area, name).stat().st_mtime <= ttl_seconds
        except FileNotFoundError:
            return False

    def discard(self, area: str, name: str) -> None:
        """Remove a temporary once it has served (kept files are never removed)."""
        if area not in TEMPORARY_AREAS:
            raise ValueError(f"files of {area!r} are kept for good")
        self.path(area, name).unlink(missing_ok=True)

    def sweep(self, area: str, ttl_seconds: int) -> int:
        """Remove the temporaries of ``area`` older than ``ttl_seconds``; returns how many."""
        if area not in TEMPORARY_AREAS:
            raise ValueError(f"files of {area!r} are kept for good")
        now, removed = time.time(), 0
        for path in self.folder(area).iterdir():
            try:
                if _NAME.fullmatch(path.name) and now - path.stat().st_mtime > ttl_seconds:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:  # another worker swept it first
                continue
        return removed

    # --- writing ---------------------------------------------------------------------------------------------

    def _write(self, area: str, data: Data, *, suffix: str, max_bytes: int | None, check: Check | None) -> StoredFile:
        if not _SUFFIX.fullmatch(suffix):
            raise ValueError(f"invalid suffix {suffix!r}")
        if isinstance(data, bytes | bytearray | memoryview):
            if max_bytes is not None and len(data) > max_bytes:
                raise _too_large(max_bytes, len(data))
            view = memoryview(data)
            head, rest = bytes(view[:HEAD_BYTES]), iter((view[HEAD_BYTES:],))
        else:
            size = _remaining_size(data)
            if max_bytes is not None and size is not None and size > max_bytes:
                raise _too_large(max_bytes, size)
            head = _read_head(data)
            rest = iter(lambda: data.read(_CHUNK), b"")
        if check is not None:
            check(head)
        digest, size = hashlib.sha256(), 0
        path, handle = _create(self.folder(area), suffix)
        try:
            with handle:
                for chunk in _chain(head, rest):
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:  # a stream longer than it said
                        raise _too_large(max_bytes)
                    digest.update(chunk)
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())  # the row that names it may commit right after
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return StoredFile(area, path.name, size, digest.hexdigest(), path)


def _chain(head: bytes, rest):
    yield head
    yield from rest


def _remaining_size(stream) -> int | None:
    """Bytes left in a seekable stream (measured without reading), else None."""
    try:
        if not stream.seekable():
            return None
        here = stream.tell()
        end = stream.seek(0, os.SEEK_END)
        stream.seek(here)
        return end - here
    except (AttributeError, OSError, ValueError):
        return None


def _read_head(stream) -> bytes:
    head = b""
    while len(head) < HEAD_BYTES:
        chunk = stream.read(HEAD_BYTES - len(head))
        if not chunk:
            break
        head += chunk
    return head


def _create(folder: Path, suffix: str):
    """A new file under a random name, never an existing one (O_EXCL), written in binary on every OS."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        path = folder / (secrets.token_hex(16) + suffix)
        try:
            fd = os.open(path, flags, 0o600)
        except FileExistsError:
            continue
        return path, os.fdopen(fd, "wb")


# --- the orphan rule: session events ---------------------------------------------------------------------------


def _track(session: Session, path: Path) -> None:
    """Remember ``path`` with the innermost transaction now open (a savepoint or the session's own)."""
    pending = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = []
        event.listen(session, "after_commit", _after_commit)
        event.listen(session, "after_soft_rollback", _after_soft_rollback)
        event.listen(session, "after_transaction_end", _after_transaction_end)
    pending.append((path, session.get_nested_transaction() or session.get_transaction()))


def _remove(session: Session, within: SessionTransaction | None) -> None:
    """Delete the pending files written inside ``within`` (a savepoint) or, when None, all of them."""
    pending = session.info.get(_PENDING) or []
    keep = []
    for path, written_in in pending:
        if within is None or _inside(written_in, within):
            try:
                path.unlink(missing_ok=True)
            except OSError:
                log.exception("could not remove %s after a rollback", path)
        else:
            keep.append((path, written_in))
    pending[:] = keep


def _inside(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


def _after_commit(session: Session) -> None:
    # Also called when a savepoint is released: its files then belong to the enclosing transaction.
    if session.get_nested_transaction() is None:
        session.info.get(_PENDING, []).clear()


def _after_soft_rollback(session: Session, previous: SessionTransaction) -> None:
    # The rollback reaches the nearest savepoint (or the session's own transaction) at or above ``previous``.
    boundary = previous
    while not boundary.nested and boundary.parent is not None:
        boundary = boundary.parent
    _remove(session, boundary if boundary.nested else None)


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    # The session's own transaction ended: after a commit nothing is pending any more; what is left was
    # rolled back, or the session was closed without a commit.
    if transaction.parent is None:
        _remove(session, None)
