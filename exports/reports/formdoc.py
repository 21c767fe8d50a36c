"""Letter-like forms (通知書, 伺, 調書): a ``FormDocument`` is a list of pages, each a list of blocks.

The tabular ``Document`` (``base.py``) is a list; a form is laid out like a letter a city sends or files: the
addressee top left, the date and the issuer top right, a centred title, paragraphs, a labelled table (項目 |
内容), the 記 section, a grid of approval boxes (決裁欄), small notes. A report's ``build`` returns either kind;
the renderers (``exports.render``) draw a ``FormDocument`` as an A4 portrait PDF (each page starts a new sheet
of paper) and as a workbook with one A4 sheet per page, in the same embedded font. Example::

    FormDocument("指名通知書", [FormPage([
        Dateline(date(2026, 5, 15)),
        Addressee(("株式会社架空建設", "代表取締役　山田 太郎")),
        Issuer(("契約担当者　架空市長",)),
        Title("指名通知書"),
        Text("下記の工事について、指名競争入札に参加する者として貴社を指名したので通知します。", indent=True),
        Ki((("件名", "市道中央線道路改良工事"), ("開札日時", "令和8年5月29日 10時00分"))),
    ], label="250001 株式会社架空建設")], unit="通")

Every text is plain (no markup) and already formatted by the definition (``core.jp.format_date`` and
``format_yen`` follow the date setting), except the ``Dateline`` date, which the renderers write in the long
form of the setting (令和8年5月15日) as the issue date of the tabular reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

ALIGNS = ("left", "center", "right")


@dataclass(frozen=True)
class Addressee:
    """Top left: the recipient's address and name lines; ``honorific`` (様, 御中) follows the last line."""

    lines: tuple[str, ...]
    honorific: str = "様"


@dataclass(frozen=True)
class Dateline:
    """Top right: an optional document number (文書番号) over the date; ``label`` names the date (起案日)."""

    on: date | None
    number: str = ""
    label: str = ""


@dataclass(frozen=True)
class Issuer:
    """Right-aligned issuer lines (発信者). ``org`` puts the organisation's name first, as the renderers are given
    it (``KEIYAKU_ORG_NAME``), so definitions do not read the configuration."""

    lines: tuple[str, ...] = ()
    org: bool = True


@dataclass(frozen=True)
class Title:
    """The centred, large title of the page."""

    text: str


@dataclass(frozen=True)
class Heading:
    """A section heading inside a form (「1 案件の概要」)."""

    text: str


@dataclass(frozen=True)
class Text:
    """Paragraphs (one per line of ``text``). ``indent`` starts each paragraph one character in (字下げ)."""

    text: str
    align: str = "left"
    indent: bool = False

    def __post_init__(self):
        if self.align not in ALIGNS:
            raise ValueError(f"align must be one of {ALIGNS}")


@dataclass(frozen=True)
class Note:
    """Small print under a table or at the foot of a form (注: 金額は消費税等を含まない)."""

    text: str


@dataclass(frozen=True)
class Fields:
    """A labelled table: one row per ``(項目, 内容)``; the value wraps and may hold line breaks."""

    rows: tuple[tuple[str, str], ...]
    #: The share of the width the labels take (of each half when ``pairs``).
    label_width: float = 0.27
    #: Two short items side by side on a line (dates, amounts), so a summary fits one sheet; an item whose value
    #: is longer than ``PAIR_LIMIT`` characters (or has a line break) takes a line of its own.
    pairs: bool = False

    def __post_init__(self):
        if not 0.1 <= self.label_width <= 0.6:
            raise ValueError("label_width must be between 0.1 and 0.6")

    def lines(self) -> list[list[tuple[str, str]]]:
        """The items of each printed line, in order: one, or two short ones side by side when ``pairs``."""
        if not self.pairs:
            return [[row] for row in self.rows]
        lines: list[list[tuple[str, str]]] = []
        waiting: tuple[str, str] | None = None
        for row in self.rows:
            if _long(row[1]):
                lines += [[waiting]] if waiting else []
                lines.append([row])
                waiting = None
            elif waiting:
                lines.append([waiting, row])
                waiting = None
            else:
                waiting = row
        return lines + ([[waiting]] if waiting else [])


