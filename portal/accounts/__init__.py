"""Accounts: registration, login, logout and the profile page."""
