"""Letters and lists of the grading notice (SPEC GR4, CM11; domain-japan.md §1.7-§1.9): 工事成績評定通知書 with its
別紙 項目別評定点表 (from the settled grade: ``grading.works.queries.work_breakdown``), the answers to a 説明請求
(説明書（回答）) and to a 再説明請求 (再説明書（回答）), and the publication list (公表) of a period.

The work is found by its 契約番号 in the user's department scope (another department's is refused as missing). The
wording is the ``grading.notice`` rule in force on each letter's date; the deadlines are those the grading services
computed and stored (the 説明請求's from the notice by ``grading.deadlines``).
"""

from __future__ import annotations

from core.errors import ValidationFailed
from core.jp import fiscal_year_label, format_date, format_yen
from core.rules import get_rule
from grading.explanations.models import OUTCOMES
from grading.explanations.queries import corrections, requests_of_work
from grading.notices import queries as notices
from grading.notices.permissions import NOTICE_ROLES, PUBLICATION_ROLES
from grading.notices.rules import KEY as WORDING_KEY
from grading.works.permissions import can_view_scores
from grading.works.queries import settled_by, work_breakdown

from . import register
from .base import Column, Document, Param, ReportDefinition, label_for, today
from .bidding import ServerOperator, _addressee, _fill
from .formdoc import Dateline, Fields, FormDocument, FormPage, Grid, Heading, Issuer, Ki, Note, Text, Title

WORK_PARAM = Param("work", "契約番号", "text", required=True, max_length=40,
                   hint="例: 2026-K0001（評定の通知の画面に表示される契約番号）")


def _user(actor):
    return actor if actor is not None else ServerOperator()


def _work(session, params: dict, actor, *, notified: bool = False):
    number = params["work"]
    work = notices.work_by_number(session, _user(actor), number, notified=notified)
    if work is None:
        state = "通知した" if notified else "評定を確定した"
        raise ValidationFailed({"work": [f"契約番号「{number}」の{state}工事は見つかりません（工事担当課の職員は自分の課の"
                                         "工事だけ印刷できます）。"]})
    return work


def _day(breakdown: dict):
    from datetime import date

    return date.fromisoformat(breakdown["date"])


def _points(value) -> str:
    return f"{value:+g}" if value else "0"


# --- 工事成績評定通知書 ------------------------------------------------------------------------------------

def _item_pages(breakdown: dict) -> list:
    """別紙 項目別評定点表: each grader's 細別 with the letter and points, then the weighted total and the final score."""
    basis = f"評定表: {breakdown['table_label']}（{format_date(_day(breakdown))}に適用される評定の基準）"
    blocks: list = [Title("項目別評定点表"), Note(basis)]
    graders = []
    for role, grader in breakdown["graders"].items():
        sheets = grader["inspections"] if role == "interim_inspector" else [grader]
        for i, sheet in enumerate(sheets, 1):
            title = f"{grader['title']} 第{i}回" if role == "interim_inspector" else grader["title"]
            graders.append((role, title, sheet))
    base = breakdown["base_points"]
    for _role, title, sheet in graders:
        if "items" not in sheet:
            blocks.append(Heading(f"{title}（評定点 {sheet['score']} 点）"))
            continue
        blocks.append(Heading(f"{title}（評定点 {sheet['score']} 点 ＝ 基本点 {base} 点 {_points(sheet['points'])} 点）"))
        rows = tuple((line["category"], line["item"], str(line["value"]), _points(line["points"]))
                     for line in sheet["items"])
        blocks.append(Grid(("考査項目", "細別", "評価", "点数"), rows, widths=(1.6, 2.4, 0.8, 0.9), numeric=(3,)))
    weights = breakdown["weights"]
    rows = [(g["title"], f"{g['score']} 点（重み {weights.get(role, '—')}）") for role, g in breakdown["graders"].items()]
    rows.append(("評定点計", f"{breakdown['weighted']} 点"))
    rows += [(f"法令遵守等（{d['label']}）", f"−{d['points']} 点") for d in breakdown["deductions"]]
    rows.append(("総合評定点", f"{breakdown['final']} 点"))
    blocks += [Heading("評定点の計算"), Fields(tuple(rows), pairs=True)]
    return blocks