#: A value longer than this (in full-width characters; others count about half) does not share its line.
PAIR_LIMIT = 13


def _long(value: str) -> bool:
    return "\n" in (value or "") or sum(1 if ord(ch) > 0x2E7F else 0.55 for ch in value or "") > PAIR_LIMIT


@dataclass(frozen=True)
class Ki:
    """The 記 section of a letter: 記 centred, its items as a labelled table, notes, then 以上 on the right."""

    rows: tuple[tuple[str, str], ...]
    notes: tuple[str, ...] = ()
    closing: str = "以上"


@dataclass(frozen=True)
class Grid:
    """A small table with a header row (the firms of a case). ``widths`` are relative weights; the columns in
    ``numeric`` align right."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...] = ()
    numeric: tuple[int, ...] = ()
    empty: str = "該当なし"

    def __post_init__(self):
        if self.widths and len(self.widths) != len(self.headers):
            raise ValueError("one width per header")
        for i, row in enumerate(self.rows):
            if len(row) != len(self.headers):
                raise ValueError(f"row {i} has {len(row)} values for {len(self.headers)} columns")


@dataclass(frozen=True)
class Approvals:
    """The 決裁欄: a box per approver (課長・係長・担当), label on top and room for a seal or signature below."""

    labels: tuple[str, ...] = ("課長", "係長", "担当")
    title: str = "決裁欄"
    align: str = "right"

    def __post_init__(self):
        if not self.labels:
            raise ValueError("at least one approval box")
        if self.align not in ALIGNS:
            raise ValueError(f"align must be one of {ALIGNS}")


@dataclass(frozen=True)
class Space:
    """Vertical space, in millimetres."""

    mm: float = 5.0


Block = Addressee | Dateline | Issuer | Title | Heading | Text | Note | Fields | Ki | Grid | Approvals | Space
BLOCK_TYPES = (Addressee, Dateline, Issuer, Title, Heading, Text, Note, Fields, Ki, Grid, Approvals, Space)


@dataclass
class FormPage:
    """One letter or one form: it starts a new sheet of paper (and continues on the next if it is longer).
    ``label`` names its Excel sheet (業者番号 and name for a letter per firm)."""

    blocks: Sequence[Block]
    label: str = ""

    def __post_init__(self):
        for block in self.blocks:
            if not isinstance(block, BLOCK_TYPES):
                raise TypeError(f"not a form block: {block!r}")


@dataclass
class FormDocument:
    """Plain data of one letter-like report: ``pages`` in order, A4 portrait."""

    title: str
    pages: list[FormPage]
    #: 明朝 by default, as a city's letters and 調書 are printed; titles and headings use the Gothic bold.
    font: str = "mincho"
    #: What a page is called in the preview's count: 通 for letters, 枚 for sheets.
    unit: str = "枚"
    #: Print ``n / N`` at the foot of every sheet of paper (a form that may run over one page).
    numbered: bool = False
    #: The PDF's subject (the conditions), e.g. the case's number and name.
    subject: str = ""
    #: Forms are always portrait; the attribute keeps the definition's interface of ``Document``.
    landscape: bool | None = field(default=False)

    def __post_init__(self):
        if not self.pages:
            raise ValueError("a form has at least one page")

    @property
    def count_label(self) -> str:
        return f"全 {len(self.pages):,} {self.unit}"

    def spool(self, limit: int | None = None) -> list[FormPage]:
        return self.pages

    def close(self) -> None:
        """Nothing to drop (the tabular ``Document`` may hold a temporary file)."""
