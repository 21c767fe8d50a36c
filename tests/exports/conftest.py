"""The bidding tests' fixtures (departments, their staff, cases and firms) for the tender-case forms."""

from tests.bidding.conftest import (  # noqa: F401  (fixtures used by the tests of this folder)
    budget_line,
    contract_staff,
    doboku,
    doboku_staff,
    firm,
    kenchiku,
    kenchiku_staff,
    make_case,
)
from tests.bidding.results.conftest import tender  # noqa: F401  (the forms after an opening)
