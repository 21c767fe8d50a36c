"""What a PDF really contains, read with a PDF parser (pikepdf, on qpdf) rather than by scanning bytes.

Every object is walked, those inside compressed object streams included, so a script or an external action
cannot hide from the check by compression or by ``#xx`` escapes in names. An application document is a
printed certificate: it needs no script, no link or action reaching outside the file, no form that sends
data, no embedded file and no media, so all of these are refused (an ``/OpenAction`` or ``/AA`` that points to
one of them is refused with it). Links inside the document (``/GoTo``, bookmarks) stay allowed.
"""

from __future__ import annotations

import io

import pikepdf
from pikepdf import Array, Dictionary, Name, Stream

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


class PdfUnreadable(ValueError):
    """The bytes cannot be parsed as a PDF."""


class PdfEncrypted(ValueError):
    """The PDF is encrypted (with or without a password to open it)."""


def _problems_of(obj: Dictionary) -> list[str]:
    found = []
    for key in obj.keys():
        if key in KEYS:
            found.append(KEYS[key])
    kind = obj.get("/S")
    if isinstance(kind, Name) and str(kind) in ACTIONS:
        found.append(ACTIONS[str(kind)])
    for type_key in ("/Type", "/Subtype"):
        value = obj.get(type_key)
        if isinstance(value, Name) and str(value) in TYPES:
            found.append(TYPES[str(value)])
    spec = obj.get("/FS")
    if isinstance(spec, Name) and str(spec) == URL_FILESPEC:
        found.append("Web などへのリンク（/URL）")
    return found


def active_content(content: bytes) -> list[str]:
    """Labels (Japanese, without repeats) of the active content and external actions in ``content``.

    :raises PdfEncrypted: the file is encrypted.
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
            return _walk(pdf)
        except (pikepdf.PdfError, ValueError, RuntimeError):
            raise PdfUnreadable() from None


def _walk(pdf: pikepdf.Pdf) -> list[str]:
    # Every indirect object the file lists (qpdf unpacks object streams), plus anything reached from the
    # trailer; direct dictionaries and arrays nested inside them are pushed as they are met.
    found: dict[str, None] = {}
    seen: set[tuple[int, int]] = set()
    stack = [pdf.trailer, *pdf.objects]
    while stack:
        obj = stack.pop()
        if obj.is_indirect:
            if obj.objgen in seen:
                continue
            seen.add(obj.objgen)
        if isinstance(obj, Stream):
            obj = obj.stream_dict
        if isinstance(obj, Dictionary):
            found.update(dict.fromkeys(_problems_of(obj)))
            children = obj.values()
        elif isinstance(obj, Array):
            children = list(obj)
        else:
            continue
        stack.extend(child for child in children
                     if isinstance(child, (Dictionary, Array, Stream))
                     and not (child.is_indirect and child.objgen in seen))
    return list(found)
