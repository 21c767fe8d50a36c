"""Statistics screens of the grade database (SPEC GR5, CM9): the yearly page with its charts and tables, the
contractors' table, a firm's page, the 優良工事 candidates and the 主観点 feed (a dry view first, then apply).

Views parse the filters, read through ``queries``/``firms`` in the user's department scope, draw the charts
(``charts``) and offer each table as CSV/Excel (``?export=<table>&format=csv|xlsx``, logged as an export).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.audit.services import record_export
from core.db import db
from core.formtools import choices
from core.jp import fiscal_year_label, format_date
from core.pagination import Page, parse_page
from core.permissions import roles_required
from core.timefmt import today
from core.transaction import transaction
from registry.contractors.models import Contractor

from . import charts, exports, feed, firms, queries
from .forms import FeedForm, StatsFilterForm, YearForm
from .permissions import FEED_ROLES, VIEW_ROLES, can_feed_points, sees_every_department
from .queries import Filters

bp = Blueprint("statistics", __name__, url_prefix="/statistics")
view_roles = roles_required(*VIEW_ROLES)
FIRMS_PAGE = 100
FEED_PAGE = 200
EXPORT_FORMATS = ("csv", "xlsx")
STALE = "表示した後に評定や登録が変わりました。反映する内容を表示し直してから反映してください。"


def year_label(year: int) -> str:
    return fiscal_year_label(year, None)


def short_year(year: int) -> str:
    """A 年度 on a chart's axis: R7 / H30 (or 2025 when dates are shown in 西暦)."""
    if (current_app.config.get("DATE_STYLE") or "wareki").startswith("wareki"):
        return fiscal_year_label(year, "wareki_short").removesuffix("年度")
    return str(year)


def _choices(form, years: list[int]) -> None:
    year_choices = [(0, "すべて")] + [(y, year_label(y)) for y in years]
    for name in ("year_from", "year_to", "fiscal_year"):
        if hasattr(form, name):
            getattr(form, name).choices = choices(year_choices if name != "fiscal_year" else year_choices[1:])
    form.work_type.choices = choices([("", "すべて")] + list(queries.work_type_labels(db.session).items()))
    form.department_id.choices = choices([(0, "すべて")] + queries.department_choices(db.session, current_user))


def _filters(form: StatsFilterForm) -> Filters:
    """The filters the form holds; a field in error narrows nothing (its message is shown)."""
    form.validate()
    year_from = form.year_from.data or None if not form.year_from.errors else None
    year_to = form.year_to.data or None if not form.year_to.errors else None
    if year_from and year_to and year_from > year_to:
        form.year_to.errors = [*form.year_to.errors, "年度（まで）は年度（から）以後の年度にしてください。"]
        year_to = None
    contractor_id = None
    number = (form.contractor.data or "").strip()
    if number and not form.contractor.errors:
        firm = queries.contractor_by_number(db.session, number)
        if firm is None:
            form.contractor.errors = [f"業者番号「{number}」の業者は登録されていません。"]
            contractor_id = -1  # nothing matches: the page says so instead of showing every firm
        else:
            contractor_id = firm.id
    department_id = form.department_id.data or None if not form.department_id.errors else None
    return Filters(year_from, year_to, form.work_type.data or None, department_id, contractor_id)


def _export(title: str, table: tuple[list[str], list[list]]):
    fmt = request.args.get("format")
    with transaction():
        record_export(db.session, current_user, title, request.args.to_dict(),
                      file_format="Excel" if fmt == "xlsx" else "CSV")
    return exports.table_response(title, *table, fmt)


def _wants_export() -> str | None:
    table = request.args.get("export")
    return table if table and request.args.get("format") in EXPORT_FORMATS else None


# --- the yearly page -------------------------------------------------------------------------------------

