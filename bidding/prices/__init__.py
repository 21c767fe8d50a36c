"""Price rules in use: 最低制限価格, 低入札価格調査基準価格, consumption tax and 予定価格 from 設計金額 (SPEC CM13).

The API other aggregates call (tender cases, bids)::

    from bidding.prices import compute_minimum, components, breakdown_total_error, tax_included
    components(session, on, "works")             # [("direct_cost", "直接工事費"), ...] — the case form's inputs
    compute_minimum(session, on=day, category="works", planned=..., breakdown={...}, kind="minimum")
    draw_minimum(session, ..., rng=secrets.SystemRandom())   # at opening, when the 入札時ランダム係数 is used
    tax_included(session, amount, day); tax_amount(...); planned_price_from_design(session, design, day)

The calculator screen (``views``) and the ``flask prices`` command only call these.
"""

from __future__ import annotations

from .amounts import TaxTable, planned_price_from_design, tax_amount, tax_included, tax_rate, tax_within
from .calculation import (
    Draw,
    PriceResult,
    RandomSetting,
    Step,
    breakdown_total_error,
    compute_minimum,
    draw_minimum,
    random_coefficient,
)
from .catalogue import KINDS, categories, category_label, components, default_category

__all__ = ["KINDS", "Draw", "PriceResult", "RandomSetting", "Step", "TaxTable", "breakdown_total_error", "categories",
           "category_label", "components", "compute_minimum", "default_category", "draw_minimum",
           "planned_price_from_design", "random_coefficient", "tax_amount", "tax_included", "tax_rate", "tax_within"]

