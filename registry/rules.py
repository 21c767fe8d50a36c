"""Registry rules as versioned settings (SPEC CM13): code lists, rank thresholds, suspension causes and the start
of a suspension, areas.

Values the city decides are marked 「初期値・要確認」: they let the system work on day one and must be
confirmed. Codes seen in the legacy export (`shared/data/legacy_contractors.csv`) are the city's own; the
others are provisional and marked so.
"""

from __future__ import annotations

from datetime import date

from core.rules.builtin import DEADLINE_COUNTING, deadline_table, deadlines_summary
from core.rules.catalogue import RuleDefinition, SeedVersion, define_rule
from core.rules.fields import BoolField, ChoiceField, IntField, TableField, TextField
from core.rules.numbering import check_pattern

FROM = date(2000, 1, 1)
CATEGORY_CHOICES = (("construction", "建設工事"), ("consulting", "測量・建設コンサルタント"), ("goods", "物品"))

#: (code, name, 格付対象) — codes 010–230 marked * appear in the legacy export; the rest are provisional.
_WORK_TYPES = [
    ("010", "土木一式工事", True), ("020", "建築一式工事", True), ("030", "大工工事", True),
    ("040", "左官工事", False), ("050", "とび・土工・コンクリート工事", False), ("060", "石工事", False),
    ("070", "屋根工事", False), ("080", "電気工事", True), ("090", "管工事", True),
    ("100", "タイル・れんが・ブロック工事", False), ("110", "鋼構造物工事", False), ("120", "鉄筋工事", False),
    ("130", "舗装工事", True), ("140", "しゅんせつ工事", False), ("150", "塗装工事", True),
    ("160", "防水工事", False), ("170", "造園工事", True), ("180", "さく井工事", False),
    ("190", "水道施設工事", True), ("200", "消防施設工事", False), ("210", "清掃施設工事", False),
    ("220", "電気通信工事", False), ("230", "解体工事", True), ("240", "板金工事", False),
    ("250", "ガラス工事", False), ("260", "内装仕上工事", False), ("270", "機械器具設置工事", False),
    ("280", "熱絶縁工事", False), ("290", "建具工事", False),
]
_CONSULTING = [("510", "測量"), ("520", "建築関係建設コンサルタント業務"), ("530", "土木関係建設コンサルタント業務"),
               ("540", "地質調査業務"), ("550", "補償関係コンサルタント業務")]
_GOODS = [("910", "事務用品・印刷"), ("920", "電気・通信機器"), ("930", "車両・機械"), ("940", "薬品・医療用品"),
          ("950", "役務（清掃・警備・保守）")]


def _work_type_rows() -> dict:
    rows = {f"w{c}": {"code": c, "category": "construction", "title": n, "graded": g} for c, n, g in _WORK_TYPES}
    rows |= {f"w{c}": {"code": c, "category": "consulting", "title": n, "graded": True} for c, n in _CONSULTING}
    rows |= {f"w{c}": {"code": c, "category": "goods", "title": n, "graded": False} for c, n in _GOODS}
    return rows


def _check_codes(values: dict) -> dict:
    codes = [row["code"] for row in (values.get("items") or {}).values() if row.get("code")]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    return {"items": [f"業種コード {', '.join(duplicates)} が重複しています。"]} if duplicates else {}


define_rule(RuleDefinition(
    key="registry.work_types", title="業種・営業品目のコード", category="業者登録",
    description="業者登録で使う業種（建設工事の 29 業種）、測量・建設コンサルタントの業務、物品の営業品目のコード表です。"
                "「格付」にした業種は、客観点（経審の総合評定値）と主観点の合計で等級を付けます。",
    basis="建設業法の 29 業種（解体工事は平成28年6月1日から）。コード 010・020・030・080・090・130・150・170・190・230・"
          "510〜540 は旧システムの出力に現れる市のコード。その他のコード、コンサルタント 550、物品の営業品目は初期値・要確認。",
    fields=(TableField("items", "コード表", name_label="識別名", max_rows=120, columns=(
        TextField("code", "コード", max_length=10, mono=True),
        ChoiceField("category", "区分", choices=CATEGORY_CHOICES),
        TextField("title", "名称", max_length=60),
        BoolField("graded", "格付", true_text="格付する", false_text="登録のみ"),
    )),),
    check=_check_codes,
    summary=lambda v: f"{len(v['items'])} 件（建設工事 {sum(r['category'] == 'construction' for r in v['items'].values())}）",
    seeds=(SeedVersion(FROM, {"items": _work_type_rows()},
                       "初期値・要確認。旧システムに現れるコードは市のもの、その他は仮のコード。"),),
))

RANK_CHOICES = (("A", "A"), ("B", "B"), ("C", "C"), ("D", "D"), ("E", "E"))


