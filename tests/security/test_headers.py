"""Security headers on every response; the login form carries a CSRF token; map scripts carry the nonce."""

import re

from tests.factories import PASSWORD, auth_headers, login_form, make_tree, make_user


def test_every_response_has_the_security_headers(client, db):
    make_tree(db)
    headers = auth_headers(client, make_user(db, "admin"))
    for path in (
        "/login",
        "/api/auth/me",
        "/static/site.css",
        "/no-such-page",
        "/maps/region/139101/map.html",
    ):
        res = client.get(path, headers=headers)
        csp = res.headers["content-security-policy"]
        assert "frame-ancestors 'self'" in csp and "script-src 'self' 'nonce-" in csp, path
        assert res.headers["x-frame-options"] == "SAMEORIGIN"
        assert res.headers["x-content-type-options"] == "nosniff"
        assert res.headers["referrer-policy"] == "same-origin"


def test_map_document_scripts_carry_this_responses_nonce_only(client, db):
    make_tree(db)
    headers = auth_headers(client, make_user(db, "admin"))
    res = client.get("/maps/region/139101/map.html", headers=headers)
    assert res.status_code == 200
    nonce = re.search(r"'nonce-([^']+)'", res.headers["content-security-policy"]).group(1)
    tags = re.findall(r"<script[^>]*>", res.text)
    assert tags and all(f'nonce="{nonce}"' in t for t in tags)
    again = client.get("/maps/region/139101/map.html", headers=headers)
    assert nonce not in again.headers["content-security-policy"]


def test_login_form_refuses_a_post_without_its_csrf_token(client, db):
    make_tree(db)
    make_user(db, "admin", username="frank")
    forged = client.post("/login", data={"username": "frank", "password": PASSWORD}, follow_redirects=False)
    assert forged.status_code == 400 and "CSRF" in forged.text and "sk_session" not in client.cookies
    ok = client.post("/login", data=login_form(client, "frank"), follow_redirects=False)
    assert ok.status_code == 303 and "sk_session" in client.cookies
