"""工事成績評定 統計表 (SPEC GR5, CM11): the figures of the grade database for a range of 年度, a 業種 and a 担当課 —
overall, per 年度, per 業種, per 担当課 and the distribution in 5-point bands — as an A4 form (PDF and Excel).

Read through ``grading.statistics.queries`` with the user's department scope: department staff print their own
department's works only; the command line (``actor`` None, the server's operator) prints every department's.
"""

from __future__ import annotations

from core.jp import fiscal_year_label
from grading.statistics import queries
from grading.statistics.permissions import VIEW_ROLES

from . import register
from .base import Param, ReportDefinition, label_for
from .formdoc import Fields, FormDocument, FormPage, Grid, Heading, Note, Text, Title

FIGURE_HEADERS = ("件数", "平均点", "中央値", "最低点", "最高点")
WIDTHS = (3.0, 1.0, 1.0, 1.0, 1.0, 1.0)


def _years(session) -> list[tuple[str, str]]:
    return [("", "すべて")] + [(str(y), fiscal_year_label(y, None)) for y in sorted(queries.known_years(session, None))]


def _work_types(session) -> list[tuple[str, str]]:
    return [("", "すべて")] + list(queries.work_type_labels(session).items())


def _departments(session) -> list[tuple[str, str]]:
    return [("", "すべて")] + [(str(i), name) for i, name in queries.department_choices(session, None)]


def _check(values: dict) -> dict[str, list[str]]:
    first, last = values.get("year_from"), values.get("year_to")
    if first and last and int(first) > int(last):
        return {"year_to": ["年度（まで）は年度（から）以後の年度にしてください。"]}
    return {}


def _text(value) -> str:
    return "—" if value is None else str(value)


def _grid(heading: str, rows) -> Grid:
    return Grid((heading, *FIGURE_HEADERS), tuple(
        (f.label, f"{f.count:,}", _text(f.mean), _text(f.median), _text(f.minimum), _text(f.maximum)) for f in rows),
        widths=WIDTHS, numeric=(1, 2, 3, 4, 5), empty="該当する評定はありません")


def build_statistics(session, params: dict, actor) -> FormDocument:
    year_from = int(params["year_from"]) if params.get("year_from") else None
    year_to = int(params["year_to"]) if params.get("year_to") else None
    filters = queries.Filters(year_from, year_to, params.get("work_type") or None,
                              int(params["department"]) if params.get("department") else None)
    frame = queries.grade_frame(session, actor, filters)
    years = queries.year_range(frame, filters)
    total = queries.overall(frame)
    conditions = [("年度", f"{fiscal_year_label(year_from, None) if year_from else '最初'}〜"
                           f"{fiscal_year_label(year_to, None) if year_to else '最新'}"),
                  ("業種", label_for(_work_types(session), params.get("work_type") or "")),
                  ("担当課", label_for(_departments(session), params.get("department") or ""))]
    if actor is not None and not actor.sees_all_departments:
        conditions.append(("範囲", "自分の課の工事"))
    blocks = [
        Title("工事成績評定 統計表"),
        Text("　".join(f"{label}: {value}" for label, value in conditions), align="center"),
        Heading("1 全体"),
        Fields((("件数", f"{total.count:,} 件"), ("平均点", f"{_text(total.mean)} 点"), ("中央値", f"{_text(total.median)} 点"),
                ("最低点・最高点", f"{_text(total.minimum)} 点・{_text(total.maximum)} 点")), pairs=True),
        Heading("2 年度別"),
        _grid("年度", queries.figures_by(frame, "fiscal_year", {y: fiscal_year_label(y, None) for y in years}, keys=years)),
        Heading("3 業種別"),
        _grid("業種", queries.figures_by(frame, "work_type_code", queries.work_type_labels(session))),
        Heading("4 担当課別"),
        _grid("担当課", queries.figures_by(frame, "department_id", queries.department_labels(session))),
        Heading("5 評定点の分布（5 点ごと）"),
        Grid(("評定点の区分", "件数", "割合（%）"), tuple((b.label, f"{b.count:,}", str(b.share)) for b in queries.bands(frame)),
             widths=(3.0, 1.0, 1.0), numeric=(1, 2), empty="該当する評定はありません"),
        Note("確定・通知済みの評定（過去の評定の取込を含む）を、完成した年度で集計しています。平均点と中央値は小数第 2 位まで"
             "（四捨五入）。"),
    ]
    return FormDocument("工事成績評定 統計表", [FormPage(blocks, label="統計表")], font="gothic", numbered=True,
                        subject="　".join(f"{label}: {value}" for label, value in conditions))


register(ReportDefinition(
    name="grading_statistics", title="工事成績評定 統計表",
    description="確定・通知済みの工事成績評定の件数・平均点・中央値・最低点・最高点を、年度別・業種別・担当課別に、"
                "評定点の分布（5 点ごと）とともに集計します。担当課の職員は自分の課の工事だけを集計します。",
    params=(Param("year_from", "年度（から）", "choice", choices=_years),
            Param("year_to", "年度（まで）", "choice", choices=_years),
            Param("work_type", "業種", "choice", choices=_work_types),
            Param("department", "担当課", "choice", choices=_departments)),
    build=build_statistics, roles=frozenset(VIEW_ROLES), check=_check,
))