def build_notice(session, params: dict, actor) -> FormDocument:
    work = _work(session, params, actor)
    notified = work.notified_on is not None
    if not notified and actor is not None and not can_view_scores(actor, work, settled_by(session, work)):
        raise ValidationFailed({"work": ["通知前の評定通知書（項目別評定点表）は、評定を確定した者と契約課の職員だけが確認"
                                         "できます。"]})
    day = work.notified_on if notified else today()
    wording = get_rule(session, WORDING_KEY, day)
    deadline = notices.request_deadline(session, work) if notified else None
    if deadline is None:
        from core.rules import deadline_for
        from grading.rules import DEADLINES_KEY

        deadline = deadline_for(session, "explanation_request", day, rule_key=DEADLINES_KEY)
    values = {"work_name": work.name, "deadline": format_date(deadline)}
    items = Ki((("契約番号", work.contract_number), ("工事名", work.name), ("担当課", work.department.name),
                ("最終契約金額", f"{format_yen(work.contract_amount)}（税込）"),
                ("完成検査の日", format_date(work.completed_on)), ("評定点", f"{notices.format_score(work.final_score)} 点"),
                ("説明請求の期限", format_date(deadline))),
               notes=(_fill(wording["notice_closing"], values),))
    letter = [Dateline(day), _addressee(work.contractor), Issuer((wording["notice_issuer"],)),
              Title(wording["notice_title"]), Text(_fill(wording["notice_body"], values), indent=True), items]
    if not notified:
        letter.append(Note("通知前の確認用です。通知日と説明請求の期限は、今日通知したときのものです。"))
    pages = [FormPage(letter, label=work.contract_number)]
    breakdown = work_breakdown(session, work)
    if breakdown is not None:
        pages.append(FormPage([Text("別紙", align="right"), *_item_pages(breakdown)], label="項目別評定点表"))
    return FormDocument(wording["notice_title"], pages, unit="枚", numbered=True,
                        subject=f"{work.contract_number} {work.name}")


register(ReportDefinition(
    name="grading_notice", title="工事成績評定通知書",
    description="評定を確定した工事の受注者への工事成績評定通知書と、別紙の項目別評定点表（評定者ごとの細別の評価と点数、"
                "重み、法令遵守等、総合評定点）です。文言はルール設定「工事成績評定の通知書と回答書」の、通知日に"
                "適用される版によります。通知前は今日の日付で確認できます。",
    params=(WORK_PARAM,), build=build_notice, roles=frozenset(NOTICE_ROLES),
))


# --- 説明書（回答）・再説明書（回答） ------------------------------------------------------------------------

NUMBER_PARAM = Param("number", "請求の番号", "text", max_length=3,
                     hint="その工事の何件目の説明請求か（空欄なら最新）")


def _request(session, params: dict, actor, *, committee: bool):
    work = _work(session, params, actor, notified=True)
    requests = requests_of_work(session, work.id)
    raw = (params.get("number") or "").strip()
    if raw and not raw.isdigit():
        raise ValidationFailed({"number": ["請求の番号は数字（例: 1）で入力してください。"]})
    if raw:
        index = int(raw)
        if not 1 <= index <= len(requests):
            raise ValidationFailed({"number": [f"この工事の説明請求は {len(requests)} 件です。"]})
        found = requests[index - 1]
    else:
        found = requests[-1] if requests else None
    done = found is not None and (found.committee_answered_on if committee else found.answered_on)
    if not done:
        what = "再説明請求への回答" if committee else "説明請求への回答"
        raise ValidationFailed({"work": [f"契約番号「{work.contract_number}」の工事には{what}がまだありません。"]})
    return work, found


def build_answer(session, params: dict, actor) -> FormDocument:
    work, found = _request(session, params, actor, committee=False)
    wording = get_rule(session, WORDING_KEY, found.answered_on)
    values = {"work_name": work.name, "filed_on": format_date(found.filed_on)}
    ki = Ki((("契約番号", work.contract_number), ("工事名", work.name), ("請求の内容", found.content),
             ("回答", found.answer)),
            notes=(f"この回答について更に説明を求めるときは、{format_date(found.re_request_due)}までに再説明を請求することが"
                   "できます。",))
    page = FormPage([Dateline(found.answered_on), _addressee(work.contractor), Issuer((wording["answer_issuer"],)),
                     Title(wording["answer_title"]), Text(_fill(wording["answer_body"], values), indent=True), ki],
                    label=work.contract_number)
    return FormDocument(wording["answer_title"], [page], unit="通", subject=f"{work.contract_number} {work.name}")


