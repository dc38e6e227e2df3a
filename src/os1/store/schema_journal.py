"""Migration: the journal of actions on the user's world (plans, applied actions, undo)."""

M007_JOURNAL = """
-- (filled in by its capability)
"""
