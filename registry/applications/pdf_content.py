"""What a PDF really contains, read with a PDF parser (pikepdf, on qpdf) rather than by scanning bytes.

Every object is walked, those inside compressed object streams included, so a script or an external action
cannot hide from the check by compression or by ``#xx`` escapes in names. An application document is a
printed certificate: it needs no script, no link or action reaching outside the file, no form that sends
data, no embedded file and no media, so all of these are refused (an ``/OpenAction`` or ``/AA`` that points to
one of them is refused with it). Links inside the document (``/GoTo``, bookmarks) stay allowed.
"""

from __future__ import annotations

import io
import itertools
import json

import pikepdf

#: Action types (``/S``) that run code, open or send to something outside the file, or play media.
ACTIONS = {
    "/JavaScript": "スクリプト（/JavaScript）", "/Launch": "プログラムの起動（/Launch）",
    "/GoToR": "他のファイルを開く操作（/GoToR）", "/GoToE": "埋め込みファイルを開く操作（/GoToE）",
    "/URI": "Web などへのリンク（/URI）", "/SubmitForm": "フォームの送信（/SubmitForm）",
    "/ImportData": "データの読込（/ImportData）", "/Sound": "音声（/Sound）", "/Movie": "動画（/Movie）",
    "/Rendition": "動画・音声（/Rendition）", "/RichMediaExecute": "動画・音声（/RichMediaExecute）",
}
#: Keys whose presence alone means a script, an external address, a form engine or a carried file.
KEYS = {
    "/JavaScript": "スクリプト（/JavaScript）", "/JS": "スクリプト（/JS）", "/URI": "Web などへのリンク（/URI）",
    "/EmbeddedFiles": "埋め込みファイル（/EmbeddedFiles）", "/EmbeddedFile": "埋め込みファイル（/EmbeddedFile）",
    "/XFA": "XFA フォーム（/XFA）", "/RichMedia": "動画・音声（/RichMedia）",
    "/RichMediaContent": "動画・音声（/RichMedia）",
}
#: ``/Type`` or ``/Subtype`` values of objects that carry files or media.
TYPES = {
    "/EmbeddedFile": "埋め込みファイル（/EmbeddedFile）", "/FileAttachment": "埋め込みファイル（/FileAttachment）",
    "/RichMedia": "動画・音声（/RichMedia）", "/Sound": "音声（/Sound）", "/Movie": "動画（/Movie）",
    "/Screen": "動画・音声（/Screen）",
}
#: The label of each refused name, for messages.
LABELS = {**TYPES, **ACTIONS, **KEYS}
#: A file specification of type URL points outside the file whatever action uses it.
URL_FILESPEC = "/URL"


#: More objects than any certificate needs (a 500-page text document has a few thousand); checking each costs
#: ~20 µs, so this keeps one file's check around a second.
MAX_OBJECTS = 50_000


class PdfTooComplex(Exception):
    """The PDF holds more objects than ``MAX_OBJECTS``."""

    def __init__(self, count: int):
        super().__init__(count)
        self.count = count


class PdfUnreadable(ValueError):
    """The bytes cannot be parsed as a PDF."""


class PdfEncrypted(ValueError):
    """The PDF is encrypted (with or without a password to open it)."""


def _problems_of(obj: dict) -> list[str]:
    def name(key: str) -> str | None:
        value = obj.get(key)
        return value if isinstance(value, str) else None  # a name is "/Name" in qpdf's JSON

    found = [KEYS[key] for key in obj if key in KEYS]
    if name("/S") in ACTIONS:
        found.append(ACTIONS[name("/S")])
    found.extend(TYPES[name(key)] for key in ("/Type", "/Subtype") if name(key) in TYPES)
    if name("/FS") == URL_FILESPEC:
        found.append("Web などへのリンク（/URL）")
    return found


def active_content(content: bytes) -> list[str]:
    """Labels (Japanese, without repeats) of the active content and external actions in ``content``.

    :raises PdfEncrypted: the file is encrypted.
    :raises PdfTooComplex: the file declares more objects than ``MAX_OBJECTS``.
    :raises PdfUnreadable: the file cannot be parsed.
    """
    try:
        pdf = pikepdf.open(io.BytesIO(content))
    except pikepdf.PasswordError:
        raise PdfEncrypted() from None
    except (pikepdf.PdfError, ValueError, RuntimeError):
        raise PdfUnreadable() from None
    with pdf:
        if pdf.is_encrypted:
            raise PdfEncrypted()
        try:
            # qpdf loads no object numbered at or above the trailer's /Size, so it bounds the work ahead.
            declared = int(pdf.trailer.get("/Size", 0))
            if declared > MAX_OBJECTS:
                raise PdfTooComplex(declared)
            return _walk(pdf)
        except (pikepdf.PdfError, ValueError, RuntimeError, TypeError):
            raise PdfUnreadable() from None


def _walk(pdf: pikepdf.Pdf) -> list[str]:
    # Every indirect object the file holds (qpdf unpacks object streams) and the trailer, each serialized
    # by qpdf with its direct contents (references stay "n 0 R"; names are "/Name", strings "u:…" or "b:…"),
    # parsed as one JSON array (one parse is several times faster than one per object).
    parts = [obj.to_json(dereference=True)
             for obj in itertools.islice(itertools.chain([pdf.trailer], pdf.objects), MAX_OBJECTS + 1)]
    if len(parts) > MAX_OBJECTS:
        raise PdfTooComplex(len(parts))
    found: dict[str, None] = {}
    stack = json.loads(b"[" + b",".join(parts) + b"]")
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            found.update(dict.fromkeys(_problems_of(node)))
            stack.extend(value for value in node.values() if isinstance(value, (dict, list)))
        elif isinstance(node, list):
            stack.extend(value for value in node if isinstance(value, (dict, list)))
    return list(found)
