"""The tabs of a contractor's record; every tab page includes them through ``templates/_tabs.html``."""

from __future__ import annotations

from flask import current_app, url_for

#: (label, endpoint) in display order; endpoints take ``contractor_id``.
TABS = (
    ("基本情報", "registry.contractor_detail"),
    ("許可", "registry.contractor_permits"),
    ("経審", "registry.contractor_keishin"),
    ("格付", "registry.contractor_ranks"),
    ("技術者", "registry.contractor_technicians"),
    ("指名停止", "registry.contractor_suspensions"),
    ("履歴", "registry.contractor_history"),
)


def contractor_tabs(contractor_id: int, current: str) -> list[tuple[str, str, bool]]:
    """The tabs whose screens exist, for ``templates/_tabs.html``."""
    return [(label, url_for(endpoint, contractor_id=contractor_id), endpoint == current)
            for label, endpoint in TABS if endpoint in current_app.view_functions]
