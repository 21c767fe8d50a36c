"""The embedded fonts of the reports: BIZ UD TrueType files shipped in ``static/fonts`` (never the CID fonts).

reportlab embeds only the glyphs a document uses. Fonts are registered once per process, on first use, from
the repository (``PROJECT_ROOT/static/fonts``), so Windows and Linux servers print the same reports.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from core.config import PROJECT_ROOT

FONT_DIR = PROJECT_ROOT / "static" / "fonts"


@dataclass(frozen=True)
class FontFace:
    """One typeface as both renderers name it."""

    key: str
    #: reportlab names of the regular and bold faces (registered from the files below)
    regular: str
    bold: str
    regular_file: str
    bold_file: str
    #: the family name Excel shows (Japanese name of the installed Windows font, identical to the PDF's face)
    excel_name: str
    #: the family of the bold face in Excel (明朝 has none: titles use the Gothic bold, as in the PDF)
    excel_bold_name: str = ""

    @property
    def excel_bold(self) -> str:
        return self.excel_bold_name or self.excel_name


FACES = {
    "gothic": FontFace("gothic", "BIZUDGothic-Regular", "BIZUDGothic-Bold", "BIZUDGothic-Regular.ttf",
                       "BIZUDGothic-Bold.ttf", "BIZ UDゴシック"),
    # BIZ UD明朝 has no bold face; headings of a 明朝 report use the Gothic bold, as Japanese documents usually do.
    "mincho": FontFace("mincho", "BIZUDMincho-Regular", "BIZUDGothic-Bold", "BIZUDMincho-Regular.ttf",
                       "BIZUDGothic-Bold.ttf", "BIZ UD明朝", "BIZ UDゴシック"),
}

_lock = threading.Lock()
_registered: set[str] = set()


def face(key: str = "gothic") -> FontFace:
    """The face for ``key`` ("gothic" or "mincho"), registered with reportlab on first use."""
    try:
        result = FACES[key]
    except KeyError:
        raise ValueError(f"unknown font {key!r}; use one of {', '.join(FACES)}") from None
    _register(result.regular, result.regular_file)
    _register(result.bold, result.bold_file)
    return result


def _register(name: str, filename: str) -> None:
    if name in _registered:
        return
    with _lock:
        if name in _registered:
            return
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        path = FONT_DIR / filename
        if not path.is_file():
            raise FileNotFoundError(f"帳票用フォント {path} がありません（static/fonts/README.md を参照）。")
        pdfmetrics.registerFont(TTFont(name, str(path)))
        _registered.add(name)
