"""The application form's wording as a versioned setting (SPEC CM13): documents to attach and declarations.

Which documents are required depends on the application: ``always``, only when construction is applied for,
only for corporations, only when a branch (受任者) bids, or never (optional). Wording and codes are 初期値・要確認.
"""

from __future__ import annotations

from datetime import date

from core.rules.catalogue import RuleDefinition, SeedVersion, define_rule
from core.rules.fields import ChoiceField, IntField, TableField, TextField

REQUIRED_WHEN = (("always", "常に必須"), ("construction", "建設工事を申請するとき必須"),
                 ("corporation", "法人のとき必須"), ("branch", "受任者がいるとき必須"), ("optional", "任意"))


def _document(order, title, required_when):
    return {"order": order, "title": title, "required_when": required_when}


define_rule(RuleDefinition(
    key="registry.application_form", title="資格審査申請の添付書類と誓約事項", category="業者登録",
    description="インターネットで受け付ける入札参加資格審査申請の添付書類（種類と必須の条件）と、申請者が同意する誓約事項の"
                "文言です。識別名は書類・誓約のコードで、受け付けた申請に記録されます。変えるときは識別名を変えずに文言を直します。",
    basis="入札参加資格審査申請の一般的な添付書類（経営事項審査結果通知書、納税証明書、登記事項証明書、委任状など）と"
          "暴力団排除に関する誓約による初期値・要確認。",
    fields=(
        TableField("documents", "添付書類", name_label="書類コード", max_rows=30, columns=(
            IntField("order", "表示順", minimum=1, maximum=99),
            TextField("title", "書類の名称", max_length=80),
            ChoiceField("required_when", "必須の条件", choices=REQUIRED_WHEN),
        )),
        TableField("declarations", "誓約事項", name_label="誓約コード", max_rows=10, columns=(
            IntField("order", "表示順", minimum=1, maximum=99),
            TextField("text", "誓約の文言", max_length=400),
        )),
    ),
    summary=lambda v: f"添付書類 {len(v['documents'])} 種類／誓約 {len(v['declarations'])} 項目",
    seeds=(SeedVersion(date(2000, 1, 1), {
        "documents": {
            "keishin_notice": _document(1, "経営規模等評価結果・総合評定値通知書（経審の結果通知書）の写し", "construction"),
            "tax_certificate": _document(2, "納税証明書（国税・市税の未納がないことの証明）", "always"),
            "registry_certificate": _document(3, "登記事項証明書（履歴事項全部証明書）", "corporation"),
            "permit_notice": _document(4, "建設業許可通知書の写し", "construction"),
            "power_of_attorney": _document(5, "委任状（受任者に権限を委任するとき）", "branch"),
            "other": _document(9, "その他の書類", "optional"),
        },
        "declarations": {
            "antisocial": {"order": 1, "text": "役員等が暴力団員でないこと、暴力団又は暴力団員と社会的に非難されるべき関係を"
                                             "有していないことを誓約します（暴力団排除に関する誓約）。"},
            "truthful": {"order": 2, "text": "この申請書及び添付書類の内容は、事実と相違ないことを誓約します。"},
            "no_disqualification": {"order": 3, "text": "地方自治法施行令第167条の4 に規定する一般競争入札に参加させることが"
                                                      "できない者に該当しないことを誓約します。"},
        },
    }, "初期値・要確認。"),),
))
