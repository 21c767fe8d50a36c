"""The publication list as files (公表, SPEC GR4): the CSV the city posts (UTF-8 with BOM, plain values: dates
``YYYY-MM-DD``, amounts as integers, the score as published) and the same columns typed for Excel. The rows are
``queries.publication_rows`` (the one rule of what is published); the printed list is the ``grading_publication``
report."""

from __future__ import annotations

from .queries import PublicationRow

TITLE = "工事成績評定の公表"
HEADER = ("契約番号", "工事名", "受注者（業者番号）", "受注者", "最終契約金額（税込・円）", "評定点", "担当課", "完成日",
          "通知日")
WIDTHS = {1: 14, 2: 40, 3: 12, 4: 28, 5: 16, 6: 8, 7: 18, 8: 12, 9: 12}


def record(row: PublicationRow) -> list:
    return [row.contract_number, row.name, row.contractor_number, row.contractor_name, row.amount, row.score_text,
            row.department, row.completed_on.isoformat(), row.notified_on.isoformat()]


def typed_record(row: PublicationRow) -> list:
    return [row.contract_number, row.name, row.contractor_number, row.contractor_name, row.amount, row.score,
            row.department, row.completed_on, row.notified_on]
