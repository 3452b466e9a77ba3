"""An unknown URL opened by a browser is the Chinese error page with a link home; API clients, and
every /api/... URL, keep the JSON error body; the 405's Allow header is kept on both."""

import pytest

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.mark.parametrize("path", ["/no-such-page", "/hazards/1/no-such-thing", "/public/nothing"])
def test_unknown_page_in_a_browser_is_the_chinese_404_page(client, path):
    res = client.get(path, headers=HTML)
    assert res.status_code == 404
    assert res.headers["content-type"].startswith("text/html")
    assert "<h1>未找到</h1>" in res.text and "没有找到这个页面" in res.text
    assert '<a href="/">返回首页</a>' in res.text
    assert '<html lang="zh-CN">' in res.text


@pytest.mark.parametrize("path", ["/api/no-such-thing", "/api", "/static/no-such.css"])
def test_api_and_static_urls_keep_the_json_body(client, path):
    res = client.get(path, headers=HTML)
    assert res.status_code == 404
    assert res.json() == {"error": "HTTPError", "detail": "页面或接口不存在"}


def test_clients_that_do_not_ask_for_html_get_json(client):
    res = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert res.status_code == 404 and res.json()["error"] == "HTTPError"
    assert client.get("/no-such-page").json()["detail"] == "页面或接口不存在"


def test_wrong_method_keeps_the_allow_header(client):
    api = client.delete("/api/hazards", headers=HTML)
    assert api.status_code == 405 and api.json()["detail"] == "不支持的请求方法"
    assert "GET" in api.headers["allow"]


def test_favicon_is_served(client):
    for url in ("/favicon.ico", "/static/favicon.svg"):
        res = client.get(url)
        assert res.status_code == 200 and res.headers["content-type"].startswith("image/svg+xml")
        assert res.text.startswith("<svg")
        assert "http" not in res.text.replace("http://www.w3.org/2000/svg", "")  # nothing fetched
