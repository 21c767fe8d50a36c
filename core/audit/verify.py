"""Verify the operation log: the chain, the keyed hashes, the pruned start and the checkpoints.

Nothing the database holds is trusted on its own word: every row must carry a valid HMAC (or, before the
keyed chain began, a valid SHA-256 that the first keyed row covers); a chain that starts after id 1 must
be explained by a keyed prune row; and every signed checkpoint kept outside the database must still find
its row with the same hash. Rows are streamed in id order, so memory stays flat however long the log.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.timefmt import format_jst

from . import checkpoints as cp
from .chain import keyed_hasher, row_is_valid
from .models import CHAIN_HMAC, CHAIN_SHA256, GENESIS_HASH, PRUNE_OPERATION, SWITCH_OPERATION, AuditEntry, AuditHead

#: The checkpoint cron is expected daily; an older newest checkpoint is worth a warning.
STALE_CHECKPOINT = timedelta(days=2)
MAX_FINDINGS = 100

_COLUMNS = [AuditEntry.__table__.c[name] for name in (
    "id", "at", "user_id", "login_id", "ip", "endpoint", "operation", "target_type", "target_id", "summary",
    "details", "prev_hash", "hash", "chain")]


@dataclass
class Finding:
    kind: str
    message: str
    entry_id: int | None = None


@dataclass
class VerifyResult:
    checked: int = 0
    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    checkpoints: int = 0

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def broken_id(self) -> int | None:
        return next((f.entry_id for f in self.findings if f.entry_id is not None), None)

    @property
    def message(self) -> str:
        if self.findings:
            return self.findings[0].message
        anchored = f"チェックポイント {self.checkpoints} 件と照合し、" if self.checkpoints else ""
        return f"{self.checked} 件の記録を検証しました。{anchored}改ざんは検出されませんでした。"

    def add(self, kind: str, message: str, entry_id: int | None = None) -> None:
        if len(self.findings) < MAX_FINDINGS:
            self.findings.append(Finding(kind, message, entry_id))


def _details(row) -> dict:
    try:
        value = json.loads(row.details or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def verify(session: Session, key: bytes, checkpoint_key: str, checkpoint_paths: Iterable[Path] = (),
           now=None, batch_size: int = 5000) -> VerifyResult:
    """Check the whole log; ``checkpoint_paths`` are the files of signed checkpoints to check against."""
    result = VerifyResult()
    checkpoint_paths = list(checkpoint_paths)
    found, bad_lines, missing = cp.read(checkpoint_paths, checkpoint_key)
    for where in bad_lines:
        result.add("checkpoint_signature", f"チェックポイントの行 {where} の署名が一致しません。"
                   "チェックポイントファイルが書き換えられたか、別の鍵で署名されています。")
    for path in missing:
        result.warnings.append(f"チェックポイントファイル {path} がありません（まだ `audit checkpoint` を"
                               "実行していなければ正常です）。")
    by_seq: dict[int, list[cp.Checkpoint]] = defaultdict(list)
    for checkpoint in found:
        if checkpoint.seq > 0:
            by_seq[checkpoint.seq].append(checkpoint)

    # Read before the rows: entries committed while the walk runs then only add rows after the head.
    head = session.execute(select(AuditHead.seq, AuditHead.last_hash).where(AuditHead.id == 1)).first()
    head_row_hash = None
    first = last = None
    keyed_from = None  # id of the first keyed row met
    legacy_seen = start_explained = False
    expected_id, expected_prev = None, None
    hasher = keyed_hasher(key)
    stmt = select(*_COLUMNS).order_by(AuditEntry.id).execution_options(yield_per=batch_size)
    # Core rows, streamed (a server-side cursor on PostgreSQL): no ORM objects, flat memory.
    rows = session.connection().execute(stmt)
    try:
        for row in rows:
            if first is None:
                first = row
                if row.id == 1 and row.prev_hash != GENESIS_HASH:
                    result.add("link", "ID 1 の直前ハッシュが初期値ではありません。", 1)
            elif row.id != expected_id:
                result.add("gap", f"ID {expected_id}〜{row.id - 1} の記録が欠落しています（削除されています）。",
                           expected_id)
            elif row.prev_hash != expected_prev:
                result.add("link", f"ID {row.id} の直前ハッシュが前の記録と一致しません。"
                           "記録が差し替えられています。", row.id)
            valid = _check_row(result, row, hasher, keyed_from, legacy_seen)
            if row.chain == CHAIN_HMAC and keyed_from is None:
                keyed_from = row.id
            legacy_seen = legacy_seen or row.chain == CHAIN_SHA256
            if valid and row.operation == PRUNE_OPERATION and first.id > 1:
                marker = _details(row)
                if marker.get("pruned_through_id") == first.id - 1 and marker.get("boundary_hash") == first.prev_hash:
                    start_explained = True
            for checkpoint in by_seq.get(row.id, ()):
                result.checkpoints += 1
                if checkpoint.hash != row.hash:
                    result.add("checkpoint_mismatch",
                               f"チェックポイント（{format_jst(checkpoint.at, seconds=True)} 記録、{checkpoint.source}）の"
                               f" ID {row.id} のハッシュ値が現在の記録と一致しません。"
                               f"ID {row.id} 以前の記録が書き換えられています。", row.id)
            if head is not None and row.id == head.seq:
                head_row_hash = row.hash
            expected_id, expected_prev, last = row.id + 1, row.hash, row
            result.checked += 1
    finally:
        rows.close()  # a server-side cursor on PostgreSQL when the loop stops early

    if first is not None and first.id > 1 and not start_explained:
        result.add("start_gap", f"ID 1〜{first.id - 1} の記録がありません。保存期間経過分の削除であれば残るはずの"
                   "署名付きの削除記録（操作「操作ログ削除」）がないため、不正な削除です。", 1)
    if legacy_seen and keyed_from is None:
        result.add("unkeyed", "鍵付きハッシュ（HMAC）の記録が 1 件もありません。鍵なしのハッシュだけの記録は"
                   "データベースの書き込み権限だけで作り直せるため、正しいと確認できません"
                   "（アップグレード直後であれば `flask --app wsgi audit checkpoint` を実行してください）。")
    last_id = last.id if last is not None else 0
    _check_tail(result, by_seq, last_id, first.id if first is not None else None, start_explained)
    if head is not None and head.seq > last_id:
        result.add("head", f"audit_head には ID {head.seq} までの記録があるはずですが、現在の記録は ID {last_id} までです。"
                   "末尾の記録が削除されたか、audit_head が書き換えられています。", last_id + 1)
    elif head is not None and head.seq > 0 and head_row_hash != head.last_hash:
        result.add("head", f"ID {head.seq} のハッシュ値が audit_head と一致しません。"
                   "記録が差し替えられたか、audit_head が書き換えられています。", head.seq)
    _warn_about_checkpoints(result, found, checkpoint_paths, now)
    return result


def verify_configured(session: Session, config, extra_paths: Iterable[str | Path] = (), now=None) -> VerifyResult:
    """``verify`` with the keys and checkpoint file of the app's configuration (the screen and the command)."""
    path = cp.checkpoint_file(config)
    paths = ([path] if path else []) + [Path(p) for p in extra_paths]
    return verify(session, config["AUDIT_KEY"].encode("utf-8"), config["AUDIT_CHECKPOINT_KEY"], paths, now)