def build_re_answer(session, params: dict, actor) -> FormDocument:
    work, found = _request(session, params, actor, committee=True)
    wording = get_rule(session, WORDING_KEY, found.committee_answered_on)
    values = {"work_name": work.name, "filed_on": format_date(found.re_filed_on)}
    outcome = OUTCOMES["correct" if found.state == "corrected" else "keep"]
    rows = [("契約番号", work.contract_number), ("工事名", work.name), ("再説明請求の内容", found.re_content or ""),
            ("委員会審議の日", format_date(found.committee_on)), ("審議の結果", outcome)]
    made = corrections(found)
    if found.state == "corrected" and made:
        rows.append(("評定点", f"{made[0].final_before} 点 → {made[-1].final_after} 点"))
    rows.append(("回答", found.committee_answer or ""))
    page = FormPage([Dateline(found.committee_answered_on), _addressee(work.contractor),
                     Issuer((wording["answer_issuer"],)), Title(wording["re_answer_title"]),
                     Text(_fill(wording["re_answer_body"], values), indent=True), Ki(tuple(rows))],
                    label=work.contract_number)
    return FormDocument(wording["re_answer_title"], [page], unit="通", subject=f"{work.contract_number} {work.name}")


for _name, _title, _build, _what in (
        ("grading_answer", "説明書（回答）", build_answer, "説明請求への回答"),
        ("grading_re_answer", "再説明書（回答）", build_re_answer, "再説明請求への委員会審議を経た回答")):
    register(ReportDefinition(
        name=_name, title=_title, params=(WORK_PARAM, NUMBER_PARAM), build=_build, roles=frozenset(NOTICE_ROLES),
        description=f"{_what}を受注者に知らせる書面です。文言はルール設定「工事成績評定の通知書と回答書」の、回答日に"
                    "適用される版によります。"))


# --- 公表一覧 ------------------------------------------------------------------------------------------------

def _year_choices(session) -> list[tuple[str, str]]:
    return [("", "指定しない")] + [(str(y), f"{y} 年度（{fiscal_year_label(y)}）") for y in notices.graded_years(session)]


QUARTER_CHOICES = (("", "年度全体"), *((str(k), v) for k, v in notices.QUARTERS.items()))


def _department_choices(session) -> list[tuple[str, str]]:
    from core.auth import queries as auth_queries

    return [("", "すべて")] + [(d.code, f"{d.code} {d.name}") for d in session.scalars(auth_queries.departments())]


def build_publication(session, params: dict, actor) -> Document:
    from core.auth import queries as auth_queries

    departments = {d.code: d for d in session.scalars(auth_queries.departments())}
    department = departments.get(params.get("department") or "")
    year = int(params["fiscal_year"]) if params.get("fiscal_year") else None
    filters = notices.PublicationFilters(
        fiscal_year=year, quarter=int(params["quarter"]) if year and params.get("quarter") else None,
        notified_from=params.get("notified_from"), notified_to=params.get("notified_to"),
        department_id=department.id if department else None)
    rows = notices.publication_rows(session, _user(actor), filters, today())
    totals = notices.publication_totals(session, _user(actor), filters, today())
    first, last = filters.period()
    conditions = [("通知日", (first, last)) if first or last else ("通知日", "すべて"),
                  ("担当課", f"{department.code} {department.name}" if department else "すべて"),
                  ("件数・平均", f"{totals['count']:,} 件" + (f"、平均 {totals['average']} 点" if totals["average"] else ""))]
    if year:
        conditions.insert(0, ("期間", f"{year} 年度（{fiscal_year_label(year)}）"
                              + (f" {label_for(QUARTER_CHOICES, params.get('quarter') or '', '')}" if filters.quarter else "")))
    columns = [Column("契約番号", width=1.1), Column("工事名", width=2.8), Column("受注者", width=2.0),
               Column("最終契約金額", "yen", 1.2), Column("評定点", width=0.6), Column("担当課", width=1.3),
               Column("完成日", "date"), Column("通知日", "date")]
    data = [[r.contract_number, r.name, r.contractor_name, r.amount, r.score_text, r.department, r.completed_on,
             r.notified_on] for r in rows]
    return Document("工事成績評定の公表", columns, data, conditions=conditions,
                    empty_message="この期間に通知した工事はありません。")


register(ReportDefinition(
    name="grading_publication", title="工事成績評定の公表一覧",
    description="受注者に通知した工事の工事名・受注者・最終契約金額（税込）・評定点を、通知日の年度・四半期又は期間で"
                "一覧にします。通知日より前の工事は載りません。工事担当課の職員には自分の課の工事だけが載ります。",
    params=(Param("fiscal_year", "年度（通知日）", "choice", choices=_year_choices),
            Param("quarter", "四半期", "choice", choices=QUARTER_CHOICES),
            Param("notified_from", "通知日（開始）", "date"), Param("notified_to", "通知日（終了）", "date"),
            Param("department", "担当課", "choice", choices=_department_choices)),
    build=build_publication, roles=frozenset(PUBLICATION_ROLES), landscape=True,
))
