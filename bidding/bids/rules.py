"""Versioned settings of bids (SPEC CM4, CM13): rounds of 再度入札, whether a re-bid must be lower, the invalid-bid
reasons, and how the 電子くじ takes its system values. A city changes them by adding a version, not code."""

from __future__ import annotations

from datetime import date

from core.rules.catalogue import RuleDefinition, SeedVersion, define_rule
from core.rules.fields import BoolField, ChoiceField, Errors, IntField, TableField, TextField

LOT_SOURCES = (("receipt_ms", "入札書の受付時刻のミリ秒（下 3 桁）"), ("random", "乱数（0〜999）"))
LOT = "電子くじ"


def _check(values: dict) -> Errors:
    number = values.get("paper_number") or ""
    if not (len(number) == 3 and number.isdigit()):
        return {"paper_number": ["紙入札の固定番号は 3 桁の数字（例: 000）で入力してください。"]}
    return {}


define_rule(RuleDefinition(
    key="bidding.bids", title="入札の執行（再度入札・無効・電子くじ）", category="入札・契約",
    description="再度入札の回数と金額の条件、無効とする入札の理由、同額の入札を電子くじで決めるときのシステム側の値です。"
                "電子くじは、入札者の 3 桁のくじ入力番号にシステムの 3 桁の値を加えた下 3 桁をくじ番号とし、"
                "同額の入札者を受付順に 0, 1, 2 … と番号付けて、くじ番号の合計を人数で割った余りの番号の者を 1 位とします"
                "（残りの者で繰り返して順位を決めます）。",
    basis="再度入札は通常 3 回まで（参考資料 §3.1）。無効入札の理由は大村市財務規則第111条の例。電子くじの方法は"
          "徳島県・高知県（受付時刻のミリ秒）、郡山市・群馬県（乱数）の例。紙入札の番号は徳島県 000、広島県 001 の例"
          "（初期値・要確認）。",
    fields=(
        IntField("max_rounds", "入札の回数（初回を含む）", minimum=1, maximum=5, unit="回"),
        BoolField("rebid_lower", "再度入札の金額", true_text="前回の自社の入札額より低い額に限る", false_text="制限しない"),
        ChoiceField("lot_source", "くじのシステム側の値", choices=LOT_SOURCES, group=LOT),
        TextField("paper_number", "紙入札のくじ入力番号（固定）", max_length=3, mono=True, group=LOT),
        TableField("invalid_reasons", "無効とする入札の理由", name_label="コード", max_rows=30, columns=(
            TextField("label", "理由", max_length=60),
        )),
    ),
    check=_check,
    summary=lambda v: f"{v['max_rounds']} 回まで／再度入札は{'前回より低い額' if v['rebid_lower'] else '制限なし'}／"
                      f"くじ: {dict(LOT_SOURCES)[v['lot_source']]}",
    seeds=(SeedVersion(date(2000, 1, 1), {
        "max_rounds": 3, "rebid_lower": True, "lot_source": "receipt_ms", "paper_number": "000",
        "invalid_reasons": {
            "correction": {"label": "金額の訂正"}, "unsigned": {"label": "記名押印なし"},
            "multiple": {"label": "同一事項に 2 通以上の入札"}, "late": {"label": "遅参（入札時刻後の到着）"},
            "agent": {"label": "2 人以上の代理"}, "collusion": {"label": "談合その他不正行為"},
            "deposit": {"label": "入札保証金の不足"}, "unqualified": {"label": "参加資格のない者の入札"},
        },
    }, "初期値・要確認（大村市財務規則第111条、徳島県の電子くじの例）。"),),
))
