"""Accounts: users, roles, departments, login sessions, lockout and login history."""
