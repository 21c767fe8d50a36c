"""The context every dataset step receives (see ``benchmarks/dataset.py``)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import Connection, Engine, Table, func, select


@dataclass
class Context:
    """What every step gets: the app (for rules), the engine, tables by name, the sizes and shared results."""

    app: object
    engine: Engine
    tables: dict[str, Table]
    seed: int
    firms: int
    years: int
    as_of: date
    #: Results of earlier steps that later steps use (firm plans, staff ids, periods ...).
    shared: dict = field(default_factory=dict)
    #: Rows inserted per table.
    counts: dict[str, int] = field(default_factory=dict)
    #: Tables whose ids were given explicitly (their PostgreSQL sequences are moved past them at the end).
    explicit_ids: set[str] = field(default_factory=set)

    def rng(self, name: str) -> random.Random:
        """A generator of its own per step: the data of one step does not depend on the others'."""
        return random.Random(f"{self.seed}:{name}")

    def rule(self, key: str, day: date | None = None) -> dict:
        from core.db import db
        from core.rules import get_rule

        with self.app.app_context():
            return get_rule(db.session, key, day or self.as_of)

    def insert(self, conn: Connection, table: str, rows: list[dict], chunk: int = 2000) -> None:
        if not rows:
            return
        target = self.tables[table]
        for start in range(0, len(rows), chunk):
            conn.execute(target.insert(), rows[start:start + chunk])
        self.counts[table] = self.counts.get(table, 0) + len(rows)
        if "id" in rows[0]:
            self.explicit_ids.add(table)

    def at(self, day: date, hour: int = 10, minute: int = 0) -> datetime:
        """A naive UTC timestamp on a Japan working day (09:00 JST and later is 00:00 UTC and later)."""
        return datetime.combine(day, time(hour, minute)) - timedelta(hours=9)

    def next_id(self, conn: Connection, table: str) -> int:
        return (conn.scalar(select(func.max(self.tables[table].c.id))) or 0) + 1

    def periods(self) -> list[tuple[int, date, date]]:
        """(start year, first day, last day) of the qualification periods the data covers, oldest first; the
        last one is in force on the as-of day. Lengths come from the ``registry.qualification`` rule."""
        if "periods" in self.shared:
            return self.shared["periods"]
        rule = self.rule("registry.qualification")
        length, month = rule["years"], rule["start_month"]
        base = self.as_of.year - (1 if self.as_of.month < month else 0)
        current = base - ((base - 2001) % length)  # aligned as the registry's period choices are (from 2001)
        count = max(1, self.years // length)
        self.shared["periods"] = [(y, date(y, month, 1), date(y + length, month, 1) - timedelta(days=1))
                                  for y in range(current - length * (count - 1), current + 1, length)]
        return self.shared["periods"]


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (clamped to the month's last day)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def month_end(year: int, month: int) -> date:
    return add_months(date(year, month, 1), 1) - timedelta(days=1)


def era_year(day: date) -> int:
    """The 和暦 year printed in permit numbers (令和 from 2019-05-01, 平成 before)."""
    return day.year - 2018 if day >= date(2019, 5, 1) else day.year - 1988
