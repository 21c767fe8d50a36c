"""Limits on ZIP archives read from uploads (``.xlsx`` imports, transfer bundles), checked on the sizes the
archive declares before anything is decompressed, so that a small file cannot expand to gigabytes in memory
(a "zip bomb"). Python's ``zipfile`` never returns more than a member's declared size, so checking the
declared sizes bounds what reading can cost; ``read_member`` reads with a bound as well.
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping
from dataclasses import dataclass

MB = 1024 * 1024
#: Members expanding to less than this are never refused for their ratio (small files compress oddly).
RATIO_FLOOR = MB


class ArchiveTooLarge(ValueError):
    """The archive would expand beyond a limit (the message is Japanese and names the member)."""


@dataclass(frozen=True)
class ZipLimits:
    max_total: int
    max_member: int
    max_ratio: int
    max_members: int = 10_000


def xlsx_limits(config: Mapping) -> ZipLimits:
    """The limits of an uploaded Excel file, from the app config (``KEIYAKU_XLSX_MAX_*``, ``KEIYAKU_ZIP_MAX_RATIO``)."""
    return ZipLimits(max_total=config["XLSX_MAX_EXPANDED_MB"] * MB, max_member=config["XLSX_MAX_MEMBER_MB"] * MB,
                     max_ratio=config["ZIP_MAX_RATIO"], max_members=1_000)


def _mb(size: int) -> str:
    return f"{size / MB:,.1f} MB"


def check_declared(archive: zipfile.ZipFile, limits: ZipLimits, member_limits: Mapping[str, int] | None = None) -> None:
    """Refuse the archive if its declared sizes pass a limit; ``member_limits`` gives some members their own.

    :raises ArchiveTooLarge: with the reason.
    """
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise ArchiveTooLarge(f"中のファイルが多すぎます（{len(infos):,} 個。上限 {limits.max_members:,} 個）。")
    total = 0
    for info in infos:
        size, limit = info.file_size, (member_limits or {}).get(info.filename, limits.max_member)
        if size > limit:
            raise ArchiveTooLarge(f"中の「{info.filename}」が展開すると {_mb(size)} になります（上限 {_mb(limit)}）。")
        if size > RATIO_FLOOR and size > limits.max_ratio * max(info.compress_size, 1):
            ratio = size / max(info.compress_size, 1)
            raise ArchiveTooLarge(f"中の「{info.filename}」の圧縮率が高すぎます（展開すると {ratio:,.0f} 倍。"
                                  f"上限 {limits.max_ratio} 倍）。")
        total += size
    if total > limits.max_total:
        raise ArchiveTooLarge(f"展開すると合計 {_mb(total)} になります（上限 {_mb(limits.max_total)}）。")


def read_member(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """The member's bytes, never more than ``limit`` of them decompressed (whatever the archive declares).

    :raises ArchiveTooLarge: the member is longer than ``limit``.
    :raises KeyError: there is no such member.
    """
    with archive.open(name) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ArchiveTooLarge(f"中の「{name}」が大きすぎます（上限 {_mb(limit)}）。")
    return data
