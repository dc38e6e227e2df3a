"""Her desk over HTTP (briefing, a cleanup plan approved in part, applied, undone) and her inner life (name,
mood and its causes, stage, the timeline chart, what the service runs)."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from os1.mail.maildir import MaildirSource
from os1.mail.store import SqliteMail
from os1.mail.sync import sync
from os1.persona.feelings import ANCHORS

from .conftest import PASSWORD, SETUP, chat, signup

MAIL = [
    ("Amy <amy@example.com>", "Saturday?", "Hi Theo, are we still on for dinner on Saturday? Can you book the "
     "table by Friday?\n\nAmy", False),
    ("Garden Weekly <news@garden.example>", "Ten bulbs to plant now", "This week: tulips.\n", True),
    ("Tech Digest <digest@tech.example>", "The week in gadgets", "Phones, phones, phones.\n", True),
]


def _eml(sender: str, subject: str, body: str, n: int, newsletter: bool) -> bytes:
    lists = "List-Id: <weekly.news.example>\nList-Unsubscribe: <mailto:leave@news.example>\n" if newsletter else ""
    return (f"From: {sender}\nTo: theo@example.com\nSubject: {subject}\nDate: Sat, 31 Oct 2026 0{n}:00:00 +0000\n"
            f"Message-ID: <web-{n}@example.com>\n{lists}Content-Type: text/plain; charset=utf-8\n\n{body}").encode()


def with_mail(server, user, tmp_path: Path) -> int:
    box = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (box / sub).mkdir(parents=True)
    for n, (sender, subject, body, newsletter) in enumerate(MAIL, start=1):
        (box / "new" / f"170000{n}.web{n}").write_bytes(_eml(sender, subject, body, n, newsletter))
    uid = server.client.get("/api/me", headers=user.auth).json()["user_id"]
    report = server.run(sync, MaildirSource(box), SqliteMail(server.store.runner), uid, "local")
    assert report.added == len(MAIL)
    return uid


def _folders(server, uid: int) -> dict[str, str]:
    return {m.email.subject: m.folder for m in server.run(SqliteMail(server.store.runner).recent, uid, 50)}


def test_briefing_cleanup_approved_in_part_applied_and_undone(server, tmp_path):
    user = signup(server.client, "theo")
    uid = with_mail(server, user, tmp_path)
    brief = server.client.get("/api/mail/briefing", headers=user.auth).json()
    assert "Amy" in brief["text"] and brief["messages"] == len(MAIL)
    proposed = server.client.post("/api/mail/cleanup", headers=user.auth).json()
    plan = proposed["plan"]
    assert plan["status"] == "proposed" and plan["kind"] == "mail.cleanup" and len(plan["steps"]) == 2
    assert all("Amy" not in s["description"] for s in plan["steps"])  # what needs the user stays
    assert server.client.get("/api/plans", headers=user.auth).json()[0]["id"] == plan["id"]
    bad = server.client.post(f"/api/plans/{plan['id']}/apply", json={"approve": "7-9"}, headers=user.auth)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "action.bad_selection"
    before = _folders(server, uid)
    first = plan["steps"][0]["number"]
    applied = server.client.post(f"/api/plans/{plan['id']}/apply", json={"approve": str(first)}, headers=user.auth)
    assert applied.status_code == 200, applied.text
    outcome = applied.json()
    assert outcome["status"] == "applied" and [r["state"] for r in outcome["results"]] == ["applied"]
    assert sorted(s["state"] for s in outcome["plan"]["steps"]) == ["applied", "declined"]
    after = _folders(server, uid)
    assert [s for s in after if after[s] != before[s]] == [next(
        s for s in before if s in plan["steps"][0]["description"])]  # the one approved step, no other
    again = server.client.post(f"/api/plans/{plan['id']}/apply", json={"approve": "all"}, headers=user.auth)
    assert again.status_code == 409 and again.json()["error"]["code"] == "action.not_proposed"
    undone = server.client.post(f"/api/plans/{plan['id']}/undo", headers=user.auth).json()
    assert undone["status"] == "undone" and not undone["already"]
    assert _folders(server, uid) == before
    twice = server.client.post(f"/api/plans/{plan['id']}/undo", headers=user.auth).json()
    assert twice["already"] is True


def test_a_category_can_be_approved_and_declining_changes_nothing(server, tmp_path):
    user = signup(server.client, "theo")
    uid = with_mail(server, user, tmp_path)
    before = _folders(server, uid)
    plan = server.client.post("/api/mail/cleanup", headers=user.auth).json()["plan"]
    declined = server.client.post(f"/api/plans/{plan['id']}/apply", json={"approve": "none"}, headers=user.auth)
    assert declined.json()["status"] == "declined" and _folders(server, uid) == before
    plan = server.client.post("/api/mail/cleanup", headers=user.auth).json()["plan"]
    category = plan["categories"][0]
    applied = server.client.post(f"/api/plans/{plan['id']}/apply", json={"approve": category}, headers=user.auth)
    chosen = [s for s in plan["steps"] if s["category"] == category]
    assert applied.json()["status"] == "applied" and len(applied.json()["results"]) == len(chosen)
    assert _folders(server, uid) != before


def test_without_mail_the_desk_says_so_and_proposes_nothing(server):
    user = signup(server.client, "theo")
    brief = server.client.get("/api/mail/briefing", headers=user.auth).json()
    assert brief["messages"] == 0 and "mail" in brief["text"]
    assert server.client.post("/api/mail/cleanup", headers=user.auth).json()["plan"] is None
    assert server.client.get("/api/plans", headers=user.auth).json() == []
    assert server.client.get("/api/plans/1", headers=user.auth).status_code == 404


def test_desk_changes_need_the_csrf_token_with_a_cookie(server):
    server.client.post("/api/signup", json={"username": "theo", "password": PASSWORD})
    assert server.client.post("/api/mail/cleanup").status_code == 403
    assert server.client.post("/api/plans/1/undo").status_code == 403
    csrf = server.client.get("/api/me").json()["csrf_token"]
    server.client.post("/api/setup", json=SETUP, headers={"X-CSRF-Token": csrf})
    assert server.client.post("/api/mail/cleanup", headers={"X-CSRF-Token": csrf}).status_code == 200


def test_inner_life_name_mood_and_why_stage(server):
    user = signup(server.client, "theo", setup=False)
    assert server.client.get("/api/inner", headers=user.auth).status_code == 409
    made = server.client.post("/api/setup", json=SETUP, headers=user.auth).json()["companion"]
    inner = server.client.get("/api/inner", headers=user.auth).json()
    assert (inner["name"], inner["voice"], inner["stage"]) == (made["name"], "female", "new acquaintance")
    assert inner["mood"]["name"] in ANCHORS and inner["mood"]["causes"] == []
    server.model.enqueue("You're welcome.")
    chat(server.client, user, "Thank you so much, you're wonderful!")
    moved = server.client.get("/api/inner", headers=user.auth).json()["mood"]
    assert {c["kind"] for c in moved["causes"]} & {"thanked", "praised"}
    assert moved["valence"] > inner["mood"]["valence"]


def test_timeline_is_an_accessible_svg(server):
    user = signup(server.client, "theo")
    name = server.client.get("/api/inner", headers=user.auth).json()["name"]
    server.model.enqueue("You're welcome.")
    chat(server.client, user, "Thank you so much!")
    r = server.client.get("/api/timeline.svg?width=600&height=240", headers=user.auth)
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    svg = ElementTree.fromstring(r.text)
    ns = "{http://www.w3.org/2000/svg}"
    assert svg.get("width") == "600" and svg.get("role") == "img"
    assert name in svg.find(f"{ns}title").text and svg.find(f"{ns}desc").text
    assert svg.findall(f"{ns}circle")  # the day's mood is drawn


def test_service_says_what_runs_and_nothing_secret(server):
    user = signup(server.client, "theo")
    service = server.client.get("/api/service", headers=user.auth).json()
    assert service["model"]["backend"] == "llamacpp" and service["voice"] is False
    assert "api_key" not in str(service) and "url" not in service["model"]
    assert server.client.get("/api/service").status_code == 401
