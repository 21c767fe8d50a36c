"""Firms (業者): registration, basic data, 地域区分, status, the list with its exports, the legacy import."""
