"""前払金請求受付 (SPEC CM5, CM11): the record of a 前払金 or 中間前払金 claim received, with what staff check before
paying it (the claim within the contract's limit, the 前払保証 named, the contract's 決裁) and its 支払期限."""

from __future__ import annotations

from bidding.contracts.models import Contract, Payment
from core.errors import ValidationFailed
from core.jp import format_date

from . import register
from .base import Param, ReportDefinition
from .bidding import CASE_PARAM, VIEW, yen_text
from .bidding_contracts import _contract
from .formdoc import Approvals, Fields, FormDocument, FormPage, Grid, Heading, Note, Title

ADVANCE_KINDS = ("advance", "intermediate")


def _claim(contract: Contract, raw: str | None) -> Payment:
    """The claim the form is for: by its 請求番号 (the payment's number in the contract), or the newest 前払金 claim."""
    claims = [p for p in contract.payments if p.kind in ADVANCE_KINDS]
    if not claims:
        raise ValidationFailed({"case": ["この契約には前払金・中間前払金の請求がありません。"]})
    raw = (raw or "").strip()
    if not raw:
        return claims[-1]
    if not raw.isdigit():
        raise ValidationFailed({"claim": ["請求の番号は数字（例: 1）で入力してください。"]})
    number = int(raw)
    if not 1 <= number <= len(contract.payments) or contract.payments[number - 1].kind not in ADVANCE_KINDS:
        raise ValidationFailed({"claim": [f"{number} 番目の請求は前払金・中間前払金の請求ではありません。"]})
    return contract.payments[number - 1]


def _checks(contract: Contract, claim: Payment) -> tuple[tuple[str, str], ...]:
    limit = contract.advance_amount or 0
    if claim.kind == "advance":
        within = f"{'適' if claim.amount <= limit else '否'}（契約で定めた前払金 {limit:,} 円以内）"
    else:
        within = "適（中間前払金を認める契約）" if contract.intermediate_allowed else "否（中間前払金を認めない契約）"
    return (("請求額が限度額以内", within),
            ("前払保証", contract.advance_guarantee or "記載なし（保証証書を確認すること）"),
            ("契約の決裁", "決裁済" if contract.is_approved else "起案中（決裁の後に支払うこと）"),
            ("保証証書の原本", "□ 確認した"))


def build_advance_claim(session, params: dict, actor) -> FormDocument:
    contract = _contract(session, params, actor)
    claim = _claim(contract, params.get("claim"))
    number = contract.payments.index(claim) + 1
    rows = (("受付番号", f"{contract.number}-{number}"), ("契約番号", contract.number),
            ("工事名", contract.case.name), ("受注者", contract.contractor.name),
            ("請負代金額", yen_text(contract.current_amount)),
            ("工期", f"{format_date(contract.work_from)}〜{format_date(contract.current_work_to)}"),
            ("請求の種類", claim.kind_label), ("請求額", yen_text(claim.amount)),
            ("請求日（受付日）", format_date(claim.claimed_on)), ("支払期限", format_date(claim.due_on)),
            ("支払日", format_date(claim.paid_on) if claim.paid_on else "未払"))
    blocks = [Approvals(("課長", "係長", "担当")), Title(f"{claim.kind_label}請求受付票"), Fields(rows),
              Heading("確認事項"), Grid(("項目", "確認"), _checks(contract, claim), widths=(2.0, 5.0)),
              Note("支払期限は政府契約の支払遅延防止等に関する法律に基づく市の設定（請求の日から）によります。")]
    return FormDocument(f"{claim.kind_label}請求受付票", [FormPage(blocks, label=f"{contract.number}-{number}")],
                        subject=f"{contract.number} {claim.kind_label}")


register(ReportDefinition(
    name="advance_claim", title="前払金請求受付票",
    description="前払金・中間前払金の請求を受け付けた記録です。請求額が契約の限度額以内か、前払保証、契約の決裁、支払期限を"
                "記載します。",
    params=(CASE_PARAM, Param("claim", "請求の番号（空欄なら最新の前払金の請求）", "text", required=False, max_length=3)),
    build=build_advance_claim, roles=VIEW,
))
