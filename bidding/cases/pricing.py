"""A case's prices (SPEC CM2, CM13): its cost breakdown, the floor (最低制限価格 or 低入札価格調査基準価格) it gives
by the model in force on the case's date, 予定価格 from 設計金額, and the 税込 figures. The calculation is
``bidding.prices``'s; this module applies it to a case and keeps the result with history."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bidding.prices import (
    PriceResult,
    breakdown_total_error,
    category_label,
    components,
    compute_minimum,
    default_category,
    planned_price_from_design,
    tax_included,
)
from core.errors import DomainError, ValidationFailed, require
from core.history import record_change

from .models import TenderCase
from .permissions import can_edit_case


@dataclass(frozen=True)
class CasePrices:
    """What the 価格 tab shows: the category and its components, the floor's calculation, the 税込 figures."""

    category: str
    category_label: str
    components: list[tuple[str, str]]
    result: PriceResult | None
    #: Why the stored breakdown gives no floor now (the breakdown no longer adds up, a rule is missing …).
    problem: str | None
    planned_with_tax: int | None
    floor_with_tax: int | None


def price_category(session: Session, case: TenderCase) -> str:
    """The category of the case's breakdown: as stored, else the default for its 業種 (consultancy cases choose)."""
    return case.price_category or default_category(session, case.price_date, case.work_type_code)


def calculate_floor(session: Session, case: TenderCase, category: str, breakdown: dict[str, int]) -> PriceResult:
    """The case's floor from ``breakdown`` on its date; ``ValidationFailed`` when the breakdown does not add up
    to the 予定価格 (within the rule's tolerance) or cannot be computed."""
    if case.planned_price is None:
        raise ValidationFailed({"planned_price": ["先に予定価格を入力してください（案件の編集）。"]})
    message = breakdown_total_error(session, on=case.price_date, planned=case.planned_price, breakdown=breakdown,
                                    category=category)
    if message:
        raise ValidationFailed({"breakdown": [message]})
    kind = case.floor_kind if case.floor_kind != "none" else "minimum"
    return compute_minimum(session, on=case.price_date, category=category, planned=case.planned_price,
                           breakdown=breakdown, kind=kind)


def set_breakdown(session: Session, actor, case: TenderCase, category: str, breakdown: dict[str, int]) -> TenderCase:
    """Store the cost breakdown and the floor it gives (none when the case uses no floor).

    :raises PermissionDenied: the case is not an editable draft of the actor's scope.
    :raises ValidationFailed: the breakdown does not add up, a component is missing or negative, …
    """
    from .services import case_snapshot

    require(can_edit_case(actor, case), "この案件の価格は変更できません（決裁前の起案中の案件だけです）。")
    result = calculate_floor(session, case, category, breakdown)
    before = case_snapshot(case)
    case.price_category, case.cost_breakdown = category, dict(breakdown)
    if case.floor_kind == "none":
        case.floor_price, case.floor_model = None, None
    else:
        case.floor_price, case.floor_model = result.result, result.model[:200]
    session.flush()
    record_change(session, actor, "case.update", f"入札案件の積算内訳を入力: {case.number} {case.name}",
                  target=case, before=before, after=case_snapshot(case))
    return case


def refresh_floor(session: Session, case: TenderCase) -> str | None:
    """After a change of 予定価格, dates or floor kind: compute the floor again from the stored breakdown. When it no
    longer can (the breakdown does not add up any more), the floor is cleared and the reason returned."""
    if not case.cost_breakdown:
        return None
    if case.floor_kind == "none":
        case.floor_price, case.floor_model = None, None
        return None
    try:
        result = calculate_floor(session, case, price_category(session, case), dict(case.cost_breakdown))
    except DomainError as exc:
        case.floor_price, case.floor_model = None, None
        messages = exc.errors.values() if isinstance(exc, ValidationFailed) else [[str(exc)]]
        return "最低制限価格等を計算し直せませんでした: " + " ".join(m for ms in messages for m in ms)
    case.floor_price, case.floor_model = result.result, result.model[:200]
    return None


def derived_planned_price(session: Session, case: TenderCase) -> int | None:
    """予定価格 from 設計金額 by the rule in force on the case's date (None without a 設計金額)."""
    if case.design_amount is None:
        return None
    return planned_price_from_design(session, case.design_amount, case.price_date)


def case_prices(session: Session, case: TenderCase, category: str | None = None) -> CasePrices:
    """The 価格 tab's figures for ``case`` (its stored breakdown, or ``category`` chosen on the screen)."""
    day = case.price_date
    category = category or price_category(session, case)
    result, problem = None, None
    if case.cost_breakdown and category == price_category(session, case):
        try:
            result = calculate_floor(session, case, category, dict(case.cost_breakdown))
        except DomainError as exc:
            problem = " ".join(m for ms in exc.errors.values() for m in ms) if isinstance(exc, ValidationFailed) \
                else str(exc)
    return CasePrices(
        category=category, category_label=category_label(session, day, category),
        components=components(session, day, category), result=result, problem=problem,
        planned_with_tax=tax_included(session, case.planned_price, day) if case.planned_price is not None else None,
        floor_with_tax=tax_included(session, case.floor_price, day) if case.floor_price is not None else None)
