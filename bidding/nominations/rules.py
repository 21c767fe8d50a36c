"""Versioned settings of nominations (SPEC CM3, CM13): whether a pick needs a reason, and the wording of the
指名通知書. A city changes them by adding a version, not code."""

from __future__ import annotations

from datetime import date

from core.rules.catalogue import RuleDefinition, SeedVersion, define_rule
from core.rules.fields import BoolField, TextField

WORDING = "指名通知書の文言"

define_rule(RuleDefinition(
    key="bidding.nomination", title="指名の手続と指名通知書", category="入札・契約",
    description="指名競争入札・随意契約で業者を選ぶときの手続と、指名通知書の文言です。文言の {case_name} は件名、"
                "{opening} は開札日時、{place} は工事場所に置き換えます。発信者は団体名（KEIYAKU_ORG_NAME）の次の行に"
                "印字します。",
    basis="指名通知書の記載事項は市の入札事務の定めによります（初期値・要確認）。"
          "指名の理由の記録は指名業者選定基準の運用によります。",
    fields=(
        BoolField("reason_required", "業者を選ぶときの理由", true_text="業者ごとに理由の入力を求める",
                  false_text="理由は任意"),
        TextField("notice_title", "表題", max_length=40, group=WORDING),
        TextField("notice_body", "本文", max_length=300, group=WORDING),
        TextField("notice_closing", "結び", max_length=300, group=WORDING),
        TextField("notice_issuer", "発信者（契約担当者の職・氏名）", max_length=60, group=WORDING),
    ),
    summary=lambda v: f"理由: {'必須' if v['reason_required'] else '任意'}／表題「{v['notice_title']}」",
    seeds=(SeedVersion(date(2000, 1, 1), {
        "reason_required": False,
        "notice_title": "指名通知書",
        "notice_body": "下記の{case_name}について、指名競争入札に参加する者として貴社を指名したので通知します。",
        "notice_closing": "入札に参加しない場合は、開札日時（{opening}）の前日までに入札辞退届を提出してください。",
        "notice_issuer": "契約担当者 市長",
    }, "初期値・要確認。"),),
))
