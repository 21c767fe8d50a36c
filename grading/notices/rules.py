"""Versioned wording of the grading letters (SPEC GR4, CM11, CM13): the 工事成績評定通知書 sent to the contractor and
the answers to its 説明請求 (説明書（回答）) and 再説明請求 (再説明書（回答）). A city changes them by adding a version,
not code; each letter uses the version in force on its own date. The deadlines the letters name are those of
``grading.deadlines``."""

from __future__ import annotations

from core.rules.catalogue import RuleDefinition, SeedVersion, define_rule
from core.rules.fields import TextField

from ..rules import CATEGORY, DEFAULTS_FROM

KEY = "grading.notice"
NOTICE = "評定通知書の文言"
ANSWER = "説明書（回答）・再説明書（回答）の文言"

define_rule(RuleDefinition(
    key=KEY, title="工事成績評定の通知書と回答書", category=CATEGORY,
    description="工事成績評定通知書と、説明請求・再説明請求への回答書の文言です。{work_name} は工事名、{deadline} は"
                "説明請求の期限、{filed_on} は請求の受付日に置き換えます。発信者は団体名（KEIYAKU_ORG_NAME）の次の行に"
                "印字します。",
    basis="国土交通省の請負工事成績評定の通知（別記様式第1・第2）と、神栖市の処理要項の様式第1号（通知）・第3号"
          "（説明書（回答））・第4号（再説明書（回答））の例。文言と発信者は市の要領で確認してください（初期値・要確認）。",
    fields=(
        TextField("notice_title", "表題", max_length=40, group=NOTICE),
        TextField("notice_body", "本文", max_length=300, group=NOTICE),
        TextField("notice_closing", "結び（説明請求の案内）", max_length=300, group=NOTICE),
        TextField("notice_issuer", "発信者（職・氏名）", max_length=60, group=NOTICE),
        TextField("answer_title", "説明書の表題", max_length=40, group=ANSWER),
        TextField("answer_body", "説明書の本文", max_length=300, group=ANSWER),
        TextField("re_answer_title", "再説明書の表題", max_length=40, group=ANSWER),
        TextField("re_answer_body", "再説明書の本文", max_length=300, group=ANSWER),
        TextField("answer_issuer", "回答者（職・氏名）", max_length=60, group=ANSWER),
    ),
    summary=lambda v: f"表題「{v['notice_title']}」／発信者「{v['notice_issuer']}」",
    seeds=(SeedVersion(DEFAULTS_FROM, {
        "notice_title": "工事成績評定通知書",
        "notice_body": "{work_name}の工事成績評定の結果を、下記及び別紙の項目別評定点表のとおり通知します。",
        "notice_closing": "この評定の内容について説明を求めるときは、説明請求の期限（{deadline}）までに、書面又は"
                          "申請者ページにより請求することができます。",
        "notice_issuer": "契約担当者 市長",
        "answer_title": "工事成績評定に係る説明書（回答）",
        "answer_body": "{filed_on}付けで請求のあった{work_name}の工事成績評定に係る説明について、下記のとおり回答します。",
        "re_answer_title": "工事成績評定に係る再説明書（回答）",
        "re_answer_body": "{filed_on}付けで請求のあった{work_name}の工事成績評定に係る再説明について、工事成績評定委員会の"
                          "審議を経て、下記のとおり回答します。",
        "answer_issuer": "契約担当者 市長",
    }, "初期値・要確認。"),),
))
