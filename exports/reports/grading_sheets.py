"""Grading forms (SPEC GR1, GR2, CM11): 工事成績採点表 (one grader's sheet: each 細別's letter and points, the
subtotal and the 評定点), 考査項目別運用表 (the checklists of the table in force on a day, per grader) and
工事成績評定表 (the settled work: each grader's score, the weights, the 評定点計, 法令遵守等 and the final score).

Works are found through ``grading.works.queries`` within the user's reach, and a sheet is printed only by those who
may see it on screen (``permissions.can_view_sheet``): a grader prints their own sheet, the contract section and the
settler every submitted one. Scores come from ``grading.works.queries.sheet_table`` (``sheets.check_sheet``) and
``queries.score_work`` only.
"""

from __future__ import annotations

from decimal import Decimal

from core.errors import ValidationFailed
from core.jp import format_date, format_yen
from core.timefmt import to_jst
from grading.calculator import rules_on
from grading.rules import TABLE_LABELS
from grading.scoring import TABLE_GRADER_LABELS
from grading.works import permissions, queries
from grading.works.models import ROLES, GradedWork, GraderAssignment
from grading.works.queries import score_text, suggestion_text
from registry.codes import work_types

from . import register
from .base import Param, ReportDefinition
from .formdoc import Approvals, Fields, FormDocument, FormPage, Grid, Heading, Note, Text, Title

ROLES_ALLOWED = frozenset(permissions.GRADING_ROLES)
WORK_PARAM = Param("work", "契約番号", "text", required=True, max_length=40,
                   hint="評定の画面に表示される契約番号（例: 2026-K0001）")
ROLE_PARAM = Param("role", "評定者", "choice", required=True, choices=tuple(ROLES.items()), default="chief")
SEQ_PARAM = Param("seq", "中間・既済部分検査の回（空欄なら 1）", "text", max_length=2)


