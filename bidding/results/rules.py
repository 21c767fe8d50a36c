"""Versioned wording of the letters after an opening (SPEC CM11, CM13): the 落札者決定通知書 with the deadline for
signing the contract, and the notice of a 低入札価格調査 with the documents asked for and their deadline. A city
changes them by adding a version, not code; each letter uses the version in force on its own date.

The deadlines are tables of the core deadline rules (``core.rules.deadline_for``): calendar or business days,
the start-day convention and the extension past a closed last day are settings too.
"""

from __future__ import annotations

from datetime import date

from core.rules.builtin import DEADLINE_COUNTING, deadline_table
from core.rules.catalogue import RuleDefinition, SeedVersion, define_rule
from core.rules.fields import TextField

WORDING = "通知書の文言"
FROM = date(2000, 1, 1)
PLACEHOLDERS = ("文言の {case_name} は件名、{deadline} は期限の日付に置き換えます。発信者は団体名（KEIYAKU_ORG_NAME）の"
                "次の行に印字します。")

define_rule(RuleDefinition(
    key="bidding.award_notice", title="落札者決定通知書", category="入札・契約",
    description="落札者に送る落札者決定通知書の文言と、契約の締結期限（落札決定の日から数えます）です。" + PLACEHOLDERS
                + DEADLINE_COUNTING,
    basis="契約の締結期限は市の契約規則の定めによります（落札決定の日から 7 日以内とする例が多い。初期値・要確認）。",
    fields=(
        TextField("title", "表題", max_length=40, group=WORDING),
        TextField("body", "本文", max_length=300, group=WORDING),
        TextField("closing", "結び", max_length=300, group=WORDING),
        TextField("issuer", "発信者（契約担当者の職・氏名）", max_length=60, group=WORDING),
        deadline_table(),
    ),
    summary=lambda v: f"表題「{v['title']}」／契約の締結期限: 落札決定の日から {v['items']['contract']['days']} 日"
    if "contract" in (v.get("items") or {}) else f"表題「{v['title']}」",
    seeds=(SeedVersion(FROM, {
        "title": "落札者決定通知書",
        "body": "{case_name}の入札について、下記のとおり貴社を落札者に決定したので通知します。",
        "closing": "契約の締結期限（{deadline}）までに、契約書その他必要な書類を提出して契約を締結してください。"
                   "期限までに契約を締結しないときは、落札の決定を取り消すことがあります。",
        "issuer": "契約担当者 市長",
        "items": {"contract": {"label": "契約の締結期限（落札決定の日から）", "days": 7, "business_days": False,
                               "count_from": "next_day", "extend_if_closed": True}},
    }, "初期値・要確認。"),),
))

define_rule(RuleDefinition(
    key="bidding.low_bid_survey", title="低入札価格調査の通知", category="入札・契約",
    description="入札価格が低入札価格調査基準価格を下回った入札者に、調査を行うことと提出を求める書類を知らせる通知書の文言と、"
                "書類の提出期限（通知の日から数えます）です。" + PLACEHOLDERS + DEADLINE_COUNTING,
    basis="地方自治法施行令第167条の10第1項（指名競争入札は第167条の13で準用）。提出書類は国の低入札価格調査の"
          "調査事項の例によります（初期値・要確認）。",
    fields=(
        TextField("title", "表題", max_length=40, group=WORDING),
        TextField("body", "本文", max_length=300, group=WORDING),
        TextField("documents", "提出を求める書類（「、」区切り）", max_length=500, group=WORDING),
        TextField("closing", "結び", max_length=300, group=WORDING),
        TextField("issuer", "発信者（契約担当者の職・氏名）", max_length=60, group=WORDING),
        deadline_table(),
    ),
    summary=lambda v: f"表題「{v['title']}」／提出期限: 通知の日から {v['items']['documents']['days']} 日"
    if "documents" in (v.get("items") or {}) else f"表題「{v['title']}」",
    seeds=(SeedVersion(FROM, {
        "title": "低入札価格調査について（通知）",
        "body": "{case_name}の入札において、貴社の入札価格が低入札価格調査基準価格を下回りました。その価格で契約の内容に"
                "適合した履行がされるかどうかを調査しますので、下記の書類を提出してください。",
        "documents": "入札価格の内訳書、手持ち工事の状況、配置予定技術者、下請予定業者等の一覧、資材の購入先及び購入先と"
                     "入札者の関係、手持ち資材の状況、労務者の供給の見通し、過去に施工した同種の公共工事の名称及び発注者",
        "closing": "提出期限（{deadline}）までに書類の提出がないとき、又は調査に協力しないときは、その入札を落札者と"
                   "しないことがあります。",
        "issuer": "契約担当者 市長",
        "items": {"documents": {"label": "調査資料の提出期限（通知の日から）", "days": 3, "business_days": True,
                                "count_from": "next_day", "extend_if_closed": True}},
    }, "初期値・要確認。"),),
))
