"""The grading package's versioned rules (SPEC GR2, CM13; domain-japan.md §1): which works are graded and with
which table, the 考査項目 tables (標準・簡便型), the formula (基本点, weights, rounding, letter suggestion), the
法令遵守等 deductions, the use of grades (主観点, 優良工事) and the deadlines of the grading work and of 説明請求.

Values a city decides for itself are marked 「初期値・要確認」 in their notes. An administrator checks a new
version against the worked examples of the city's 要領 with ``flask --app wsgi grading score SHEET.json``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from core.rules.amounts import MODE_CHOICES
from core.rules.builtin import DEADLINE_COUNTING, deadline_table, deadlines_summary
from core.rules.catalogue import RuleDefinition, SeedVersion, define_rule
from core.rules.fields import BoolField, ChoiceField, DecimalField, Errors, IntField, TableField, TextField

from . import default_tables
from .scoring import LETTERS, TABLE_GRADER_LABELS, parse_scale

#: Effective date of defaults that are not tied to a dated rule change: early enough for migrated data.
DEFAULTS_FROM = date(2000, 1, 1)
CATEGORY = "工事成績評定"
SCOPE_KEY, FORMULA_KEY, DEDUCTIONS_KEY, USE_KEY, DEADLINES_KEY = (
    "grading.scope", "grading.formula", "grading.deductions", "grading.use", "grading.deadlines")
TABLE_KEYS = {"standard": "grading.items.standard", "simple": "grading.items.simple"}
TABLE_LABELS = {"standard": "標準", "simple": "簡便型"}

MIYAZAKI = "宮崎県 工事成績評定要領 採点表（H30）、建築・設備工事成績採点表（expydoc 7522964）"
MLIT = "国土交通省 請負工事成績評定要領（平成13年3月30日 国官技第92号）と考査項目別運用表"


def _codes_check(text: str) -> list[str]:
    codes = [c.strip() for c in text.replace("、", ",").split(",") if c.strip()]
    if all(c.isdigit() and len(c) == 3 for c in codes):
        return []
    return ["業種コードは 3 桁の数字をコンマで区切ります（例: 010,020）。"]


# --- 評定の対象と評定表 ------------------------------------------------------------------------------------

define_rule(RuleDefinition(
    key=SCOPE_KEY, title="工事成績評定の対象と評定表の区分", category=CATEGORY,
    description="完成検査に合格した工事のうち、当初契約金額（税込）がこの額以上の工事を評定します（評定しない業種を除く）。"
                "当初契約金額が「標準」の額以上なら標準の評定表、未満なら簡便型を使います。評定を確定する者も決めます。",
    basis="国土交通省は原則として請負金額 500 万円を超える工事を評定（safie.jp）。評定表の区分は中国地方整備局の自治体版"
          "（標準 2,500 万円以上、簡便型 500 万〜2,500 万円）。都城市は 130 万円以上、四日市市は土木 50 万円以上など市により"
          "異なります。",
    fields=(
        IntField("min_amount", "評定する工事（当初契約金額・税込がこの額以上）", minimum=0, maximum=10 ** 10, unit="円"),
        IntField("standard_from", "標準の評定表を使う当初契約金額（これ未満は簡便型）", minimum=0, maximum=10 ** 11, unit="円"),
        TextField("excluded_work_types", "評定しない業種（業種コード、コンマ区切り）", max_length=200, required=False,
                  check=_codes_check, mono=True),
        ChoiceField("settled_by", "評定を確定する者", choices=(
            ("general", "総括監督員（全員の提出の後）"), ("contract", "契約課の職員（全員の提出の後）"))),
    ),
    check=lambda v: ({"standard_from": ["標準の額は評定する工事の額以上にしてください。"]}
                     if v.get("min_amount") is not None and v.get("standard_from") is not None
                     and v["standard_from"] < v["min_amount"] else {}),
    summary=lambda v: f"{v['min_amount']:,} 円以上を評定／{v['standard_from']:,} 円以上は標準",
    seeds=(SeedVersion(DEFAULTS_FROM, {"min_amount": 5_000_000, "standard_from": 25_000_000, "excluded_work_types": "",
                                       "settled_by": "general"},
                       "初期値・要確認（国土交通省の原則 500 万円、中国地方整備局の自治体版の区分 2,500 万円）。"),),
))


# --- 考査項目と配点 ----------------------------------------------------------------------------------------

def _check_table(values: dict) -> Errors:
    errors: Errors = {}
    rows = values.get("items") or {}
    seen: set[tuple[str, str]] = set()
    for index, (name, row) in enumerate(rows.items()):
        where = f"考査項目の {index + 1} 件目（{row.get('label') or name}）"
        if row.get("points"):
            _scale, problems = parse_scale(row["points"])
            for problem in problems:
                errors.setdefault(f"items-{index}-points", []).append(f"{where}: {problem}")
            if row.get("maximum"):
                errors.setdefault(f"items-{index}-maximum", []).append(
                    f"{where}: 記号で評価する項目には加点の上限を入れません（0 にします）。")
        elif not row.get("maximum"):
            errors.setdefault(f"items-{index}-points", []).append(
                f"{where}: 評価の記号と点数（例: a=4.0, b=2.0, c=0, d=-5.0, e=-10）か、加点のみの項目の上限を入れてください。")
        key = (row.get("grader"), row.get("label"))
        if key in seen:
            errors.setdefault(f"items-{index}-label", []).append(
                f"{where}: {TABLE_GRADER_LABELS.get(row.get('grader'), '')}の細別「{row.get('label')}」が重複しています。")
        seen.add(key)
    graders = {row.get("grader") for row in rows.values()}
    missing = [label for grader, label in TABLE_GRADER_LABELS.items() if grader not in graders]
    if rows and missing:
        errors.setdefault("items", []).append(f"{'・'.join(missing)}の評定項目がありません。")
    return errors


def _table_summary(values: dict) -> str:
    rows = (values.get("items") or {}).values()
    counts = {g: sum(1 for r in rows if r["grader"] == g) for g in TABLE_GRADER_LABELS}
    return "／".join(f"{label} {counts[g]} 項目" for g, label in TABLE_GRADER_LABELS.items())


def _items_field() -> TableField:
    return TableField("items", "細別ごとの評定者・配点・評価対象項目", name_label="識別名", max_rows=60, columns=(
        ChoiceField("grader", "評定者", choices=tuple(TABLE_GRADER_LABELS.items())),
        TextField("category", "考査項目", max_length=40),
        TextField("label", "細別", max_length=40),
        TextField("points", "評価の記号と点数（加点のみの項目は空欄）", max_length=120, required=False, mono=True),
        DecimalField("maximum", "加点の上限（加点のみの項目）", minimum="0", maximum="35", places=1, unit="点"),
        TextField("checklist", "評価対象項目（1 行に 1 項目）", max_length=2000, required=False, multiline=True),
        TextField("work_types", "対象の業種（空欄はすべて。業種コードをコンマ区切り）", max_length=200, required=False,
                  check=_codes_check, mono=True),
    ), hint=f"評価の記号は {'・'.join(LETTERS)} を良い順に「記号=点数」で書きます。検査員の項目は中間・既済部分と完成の"
            "検査員が同じ表で評定します。")


for table, note in (("standard", "宮崎県の採点表（H30、国土交通省型）の値。評価対象項目は国土交通省の考査項目別運用表に"
                                 "ならった例で、初期値・要確認。検査員の施工管理の行の位置、出来ばえの記号と点数の対応、"
                                 "工事特性の上限（5 点）は出典で確認できず要確認。"),
                    ("simple", "初期値・要確認: 参考資料に簡便型の細別の一覧がないため、標準の値から配置技術者・対外関係・"
                               "工事特性・検査員の施工管理を除いたもの。市の簡便型の運用表に置き換えてください。")):
    define_rule(RuleDefinition(
        key=TABLE_KEYS[table], title=f"工事成績評定の考査項目と配点（{TABLE_LABELS[table]}）", category=CATEGORY,
        description="細別ごとに、評定する者（主任監督員・総括監督員・検査員）、評価の記号ごとの加減点（a〜e、または a・a'・b・"
                    "b'・c・d・e）または加点のみの項目の上限、評価対象項目（チェックリスト）と対象の業種を定めます。各評定者の"
                    "評定点は基本点にその評定者の細別の点数を加えたものです。",
        basis=f"{MIYAZAKI}。{MLIT}。",
        fields=(_items_field(),), check=_check_table, summary=_table_summary,
        seeds=(SeedVersion(DEFAULTS_FROM, {"items": default_tables.STANDARD_ITEMS if table == "standard"
                                           else default_tables.SIMPLE_ITEMS}, note),),
    ))


# --- 評定点の計算 ------------------------------------------------------------------------------------------

WITHOUT, WITH, ROUNDING, SUGGEST = ("重み（中間・既済部分検査なし）", "重み（中間・既済部分検査あり）", "端数処理",
                                    "評価対象項目からの評価の目安")


def _weight(name: str, label: str, group: str) -> DecimalField:
    return DecimalField(name, label, minimum="0", maximum="1", places=3, group=group)


def _check_formula(values: dict) -> Errors:
    errors: Errors = {}
    for names, label in ((("w_chief", "w_general", "w_final"), WITHOUT),
                         (("wi_chief", "wi_general", "wi_interim", "wi_final"), WITH)):
        parts = [values.get(n) for n in names]
        if all(p is not None for p in parts) and sum(parts, Decimal(0)) != 1:
            errors.setdefault(names[0], []).append(f"{label}の合計が {sum(parts, Decimal(0))} です。合計を 1 にしてください。")
    if values.get("b_ratio") is not None and values.get("c_ratio") is not None and values["c_ratio"] > values["b_ratio"]:
        errors.setdefault("c_ratio", []).append("c の割合は b の割合以下にしてください。")
    return errors


define_rule(RuleDefinition(
    key=FORMULA_KEY, title="工事成績評定点の計算（基本点・重み・端数処理・評価の目安）", category=CATEGORY,
    description="各評定者の評定点 = 基本点 + 細別の加減点の合計。評定点計 = 各評定者の評定点 × 重み の合計（中間・既済部分"
                "検査があるときはその検査員の評定点の平均を使います）。総合評定点 = 評定点計 − 法令遵守等の減点。"
                "評価対象項目のチェックの割合から評価の目安（b・c・d）を示し、評定者が確認または理由を付けて変更します。",
    basis=f"{MIYAZAKI}（基本点 65、重み 0.4・0.2・0.4、中間・既済部分検査ありは 0.4・0.2・0.2・0.2、総合評定点 = 評定点計"
          " − 法令遵守等）。評価の目安（80 % 以上 b、60〜80 % c、60 % 未満 d、該当項目 2 以下は c、文書による改善指示は e）は"
          "建築型考査項目別運用表の例（manualzilla 6558321）。端数処理（評定者の評定点・総合評定点とも四捨五入で整数）は"
          "初期値・要確認（自治体の例では評点を小数第2位まで、評定点を整数）。",
    fields=(
        DecimalField("base_points", "基本点", minimum="0", maximum="100", places=1, unit="点"),
        _weight("w_chief", "主任監督員", WITHOUT), _weight("w_general", "総括監督員", WITHOUT),
        _weight("w_final", "検査員（完成）", WITHOUT),
        _weight("wi_chief", "主任監督員", WITH), _weight("wi_general", "総括監督員", WITH),
        _weight("wi_interim", "検査員（中間・既済部分。複数は平均）", WITH), _weight("wi_final", "検査員（完成）", WITH),
        # The maxima are the places the scores are stored with (評定点・評定点計 2 桁, 総合評定点 1 桁).
        IntField("sub_places", "評定者の評定点の小数点以下の桁数", minimum=0, maximum=2, unit="桁", group=ROUNDING),
        ChoiceField("sub_mode", "評定者の評定点の端数処理", choices=MODE_CHOICES, group=ROUNDING),
        IntField("weighted_places", "評定点計の小数点以下の桁数", minimum=0, maximum=2, unit="桁", group=ROUNDING),
        ChoiceField("weighted_mode", "評定点計の端数処理", choices=MODE_CHOICES, group=ROUNDING),
        IntField("final_places", "総合評定点の小数点以下の桁数", minimum=0, maximum=1, unit="桁", group=ROUNDING),
        ChoiceField("final_mode", "総合評定点の端数処理", choices=MODE_CHOICES, group=ROUNDING),
        DecimalField("b_ratio", "b とするチェックの割合（以上）", minimum="0", maximum="100", places=1, unit="%", group=SUGGEST),
        DecimalField("c_ratio", "c とするチェックの割合（以上。未満は d）", minimum="0", maximum="100", places=1, unit="%",
                     group=SUGGEST),
        IntField("few_items", "該当する項目がこの数以下なら c", minimum=0, maximum=10, unit="項目", group=SUGGEST),
    ),
    check=_check_formula,
    summary=lambda v: (f"基本点 {v['base_points']}／重み {v['w_chief']}・{v['w_general']}・{v['w_final']}"
                       f"（中間あり {v['wi_chief']}・{v['wi_general']}・{v['wi_interim']}・{v['wi_final']}）"),
    seeds=(SeedVersion(DEFAULTS_FROM, {
        "base_points": "65", "w_chief": "0.4", "w_general": "0.2", "w_final": "0.4",
        "wi_chief": "0.4", "wi_general": "0.2", "wi_interim": "0.2", "wi_final": "0.2",
        "sub_places": 0, "sub_mode": "half_up", "weighted_places": 2, "weighted_mode": "half_up",
        "final_places": 0, "final_mode": "half_up", "b_ratio": "80", "c_ratio": "60", "few_items": 2,
    }, "宮崎県の採点表の基本点と重み。端数処理（四捨五入で整数）は初期値・要確認。"),),
))


# --- 法令遵守等 ---------------------------------------------------------------------------------------------

define_rule(RuleDefinition(
    key=DEDUCTIONS_KEY, title="工事成績評定の法令遵守等の減点", category=CATEGORY,
    description="総合評定点から差し引く法令遵守等の措置と点数です。「裁量」の措置は、評定者が表の点数を上限に点数を決めます。"
                "評定の通知の後に措置が決まったときは、その時点で評定を修正します（さかのぼって完成検査の時点には戻しません）。",
    basis="宮崎県（H26 改正）の法令遵守等の表。国土交通省の別紙-2（総括技術評価官）と同じ値。",
    fields=(TableField("items", "措置と減点", name_label="識別名", max_rows=20, columns=(
        TextField("label", "措置の内容", max_length=60),
        DecimalField("points", "減点（裁量の措置は上限）", minimum="0", maximum="100", places=1, unit="点"),
        BoolField("discretionary", "点数", true_text="評定者が上限までで決める", false_text="表の点数"),
    )),),
    summary=lambda v: "／".join(f"{r['label']} −{r['points']}" for r in list(v["items"].values())[:4]) + "…",
    seeds=(SeedVersion(DEFAULTS_FROM, {"items": default_tables.DEDUCTIONS},
                       "宮崎県（H26）の表。「その他」の上限 20 点は初期値・要確認。"),),
))


# --- 評定結果の活用 -----------------------------------------------------------------------------------------

define_rule(RuleDefinition(
    key=USE_KEY, title="工事成績評定の活用（主観点・優良工事）", category=CATEGORY,
    description="業者の業種ごとに、直近の年度（この年数）に完成した工事の評定点の平均から格付の主観点を決めます"
                "（工事の数が下限に満たないときは 0 点）。平均が区分の下限以上の区分のうち最も高い区分の点数です。"
                "評定点が優良工事の基準以上の工事は表彰の候補に挙げます。",
    basis="九州地方整備局の工事成績評定企業ランキング（直近 2 年、3 件以上、平均 80 点以上を優秀企業）。鹿児島県の格付"
          "（5 年で 2 件以上・平均 80 点以上で 1 段階上）。主観点の点数は市が決めるもので、初期値・要確認。",
    fields=(
        IntField("years", "平均を取る年度の数（直近）", minimum=1, maximum=10, unit="年度"),
        IntField("min_works", "主観点を付ける工事の数の下限", minimum=1, maximum=50, unit="件"),
        TableField("bands", "平均点の区分と主観点", name_label="識別名", max_rows=10, columns=(
            TextField("label", "区分の名称", max_length=40),
            DecimalField("min_average", "平均点（この点以上）", minimum="0", maximum="100", places=1, unit="点"),
            IntField("points", "主観点", minimum=-500, maximum=500, unit="点"),
        )),
        DecimalField("commendation_score", "優良工事の候補とする評定点（以上）", minimum="0", maximum="100", places=1,
                     unit="点"),
    ),
    summary=lambda v: f"直近 {v['years']} 年度・{v['min_works']} 件以上／優良工事 {v['commendation_score']} 点以上",
    seeds=(SeedVersion(DEFAULTS_FROM, {
        "years": 2, "min_works": 3, "commendation_score": "80",
        "bands": {"excellent": {"label": "80 点以上", "min_average": "80", "points": 20},
                  "good": {"label": "75 点以上", "min_average": "75", "points": 10},
                  "poor": {"label": "60 点未満", "min_average": "0", "points": -10},
                  "normal": {"label": "60 点以上", "min_average": "60", "points": 0}},
    }, "直近 2 年度・3 件以上・80 点は九州地方整備局の例。主観点の点数（+20・+10・0・−10）は初期値・要確認。"),),
))


# --- 期限 --------------------------------------------------------------------------------------------------

define_rule(RuleDefinition(
    key=DEADLINES_KEY, title="工事成績評定の期限", category="期限・暦",
    description="工事成績評定の事務で使う期限です。評定の入力は完成検査の日から、説明請求は評定結果の通知の日から、"
                "回答は説明請求の受付から、再説明請求は回答の日から、委員会審議の回答は再説明請求の受付から、不服申立ては"
                "説明請求への回答の日から、この表の日数で末日を求めます。" + DEADLINE_COUNTING,
    basis="説明請求: 国土交通省の通知「評定点等の通知を受けた日から 14 日以内」（休日を含む。この既定値は通知の日を"
          "1 日目として数えます）、神栖市・鳥取県も 14 日（鳥取県は通知受領の翌日から起算）、都城市は翌日から 10 日。"
          "不服申立て: 鳥取県の例で回答から 10 日（休日を除く）。委員会審議の回答は鳥取県の例でおおむね 1 か月。"
          "評定の入力、回答、再説明請求の日数は初期値・要確認。いずれも市の要綱で確認してください。",
    fields=(deadline_table(),),
    summary=deadlines_summary,
    seeds=(SeedVersion(DEFAULTS_FROM, {"items": {
        "grading_entry": {"label": "評定の入力（完成検査の日から）", "days": 14, "business_days": False,
                          "count_from": "next_day", "extend_if_closed": True},
        "explanation_request": {"label": "説明請求（評定結果の通知から）", "days": 14, "business_days": False,
                                "count_from": "same_day", "extend_if_closed": False},
        "answer": {"label": "説明請求への回答（受付から）", "days": 14, "business_days": False,
                   "count_from": "next_day", "extend_if_closed": True},
        "re_request": {"label": "再説明請求（回答の日から）", "days": 14, "business_days": False,
                       "count_from": "same_day", "extend_if_closed": False},
        "committee_answer": {"label": "委員会審議の回答（再説明請求の受付から）", "days": 30, "business_days": False,
                             "count_from": "next_day", "extend_if_closed": True},
        "objection": {"label": "不服申立て（説明請求への回答から）", "days": 10, "business_days": True,
                      "count_from": "next_day", "extend_if_closed": False},
    }}, "初期値・要確認。説明請求 14 日（暦日、通知の日から起算）は国土交通省の通知、不服申立て 10 日（閉庁日を除く）は"
        "鳥取県の例、委員会審議の回答 30 日は鳥取県の「おおむね 1 か月」。評定の入力・回答・再説明請求の 14 日は初期値。"),),
))
