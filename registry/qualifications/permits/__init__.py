"""建設業許可 of a firm: the printed permit number parsed, saved per 業種, expiry warnings."""
