"""The e-contract bundle of a contract (SPEC CM14): its documents as PDF (契約書 or 請書, each 変更契約書) and
``econtract.json`` with what an e-contract service needs: the parties (with 法人番号), the amounts and tax, the
dates and the SHA-256 of every document. Written by ``flask --app wsgi contracts export-econtract`` and downloaded
as a ZIP from the contract's 契約 tab; the format is documented in docs/econtract.md.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import date
from pathlib import Path

from sqlalchemy import select

from bidding.contracts.models import Contract

from .render import render_pdf
from .reports import get

FORMAT_VERSION = 1


def find_contract(session, number: str) -> Contract | None:
    return session.scalar(select(Contract).where(Contract.number == number))


def _document(session, name: str, params: dict, actor, org: str, day: date) -> bytes:
    definition = get(name)
    document = definition.produce(session, definition.parse(params, session), actor)
    return render_pdf(document, org, day)


def bundle_files(session, contract: Contract, *, org: str, actor=None) -> dict[str, bytes]:
    """File name → content of the bundle (the PDFs and ``econtract.json``)."""
    case = contract.case
    files = {f"{contract.number}_{contract.document_label}.pdf":
             _document(session, "contract_document", {"case": case.number}, actor, org, contract.contract_date)}
    for change in contract.changes:
        files[f"{contract.number}_変更契約書_第{change.seq}回.pdf"] = _document(
            session, "change_document", {"case": case.number, "seq": str(change.seq)}, actor, org, change.changed_on)
    firm = contract.contractor
    meta = {
        "format": "keiyaku-econtract", "version": FORMAT_VERSION,
        "contract": {"number": contract.number, "case_number": case.number, "title": case.name,
                     "document_kind": contract.document_kind, "contract_date": contract.contract_date.isoformat(),
                     "work_from": contract.work_from.isoformat(), "work_to": contract.current_work_to.isoformat(),
                     "amount": contract.current_amount, "original_amount": contract.amount,
                     "tax_amount": contract.changes[-1].tax_after if contract.changes else contract.tax_amount,
                     "approved": contract.is_approved,
                     "approved_at": contract.approved_at.isoformat() if contract.approved_at else None},
        "changes": [{"seq": c.seq, "changed_on": c.changed_on.isoformat(), "amount_before": c.amount_before,
                     "amount_after": c.amount_after, "tax_after": c.tax_after,
                     "work_to_after": c.work_to_after.isoformat(), "reason": c.reason} for c in contract.changes],
        "parties": {
            "orderer": {"name": org, "role": "発注者"},
            "contractor": {"role": "受注者", "number": firm.number, "name": firm.name,
                           "corporate_number": firm.corporate_number, "address": firm.address,
                           "representative": " ".join(p for p in (firm.representative_title, firm.representative_name)
                                                      if p) or None,
                           "email": firm.email},
        },
        "documents": [{"file": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
                      for name, data in files.items()],
    }
    files["econtract.json"] = json.dumps(meta, ensure_ascii=False, indent=2).encode("utf-8")
    return files


def write_bundle(files: dict[str, bytes], out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in files.items():
        path = out_dir / name
        path.write_bytes(data)
        written.append(path)
    return written


def zip_bundle(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()
