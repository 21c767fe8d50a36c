"""Scoring a grade sheet with the rules in force (SPEC GR2), checked against sheets computed by hand from the
reference's 採点表: 65 + the points of each grader's 細別, weighted 0.4/0.2/0.4 (0.4/0.2/0.2/0.2 with an interim
inspection), less the 法令遵守等 deductions, rounded half-up to an integer."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from core.errors import ValidationFailed
from core.rules import get_rule
from core.rules import services as rules
from grading.calculator import score_sheet
from grading.rules import FORMULA_KEY, TABLE_KEYS
from grading.scoring import ScoreError, parse_scale, suggest_letter

CHIEF = {"施工体制一般": "b", "配置技術者": "b", "施工管理": "b", "工程管理": "c", "安全対策": "b", "対外関係": "c",
         "出来形": "b", "品質": "b", "創意工夫": 3.0}  # 0.5 + 1.5 + 2 + 0 + 2.5 + 0 + 2 + 2.5 + 3 = 14 → 79
GENERAL = {"工程管理": "b", "安全対策": "c", "施工条件等への対応": 2, "地域への貢献等": "c"}  # 1 + 0 + 2 + 5 = 8 → 73
FINAL = {"施工管理": "b", "出来形": "a'", "品質": "b", "出来ばえ": "b"}  # 2.5 + 7.5 + 7.5 + 2.5 = 20 → 85
INTERIM = {"施工管理": "c", "出来形": "b", "品質": "b'", "出来ばえ": "c"}  # 0 + 5 + 4 + 0 = 9 → 74


def _sheet(**overrides):
    sheet = {"date": "2026-12-01", "work_type": "010", "amount": 30_000_000,
             "graders": {"chief": {"items": dict(CHIEF)}, "general": {"items": dict(GENERAL)},
                         "final_inspector": {"items": dict(FINAL)}}, "deductions": []}
    sheet.update(overrides)
    return sheet


def test_without_an_interim_inspection(db_session):
    result = score_sheet(db_session, _sheet())
    assert {role: g["score"] for role, g in result["graders"].items()} == {"chief": 79, "general": 73,
                                                                           "final_inspector": 85}
    assert result["weights"] == {"chief": 0.4, "general": 0.2, "final_inspector": 0.4}
    assert result["weighted"] == 80.2 and result["final"] == 80  # 31.6 + 14.6 + 34
    assert result["table"] == "standard" and result["graders"]["chief"]["points"] == 14
    line = next(i for i in result["graders"]["final_inspector"]["items"] if i["item"] == "出来形")
    assert line == {"key": "inspector_shape", "category": "3 出来形及び出来ばえ", "item": "出来形", "value": "a'",
                    "points": 7.5}


def test_with_an_interim_inspection_and_a_deduction(db_session):
    sheet = _sheet(deductions=[{"kind": "written_warning"}])
    sheet["graders"]["interim_inspector"] = {"items": dict(INTERIM)}
    result = score_sheet(db_session, sheet)
    assert result["graders"]["interim_inspector"]["score"] == 74
    assert result["weights"] == {"chief": 0.4, "general": 0.2, "interim_inspector": 0.2, "final_inspector": 0.2}
    assert result["weighted"] == 78  # 31.6 + 14.6 + 14.8 + 17
    assert result["deductions"] == [{"kind": "written_warning", "label": "文書注意", "points": 8}]
    assert result["final"] == 70


def test_two_interim_inspections_are_averaged_and_scores_may_be_given(db_session):
    sheet = _sheet(deductions=[{"kind": "other", "points": 2.5}])
    sheet["graders"]["interim_inspector"] = [{"score": 70}, {"score": 75}]  # average 72.5 → 73
    sheet["graders"]["general"] = {"score": 80.0}
    result = score_sheet(db_session, sheet)
    assert result["graders"]["interim_inspector"]["score"] == 73
    assert result["weighted"] == 79.2  # 0.4 × 79 + 0.2 × 80 + 0.2 × 73 + 0.2 × 85
    assert result["final"] == 77  # 76.7 → 77


def test_sub_scores_round_half_up(db_session):
    sheet = _sheet()
    sheet["graders"]["chief"]["items"]["創意工夫"] = 3.5  # 14.5 → 79.5 → 80
    assert score_sheet(db_session, sheet)["graders"]["chief"]["score"] == 80


def test_the_amount_picks_the_simple_table(db_session):
    sheet = _sheet(amount=10_000_000)
    with pytest.raises(ScoreError) as info:
        score_sheet(db_session, sheet)
    assert "「配置技術者」は主任監督員の評定項目にありません" in info.value.errors["graders.chief.items.配置技術者"][0]
    for name in ("配置技術者", "対外関係"):
        del sheet["graders"]["chief"]["items"][name]
    del sheet["graders"]["general"]["items"]["施工条件等への対応"]
    del sheet["graders"]["final_inspector"]["items"]["施工管理"]
    result = score_sheet(db_session, sheet)
    assert result["table"] == "simple" and result["graders"]["chief"]["score"] == 78  # 14 − 1.5 = 12.5 → 77.5 → 78


@pytest.mark.parametrize("role, name, value, words", [
    ("chief", "施工管理", "a'", "使えません（a・b・c・d・e から選びます）"),
    ("chief", "創意工夫", 7.5, "0〜7 点"),
    ("general", "施工体制一般", "b", "主任監督員の評定項目です。総括監督員は評定できません"),
    ("final_inspector", "対外関係", "b", "主任監督員の評定項目です"),
    ("chief", "存在しない項目", "b", "評定項目にありません"),
])
def test_bad_entries_name_the_item(db_session, role, name, value, words):
    sheet = _sheet()
    sheet["graders"][role]["items"][name] = value
    with pytest.raises(ScoreError) as info:
        score_sheet(db_session, sheet)
    assert words in info.value.errors[f"graders.{role}.items.{name}"][0]


def test_missing_graders_items_and_deductions_are_named(db_session):
    sheet = _sheet(deductions=[{"kind": "oral_warning", "points": 3}, {"kind": "other"}, {"kind": "x"}])
    del sheet["graders"]["chief"]["items"]["品質"]
    with pytest.raises(ScoreError) as info:
        score_sheet(db_session, sheet)
    errors = info.value.errors
    assert "「品質」が評定されていません" in errors["graders.chief.items.品質"][0]
    assert "5 点です" in errors["deductions.0"][0] and "上限" not in errors["deductions.0"][0]
    assert "点数を入力" in errors["deductions.1"][0] and "ありません" in errors["deductions.2"][0]
    with pytest.raises(ScoreError) as info:
        score_sheet(db_session, {"date": "2026-13-01", "graders": {}})
    assert {"date", "graders.chief", "graders.general", "graders.final_inspector"} <= set(info.value.errors)


def test_letter_suggestion_from_the_checklist(db_session):
    formula = get_rule(db_session, FORMULA_KEY, date(2026, 12, 1))
    assert suggest_letter(4, 5, formula) == "b"  # 80 %
    assert suggest_letter(3, 5, formula) == "c"  # 60 %
    assert suggest_letter(2, 5, formula) == "d"  # 40 %
    assert suggest_letter(2, 2, formula) == "c"  # only 2 apply
    assert suggest_letter(5, 5, formula, improvement_order=True) == "e"
    assert suggest_letter(0, 0, formula) is None


def test_a_rule_version_whose_weights_do_not_sum_to_one_is_refused(db_session, admin):
    values = get_rule(db_session, FORMULA_KEY, date(2027, 4, 1))
    values["w_final"] = Decimal("0.3")
    with pytest.raises(ValidationFailed) as info:
        rules.add_rule_version(db_session, admin, FORMULA_KEY, date(2027, 4, 1), values, "要領改正（テスト）")
    assert "合計が 0.9 です" in info.value.errors["w_chief"][0]


def test_a_new_version_applies_from_its_date(db_session, admin):
    values = get_rule(db_session, FORMULA_KEY, date(2027, 4, 1))
    values.update(w_chief=Decimal("0.3"), w_general=Decimal("0.2"), w_final=Decimal("0.5"))
    rules.add_rule_version(db_session, admin, FORMULA_KEY, date(2027, 4, 1), values, "重みの変更（テスト）")
    assert score_sheet(db_session, _sheet())["weighted"] == 80.2
    assert score_sheet(db_session, _sheet(date="2027-04-01"))["weighted"] == 80.8  # 23.7 + 14.6 + 42.5


def test_a_table_row_with_a_bad_scale_is_refused(db_session, admin):
    values = get_rule(db_session, TABLE_KEYS["standard"], date(2027, 4, 1))
    values["items"]["chief_taisei"]["points"] = "a=1.0, c=0, b=0.5"
    with pytest.raises(ValidationFailed) as info:
        rules.add_rule_version(db_session, admin, TABLE_KEYS["standard"], date(2027, 4, 1), values, "テスト")
    assert any("順に書いてください" in m for ms in info.value.errors.values() for m in ms)


def test_parse_scale_reads_full_width_and_apostrophes():
    scale, problems = parse_scale("ａ＝10、a’=7.5, b=5")
    assert problems == [] and scale == {"a": Decimal(10), "a'": Decimal("7.5"), "b": Decimal(5)}


def test_the_command_prints_the_breakdown(app, db_session, tmp_path):
    path = tmp_path / "sheet.json"
    path.write_text(json.dumps(_sheet(deductions=[{"kind": "written_warning"}]), ensure_ascii=False), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["grading", "score", str(path)])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["graders"]["chief"]["score"] == 79 and printed["weighted"] == 80.2 and printed["final"] == 72
    bad = _sheet()
    bad["graders"]["chief"]["items"]["施工管理"] = "z"
    path.write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["grading", "score", str(path)])
    assert result.exit_code == 1 and "「施工管理」の評価「z」は使えません" in result.stderr


def test_checklists_are_typed_one_item_per_line(db_session, admin):
    from grading.scoring import table_items

    values = get_rule(db_session, TABLE_KEYS["standard"], date(2027, 4, 1))
    values["items"]["chief_taisei"]["checklist"] = "施工計画書を提出\r\n\r\n  体制台帳を整備  \r\n下請を指導"
    rules.add_rule_version(db_session, admin, TABLE_KEYS["standard"], date(2027, 4, 1), values, "運用表の改定（テスト）")
    stored = get_rule(db_session, TABLE_KEYS["standard"], date(2027, 4, 1))["items"]
    item = next(i for i in table_items(stored) if i.key == "chief_taisei")
    assert item.checklist == ("施工計画書を提出", "体制台帳を整備", "下請を指導")
    values["items"]["chief_taisei"]["checklist"] = "制御\x07文字"
    with pytest.raises(ValidationFailed) as info:
        rules.add_rule_version(db_session, admin, TABLE_KEYS["standard"], date(2027, 5, 1), values, "テスト")
    assert any("制御文字は使えません" in m for ms in info.value.errors.values() for m in ms)
