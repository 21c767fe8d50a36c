"""予算科目 (budget lines) imported from the finance system (SPEC CM7): the lines, their import history and the
totals per 款・項・目・節; tender cases are charged to a line (``queries.line_choices``, ``queries.lines_by_ids``)."""