def _rank_rows() -> dict:
    """Thresholds on 総合点 (客観点 + 主観点) for the graded construction trades (provisional, after 鹿児島県 H27・28)."""
    table = {"010": (1100, 900, 750), "020": (1000, 850, 700), "080": (900, 750, 650), "090": (900, 750, 650),
             "130": (900, 750, 650)}
    rows = {}
    for code, (a, b, c) in table.items():
        for rank, minimum in (("A", a), ("B", b), ("C", c), ("D", 0)):
            rows[f"t{code}{rank.lower()}"] = {"work_type_code": code, "rank": rank, "min_total": minimum}
    return rows


define_rule(RuleDefinition(
    key="registry.ranks", title="格付の基準", category="業者登録",
    description="格付する業種ごとに、総合点（客観点＋主観点）が各等級の下限点以上なら、その等級とします。表にない業種は"
                "最下位の等級（D）とします。新規の業者は最下位から始めるか、1 回の見直しで動かせる等級の数も設定します。",
    basis="総合点＝客観点（経審の総合評定値 P）＋主観点（寝屋川市・熊本・鹿児島県の例）。新規業者は最下位から、"
          "昇降は 2 段階まで（鹿児島県）または 1 段階まで（熊本）。下限点は鹿児島県 H27・28 の例を参考にした初期値・要確認。",
    fields=(
        TableField("thresholds", "下限点", name_label="識別名", max_rows=200, columns=(
            TextField("work_type_code", "業種コード", max_length=10, mono=True),
            ChoiceField("rank", "等級", choices=RANK_CHOICES),
            IntField("min_total", "総合点の下限", minimum=0, maximum=5000, unit="点"),
        )),
        BoolField("new_start_lowest", "新規の業者", true_text="最下位の等級から始める", false_text="点数どおり"),
        IntField("max_steps", "1 回の見直しで動かせる等級の数", minimum=1, maximum=4, unit="段階"),
    ),
    summary=lambda v: f"{len({r['work_type_code'] for r in v['thresholds'].values()})} 業種／新規は"
                      f"{'最下位から' if v['new_start_lowest'] else '点数どおり'}／{v['max_steps']} 段階まで",
    seeds=(SeedVersion(FROM, {"thresholds": _rank_rows(), "new_start_lowest": True, "max_steps": 2},
                       "初期値・要確認（鹿児島県 H27・28 の例を参考）。"),),
))

UNIT_CHOICES = (("weeks", "週間"), ("months", "か月"))


def _cause(label, min_value, min_unit, max_value, max_unit):
    return {"label": label, "min_value": min_value, "min_unit": min_unit, "max_value": max_value, "max_unit": max_unit}


define_rule(RuleDefinition(
    key="registry.suspension_causes", title="指名停止の措置要件と期間", category="業者登録",
    description="指名停止の措置要件（原因）ごとの期間の範囲です。登録するときは、決定日に適用されるこの表の範囲内で期間を"
                "選びます。始期は「業者登録の期限」の「指名停止の始期」（初期値: 決定日の翌々日）で決まります。",
    basis="工事請負契約に係る指名停止等の措置要領 中央公共工事契約制度運用連絡協議会モデル 別表第1（虚偽記載 1〜6 か月、"
          "過失による粗雑工事 1〜6 か月、契約違反 2 週間〜4 か月）、光市の事故の基準（公衆損害事故・死亡 3〜6 か月など）。",
    fields=(TableField("items", "措置要件", name_label="識別名", max_rows=60, columns=(
        TextField("label", "措置要件", max_length=80),
        IntField("min_value", "期間の下限", minimum=1, maximum=36),
        ChoiceField("min_unit", "下限の単位", choices=UNIT_CHOICES),
        IntField("max_value", "期間の上限", minimum=1, maximum=36),
        ChoiceField("max_unit", "上限の単位", choices=UNIT_CHOICES),
    )),),
    summary=lambda v: "、".join(r["label"] for r in list(v["items"].values())[:4]) + ("…" if len(v["items"]) > 4 else ""),
    seeds=(SeedVersion(FROM, {"items": {
        "false_statement": _cause("虚偽記載", 1, "months", 6, "months"),
        "poor_work_own": _cause("過失による粗雑工事（市発注工事）", 1, "months", 6, "months"),
        "poor_work_other": _cause("過失による粗雑工事（一般工事、重大なもの）", 1, "months", 3, "months"),
        "breach": _cause("契約違反", 2, "weeks", 4, "months"),
        "accident_public_death": _cause("公衆損害事故（市発注工事・死亡）", 3, "months", 6, "months"),
        "accident_public_injury": _cause("公衆損害事故（市発注工事・重傷）", 2, "months", 3, "months"),
        "accident_worker_death": _cause("工事関係者事故（市発注工事・死亡）", 6, "weeks", 4, "months"),
    }}, "中央公契連モデル別表第1と光市の事故の基準による初期値・要確認。"),),
))

