"""The ZIP side of a transfer bundle (see ``bundles``): signing and writing it, and opening it for reading with
every check that comes before the items are looked at (declared sizes first, then the signature, the format,
the members against the manifest), and reading each attachment through the upload checks.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import zipfile
from dataclasses import dataclass, field

from core import archives
from core.errors import DomainError, ValidationFailed

from . import attachments as files

FORMAT = "keiyaku-transfer/1"
MAX_MEMBERS = 20_000
MAX_TOTAL_BYTES = 4 * 1024**3
#: An HMAC-SHA256 in hex is 64 characters; anything much longer is not a signature.
MAX_SIGNATURE_BYTES = 1024


#: The environment variable of the transfer key (named to administrators only; staff read "転送用の鍵").
KEY_SETTING = "KEIYAKU_TRANSFER_KEY"


class BundleRefused(DomainError):
    """The bundle cannot be read; the message names why in words any staff member reads (safe to show).
    ``setting`` names the server setting to check, for administrators and the command line only."""

    def __init__(self, message: str, setting: str | None = None):
        super().__init__(message)
        self.setting = setting


@dataclass(frozen=True)
class BundleLimits:
    """What one bundle may expand to, checked on the sizes it declares before anything is decompressed."""

    manifest_bytes: int = 16 * archives.MB
    file_bytes: int = 100 * archives.MB
    max_ratio: int = 100

    @classmethod
    def from_config(cls, config) -> BundleLimits:
        return cls(manifest_bytes=config["TRANSFER_MANIFEST_MAX_MB"] * archives.MB,
                   file_bytes=config["ATTACHMENT_MAX_MB"] * archives.MB, max_ratio=config["ZIP_MAX_RATIO"])


def _key(key: str | None) -> bytes:
    if not key:
        raise BundleRefused("転送用の鍵が設定されていないため、転送ファイルを扱えません。システム管理者に設定を依頼してください"
                            "（ポータルと庁内の両方に同じ鍵が必要です）。", setting=KEY_SETTING)
    return key.encode("utf-8")


def sign(key: str | None, manifest: bytes) -> str:
    return hmac.new(_key(key), manifest, hashlib.sha256).hexdigest()


def write(manifest: dict, blobs: dict[str, bytes], key: str | None) -> bytes:
    body = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", body)
        archive.writestr("signature", sign(key, body))
        for name, blob in blobs.items():
            archive.writestr(name, blob)
    return out.getvalue()


def open_verified(data: bytes, key: str | None, limits: BundleLimits) -> tuple[dict, zipfile.ZipFile]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
    except zipfile.BadZipFile:
        raise BundleRefused("転送ファイルではありません（ZIP 形式として読めません）。") from None
    if "manifest.json" not in names or "signature" not in names:
        raise BundleRefused("転送ファイルに manifest.json または signature がありません。")
    # Sizes first, from the central directory: an unsigned manifest must not cost memory or time to refuse.
    try:
        archives.check_declared(
            archive, archives.ZipLimits(max_total=MAX_TOTAL_BYTES, max_member=limits.file_bytes,
                                        max_ratio=limits.max_ratio, max_members=MAX_MEMBERS),
            {"manifest.json": limits.manifest_bytes, "signature": MAX_SIGNATURE_BYTES})
        body = archives.read_member(archive, "manifest.json", limits.manifest_bytes)
        signature = archives.read_member(archive, "signature", MAX_SIGNATURE_BYTES).decode("ascii", "replace").strip()
    except archives.ArchiveTooLarge as exc:
        raise BundleRefused(f"転送ファイルが大きすぎます: {exc}取り込みませんでした。") from None
    except (zipfile.BadZipFile, EOFError, OSError):
        raise BundleRefused("転送ファイルが壊れています（ZIP の中身を読めません）。") from None
    if not hmac.compare_digest(signature, sign(key, body)):
        raise BundleRefused("署名が一致しません。改ざんされたか、ポータルと庁内で転送用の鍵が違います。取り込みませんでした。",
                            setting=KEY_SETTING)
    try:
        manifest = json.loads(body)
    except ValueError:
        raise BundleRefused("manifest.json を読めません。") from None
    if manifest.get("format") != FORMAT:
        raise BundleRefused(f"対応していない形式です（{manifest.get('format')!r}）。")
    listed = manifest.get("files") or {}
    extra = sorted(set(names) - {"manifest.json", "signature"} - set(listed))
    if extra:
        raise BundleRefused(f"署名の対象でないファイルが含まれています: {', '.join(extra[:3])}")
    for name, meta in listed.items():
        if name not in names:
            raise BundleRefused(f"{name} がありません。")
        blob = read_member(archive, name, limits)
        if len(blob) != meta.get("size") or hashlib.sha256(blob).hexdigest() != meta.get("sha256"):
            raise BundleRefused(f"{name} の内容が署名と一致しません。取り込みませんでした。")
    return manifest, archive


def read_member(archive: zipfile.ZipFile, name: str, limits: BundleLimits) -> bytes:
    try:
        return archives.read_member(archive, name, limits.file_bytes)
    except archives.ArchiveTooLarge as exc:
        raise BundleRefused(f"転送ファイルが大きすぎます: {exc}取り込みませんでした。") from None
    except (zipfile.BadZipFile, EOFError, OSError):
        raise BundleRefused(f"転送ファイルが壊れています（{name} を読めません）。") from None


@dataclass
class AttachmentReader:
    """The attachments of a verified bundle, read and checked one at a time."""

    archive: zipfile.ZipFile
    listed: dict
    limits: BundleLimits
    #: Files already checked, by (sha256, name): the import checks every new file before writing anything and
    #: reads it again to write it; parsing a large PDF twice would only cost time.
    checked: dict = field(default_factory=dict)

    def attachment(self, reference: str, doc: dict) -> tuple[bytes, files.CheckedFile]:
        """The file of ``doc`` passed through the upload checks; the dry run and the import both call this."""
        name, label = f"files/{doc['sha256']}", doc.get("original_name") or doc["sha256"]
        if name not in self.listed:
            raise BundleRefused(f"受付番号 {reference} の添付「{label}」のファイルが転送ファイルにありません。"
                                "取り込みませんでした。")
        blob = read_member(self.archive, name, self.limits)
        key = (doc["sha256"], doc["original_name"])
        try:  # the same checks as on upload: a signed bundle is trusted for origin, not for content
            checked = self.checked.get(key) or files.check_file(doc["original_name"], blob, len(blob))
        except ValidationFailed as exc:
            raise BundleRefused(f"受付番号 {reference} の添付「{label}」: {exc}") from None
        self.checked[key] = checked
        if checked.sha256 != doc["sha256"]:
            raise BundleRefused(f"受付番号 {reference} の添付「{label}」の内容が署名と一致しません。取り込みませんでした。")
        return blob, checked
