"""指名停止 (nomination suspensions) of firms, and the rule "suspended on this day" (``queries``)."""
