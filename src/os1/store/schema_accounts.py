"""Migration: the service's accounts: password hashes, sessions, API keys, login attempts."""

M009_ACCOUNTS = """
-- (filled in by its capability)
"""
