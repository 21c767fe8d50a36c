"""Checkpoints: the end of the chain (id, hash, time), signed, kept outside the database.

Someone who can write to the database can delete the newest rows and move ``audit_head`` back; nothing
left in the database shows it. ``flask audit checkpoint`` (run by cron) therefore appends one line per run
to ``KEIYAKU_AUDIT_CHECKPOINT_DIR/audit-checkpoints.log`` (on another volume) and/or sends it to syslog.
Each line is signed with ``KEIYAKU_AUDIT_CHECKPOINT_KEY`` (HMAC-SHA256), so a line edited or added by hand
is reported; ``verify`` then checks that every checkpointed row still exists with the same hash.

A line (also found inside a syslog line, after the syslog prefix)::

    KEIYAKU-AUDIT-CHECKPOINT v1 seq=1234 hash=<64 hex> at=2026-12-06T15:00:02Z sig=<64 hex>
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import logging.handlers
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

TAG = "KEIYAKU-AUDIT-CHECKPOINT"
VERSION = "v1"
FILE_NAME = "audit-checkpoints.log"
_FIELDS = ("seq", "hash", "at", "sig")


class CheckpointError(RuntimeError):
    """A checkpoint could not be written; the message is for the operator (Japanese)."""


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: datetime  # naive UTC
    source: str  # "file:line", for the messages


def _signature(key: str, seq: int, hash_: str, at_text: str) -> str:
    message = f"{TAG}|{VERSION}|{seq}|{hash_}|{at_text}".encode()
    return hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def format_line(key: str, seq: int, hash_: str, at: datetime) -> str:
    at_text = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{TAG} {VERSION} seq={seq} hash={hash_} at={at_text} sig={_signature(key, seq, hash_, at_text)}"


def parse_lines(lines: Iterable[str], key: str, source: str) -> tuple[list[Checkpoint], list[str]]:
    """The valid checkpoints of ``lines`` and the places ("file:line") of lines that are not validly signed.
    Lines without the tag (other syslog messages) are skipped."""
    good, bad = [], []
    for number, line in enumerate(lines, 1):
        position = line.find(TAG)
        if position < 0:
            continue
        where = f"{source}:{number}"
        parts = line[position:].replace("\x00", " ").split()  # some syslog transports end lines with NUL
        fields = dict(part.split("=", 1) for part in parts[2:] if "=" in part)
        try:
            if parts[1] != VERSION or set(fields) != set(_FIELDS):
                raise ValueError
            seq = int(fields["seq"])
            at = datetime.strptime(fields["at"], "%Y-%m-%dT%H:%M:%SZ")
        except (IndexError, ValueError):
            bad.append(where)
            continue
        if not hmac.compare_digest(_signature(key, seq, fields["hash"], fields["at"]), fields["sig"]):
            bad.append(where)
            continue
        good.append(Checkpoint(seq, fields["hash"], at, where))
    return good, bad


def checkpoint_file(config) -> Path | None:
    folder = config.get("AUDIT_CHECKPOINT_DIR")
    return Path(folder) / FILE_NAME if folder else None


def read(paths: Iterable[Path], key: str) -> tuple[list[Checkpoint], list[str], list[Path]]:
    """Checkpoints of every file, the places of badly signed lines, and the files that do not exist."""
    good, bad, missing = [], [], []
    for path in paths:
        if not path.exists():
            missing.append(path)
            continue
        with path.open(encoding="utf-8", errors="replace") as handle:
            found, broken = parse_lines(handle, key, path.name)
        good += found
        bad += broken
    return good, bad, missing


def targets(config) -> list[str]:
    """Where ``write`` sends a line; empty when nothing is configured."""
    found = []
    if config.get("AUDIT_CHECKPOINT_DIR"):
        found.append(str(checkpoint_file(config)))
    if config.get("AUDIT_CHECKPOINT_SYSLOG"):
        found.append(f"syslog ({config['AUDIT_CHECKPOINT_SYSLOG']})")
    return found


def write(config, line: str) -> list[str]:
    """Append ``line`` to the checkpoint file (flushed to disk) and/or send it to syslog."""
    written = []
    path = checkpoint_file(config)
    if path is not None:
        if not path.parent.is_dir():
            raise CheckpointError(f"チェックポイントの保存先フォルダ {path.parent} がありません"
                                  "（KEIYAKU_AUDIT_CHECKPOINT_DIR）。別のボリュームにフォルダを作成してください。")
        with path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        written.append(str(path))
    target = config.get("AUDIT_CHECKPOINT_SYSLOG")
    if target:
        _send_to_syslog(target, line)
        written.append(f"syslog ({target})")
    return written


def _send_to_syslog(target: str, line: str) -> None:
    if target == "local":
        address: str | tuple[str, int] = "/dev/log"
    else:
        host, _, port = target.rpartition(":")
        address = (host, int(port))
    try:
        handler = logging.handlers.SysLogHandler(address=address, facility=logging.handlers.SysLogHandler.LOG_AUTH)
    except OSError as exc:
        raise CheckpointError(f"syslog（{target}）に接続できません: {exc}") from exc
    handler.ident = "keiyaku-audit: "
    handler.append_nul = False
    try:
        handler.emit(logging.LogRecord("keiyaku.audit", logging.INFO, __file__, 0, line, None, None))
    finally:
        handler.close()
