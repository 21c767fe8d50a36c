"""Versioned settings of contracts (SPEC CM5, CM13): the 契約保証 and 前払金 ratios, the threshold between 契約書
and 請書, the guideline for change contracts, the number of 部分払 and the payment deadlines."""

from __future__ import annotations

from datetime import date

from core.rules.catalogue import RuleDefinition, SeedVersion, define_rule
from core.rules.fields import IntField, PercentField

GUARANTEE = "契約保証・前払金"
PAYMENT = "支払"

define_rule(RuleDefinition(
    key="contracts.terms", title="契約の条件（契約保証・前払金・契約書・変更・支払期限）", category="入札・契約",
    description="契約保証金の割合、前払金・中間前払金の上限、契約書を作る金額（未満は請書）、変更契約の目安（当初契約金額に"
                "対する増額の割合）、部分払の回数、支払期限の日数です。",
    basis="契約保証金は契約金額の 100 分の 10 以上（地方自治法施行令第167条の16 の運用例）。前払金は請負代金額の 10 分の 4 以内、"
          "中間前払金は 10 分の 2 以内（公共工事の前払金保証事業に関する法律の運用例）。支払期限は政府契約の支払遅延防止等に"
          "関する法律第6条（工事の完成払は請求から 40 日以内、その他は 30 日以内）。"
          "変更の目安 30 % と契約書の金額は初期値・要確認。",
    fields=(
        PercentField("guarantee_ratio", "契約保証の割合（契約金額に対する下限）", group=GUARANTEE),
        PercentField("advance_ratio", "前払金の上限（契約金額に対する割合）", group=GUARANTEE),
        PercentField("intermediate_ratio", "中間前払金の上限（契約金額に対する割合）", group=GUARANTEE),
        IntField("document_threshold", "契約書を作る契約金額（これ未満は請書）", minimum=0, maximum=10 ** 9, unit="円"),
        PercentField("change_guideline", "変更契約の目安（当初契約金額からの増額の割合）"),
        IntField("partial_payments", "部分払の回数の上限", minimum=0, maximum=12, unit="回", group=PAYMENT),
        IntField("final_payment_days", "完成払の支払期限（請求から）", minimum=1, maximum=90, unit="日", group=PAYMENT),
        IntField("other_payment_days", "前払金・部分払の支払期限（請求から）", minimum=1, maximum=90, unit="日",
                 group=PAYMENT),
    ),
    summary=lambda v: f"保証 {v['guarantee_ratio']}%以上／前払 {v['advance_ratio']}%まで／完成払 {v['final_payment_days']} 日",
    seeds=(SeedVersion(date(2000, 1, 1), {
        "guarantee_ratio": "10", "advance_ratio": "40", "intermediate_ratio": "20", "document_threshold": 1_500_000,
        "change_guideline": "30", "partial_payments": 3, "final_payment_days": 40, "other_payment_days": 30,
    }, "初期値・要確認（契約書を作る金額 150 万円、変更の目安 30 %、部分払 3 回）。"),),
))
