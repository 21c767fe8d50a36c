"""The published results as the CSV the city posts on its website (入札結果公表): fixed columns, plain values
(and the same columns typed for Excel).

Both the results page's download and ``flask results export`` write through ``csv_chunks``, so the file is the
same wherever it comes from. Format: UTF-8 with BOM (Excel opens it as UTF-8) or CP932 on request, CRLF line
ends, a header line with exactly ``HEADER``; 開札日 ``YYYY-MM-DD``; amounts as plain integers (no separators, no
円); 落札率 a percentage with two decimals (``93.45``); empty cells where nothing applies (see
``queries`` for what each column means). CP932 cannot hold every character a name may contain: such a
character is written as 〓 (下駄記号), and the caller is told which (``Replaced``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from core.csvexport import _defuse  # the project's one guard against spreadsheet formulas in text cells

from .queries import ResultRow

HEADER = ("案件番号", "案件名称", "担当課", "入札方式", "開札日", "予定価格", "最低制限価格", "入札者数", "落札者業者番号",
          "落札者名", "落札金額", "落札率", "結果")
#: ``--encoding`` values and the codec each writes.
ENCODINGS = {"utf-8": "utf-8-sig", "cp932": "cp932"}
ENCODING_LABELS = {"utf-8": "UTF-8（BOM 付き）", "cp932": "Shift_JIS（CP932）"}
GETA = "〓"
#: Columns of free text (the others are numbers, dates, codes and fixed labels).
TEXT_COLUMNS = (1, 2, 9)
BATCH = 500


@dataclass(frozen=True)
class Replaced:
    """A character CP932 cannot hold, written as 〓: the case, the column and the character."""

    number: str
    column: str
    character: str

    @property
    def message(self) -> str:
        return f"{self.number} の{self.column}: 「{self.character}」（U+{ord(self.character):04X}）を〓にしました"


def record(row: ResultRow) -> list[str]:
    """One row as the CSV's values (strings)."""

    def number(value) -> str:
        return "" if value is None else str(value)

    return [row.number, row.name, row.department, row.method_label,
            row.opened_on.isoformat() if row.opened_on else "", number(row.planned_price), number(row.floor_price),
            number(row.bidders), row.winner_number or "", row.winner_name or "", number(row.amount), row.rate_text,
            row.result_label]


def typed_record(row: ResultRow) -> list:
    """One row as the same columns typed for a workbook: dates as dates, amounts and 落札率 as numbers."""
    return [row.number, row.name, row.department, row.method_label, row.opened_on, row.planned_price,
            row.floor_price, row.bidders, row.winner_number, row.winner_name, row.amount, row.rate, row.result_label]


def _fit(values: list[str], replaced: list[Replaced]) -> list[str]:
    """The text columns made writable in CP932 (〓 for what it lacks)."""
    for i in TEXT_COLUMNS:
        text = values[i]
        try:
            text.encode("cp932")
        except UnicodeEncodeError:
            out = []
            for ch in text:
                try:
                    ch.encode("cp932")
                    out.append(ch)
                except UnicodeEncodeError:
                    out.append(GETA)
                    replaced.append(Replaced(values[0], HEADER[i], ch))
            values[i] = "".join(out)
    return values


def csv_chunks(rows: Iterable[ResultRow], encoding: str = "utf-8",
               replaced: list[Replaced] | None = None) -> Iterator[bytes]:
    """The CSV as encoded chunks (the header first). ``replaced`` collects the characters written as 〓 (CP932)."""
    codec = ENCODINGS[encoding]
    replaced = replaced if replaced is not None else []
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    first = True
    for i, row in enumerate(rows, 1):
        values = [_defuse(v) if n in TEXT_COLUMNS else v for n, v in enumerate(record(row))]
        writer.writerow(_fit(values, replaced) if codec == "cp932" else values)
        if i % BATCH == 0:
            yield _encode(buffer, codec, first)
            first = False
    yield _encode(buffer, codec, first)


def _encode(buffer: io.StringIO, codec: str, first: bool) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    # utf-8-sig writes the BOM on every encode call: only the first chunk carries it.
    return text.encode(codec) if first or codec != "utf-8-sig" else text.encode("utf-8")
