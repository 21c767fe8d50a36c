"""What contracts announce to the packages built on them (grading), so bidding never imports them.

A receiver runs in the sender's transaction: an error in it rolls the whole step back. Receivers are connected in
their package's ``init_app``.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Sent when a 完成検査 passes and completes the contract: ``contract_completed.send(contract, session=...,
#: actor=..., inspection=...)``. Grading opens the graded work (工事成績評定) from it.
contract_completed = _signals.signal("contract-completed")
