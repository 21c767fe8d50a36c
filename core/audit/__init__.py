"""Operation log (操作ログ): append-only, SHA-256 hash-chained (SPEC NF6)."""
