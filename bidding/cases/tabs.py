"""The tabs of a tender case's record (概要, 価格, 指名, 履歴; bids and contracts add theirs as they come)."""

from __future__ import annotations

from flask import current_app, url_for

#: (label, endpoint) in display order; endpoints take ``case_id``. Only the tabs whose screens exist show.
TABS = (
    ("概要", "bidding.cases.case_detail"),
    ("価格", "bidding.cases.case_prices"),
    ("指名・参加者", "bidding.nominations.case_nominations"),
    ("入札", "bidding.bids.case_bids"),
    ("契約", "bidding.contracts.case_contract"),
    ("履歴", "bidding.cases.case_history"),
)


def case_tabs(case_id: int, current: str) -> list[tuple[str, str, bool]]:
    """The tabs for ``templates/_tabs.html``: (label, URL, is current)."""
    shown = [(label, endpoint) for label, endpoint in TABS if endpoint in current_app.view_functions]
    return [(label, url_for(endpoint, case_id=case_id), endpoint == current) for label, endpoint in shown]
