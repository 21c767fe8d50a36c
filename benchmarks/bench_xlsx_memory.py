"""Peak memory and time of the contractor list's Excel export at city scale: the previous writer and the streaming one.

Usage:
    python benchmarks/bench_xlsx_memory.py [--firms 18000] [--work-types 60000]

Synthetic rows, no database: ``--firms`` rows of the 23 columns of 業者一覧 and ``--work-types`` rows of the 11
columns of 業種・等級, generated lazily by the same generators for both writers, so the difference is the writer.
Each writer runs in a fresh subprocess (``ru_maxrss`` is a per-process high-water mark); ``baseline`` is the same
process with the imports and no export, to show what the writer adds.

- ``previous``: the SpreadsheetML writer the registry view had (copied below, unchanged apart from names): each sheet
  is one string, the zip is built in a ``BytesIO``.
- ``streaming``: ``exports.render.xlsx_stream.xlsx_response`` as the view calls it, drained like a WSGI server does.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import resource
import subprocess
import sys
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIRM_HEADER = ["業者番号", "商号又は名称", "商号又は名称（カナ）", "法人・個人", "法人番号", "代表者の役職", "代表者の氏名",
               "郵便番号", "所在地", "電話番号", "メールアドレス", "受任者の名称", "受任者の役職", "受任者の氏名",
               "受任者の郵便番号", "受任者の所在地", "受任者の電話番号", "地域区分", "地域区分を変更した理由", "状態",
               "状態の理由", "業種・等級", "指名停止中"]
WORK_TYPE_HEADER = ["業者番号", "商号又は名称", "登録区分", "有効期間の始期", "有効期間の終期", "業種コード", "業種",
                    "客観点", "主観点", "総合点", "等級"]
FIRM_WIDTHS = {1: 12, 2: 36, 3: 30, 9: 40, 22: 48}
WORK_TYPE_WIDTHS = {1: 12, 2: 36, 3: 16, 4: 14, 5: 14, 7: 28}


def firm_rows(count: int):
    for i in range(count):
        branch = i % 3 == 0
        yield [f"{250000 + i}", f"株式会社防府テスト建設工業{i}", f"ボウフテストケンセツコウギョウ{i}", "法人",
               f"{1000000000000 + i * 7}", "代表取締役", f"山田 太郎{i % 100}", "747-8501",
               f"山口県防府市寿町{i % 50}番{i % 9}号 防府ビルディング{i % 20}階", f"0835-{i % 90 + 10}-{i % 9000 + 1000}",
               f"info{i}@example.jp", f"防府テスト建設 防府営業所{i}" if branch else "", "所長" if branch else "",
               f"佐藤 次郎{i % 50}" if branch else "", "747-0001" if branch else "",
               f"山口県防府市駅南町{i % 30}番{i % 7}号" if branch else "", "0835-22-1111" if branch else "", "市内",
               "", "有効", "", "010土木一式工事 A・020建築一式工事 B・130舗装工事 A・050とび・土工・コンクリート工事 B",
               "指名停止中" if i % 97 == 0 else ""]


def work_type_rows(count: int, firms: int):
    start, end = date(2025, 4, 1), date(2027, 3, 31)
    for i in range(count):
        firm = i * firms // count
        objective = 600 + i % 900
        yield [f"{250000 + firm}", f"株式会社防府テスト建設工業{firm}", "建設工事", start, end, f"{i % 29 * 10 + 10:03d}",
               "土木一式工事", objective, 30, objective + 30, "ABCD"[i % 4]]


def sheets(firms: int, work_types: int):
    return [("業者一覧", FIRM_HEADER, FIRM_WIDTHS, firm_rows(firms)),
            ("業種・等級", WORK_TYPE_HEADER, WORK_TYPE_WIDTHS, work_type_rows(work_types, firms))]


# --- previous implementation (registry/views_contractors.py before the streaming writer), for comparison only ----

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_STYLES = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet {_NS}>'
           '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy/mm/dd"/></numFmts>'
           '<fonts count="2"><font><sz val="11"/><name val="Yu Gothic"/></font>'
           '<font><b/><sz val="11"/><name val="Yu Gothic"/></font></fonts>'
           '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
           '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
           '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
           '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
           '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
           '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
           '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')
_EPOCH = date(1899, 12, 30)


def _previous_column_letters(n: int) -> list[str]:
    from openpyxl.utils import get_column_letter

    return [get_column_letter(i) for i in range(1, n + 1)]


def _previous_cell(ref: str, value, style: int = 0) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return f'<c r="{ref}" s="2"><v>{(value - _EPOCH).days}</v></c>'
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return f'<c r="{ref}"><v>{value}</v></c>'
    text = escape(_XML_ILLEGAL.sub("", str(value)))
    styled = f' s="{style}"' if style else ""
    return f'<c r="{ref}" t="inlineStr"{styled}><is><t xml:space="preserve">{text}</t></is></c>'


def _previous_sheet_xml(header: list[str], widths: dict[int, int], rows) -> str:
    letters = _previous_column_letters(len(header))
    cols = "".join(f'<col min="{c}" max="{c}" width="{w}" customWidth="1"/>' for c, w in sorted(widths.items()))
    parts = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {_NS}><sheetViews>'
             '<sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
             f'</sheetView></sheetViews><cols>{cols}</cols><sheetData>',
             '<row r="1">' + "".join(_previous_cell(f"{letters[i]}1", h, 1) for i, h in enumerate(header)) + "</row>"]
    for n, row in enumerate(rows, start=2):
        parts.append(f'<row r="{n}">' + "".join(_previous_cell(f"{letters[i]}{n}", v) for i, v in enumerate(row))
                     + "</row>")
    parts.append("</sheetData></worksheet>")
    return "".join(parts)


def previous_xlsx_bytes(sheets) -> bytes:
    import zipfile
    from xml.sax.saxutils import quoteattr

    buffer = io.BytesIO()
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    rel_ns = "http://schemas.openxmlformats.org/package/2006/relationships"
    doc_rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", head + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/>'
                   f'<Override PartName="/xl/styles.xml" ContentType="{ct}.styles+xml"/>'
                   + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{ct}.worksheet+xml"/>'
                             for i in range(1, len(sheets) + 1)) + "</Types>")
        z.writestr("_rels/.rels", head + f'<Relationships xmlns="{rel_ns}"><Relationship Id="rId1" '
                   f'Type="{doc_rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", head + f'<workbook {_NS} xmlns:r="{doc_rel}"><sheets>' + "".join(
            f'<sheet name={quoteattr(title)} sheetId="{i}" r:id="rId{i}"/>' for i, (title, *_rest) in enumerate(sheets, 1))
            + "</sheets></workbook>")
        z.writestr("xl/_rels/workbook.xml.rels", head + f'<Relationships xmlns="{rel_ns}">' + "".join(
            f'<Relationship Id="rId{i}" Type="{doc_rel}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(sheets) + 1))
            + f'<Relationship Id="rId{len(sheets) + 1}" Type="{doc_rel}/styles" Target="styles.xml"/></Relationships>')
        z.writestr("xl/styles.xml", _STYLES)
        for i, (_title, header, widths, rows) in enumerate(sheets, 1):
            z.writestr(f"xl/worksheets/sheet{i}.xml", _previous_sheet_xml(header, widths, rows))
    return buffer.getvalue()


# --- one measurement per subprocess ---------------------------------------------------------------------

def run_one(writer: str, firms: int, work_types: int) -> dict:
    import openpyxl  # noqa: F401  (both writers' processes import the same modules)

    from exports.render.xlsx_stream import xlsx_response

    start, cpu = time.perf_counter(), time.process_time()
    size = 0
    if writer == "previous":
        size = len(previous_xlsx_bytes(sheets(firms, work_types)))
    elif writer == "streaming":
        response = xlsx_response(sheets(firms, work_types), "業者一覧")
        for chunk in response.response:  # what the WSGI server does
            size += len(chunk)
        response.close()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {"writer": writer, "seconds": round(elapsed, 2), "cpu": round(cpu, 2), "peak_rss_mb": round(peak, 1),
            "bytes": size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=18000)
    parser.add_argument("--work-types", type=int, default=60000)
    parser.add_argument("--child", choices=("baseline", "previous", "streaming"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        print(json.dumps(run_one(options.child, options.firms, options.work_types)))
        return
    print(f"業者一覧: {options.firms:,} rows x {len(FIRM_HEADER)} columns; 業種・等級: {options.work_types:,} rows x "
          f"{len(WORK_TYPE_HEADER)} columns")
    print(f"{'writer':<10} {'peak RSS MB':>12} {'wall s':>7} {'cpu s':>6} {'file KB':>9}")
    for writer in ("baseline", "previous", "streaming"):
        out = subprocess.run([sys.executable, __file__, "--child", writer, "--firms", str(options.firms),  # noqa: S603
                              "--work-types", str(options.work_types)], capture_output=True, text=True, check=True,
                             cwd=ROOT)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{writer:<10} {result['peak_rss_mb']:>12.1f} {result['seconds']:>7.2f} {result['cpu']:>6.2f} "
              f"{result['bytes'] / 1024:>9.0f}")


if __name__ == "__main__":
    main()