def _check_row(result: VerifyResult, row, key, keyed_from: int | None, legacy_seen: bool) -> bool:
    if row.chain == CHAIN_SHA256 and keyed_from is not None:
        result.add("unkeyed_after_keyed", f"ID {row.id} は鍵なしのハッシュ（SHA-256）で記録されていますが、"
                   f"鍵付きハッシュへの切り替え（ID {keyed_from}）より後です。鍵を持たない者が追加・偽造した記録です。",
                   row.id)
        return False
    if row.chain not in (CHAIN_SHA256, CHAIN_HMAC):
        result.add("chain", f"ID {row.id} のハッシュ方式（{row.chain}）が不正です。", row.id)
        return False
    if not row_is_valid(row, key):
        if row.chain == CHAIN_HMAC:
            result.add("hmac", f"ID {row.id} の鍵付きハッシュ（HMAC）が一致しません。記録が書き換えられたか、"
                       "鍵を持たない者が偽造した記録です。", row.id)
        else:
            result.add("sha", f"ID {row.id} の内容が記録時から変更されています。", row.id)
        return False
    if row.chain == CHAIN_HMAC and keyed_from is None and legacy_seen:
        switch = _details(row)
        if row.operation != SWITCH_OPERATION or switch.get("keyed_from") != row.id:
            result.add("switch", f"ID {row.id} は最初の鍵付きの記録ですが、鍵付きハッシュへの切り替えの記録では"
                       "ありません。", row.id)
            return False
    return True


def _check_tail(result: VerifyResult, by_seq, last_id: int, first_id: int | None, start_explained: bool) -> None:
    beyond = [c for seq, items in by_seq.items() if seq > last_id for c in items]
    if beyond:
        newest = max(beyond, key=lambda c: c.seq)
        result.checkpoints += len(beyond)
        result.add("tail_deleted", f"チェックポイント（{format_jst(newest.at, seconds=True)} 記録、{newest.source}）には"
                   f" ID {newest.seq} までの記録がありましたが、現在の記録は ID {last_id} までです。"
                   f"ID {last_id + 1}〜{newest.seq} の記録が削除されています。", last_id + 1)
    if first_id is not None and start_explained:
        result.checkpoints += sum(len(items) for seq, items in by_seq.items() if seq < first_id)


def _warn_about_checkpoints(result: VerifyResult, found, paths: list, now) -> None:
    from core.db import utcnow

    if not paths:
        result.warnings.append("チェックポイントの保存先（KEIYAKU_AUDIT_CHECKPOINT_DIR）が設定されていないため、"
                               "末尾の記録の削除は検出できません。")
    elif found:
        newest = max(c.at for c in found)
        if (now or utcnow()) - newest > STALE_CHECKPOINT:
            result.warnings.append(f"最新のチェックポイントは {format_jst(newest, seconds=True)} です。"
                                   "定時処理（`flask --app wsgi audit checkpoint`）が止まっていないか確認してください。")
