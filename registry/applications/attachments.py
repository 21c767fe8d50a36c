"""Attachment files (SPEC QA4): accepted by content, stored under random names outside ``static/``.

The type is decided by the file's first bytes (PDF, JPEG, PNG), never by the name or the browser's
Content-Type, and the extension must agree with it. A PDF must be complete (``%%EOF`` near its end), not
encrypted, parsable, and free of active content and external actions (scripts, links to web addresses or
other files, form submission, launch actions, embedded files, media), because staff open these files on LGWAN
terminals: ``pdf_content`` walks every object with a PDF parser, those in compressed object streams too.
Images must carry their end marker. The applicant's file name is kept for
display only; the file is kept by ``core.storage`` (area ``attachments``, a random name).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from core.errors import ValidationFailed

from . import pdf_content

TYPES = {"application/pdf": ("PDF", (".pdf",)), "image/jpeg": ("JPEG", (".jpg", ".jpeg")),
         "image/png": ("PNG", (".png",))}
#: Names in a PDF that run code or carry files, also looked for in the raw bytes (an object left outside the
#: cross-reference table is invisible to the parser but not to every viewer).
PDF_ACTIVE = (b"/JavaScript", b"/Launch", b"/EmbeddedFile", b"/RichMedia", b"/XFA")
#: The ``core.storage`` area of attachment files.
AREA = "attachments"


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    content_type: str
    original_name: str
    sha256: str


def sniff(content: bytes) -> str | None:
    """The content type the bytes really are, or None."""
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None


def display_name(raw: str | None) -> str:
    """The applicant's file name reduced to its last part and to printable characters (display only)."""
    name = unicodedata.normalize("NFC", (raw or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*').strip(" .")
    return name[:200] or "添付ファイル"


def check_file(raw_name: str | None, content: bytes, max_bytes: int) -> CheckedFile:
    """Accept the upload or raise ``ValidationFailed({"file": [reason]})``."""
    def fail(message: str):
        raise ValidationFailed({"file": [message]})

    if not content:
        fail("ファイルを選んでください（空のファイルは添付できません）。")
    if len(content) > max_bytes:
        size_mb, limit_mb = len(content) / 1024 / 1024, max_bytes // 1024 // 1024
        fail(f"ファイルが大きすぎます（{size_mb:.1f} MB）。{limit_mb} MB 以下にしてください。")
    name = display_name(raw_name)
    content_type = sniff(content)
    if content_type is None:
        fail(f"「{name}」は PDF・JPEG・PNG のいずれでもありません（ファイルの中身で判定しています）。")
    label, extensions = TYPES[content_type]
    if not name.lower().endswith(extensions):
        fail(f"「{name}」の中身は {label} ですが、拡張子が違います。{' / '.join(extensions)} のファイル名にしてください。")
    if content_type == "application/pdf":
        tail = content[-2048:]
        if b"%%EOF" not in tail:
            fail(f"「{name}」は PDF として完結していません（ファイルが壊れているか、途中までしかありません）。")
        # A PDF name may spell any character as #xx (/Java#53cript is /JavaScript): scan the names decoded.
        scanned = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes.fromhex(m[1].decode("ascii")), content)
        if b"/Encrypt" in scanned:
            fail(f"「{name}」はパスワードや暗号化で保護されています。保護を外した PDF を添付してください。")
        found = [pdf_content.LABELS[token.decode()] for token in PDF_ACTIVE
                 if re.search(re.escape(token) + rb"(?![A-Za-z])", scanned)]
        if found:
            fail(_active_message(name, found))
        _check_pdf_structure(name, content, fail)
    elif content_type == "image/jpeg" and b"\xff\xd9" not in content[-1024:]:
        fail(f"「{name}」は JPEG として完結していません（ファイルが壊れています）。")
    elif content_type == "image/png" and b"IEND" not in content[-64:]:
        fail(f"「{name}」は PNG として完結していません（ファイルが壊れています）。")
    return CheckedFile(content, content_type, name, hashlib.sha256(content).hexdigest())


def _check_pdf_structure(name: str, content: bytes, fail) -> None:
    """The parser's view of the PDF (the byte scan above cannot see inside compressed object streams)."""
    try:
        found = pdf_content.active_content(content)
    except pdf_content.PdfEncrypted:
        fail(f"「{name}」はパスワードや暗号化で保護されています。保護を外した PDF を添付してください。")
    except pdf_content.PdfTooComplex as exc:
        fail(f"「{name}」は PDF の構造が複雑すぎるため確認できません（オブジェクト {exc.count:,} 個。上限 "
             f"{pdf_content.MAX_OBJECTS:,} 個）。印刷用の PDF に保存し直すか、ページを分けて添付してください。")
    except pdf_content.PdfUnreadable:
        fail(f"「{name}」は PDF として読み取れません（ファイルが壊れているか、PDF の形式になっていません）。"
             "元のファイルから PDF に保存し直して添付してください。")
    if found:
        fail(_active_message(name, found))


def _active_message(name: str, found: list[str]) -> str:
    return (f"「{name}」にはスクリプトやリンクなど、ファイルの外に働きかける内容（{'、'.join(found)}）が"
            "含まれています。リンクやスクリプトのない印刷用の PDF に保存し直して添付してください。")
