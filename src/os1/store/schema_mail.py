"""Migration: mail: messages, their triage, folders and sync cursors."""

M006_MAIL = """
-- (filled in by its capability)
"""
