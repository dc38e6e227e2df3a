"""The web app's files: served at / and /web/ with a strict Content-Security-Policy, no inline script anywhere,
nothing from another origin, every file a page or module refers to present, and none of it in the API's spec."""

from __future__ import annotations

import re

from os1.web import STATIC

REFERENCE = re.compile(r"""(?:src|href)="(/[^"]*)"|(?:import|from)\s*\(?\s*["'](\.{1,2}/[^"']+|/[^"']+)["']""")


def test_index_is_served_with_a_strict_policy(server):
    r = server.client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.headers["content-security-policy"].startswith("default-src 'self'")
    assert r.headers["cache-control"] == "no-cache" and r.headers["x-content-type-options"] == "nosniff"
    js = server.client.get("/web/js/app.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert js.headers["content-security-policy"] == r.headers["content-security-policy"]
    missing = server.client.get("/web/nothing-here.js")
    assert missing.status_code == 404 and "content-security-policy" in missing.headers
    assert server.client.get("/web/../services.py").status_code == 404


def test_no_inline_script_no_other_origin_and_every_reference_exists(server):
    files = [p for p in STATIC.rglob("*") if p.is_file()]
    assert {"index.html", "app.css", "app.js", "mic-worklet.js"} <= {p.name for p in files}
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", text), f"{path.name}: another origin"
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), f"{path.name}: an inline script"
        assert not re.search(r"\son[a-z]+=\"", text), f"{path.name}: an inline event handler"
        assert "innerHTML" not in text, f"{path.name}: build elements from text, never from HTML strings"
        for m in REFERENCE.finditer(text):
            ref = m.group(1) or m.group(2)
            url = ref if ref.startswith("/") else "/web/" + str(path.parent.relative_to(STATIC) / ref).lstrip("./")
            url = url.replace("/web/./", "/web/")
            assert server.client.get(url.split("#")[0]).status_code == 200, f"{path.name} refers to {ref}"


def test_every_control_has_a_label():
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    ids = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', html))
    for tag, attrs in re.findall(r"<(input|textarea|select)\b([^>]*)>", html):
        if 'type="radio"' in attrs:
            continue  # wrapped in their <label>
        control = re.search(r'\bid="([^"]+)"', attrs)
        assert control and control.group(1) in ids or "aria-label" in attrs, f"<{tag}{attrs}> has no label"


def test_the_app_is_not_in_the_api_document(server):
    paths = server.client.get("/openapi.json").json()["paths"]
    assert "/" not in paths and not any(p.startswith("/web") for p in paths)
