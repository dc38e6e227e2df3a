"""Migration: the journal of actions on the user's world (plans, applied actions, undo).

A plan is proposed with numbered steps; each step's state moves proposed → applying (its intent, enough to undo,
written first) → applied/skipped/failed, and on undo → undoing → undone/undo-failed. ``action_log`` keeps every
transition, append-only, so the history of a plan survives later retries."""

M007_JOURNAL = """
CREATE TABLE action_plans (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'declined', 'applying', 'applied',
        'partially-applied', 'undoing', 'undone', 'partially-undone')),
    meta TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    applied_at TEXT,
    undone_at TEXT
);
CREATE INDEX action_plans_user ON action_plans(user_id, id);
CREATE TABLE action_steps (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    plan_id INTEGER NOT NULL REFERENCES action_plans(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    op TEXT NOT NULL,
    category TEXT NOT NULL DEFAULT '',
    args TEXT NOT NULL,
    description TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'proposed' CHECK (state IN ('proposed', 'declined', 'applying', 'applied',
        'skipped', 'failed', 'undoing', 'undone', 'undo-failed')),
    undo_data TEXT,
    note TEXT NOT NULL DEFAULT '',
    updated_at TEXT,
    UNIQUE (plan_id, number)
);
CREATE INDEX action_steps_plan ON action_steps(user_id, plan_id, number);
CREATE TABLE action_log (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    plan_id INTEGER NOT NULL REFERENCES action_plans(id) ON DELETE CASCADE,
    step_number INTEGER,
    event TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT '{}',
    at TEXT NOT NULL
);
CREATE INDEX action_log_plan ON action_log(user_id, plan_id, id);
"""
