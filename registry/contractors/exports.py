"""The contractor list's CSV and Excel exports: the filtered firms with their 業種 and ranks, and whether each
is suspended (by ``registry.suspensions.queries``, JVs included)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote
from xml.sax.saxutils import escape

from flask import Response
from sqlalchemy.orm import Session

from core.csvexport import csv_response
from core.timefmt import JST
from registry.qualifications.models import RegisteredWorkType
from registry.suspensions.queries import suspensions_in_force

from . import queries
from .models import AREAS, CATEGORIES, LEGAL_FORMS, STATUSES, Contractor


@dataclass
class RegistrationSummary:
    """A registration with its 業種 rows as plain tuples (cheaper than ORM objects on lists and exports)."""

    category: str
    period_start: date
    period_end: date
    work_types: list = field(default_factory=list)  # (code, objective, subjective, rank)


def registrations_of(session: Session, ids) -> dict[int, list[RegistrationSummary]]:
    """Registrations per firm for ``ids`` (a list or a select of ids), in one query."""
    regs: dict[int, list[RegistrationSummary]] = {}
    for cid, category, start, end, code, objective, subjective, rank in queries.registration_rows(session, ids):
        items = regs.setdefault(cid, [])
        if not items or (items[-1].category, items[-1].period_start) != (category, start):
            items.append(RegistrationSummary(category, start, end))
        if code is not None:
            items[-1].work_types.append((code, objective, subjective, rank))
    return regs


def work_type_summary(regs: list[RegistrationSummary], codes: dict, day) -> list[tuple[str, str, str | None]]:
    """(code, title, rank) of the registrations in force on ``day`` (else the latest)."""
    current = [r for r in regs if r.period_start <= day <= r.period_end] or regs[-1:]
    return [(code, codes[code].title if code in codes else code, rank)
            for r in current for code, _o, _s, rank in r.work_types]


EXPORT_HEADER = ["業者番号", "商号又は名称", "商号又は名称（カナ）", "法人・個人", "法人番号", "代表者の役職", "代表者の氏名",
                 "郵便番号", "所在地", "電話番号", "メールアドレス", "受任者の名称", "受任者の役職", "受任者の氏名",
                 "受任者の郵便番号", "受任者の所在地", "受任者の電話番号", "地域区分", "地域区分を変更した理由", "状態",
                 "状態の理由", "業種・等級", "指名停止中"]


def _export_data(session: Session, stmt) -> tuple[list, dict[int, list[RegistrationSummary]]]:
    """The filtered firms as rows and their registrations, in two queries whatever the number of firms."""
    firms = session.execute(stmt.with_only_columns(*Contractor.__table__.c)).all()
    return firms, registrations_of(session, stmt.with_only_columns(Contractor.id).order_by(None))


def _summary(regs: list[RegistrationSummary], codes: dict, day) -> str:
    return "・".join(f"{code}{title if title != code else ''}{' ' + rank if rank else ''}"
                    for code, title, rank in work_type_summary(regs, codes, day))


def _export_row(c, summary: str, suspended: bool) -> list:
    return [c.number, c.name, c.name_kana, LEGAL_FORMS.get(c.legal_form, c.legal_form), c.corporate_number,
            c.representative_title, c.representative_name, c.postal_code, c.address, c.phone, c.email, c.branch_name,
            c.branch_representative_title, c.branch_representative_name, c.branch_postal_code, c.branch_address,
            c.branch_phone, AREAS.get(c.area, c.area), c.area_override_reason, STATUSES.get(c.status, c.status),
            c.status_reason, summary, "指名停止中" if suspended else ""]


def export_response(session: Session, stmt, codes: dict, day: date, suspended_on: date, fmt: str) -> Response:
    """The filtered list as a CSV or Excel download; 指名停止中 is judged on ``suspended_on``."""
    firms, regs = _export_data(session, stmt)
    suspended = suspensions_in_force(session, None, suspended_on)
    if fmt == "csv":
        return csv_response("業者一覧", EXPORT_HEADER, (
            _export_row(c, _summary(regs.get(c.id, []), codes, day), c.id in suspended) for c in firms))
    return _xlsx(firms, regs, codes, day, suspended)


def _xlsx(firms, regs: dict, codes: dict, day, suspended: dict) -> Response:
    """Two sheets: the firms, and one row per firm and 業種 with points as numbers and periods as dates."""
    firm_rows = (_export_row(c, _summary(regs.get(c.id, []), codes, day), c.id in suspended) for c in firms)

    def work_type_rows():
        for c in firms:
            for r in regs.get(c.id, []):
                category = CATEGORIES.get(r.category, r.category)
                for code, objective, subjective, rank in r.work_types:
                    total = RegisteredWorkType.points_total(objective, subjective)
                    yield [c.number, c.name, category, r.period_start, r.period_end, code,
                           codes[code].title if code in codes else "", objective, subjective, total, rank]

    data = xlsx_bytes([
        ("業者一覧", EXPORT_HEADER, {1: 12, 2: 36, 3: 30, 9: 40, 22: 48}, firm_rows),
        ("業種・等級", ["業者番号", "商号又は名称", "登録区分", "有効期間の始期", "有効期間の終期", "業種コード", "業種",
                     "客観点", "主観点", "総合点", "等級"], {1: 12, 2: 36, 3: 16, 4: 14, 5: 14, 7: 28}, work_type_rows()),
    ])
    stamp = datetime.now(JST).strftime("%Y%m%d_%H%M")
    response = Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = (f"attachment; filename=\"keiyaku_{stamp}.xlsx\"; "
                                               f"filename*=UTF-8''{quote(f'業者一覧_{stamp}.xlsx')}")
    return response


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


def _column_letters(n: int) -> list[str]:
    from openpyxl.utils import get_column_letter

    return [get_column_letter(i) for i in range(1, n + 1)]


def _cell(ref: str, value, style: int = 0) -> str:
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


def _sheet_xml(header: list[str], widths: dict[int, int], rows) -> str:
    letters = _column_letters(len(header))
    cols = "".join(f'<col min="{c}" max="{c}" width="{w}" customWidth="1"/>' for c, w in sorted(widths.items()))
    parts = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {_NS}><sheetViews>'
             '<sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
             f'</sheetView></sheetViews><cols>{cols}</cols><sheetData>',
             '<row r="1">' + "".join(_cell(f"{letters[i]}1", h, 1) for i, h in enumerate(header)) + "</row>"]
    for n, row in enumerate(rows, start=2):
        parts.append(f'<row r="{n}">' + "".join(_cell(f"{letters[i]}{n}", v) for i, v in enumerate(row)) + "</row>")
    parts.append("</sheetData></worksheet>")
    return "".join(parts)


def xlsx_bytes(sheets) -> bytes:
    """``sheets`` = [(title, header, {column number: width}, rows), ...] → the bytes of an .xlsx file."""
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
            z.writestr(f"xl/worksheets/sheet{i}.xml", _sheet_xml(header, widths, rows))
    return buffer.getvalue()
