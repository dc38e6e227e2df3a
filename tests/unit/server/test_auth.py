"""Sign up, log in and out, cookies with CSRF, bearer tokens, API keys, the login rate limit."""

from __future__ import annotations

from datetime import timedelta

from os1.server.auth import KEY_PREFIX, SESSION_PREFIX, token_hash

from .conftest import PASSWORD, signup


def login(client, name, password=PASSWORD, mode="cookie"):
    return client.post("/api/login", json={"username": name, "password": password, "mode": mode})


def test_signup_login_me_logout_with_cookie(server):
    c = server.client
    r = c.post("/api/signup", json={"username": "Theo", "password": PASSWORD})
    assert r.status_code == 201
    assert r.json()["username"] == "theo" and r.json()["token"] is None  # the cookie holds the session
    set_cookie = r.headers["set-cookie"]
    assert "os1_session=" in set_cookie and "HttpOnly" in set_cookie and "SameSite=lax" in set_cookie
    c.cookies.clear()
    r = login(c, "THEO")
    assert r.status_code == 200
    csrf = r.json()["csrf_token"]
    me = c.get("/api/me").json()
    assert me["username"] == "theo" and me["via"] == "cookie" and me["csrf_token"] == csrf
    assert me["companion"] is None
    assert c.post("/api/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert c.get("/api/me").status_code == 401


def test_wrong_password_and_unknown_user_are_the_same_401(server):
    signup(server.client, "theo", setup=False)
    wrong = login(server.client, "theo", "not the password")
    unknown = login(server.client, "nobody", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_taken_username_and_local_user_cannot_be_claimed(server):
    signup(server.client, "theo", setup=False)
    assert server.client.post("/api/signup", json={"username": "theo", "password": PASSWORD}).status_code == 409
    server.run(server.store.users.ensure, "local")  # the terminal's user: a sign-up must not take over its data
    assert server.client.post("/api/signup", json={"username": "local", "password": PASSWORD}).status_code == 409


def test_signup_validates_name_and_password(server):
    c = server.client
    assert c.post("/api/signup", json={"username": "a b", "password": PASSWORD}).status_code == 422
    assert c.post("/api/signup", json={"username": "theo", "password": "short"}).status_code == 422


def test_cookie_requests_that_change_things_need_the_csrf_token(server):
    c = server.client
    csrf = c.post("/api/signup", json={"username": "theo", "password": PASSWORD}).json()["csrf_token"]
    assert c.get("/api/keys").status_code == 200  # reading needs none
    missing = c.post("/api/keys", json={"name": "app"})
    assert missing.status_code == 403 and missing.json()["error"]["code"] == "auth.csrf"
    assert c.post("/api/keys", json={"name": "app"}, headers={"X-CSRF-Token": "wrong"}).status_code == 403
    assert c.post("/api/keys", json={"name": "app"}, headers={"X-CSRF-Token": csrf}).status_code == 201


def test_bearer_token_needs_no_csrf(server):
    user = signup(server.client, "theo", setup=False)
    assert user.token.startswith(SESSION_PREFIX)
    server.client.cookies.clear()
    assert server.client.post("/api/keys", json={"name": "app"}, headers=user.auth).status_code == 201


def test_tokens_and_keys_are_stored_only_as_hashes(server):
    user = signup(server.client, "theo", setup=False)
    key = server.client.post("/api/keys", json={"name": "app"}, headers=user.auth).json()["key"]
    assert key.startswith(KEY_PREFIX)
    dump = "\n".join(server.store.runner.db.iterdump())
    assert user.token not in dump and key not in dump and PASSWORD not in dump
    assert token_hash(user.token) in dump and token_hash(key) in dump
    assert "$argon2id$" in dump


def test_api_key_works_until_revoked(server):
    user = signup(server.client, "theo", setup=False)
    server.client.cookies.clear()
    made = server.client.post("/api/keys", json={"name": "app"}, headers=user.auth).json()
    key_auth = {"Authorization": f"Bearer {made['key']}"}
    assert server.client.get("/api/me", headers=key_auth).json()["via"] == "key"
    listed = server.client.get("/api/keys", headers=user.auth).json()
    assert [k["id"] for k in listed] == [made["id"]] and "key" not in listed[0]
    assert made["key"].startswith(listed[0]["prefix"])
    assert server.client.delete(f"/api/keys/{made['id']}", headers=user.auth).status_code == 204
    assert server.client.get("/api/me", headers=key_auth).status_code == 401
    assert server.client.delete(f"/api/keys/{made['id']}", headers=user.auth).status_code == 404


def test_sessions_expire(server):
    user = signup(server.client, "theo", setup=False)
    server.client.cookies.clear()
    server.clock.advance(days=31)
    assert server.client.get("/api/me", headers=user.auth).status_code == 401


def test_login_is_rate_limited_per_username(server):
    signup(server.client, "theo", setup=False)
    for _ in range(5):
        assert login(server.client, "theo", "wrong password").status_code == 401
    limited = login(server.client, "theo")  # even the right password waits
    assert limited.status_code == 429
    assert 0 < int(limited.headers["Retry-After"]) <= 900
    server.clock.advance(minutes=16)
    assert login(server.client, "theo").status_code == 200


def test_login_is_rate_limited_per_address(server):
    for n in range(5):
        assert login(server.client, f"nobody{n}", "guess").status_code == 401
    assert login(server.client, "someone-else", "guess").status_code == 429


def test_success_clears_the_usernames_failures(server):
    signup(server.client, "theo", setup=False)
    for _ in range(3):
        login(server.client, "theo", "wrong password")
    since = server.clock() - timedelta(hours=1)
    assert len(server.run(server.services.accounts.attempts, "login-user:theo", since)) == 3
    assert login(server.client, "theo").status_code == 200
    assert server.run(server.services.accounts.attempts, "login-user:theo", since) == []
    assert len(server.run(server.services.accounts.attempts, "login-ip:testclient", since)) == 3  # not the address's