@bp.route("")
@view_roles
def overview():
    """年度・業種・担当課ごとの件数・平均・中央値・最低・最高、評定点の分布、年度の推移（グラフと表）。"""
    form = StatsFilterForm(request.args)
    _choices(form, queries.known_years(db.session, current_user))
    filters = _filters(form)
    frame = queries.grade_frame(db.session, current_user, filters)
    years = queries.year_range(frame, filters)
    titles = queries.work_type_labels(db.session)
    by_year = queries.figures_by(frame, "fiscal_year", {y: year_label(y) for y in years}, keys=years)
    by_type = queries.figures_by(frame, "work_type_code", titles)
    by_department = queries.figures_by(frame, "department_id", queries.department_labels(db.session))
    bands = queries.bands(frame)
    tables = {"years": ("評定の統計（年度別）", exports.figures_table("年度", by_year)),
              "work_types": ("評定の統計（業種別）", exports.figures_table("業種", by_type)),
              "departments": ("評定の統計（担当課別）", exports.figures_table("担当課", by_department)),
              "bands": ("評定の統計（評定点の分布）", exports.bands_table(bands))}
    if (table := _wants_export()) is not None:
        if table not in tables:
            abort(404)
        return _export(*tables[table])
    graphs = {
        "trend": charts.line_chart("chart-trend", "年度ごとの平均点の推移", [
            charts.Point(short_year(f.key), f.mean, f"{f.mean}") for f in by_year], unit="平均点（点）"),
        "counts": charts.column_chart("chart-counts", "年度ごとの評定の件数", [
            charts.Point(short_year(f.key), f.count, f"{f.count:,}") for f in by_year], unit="件数"),
        "bands": charts.column_chart("chart-bands", "評定点の分布（5 点ごとの件数）", [
            charts.Point(str(b.lower), b.count, f"{b.count:,}") for b in bands], unit="件数"),
        "types": charts.bar_chart("chart-types", "業種ごとの平均点", [
            charts.Point(f.label, f.mean, f"{f.mean}（{f.count:,} 件）") for f in by_type],
            unit="平均点（点）", floor=None),
    }
    return render_template("grading/statistics/overview.html", filters=form, total=queries.overall(frame),
                           by_year=by_year, by_type=by_type, by_department=by_department, bands=bands, graphs=graphs,
                           scoped=not sees_every_department(current_user),
                           can_feed=can_feed_points(current_user))


# --- contractors ------------------------------------------------------------------------------------------

@bp.route("/contractors")
@view_roles
def contractors():
    """業者ごとの件数・平均・中央値・最低・最高と、直近の年度（主観点のルールの年数）の件数と平均。"""
    form = StatsFilterForm(request.args)
    _choices(form, queries.known_years(db.session, current_user))
    filters = _filters(form)
    first, last, rule = firms.recent_window(db.session, today())
    rows = firms.firm_table(db.session, queries.grade_frame(db.session, current_user, filters), first, last,
                            form.sort.data if form.sort.data in firms.SORTS else "mean")
    recent = feed.window_label(first, last)
    if _wants_export() == "contractors":
        return _export("評定の統計（業者別）", exports.firms_table(rows, f"直近（{recent}）"))
    if _wants_export():
        abort(404)
    page = Page.of_list(rows, parse_page(request.args.get("page")), FIRMS_PAGE)
    return render_template("grading/statistics/contractors.html", filters=form, page=page, recent=recent, rule=rule,
                           scoped=not sees_every_department(current_user))


