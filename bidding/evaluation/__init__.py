"""総合評価落札方式 (SPEC CM4, CM13): 評価値 of the 除算方式 and 総合評価点 of the 加算方式 by the versioned rules
``evaluation.division`` and ``evaluation.addition``, with each figure, its arithmetic and the ranking.

No tables and no screens: the bids tab calls it with the valid bids of a round::

    from bidding.evaluation import Bidder, evaluate
    result = evaluate(session, on=opening_day, method="division", planned=30_000_000, design_amount=None,
                      survey_price=None, bidders=[Bidder(key=bid.id, label=firm_name, amount=25_000_000,
                                                         added=Decimal("12.5"), structure=Decimal("8"))])
    result.rows[0].score, result.rows[0].formula   # Decimal("482.0000"), "評価値 = (100 + 12.5 + 8) ÷ ..."
    result.winners                                  # rank 1; more than one row → draw lots
"""

from __future__ import annotations

from .calculation import METHODS, Bidder, Evaluation, Row, RuleModel, evaluate
from .rules import ADDITION_KEY, DIVISION_KEY

__all__ = ["ADDITION_KEY", "DIVISION_KEY", "METHODS", "Bidder", "Evaluation", "Row", "RuleModel", "evaluate"]
