"""The built-in 考査項目 tables (標準 and 簡便型) of the grading rules: MLIT-style municipal values of the reference
(domain-japan.md §1.2-§1.4, the 宮崎県 採点表 H30 with the same values as the 建築・設備 table).

Each row is one 細別 as one grader grades it: ``points`` lists ``letter=points`` in the scale's order, a bonus-only
row has ``maximum`` instead, and ``checklist`` holds the 評価対象項目, one per line. The checklists are short
examples after the MLIT 考査項目別運用表 (別紙-1〜3) for a city to replace with its own 運用表.
"""

from __future__ import annotations

CHIEF, GENERAL, INSPECTOR = "chief", "general", "inspector"
TAISEI, JOKYO, DEKIGATA = "1 施工体制", "2 施工状況", "3 出来形及び出来ばえ"
TOKUSEI, SOI, SHAKAI = "4 工事特性", "5 創意工夫", "6 社会性等"

FIVE_CHIEF_HEAVY = "a=4.0, b=2.0, c=0, d=-5.0, e=-10"


def _row(grader, category, label, points="", checklist=(), maximum="0"):
    return {"grader": grader, "category": category, "label": label, "points": points, "maximum": maximum,
            "checklist": "\n".join(checklist), "work_types": ""}


CHECK_TAISEI = ("施工計画書を工事着手前に提出し、内容が現場の施工と一致している",
                "作業分担の範囲を施工体制台帳と施工体系図に明確に記載している",
                "元請が下請の施工を把握し、必要な指導を行っている",
                "工事の規模と内容に見合う人員と機械を配置している",
                "監督員への報告・連絡を遅滞なく行っている")
CHECK_ENGINEER = ("現場代理人が工事の全体を把握し、監督員と適切に協議している",
                  "主任技術者（監理技術者）が施工計画を理解し、適切に指示している",
                  "技術者が契約書・設計図書・仕様書の内容を理解している",
                  "技術者が現場に適切に専任・常駐している",
                  "技術者が施工上の課題を早期に把握し、対応を提案している")
CHECK_MANAGEMENT = ("施工計画書が工事の内容に即している",
                    "品質と出来形の管理を施工計画書のとおり実施している",
                    "工事材料の確認と記録を適切に行っている",
                    "工事写真を適切に撮影し、整理している",
                    "工事書類を遅滞なく整理し、提出している")
CHECK_SCHEDULE = ("工程表に基づき計画的に施工している",
                  "工程の遅れに対し、原因を把握して対策をとっている",
                  "関係機関・他工事との調整を工程に反映している",
                  "休日・夜間の作業を計画的に減らしている",
                  "工期内に完成している")
CHECK_SAFETY = ("安全教育・訓練を定期的に実施し、記録している",
                "仮設物と建設機械の点検を実施し、記録している",
                "交通誘導員と保安施設を適切に配置している",
                "危険予知活動を毎日実施している",
                "工事に関係する事故・災害を起こしていない")
CHECK_OUTSIDE = ("地元住民に工事の内容と期間を事前に周知している",
                 "関係機関との調整を適切に行っている",
                 "苦情・要望に迅速に対応し、記録している",
                 "工事現場の周辺の環境と美化に配慮している")
CHECK_SHAPE = ("出来形の測定値が規格値を満たしている",
               "出来形管理図表を整理している",
               "不可視となる部分の出来形を写真で確認できる",
               "設計図書との照合を行い、記録している")
CHECK_QUALITY = ("品質管理を基準のとおり実施している",
                 "試験・測定の結果を整理し、規格値を満たしている",
                 "工事材料の品質を確認している",
                 "品質の不具合に速やかに対処している")
CHECK_COMMUNITY = ("地域の行事・清掃などに協力している",
                   "災害時・緊急時の協力を行った",
                   "現場見学会・広報活動を行った",
                   "地元の雇用・資材の活用に努めている")
CHECK_FINISH = ("仕上げ面が平滑で、通りが良い",
                "構造物の外観に汚れ・傷がない",
                "排水・取り合いの処理が適切である",
                "周辺の施設との調和がとれている")

