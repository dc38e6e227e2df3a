"""Migration: contacts, calendar events and reminders."""

M008_DESK = """
-- (filled in by its capability)
"""
