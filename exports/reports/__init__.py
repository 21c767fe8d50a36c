"""The registry of reports (帳票). Each module below defines its reports and calls ``register``.

To add a report, write ``exports/reports/<area>.py`` and list it in ``_MODULES``::

    from bidding import queries  # read only through the feature's queries.py
    from core.auth.roles import Role

    from . import register
    from .base import Column, Document, ReportDefinition, Param, period_check

    def build_contracts(session, params, actor) -> Document:
        stmt = queries.search_contracts(date_from=params["date_from"], ...)
        # A generator read in batches: the report keeps the rows in a temporary file, not in memory (a list works too).
        rows = ([c.number, c.contractor_name, c.amount, c.signed_on]
                for c in session.scalars(stmt.execution_options(yield_per=1000)))
        return Document("契約一覧", [Column("契約番号"), Column("業者名", width=2.5), Column("契約金額", "yen"),
                                     Column("契約日", "date")], rows,
                        conditions=[("期間", (params["date_from"], params["date_to"]))])

    register(ReportDefinition(
        name="contracts", title="契約一覧", build=build_contracts, landscape=True,
        roles={Role.SYSTEM_ADMIN, Role.CONTRACT_STAFF},
        params=(Param("date_from", "期間（開始日）", "date", required=True, default=lambda t: t.replace(day=1)),
                Param("date_to", "期間（終了日）", "date", required=True, default=lambda t: t)),
        check=period_check("date_from", "date_to", 366)))

A letter-like form (a letter per firm, a 伺 or 調書 with a 決裁欄) returns a ``FormDocument`` instead: pages of
blocks (addressee, date, issuer, title, paragraphs, labelled tables, the 記 section, approval boxes); see
``formdoc.py`` and ``bidding.py``. It renders as an A4 portrait PDF with a page per letter and a workbook with a
sheet per letter.

The preview page (``/exports/reports/contracts``), the PDF and Excel downloads, ``flask report contracts``, the
menu entry and the audit entries follow from the definition. A report has at most ``max_rows`` rows (100,000 by
default; the renderers' memory does not grow with the rows, their time does). Forms for department-bound roles must limit
their rows with ``core.scope.restrict_to_department(stmt, actor, column)`` when ``actor`` is a user;
``actor`` is None on the command line, which only the server's operator can run.
"""

from __future__ import annotations

import importlib

from core.auth.roles import Role

from .base import Column, Document, Param, ReportDefinition, period_check

__all__ = ["Column", "Document", "ReportDefinition", "Param", "all_reports", "get", "period_check", "register",
           "roles_in_use", "usable_by"]

_FORMS: dict[str, ReportDefinition] = {}

#: Modules holding report definitions, imported once with this package.
_MODULES = ("exports.reports.admin", "exports.reports.registry", "exports.reports.bidding",
            "exports.reports.bidding_records", "exports.reports.bidding_bids", "exports.reports.bidding_bid_letters",
            "exports.reports.bidding_contracts", "exports.reports.bidding_payments", "exports.reports.grading_notices",
            "exports.reports.grading_sheets", "exports.reports.grading_statistics")


def register(definition: ReportDefinition) -> ReportDefinition:
    existing = _FORMS.get(definition.name)
    if existing is not None and existing is not definition:
        raise ValueError(f"form {definition.name!r} is already registered")
    _FORMS[definition.name] = definition
    return definition


def get(name: str) -> ReportDefinition | None:
    return _FORMS.get(name)


def all_reports() -> list[ReportDefinition]:
    return list(_FORMS.values())


def usable_by(user) -> list[ReportDefinition]:
    return [f for f in _FORMS.values() if f.may_use(user)]


def roles_in_use() -> frozenset[Role]:
    """Every role that may use at least one report: the roles the report routes and the menu admit."""
    roles: set[Role] = set()
    for definition in _FORMS.values():
        roles |= definition.roles
    return frozenset(roles)


for _module in _MODULES:
    importlib.import_module(_module)
