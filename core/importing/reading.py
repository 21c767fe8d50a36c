"""Reading uploaded files: encoding detection by a fixed rule, CSV and .xlsx rows, column mapping.

Encoding rule (ecosystem.md §2): BOM → UTF-8; strict UTF-8 decodes → UTF-8; otherwise cp932 (strict).
Never ``shift_jis`` (fails on ① ㈱ 髙) nor ``shift_jis_2004`` (silently turns 髙 into 郄).
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from flask import current_app, has_app_context

from core import archives

XLSX_MAGIC = b"PK\x03\x04"
_CHUNK = 1024 * 1024


class FileUnreadable(ValueError):
    """The file cannot be read as a table (the message is Japanese and names the problem)."""


def decode(data: bytes, encoding: str = "auto") -> tuple[str, str]:
    """Return ``(text, encoding_used)``; ``encoding`` is ``auto``, ``utf-8`` or ``cp932``."""
    if encoding not in ("auto", "utf-8", "cp932"):
        raise FileUnreadable(f"文字コード「{encoding}」には対応していません（auto / utf-8 / cp932）。")
    if encoding in ("auto", "utf-8") and data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if encoding in ("auto", "utf-8"):
        try:
            return data.decode("utf-8", errors="strict"), "utf-8"
        except UnicodeDecodeError as exc:
            if encoding == "utf-8":
                raise FileUnreadable(f"UTF-8 として読めません（{_line_of(data, exc.start)} 行目付近）。"
                                     "文字コードの設定を確認してください。") from None
    try:
        return data.decode("cp932", errors="strict"), "cp932"
    except UnicodeDecodeError as exc:
        raise FileUnreadable(f"UTF-8 としても Shift_JIS（cp932）としても読めない文字があります"
                             f"（{_line_of(data, exc.start)} 行目付近）。") from None


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


@dataclass
class Table:
    """Rows of a file as lists of strings, with their spreadsheet row numbers (1-based)."""

    encoding: str
    rows: Iterator[tuple[int, list[str]]]


#: Limits of an Excel file outside an app (the app's come from its config, ``archives.xlsx_limits``).
XLSX_LIMITS = archives.ZipLimits(max_total=200 * archives.MB, max_member=100 * archives.MB, max_ratio=100,
                                 max_members=1_000)


def detect_encoding(data: bytes, encoding: str = "auto") -> str:
    """The encoding ``decode`` would use, found by decoding in chunks without keeping the text (a 50 MB file
    would otherwise be held twice more as one string). Raises FileUnreadable as ``decode`` does."""
    if encoding not in ("auto", "utf-8", "cp932"):
        raise FileUnreadable(f"文字コード「{encoding}」には対応していません（auto / utf-8 / cp932）。")
    if encoding in ("auto", "utf-8") and data.startswith(b"\xef\xbb\xbf"):
        _validate(data, 3, "utf-8", "UTF-8 として読めない文字があります")
        return "utf-8-sig"
    if encoding in ("auto", "utf-8"):
        offset = _first_error(data, 0, "utf-8")
        if offset is None:
            return "utf-8"
        if encoding == "utf-8":
            raise FileUnreadable(f"UTF-8 として読めません（{_line_of(data, offset)} 行目付近）。"
                                 "文字コードの設定を確認してください。")
    _validate(data, 0, "cp932", "UTF-8 としても Shift_JIS（cp932）としても読めない文字があります")
    return "cp932"


def _first_error(data: bytes, start: int, encoding: str) -> int | None:
    """Offset (near enough for a line number) of the first byte ``encoding`` cannot decode, or None; decodes
    1 MB at a time and keeps nothing."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    view = memoryview(data)
    position = start
    try:
        while position < len(data):
            decoder.decode(view[position:position + _CHUNK])
            position += _CHUNK
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        return min(len(data) - 1, position + exc.start)
    return None


def _validate(data: bytes, start: int, encoding: str, message: str) -> None:
    offset = _first_error(data, start, encoding)
    if offset is not None:
        raise FileUnreadable(f"{message}（{_line_of(data, offset)} 行目付近）。")


def read_table(data: bytes, file_name: str, encoding: str = "auto",
               xlsx_limits: archives.ZipLimits | None = None) -> Table:
    """Open CSV (any of the encodings above) or .xlsx (first sheet) as rows of text cells, read lazily.

    An .xlsx is refused before it is opened when its declared sizes pass ``xlsx_limits`` (by default the app's)."""
    if data.startswith(XLSX_MAGIC) or file_name.lower().endswith(".xlsx"):
        check_xlsx_size(data, xlsx_limits)
        return Table("xlsx", _xlsx_rows(data))
    used = detect_encoding(data, encoding)
    text = io.TextIOWrapper(io.BytesIO(data), encoding=used, newline="")
    reader = csv.reader(text)
    return Table(used, ((n, row) for n, row in enumerate(reader, start=1)))


def check_xlsx_size(data: bytes, limits: archives.ZipLimits | None = None) -> None:
    """Refuse an Excel file that would expand beyond the limits (a small file of gigabytes of XML)."""
    if limits is None:
        limits = archives.xlsx_limits(current_app.config) if has_app_context() else XLSX_LIMITS
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            archives.check_declared(archive, limits)
    except zipfile.BadZipFile:
        return  # openpyxl says the file is unreadable, in the same words as for any damaged file
    except archives.ArchiveTooLarge as exc:
        raise FileUnreadable(f"Excel ファイル（.xlsx）が展開すると大きすぎるため、読み込みませんでした: {exc}"
                             "データの入ったシートだけを新しいブックにコピーして保存し直すか、CSV で保存してください。") from None


def estimated_rows(data: bytes, file_name: str) -> int:
    """Rows of the file for the progress bar, without reading it as a table (line breaks; the sheet's size)."""
    if data.startswith(XLSX_MAGIC) or file_name.lower().endswith(".xlsx"):
        return 0
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise FileUnreadable("Excel ファイル（.xlsx）として読めません。ファイルが壊れていないか確認してください。") from None
    sheet = book.worksheets[0]
    for n, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        yield n, [_cell_text(v) for v in row]
    book.close()


def _cell_text(value) -> str:
    """Excel cells become text the field parsers understand (dates as ISO, whole numbers without .0)."""
    from datetime import date, datetime

    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def map_columns(header: list[str] | None, columns: dict[str, str | int],
                optional: set[str] = frozenset()) -> tuple[dict[str, int], list[str]]:
    """Resolve each field's column (header name or 1-based position) to a 0-based index.

    A header named for an ``optional`` field may be missing from the file: that field is then not mapped.
    :returns: ``(field → index, problems)``; problems name the missing header or bad position.
    """
    resolved, problems = {}, []
    names = [h.strip().lstrip("\ufeff") for h in header] if header is not None else None
    for field, spec in columns.items():
        if isinstance(spec, int) or (isinstance(spec, str) and spec.isdigit()):
            position = int(spec)
            if position < 1:
                problems.append(f"項目「{field}」の列番号 {position} は 1 以上にしてください。")
                continue
            resolved[field] = position - 1
        elif names is None:
            problems.append(f"見出し行のないファイルでは、項目「{field}」の列は番号で指定してください。")
        elif spec in names:
            resolved[field] = names.index(spec)
        elif field in optional:
            continue
        else:
            problems.append(f"見出し「{spec}」の列がファイルにありません（項目「{field}」）。")
    return resolved, problems
