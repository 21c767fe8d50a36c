"""配置予定技術者 of a firm."""
