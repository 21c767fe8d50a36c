"""Registrations per category and qualification period, their 業種 with points, and ranks (格付)."""