def _points(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"+{value}" if value > 0 else str(value)


def find_work(session, params: dict, actor) -> GradedWork:
    number = params["work"]
    work = queries.work_by_number(session, actor, number)
    if work is None:
        raise ValidationFailed({"work": [f"契約番号「{number}」の評定対象工事は見つかりません"
                                         "（評定者は指定された工事、工事担当課は自分の課の工事だけ印刷できます）。"]})
    return work


def _work_fields(session, work: GradedWork, *extra: tuple[str, str]) -> Fields:
    work_type = work_types(session, work.completed_on).get(work.work_type_code)
    return Fields((("契約番号", work.contract_number), ("工事名", work.name), ("受注者", work.contractor.name),
                   ("担当課", work.department.name),
                   ("業種", f"{work.work_type_code} {work_type.title}" if work_type else work.work_type_code),
                   ("最終契約金額", format_yen(work.contract_amount)), ("完成検査日", format_date(work.completed_on)),
                   ("評定表", work.table_label), *extra), pairs=True)


# --- 工事成績採点表 ---------------------------------------------------------------------------------------

def _sheet(work: GradedWork, params: dict, actor) -> GraderAssignment:
    raw = (params.get("seq") or "").strip()
    if raw and not raw.isdigit():
        raise ValidationFailed({"seq": ["回は数字（例: 1）で入力してください。"]})
    seq = int(raw) if raw else 1
    role = params["role"]
    assignment = next((a for a in work.assignments if a.role == role and a.seq == seq), None)
    if assignment is None:
        raise ValidationFailed({"role": [f"この工事に{ROLES[role]}{f'（第{seq}回）' if seq > 1 else ''}の評定者はいません。"]})
    if actor is not None and not permissions.can_view_sheet(actor, assignment):
        raise ValidationFailed({"role": ["この採点表は印刷できません（評定者本人と、提出の後は確定する者・契約課が"
                                         "印刷できます）。"]})
    return assignment


def build_grading_sheet(session, params: dict, actor) -> FormDocument:
    work = find_work(session, params, actor)
    assignment = _sheet(work, params, actor)
    table = queries.sheet_table(queries.work_rules(session, work), assignment)
    formula = table.rules.formula
    rows = []
    for group in table.groups:
        for line in group.lines:
            entry = line.entry
            value = (entry.value or "未評定") if not line.item.is_bonus else f"{entry.value or 0} 点"
            notes = [entry.comment or ""]
            if entry.override_reason:
                notes.append(f"（目安と違う評価の理由: {entry.override_reason}）")
            ticked, applicable = queries.tick_counts(line.item, entry)
            ticks = f"{ticked}/{applicable}" if line.item.checklist else "—"
            rows.append((group.category, line.item.label, value, _points(line.points), ticks,
                         line.suggested or "—", "\n".join(n for n in notes if n)))
    state = assignment.state_label + (f"（{format_date(to_jst(assignment.submitted_at).date())}）"
                                      if assignment.submitted_at else "")
    title = f"工事成績採点表（{assignment.role_label}）"
    blocks = [Title(title),
              _work_fields(session, work, ("評定者", f"{assignment.role_label} {assignment.user.name}"), ("状態", state)),
              Grid(("考査項目", "細別", "評価", "加減点", "できている/該当", "目安", "所見"), tuple(rows),
                   widths=(1.5, 1.6, 0.8, 0.8, 1.0, 0.6, 3.2), numeric=(3,)),
              Fields((("細別の加減点の計", _points(table.points)), ("基本点", f"{score_text(formula['base_points'])} 点"),
                      ("評定点", f"{score_text(table.score)} 点")), pairs=True),
              Note(f"目安: {suggestion_text(formula)}"
                   + ("" if assignment.state == "submitted" else "提出前の内容です（加点の未入力は 0 点として計算）。"))]
    return FormDocument(title, [FormPage(blocks, label=f"{work.contract_number} {assignment.role}")],
                        subject=f"{work.contract_number} {assignment.role_label}", numbered=True)


register(ReportDefinition(
    name="grading_sheet", title="工事成績採点表",
    description="評定者ごとの採点表です。細別ごとの評価と加減点、評価対象項目のチェック、所見、評定点を記載します。"
                "評定者は自分の採点表を、契約課と評定を確定する者は提出された採点表を印刷できます。",
    params=(WORK_PARAM, ROLE_PARAM, SEQ_PARAM), build=build_grading_sheet, roles=ROLES_ALLOWED,
))


# --- 考査項目別運用表 -------------------------------------------------------------------------------------

def build_checklists(session, params: dict, actor) -> FormDocument:
    day, table = params["day"], params["table"]
    rules = rules_on(session, day, table=table)
    formula = rules.formula
    rule_text = f"評価の目安: {suggestion_text(formula)}a は評価対象項目を上回るときの評定者の判断で、理由を記録します。"
    pages = []
    graders = [params["grader"]] if params.get("grader") else list(TABLE_GRADER_LABELS)
    for grader in graders:
        items = [i for i in rules.items if i.grader == grader]
        rows = tuple((i.category, i.label, "加点のみ（上限 " + str(i.maximum) + " 点）" if i.is_bonus else
                      "\n".join(f"{letter} {_points(p)}" for letter, p in i.scale.items()),
                      "\n".join(f"{n}. {text}" for n, text in enumerate(i.checklist, start=1)) or "—") for i in items)
        pages.append(FormPage([
            Title(f"考査項目別運用表（{TABLE_LABELS[table]}）"),
            Text(f"{TABLE_GRADER_LABELS[grader]}　{format_date(day)} に有効な考査項目", align="center"),
            Heading(TABLE_GRADER_LABELS[grader]),
            Grid(("考査項目", "細別", "評価と加減点", "評価対象項目"), rows, widths=(1.3, 1.3, 1.2, 5.0)),
            Note(rule_text)], label=TABLE_GRADER_LABELS[grader]))
    return FormDocument("考査項目別運用表", pages, subject=f"{TABLE_LABELS[table]} {format_date(day)}", numbered=True)


register(ReportDefinition(
    name="grading_checklists", title="考査項目別運用表",
    description="指定した日に有効な評定表の考査項目・細別ごとに、評価の記号と加減点、評価対象項目（チェックリスト）を"
                "評定者ごとに記載します。",
    params=(Param("day", "基準日（完成検査の日）", "date", required=True, default=lambda t: t),
            Param("table", "評定表", "choice", required=True, choices=tuple(TABLE_LABELS.items()), default="standard"),
            Param("grader", "評定者", "choice", choices=(("", "すべて"), *TABLE_GRADER_LABELS.items()), default="")),
    build=build_checklists, roles=ROLES_ALLOWED,
))


# --- 工事成績評定表 ---------------------------------------------------------------------------------------

def build_grading_summary(session, params: dict, actor) -> FormDocument:
    work = find_work(session, params, actor)
    if not work.is_settled or work.source != "system":
        raise ValidationFailed({"work": ["この工事の評定はまだ確定していません（確定の後に印刷できます）。"]})
    result = queries.score_work(session, work)
    every = actor is None or permissions.can_view_scores(actor, work, queries.settled_by(session, work))
    rows = []
    for role, weight in result.weights.items():
        graders = [a for a in work.assignments if a.role == role]
        visible = every or all(actor is not None and permissions.can_view_sheet(actor, a) for a in graders)
        score = result.graders[role]
        rows.append((ROLES[role], "・".join(a.user.name for a in graders), score_text(score) if visible else "—",
                     score_text(weight), score_text(score * weight) if visible else "—"))
    deductions = "、".join(f"{d.label} −{score_text(d.points)}" for d in result.deductions) or "なし"
    blocks = [Approvals(("課長", "係長", "担当")), Title("工事成績評定表"),
              _work_fields(session, work, ("確定日", format_date(to_jst(work.settled_at).date())),
                           ("通知日", format_date(work.notified_on) if work.notified_on else "未通知")),
              Grid(("評定者", "氏名", "評定点", "重み", "評定点 × 重み"), tuple(rows),
                   widths=(1.8, 2.0, 1.0, 0.8, 1.3), numeric=(2, 3, 4)),
              Fields((("評定点計", score_text(result.weighted)), ("法令遵守等", deductions),
                      ("総合評定点", f"{score_text(result.final)} 点")), label_width=0.2)]
    if work.revisions:
        blocks += [Heading("評定の修正"), Grid(("回", "修正の日", "理由", "評定点"), tuple(
            (f"第{r.seq}回", format_date(r.revised_on), r.reason, f"{score_text(r.final_before)} → {score_text(r.final_after)}")
            for r in work.revisions), widths=(0.6, 1.3, 4.0, 1.2))]
    blocks.append(Note("評定点は各評定者の評定点に重みを乗じた合計（評定点計）から法令遵守等の減点を引き、市の設定で端数を"
                       "処理したものです。" + ("" if every else "表示できない評定者の評定点は「—」としています。")))
    return FormDocument("工事成績評定表", [FormPage(blocks, label=work.contract_number)],
                        subject=f"{work.contract_number} {work.name}")


register(ReportDefinition(
    name="grading_summary", title="工事成績評定表",
    description="確定した工事の評定の総括です。各評定者の評定点、重み、評定点計、法令遵守等の減点、総合評定点と評定の修正を"
                "記載します。",
    params=(WORK_PARAM,), build=build_grading_summary, roles=ROLES_ALLOWED,
))