@bp.route("/contractors/<int:contractor_id>")
@view_roles
def contractor(contractor_id: int):
    """業者の評定: 直近の年度の平均と件数、年度の推移（グラフ）、業種別、工事の一覧、登録の主観点（工事成績）。"""
    firm = db.session.get(Contractor, contractor_id)
    if firm is None:
        abort(404)
    form = StatsFilterForm(request.args)
    _choices(form, queries.known_years(db.session, current_user))
    base = _filters(form)
    filters = Filters(base.year_from, base.year_to, base.work_type_code, base.department_id, firm.id)
    frame = queries.grade_frame(db.session, current_user, filters)
    titles = queries.work_type_labels(db.session)
    works = firms.work_rows(db.session, current_user, filters)
    if _wants_export() == "works":
        return _export(f"評定の統計（{firm.number}の工事）", exports.works_table(works, titles))
    if _wants_export():
        abort(404)
    day = today()
    first, last, rule = firms.recent_window(db.session, day)
    recent = frame[(frame["fiscal_year"] >= first) & (frame["fiscal_year"] <= last)] if not frame.empty else frame
    years = queries.year_range(frame, filters)
    by_year = queries.figures_by(frame, "fiscal_year", {y: year_label(y) for y in years}, keys=years)
    trend = charts.line_chart("chart-firm-trend", f"{firm.name}の年度ごとの平均点", [
        charts.Point(short_year(f.key), f.mean, f"{f.mean}") for f in by_year], unit="平均点（点）", width=760)
    return render_template("grading/statistics/contractor.html", firm=firm, filters=form, total=queries.overall(frame),
                           recent=queries.overall(recent, feed.window_label(first, last)), rule=rule,
                           by_year=by_year, by_type=queries.figures_by(frame, "work_type_code", titles), trend=trend,
                           works=works, titles=titles, registered=firms.registered_points(db.session, firm.id, day),
                           scoped=not sees_every_department(current_user))


# --- 優良工事 -----------------------------------------------------------------------------------------------

@bp.route("/commendations")
@view_roles
def commendations():
    """優良工事の候補: 年度の工事のうち、評定点がルールの基準以上の工事（点数の高い順）。"""
    form = YearForm(request.args)
    years = queries.known_years(db.session, current_user)
    _choices(form, years)
    form.validate()
    year = form.fiscal_year.data if form.fiscal_year.data in years else (years[0] if years else None)
    form.fiscal_year.data = year
    filters = Filters(work_type_code=form.work_type.data or None, department_id=form.department_id.data or None)
    threshold, rows = (firms.commendation_candidates(db.session, current_user, year, today(), filters)
                       if year is not None else (None, []))
    titles = queries.work_type_labels(db.session)
    if _wants_export() == "commendations" and year is not None:
        return _export(f"優良工事の候補（{year}年度）", exports.works_table(rows, titles))
    if _wants_export():
        abort(404)
    return render_template("grading/statistics/commendations.html", filters=form, year=year, threshold=threshold,
                           rows=rows, titles=titles, scoped=not sees_every_department(current_user))


# --- 主観点への反映 -----------------------------------------------------------------------------------------

def _feed_page(form: FeedForm, day, status: int = 200, general=()):
    plan = feed.plan_performance_points(db.session, day)
    changes = plan.changes
    form.digest.data = plan.digest
    page = Page.of_list(changes, parse_page(request.args.get("page")), FEED_PAGE)
    titles = queries.work_type_labels(db.session)
    return render_template("grading/statistics/feed.html", form=form, day=day, plan=plan, page=page, titles=titles,
                           total=len(plan.rows), general_errors=list(general)), status


@bp.route("/feed")
@roles_required(*FEED_ROLES)
def feed_preview():
    """主観点への反映（確認）: 基準日の直近の年度の評定から、登録業種ごとに変わる主観点と根拠を表示します。"""
    form = FeedForm(request.args, meta={"csrf": False})
    form.validate()
    day = form.day.data or today()
    form.day.data = day
    return _feed_page(form, day)


@bp.route("/feed", methods=["POST"])
@roles_required(*FEED_ROLES)
def feed_apply():
    form = FeedForm()
    if not form.validate_on_submit() or form.day.data is None:
        abort(400)
    day = form.day.data
    plan = feed.plan_performance_points(db.session, day)
    if form.digest.data != plan.digest:
        return _feed_page(form, day, 409, [STALE])
    with transaction(flash_errors=True) as tx:
        count = feed.feed_performance_points(db.session, current_user, day, plan)
    if tx.ok:
        flash(f"{count:,} 件の登録業種に工事成績による主観点を反映しました（基準日 {format_date(day)}）。", "success")
    return redirect(url_for("grading.statistics.feed_preview", day=day.isoformat()))
