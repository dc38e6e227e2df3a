"""Secrets never appear in the logs: not passwords, session tokens, CSRF tokens, API keys or cookies."""

from __future__ import annotations

import logging

from os1.server import logs

from .conftest import PASSWORD


def test_no_secret_in_any_log_during_signup_login_chat_and_keys(server, caplog):
    caplog.set_level(logging.DEBUG)
    logs.install()
    c = server.client
    signed = c.post("/api/signup", json={"username": "theo", "password": PASSWORD}).json()
    csrf = signed["csrf_token"]
    cookie = c.cookies["os1_session"]
    c.post("/api/setup", headers={"X-CSRF-Token": csrf}, json={"user_name": "Theo", "social": "yes",
                                                               "matters": "x", "mother": "ok", "voice": "male"})
    c.post("/api/login", json={"username": "theo", "password": "wrong " + PASSWORD})
    bearer = c.post("/api/login", json={"username": "theo", "password": PASSWORD, "mode": "bearer"}).json()["token"]
    key = c.post("/api/keys", json={"name": "app"}, headers={"X-CSRF-Token": csrf}).json()["key"]
    with c.websocket_connect(f"/ws?token={bearer}") as ws:
        ws.receive_json()
        ws.receive_json()
        ws.send_json({"type": "say", "text": "hello"})
        while ws.receive_json()["type"] != "done":
            pass
    c.post("/v1/chat/completions", headers={"Authorization": f"Bearer {key}"},
           json={"messages": [{"role": "user", "content": "hi"}]})
    logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', "1.2.3.4", "GET", f"/ws?token={bearer}",
                                             "1.1", 101)  # the shape of uvicorn's access line
    server_side = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]  # not the client's
    assert server_side, "nothing was logged: the test would prove nothing"
    text = "\n".join(r.getMessage() for r in server_side)
    for secret in (PASSWORD, cookie, csrf, bearer, key):
        assert secret not in text


def test_filter_redacts_tokens_in_messages_and_arguments():
    f = logs.SecretFilter()
    token = "os1s_" + "A" * 43
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("1.2.3.4", "GET", f"/ws?token={token}&opening=0", "1.1", 101), None)
    assert f.filter(record)
    assert token not in record.getMessage() and "opening=0" in record.getMessage()
    assert len(record.args) == 5  # uvicorn's formatter unpacks them
    other = logging.LogRecord("x", logging.INFO, __file__, 1, "headers %s", ({"authorization": "Bearer abc123"},),
                              None)
    f.filter(other)
    assert "abc123" not in other.getMessage()
    assert logs.redact("password=hunter22&x=1") == "password=[redacted]&x=1"
