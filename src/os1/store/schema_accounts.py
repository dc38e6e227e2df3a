"""Migration: the service's accounts: password hashes, sessions, API keys, login attempts.

Secrets are never stored: a session token and an API key are kept as their SHA-256 (they are 32 random bytes, so a
plain hash is enough), a password as its argon2id hash. ``login_attempts`` is read before anyone is signed in, so
it is keyed by a scope ('login-user:<name>', 'login-ip:<address>', 'signup-ip:<address>'), not a user id."""

M009_ACCOUNTS = """
CREATE TABLE accounts (
    user_id INTEGER PRIMARY KEY REFERENCES users(id),
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id, expires_at);
CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    key_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX api_keys_user ON api_keys(user_id, id);
CREATE TABLE login_attempts (
    id INTEGER PRIMARY KEY,
    scope TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX login_attempts_scope ON login_attempts(scope, at);
"""