STANDARD_ITEMS = {
    "chief_taisei": _row(CHIEF, TAISEI, "施工体制一般", "a=1.0, b=0.5, c=0, d=-5.0, e=-10", CHECK_TAISEI),
    "chief_engineer": _row(CHIEF, TAISEI, "配置技術者", "a=3.0, b=1.5, c=0, d=-5.0, e=-10", CHECK_ENGINEER),
    "chief_management": _row(CHIEF, JOKYO, "施工管理", FIVE_CHIEF_HEAVY, CHECK_MANAGEMENT),
    "chief_schedule": _row(CHIEF, JOKYO, "工程管理", FIVE_CHIEF_HEAVY, CHECK_SCHEDULE),
    "chief_safety": _row(CHIEF, JOKYO, "安全対策", "a=5.0, b=2.5, c=0, d=-5.0, e=-10", CHECK_SAFETY),
    "chief_outside": _row(CHIEF, JOKYO, "対外関係", "a=2.0, b=1.0, c=0, d=-2.5, e=-5.0", CHECK_OUTSIDE),
    "chief_shape": _row(CHIEF, DEKIGATA, "出来形", "a=4.0, b=2.0, c=0, d=-2.5, e=-5.0", CHECK_SHAPE),
    "chief_quality": _row(CHIEF, DEKIGATA, "品質", "a=5.0, b=2.5, c=0, d=-2.5, e=-5.0", CHECK_QUALITY),
    "chief_creativity": _row(CHIEF, SOI, "創意工夫", maximum="7"),
    "general_schedule": _row(GENERAL, JOKYO, "工程管理", "a=2.0, b=1.0, c=0, d=-7.5, e=-15", CHECK_SCHEDULE),
    "general_safety": _row(GENERAL, JOKYO, "安全対策", "a=3.0, b=1.5, c=0, d=-7.5, e=-15", CHECK_SAFETY),
    "general_conditions": _row(GENERAL, TOKUSEI, "施工条件等への対応", maximum="5"),
    "general_community": _row(GENERAL, SHAKAI, "地域への貢献等", "a=10, b=7.5, c=5.0, d=2.5, e=0", CHECK_COMMUNITY),
    "inspector_management": _row(INSPECTOR, JOKYO, "施工管理", "a=5.0, b=2.5, c=0, d=-7.5, e=-15", CHECK_MANAGEMENT),
    "inspector_shape": _row(INSPECTOR, DEKIGATA, "出来形", "a=10, a'=7.5, b=5.0, b'=2.5, c=0, d=-10, e=-20",
                            CHECK_SHAPE),
    "inspector_quality": _row(INSPECTOR, DEKIGATA, "品質", "a=15, a'=12, b=7.5, b'=4.0, c=0, d=-12.5, e=-25",
                              CHECK_QUALITY),
    "inspector_finish": _row(INSPECTOR, DEKIGATA, "出来ばえ", "a=5.0, b=2.5, c=0, d=-5.0", CHECK_FINISH),
}

#: 簡便型: the reference gives no item list of its own, so it keeps the standard values and drops 配置技術者,
#: 対外関係, 工事特性 and the inspector's 施工管理 (a city replaces it with its 簡便型 運用表).
SIMPLE_ITEMS = {key: row for key, row in STANDARD_ITEMS.items()
                if key not in {"chief_engineer", "chief_outside", "general_conditions", "inspector_management"}}

DEDUCTIONS = {
    "suspension_3m": {"label": "指名停止 3か月以上", "points": "20", "discretionary": False},
    "suspension_2m": {"label": "指名停止 2か月以上3か月未満", "points": "15", "discretionary": False},
    "suspension_1m": {"label": "指名停止 1か月以上2か月未満", "points": "13", "discretionary": False},
    "suspension_2w": {"label": "指名停止 2週間以上1か月未満", "points": "10", "discretionary": False},
    "written_warning": {"label": "文書注意", "points": "8", "discretionary": False},
    "oral_warning": {"label": "口頭注意", "points": "5", "discretionary": False},
    "accident": {"label": "事故（安全管理の軽微な不備、注意なし）", "points": "3", "discretionary": False},
    "other": {"label": "その他", "points": "20", "discretionary": True},
}
