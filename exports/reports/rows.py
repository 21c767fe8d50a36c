"""Rows of a long report kept outside the Python heap, so reports of any length render with bounded memory.

A report definition may return its rows as a generator. The renderers need them more than once (the row count in
every page header, the width of number columns before the first page, the pages), so ``RowStore`` writes them
once, in pickled batches, to a temporary file (in memory while small) and reads them back as often as needed.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

#: Up to this size the rows stay in memory, above it they go to a temporary file on disk.
IN_MEMORY = 4 * 1024 * 1024
BATCH = 500


class TooManyRows(Exception):
    """More rows than the report allows: ``limit``; ``count`` is the number of rows when it is known (a list)."""

    def __init__(self, limit: int, count: int | None = None):
        super().__init__(f"more than {limit} rows")
        self.limit = limit
        self.count = count


class RowStore:
    """A re-iterable, sized sequence of rows read from ``rows`` once (at most ``limit`` of them).

    Each row must have ``width`` values; ``TooManyRows`` is raised as soon as row ``limit + 1`` arrives, without
    reading the rest.
    """

    def __init__(self, rows: Iterable[Sequence[Any]], width: int, limit: int | None = None):
        self._file = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY)
        self._count = 0
        batch: list[Sequence[Any]] = []
        try:
            for row in rows:
                if len(row) != width:
                    raise ValueError(f"row {self._count} has {len(row)} values for {width} columns")
                if limit is not None and self._count >= limit:
                    raise TooManyRows(limit)
                batch.append(row)
                self._count += 1
                if len(batch) == BATCH:
                    self._write(batch)
            self._write(batch)
        except BaseException:
            self._file.close()
            close = getattr(rows, "close", None)
            if close is not None:  # a generator stops reading its query now
                close()
            raise
        self._end = self._file.tell()

    def _write(self, batch: list) -> None:
        if batch:
            pickle.dump(batch, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            batch.clear()

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0

    def __iter__(self) -> Iterator[Sequence[Any]]:
        offset = 0
        while offset < self._end:  # each iterator keeps its own position, so two may run at once
            self._file.seek(offset)
            # Only ever reads the batches written above to this process's own unnamed temporary file.
            batch = pickle.load(self._file)  # noqa: S301
            offset = self._file.tell()
            yield from batch

    def close(self) -> None:
        self._file.close()

    def __del__(self):  # scratch space of one output: dropped quietly with the document
        file = getattr(self, "_file", None)
        if file is not None:
            file.close()

    def __repr__(self) -> str:
        return f"<RowStore {self._count} rows>"