# The registry's deadlines (they were rows of the core 「期限の日数と数え方」 until core became feature-free).
define_rule(RuleDefinition(
    key="registry.deadlines", title="業者登録の期限", category="期限・暦",
    description="業者登録の事務で使う期限です。指名停止の始期は、停止の決定日（起算の基準日）からこの表の日数で"
                "求めます。" + DEADLINE_COUNTING,
    basis="指名停止の始期: 決定日の翌々日（椎葉村の例）。市の指名停止措置要領で確認してください。",
    fields=(deadline_table(),),
    summary=deadlines_summary,
    seeds=(SeedVersion(FROM, {"items": {
        "suspension_start": {"label": "指名停止の始期（停止の決定日から）", "days": 2, "business_days": False,
                             "count_from": "next_day", "extend_if_closed": False},
    }}, "初期値・要確認。指名停止の始期（決定日の翌々日）は椎葉村の例。"),),
))

define_rule(RuleDefinition(
    key="registry.area", title="地域区分の判定", category="業者登録",
    description="業者の所在地（受任者がいるときは受任者の所在地）から地域区分を判定します。市内の市町村名を含めば市内、"
                "準市内の市町村名のどれかを含めば準市内、どちらでもなければ市外です。判定と違う区分にするときは、業者の画面で"
                "理由を付けて変更します。",
    basis="市の入札参加資格の地域要件によります（初期値・要確認: 旧システムの所在地はすべて山口県防府市）。",
    fields=(
        TextField("city", "市内とする市町村名", max_length=40),
        TextField("near", "準市内とする市町村名（「・」区切り）", max_length=300, required=False),
    ),
    summary=lambda v: f"市内: {v['city']}／準市内: {v['near'] or 'なし'}",
    seeds=(SeedVersion(FROM, {"city": "防府市", "near": "山口市・周南市"}, "初期値・要確認。"),),
))

define_rule(RuleDefinition(
    key="registry.qualification", title="資格の有効期間", category="業者登録",
    description="入札参加資格の有効期間の長さと始まる月です"
                "（例: 2 年・4 月始まりなら 令和7・8年度 = 2025年4月1日〜2027年3月31日）。"
                "経審の有効期間（審査基準日から 1 年 7 か月）と、その満了前に警告する日数も設定します。",
    basis="有効期間は多くの団体で 2 年（長野県・下田市など）。経審の結果通知書は審査基準日から 1 年 7 か月有効。",
    fields=(
        IntField("years", "資格の有効期間", minimum=1, maximum=5, unit="年"),
        IntField("start_month", "始まる月", minimum=1, maximum=12, unit="月"),
        IntField("keishin_valid_months", "経審の有効期間", minimum=1, maximum=36, unit="か月"),
        IntField("keishin_warning_days", "経審の満了前に警告する日数", minimum=0, maximum=365, unit="日"),
        IntField("permit_warning_days", "建設業許可の満了前に警告する日数", minimum=0, maximum=365, unit="日"),
    ),
    summary=lambda v: f"{v['years']} 年（{v['start_month']} 月始まり）／経審 {v['keishin_valid_months']} か月",
    seeds=(SeedVersion(FROM, {"years": 2, "start_month": 4, "keishin_valid_months": 19, "keishin_warning_days": 60,
                              "permit_warning_days": 90}, "初期値・要確認（資格 2 年、経審 1 年 7 か月）。"),),
))


# --- 業者番号 ------------------------------------------------------------------------------------------

define_rule(RuleDefinition(
    key="registry.numbering", title="業者番号の付け方", category="採番",
    description="新しく登録する業者に付ける業者番号の形式です。区分ごとに先頭の数字を分け、連番 {seq} は全区分で"
                "1 つの連番を使います（旧システムの番号と同じ付け方）。移行した業者の番号は変更しません。"
                "形式を変えても連番は続きから振られ、同じ番号が 2 度付くことはありません。",
    basis="旧システムの業者一覧（shared/data/legacy_contractors.csv）: 建設工事 100003〜100060、測量・建設コンサルタント "
          "200001〜200056、下 5 桁は区分をまたいで 1 つの連番。物品の 3 から始まる番号は初期値・要確認。",
    fields=tuple(TextField(code, f"{label}の業者番号", max_length=20, check=check_pattern, mono=True,
                           hint="差し込み項目: {seq} 連番（例: 1{seq:05d}）") for code, label in CATEGORY_CHOICES),
    seeds=(SeedVersion(FROM, {"construction": "1{seq:05d}", "consulting": "2{seq:05d}", "goods": "3{seq:05d}"},
                       "旧システムの番号の付け方。物品（3 から始まる番号）は初期値・要確認。"),),
))
