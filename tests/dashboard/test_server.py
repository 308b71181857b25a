"""The HTTP API, with a real server on a free loopback port."""

from __future__ import annotations

import http.client
import json
from pathlib import Path

import pytest

from rung.dashboard.export import export_html
from rung.dashboard.server import CSP, Dashboard, is_loopback
from rung.errors import ConfigError, ConfigTypeError, StoreError
from rung.results.summary import read_result
from tests.dashboard.runs import HOSTILE_ERROR, HOSTILE_LOG

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def server(finished_dir):
    with Dashboard([finished_dir, finished_dir], port=0, interval=0.2) as dashboard:
        yield dashboard


def request(server, path, method="GET", host=None):
    address = server._server.server_address
    connection = http.client.HTTPConnection(address[0], address[1], timeout=30)
    headers = {"Host": host} if host else {}
    connection.request(method, path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


def get_json(server, path):
    response, body = request(server, path)
    assert response.status == 200, body
    assert response.getheader("Content-Type") == "application/json"
    return json.loads(body)


def test_it_binds_loopback_and_serves_the_page_with_a_strict_policy(server):
    assert server.url.startswith("http://127.0.0.1:")
    response, body = request(server, "/")
    assert response.status == 200
    assert response.getheader("Content-Security-Policy") == CSP
    assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert b'<script src="static/app.js"></script>' in body
    for name in ("app.js", "core.js", "dashboard.css", "favicon.svg"):
        response, body = request(server, f"/static/{name}")
        assert response.status == 200 and body


def test_the_api_serves_each_run_its_updates_and_a_trials_page(server, finished_dir):
    result = read_result(finished_dir)
    runs = get_json(server, "/api/runs")["runs"]
    assert [run["meta"]["id"] for run in runs] == [0, 1]
    assert runs[0]["summary"]["n_jobs"] == result.n_jobs
    snapshot = get_json(server, "/api/runs/1/snapshot")
    assert len(snapshot["jobs"]) == result.n_jobs
    assert snapshot["meta"]["job_columns"][:2] == ["index", "trial_id"]
    cursor = snapshot["cursor"]
    query = "&".join(f"{k}={v}" for k, v in cursor.items())
    update = get_json(server, f"/api/runs/1/updates?{query}")
    assert update["jobs"] == [] and update["trials"] == [] and update["cursor"] == cursor
    failed = next(t for t in result.trials if t.error)
    page = get_json(server, f"/api/runs/0/trials/{failed.trial_id}")
    assert page["status"] == "FAILED" and HOSTILE_ERROR in page["errors"][-1]["text"]
    assert HOSTILE_ERROR in page["error"]
    page = get_json(server, "/api/runs/0/trials/0")
    assert page["logs"][0]["text"] == HOSTILE_LOG * 3
    assert {len(row) for row in page["jobs"]} == {len(snapshot["meta"]["job_columns"])}


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/runs/7/snapshot", 404),
        ("/api/runs/0/trials/99999", 404),
        ("/api/runs/0/nothing", 404),
        ("/api/runs/x/snapshot", 400),
        ("/api/runs/0/updates?jobs=-1", 400),
        ("/api/runs/0/updates?jobs=%C2%B2", 400),  # '²': a digit to str.isdigit, not to int
        ("/api/runs/0/updates?changes=%D9%A1", 400),  # an Arabic-Indic one
        ("/static/../feed.py", 404),
        ("/static/server.py", 404),
        ("/etc/passwd", 404),
    ],
)
def test_wrong_requests_get_an_error_in_json(server, path, status):
    response, body = request(server, path)
    assert response.status == status
    assert "error" in json.loads(body)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"])
def test_no_method_but_get_and_head(server, method):
    response, _ = request(server, "/api/runs", method=method)
    assert response.status == 405
    assert response.getheader("Allow") == "GET, HEAD"


def test_head_sends_the_headers_only(server):
    response, body = request(server, "/api/runs/0/snapshot", method="HEAD")
    assert response.status == 200 and body == b""
    assert int(response.getheader("Content-Length")) > 0


def test_a_loopback_server_answers_loopback_names_only(server):
    port = server._server.server_address[1]
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}"):
        assert request(server, "/api/runs", host=host)[0].status == 200
    response, _ = request(server, "/api/runs", host=f"rebound.example:{port}")
    assert response.status == 403


def test_loopback_names():
    assert all(map(is_loopback, ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"]))
    assert not any(map(is_loopback, ["0.0.0.0", "192.168.1.2", "example.com", "::"]))


def test_it_refuses_no_runs_a_bad_port_and_a_directory_without_a_run(tmp_path):
    with pytest.raises(ConfigError, match="at least one"):
        Dashboard([])
    with pytest.raises(ConfigError, match="port"):
        Dashboard([tmp_path], port=70000)
    with pytest.raises(StoreError):
        Dashboard([tmp_path], port=0)


def test_one_directory_given_as_a_string_is_refused_by_name(finished_dir, tmp_path):
    """A string is a sequence of characters: Dashboard("runs/x") once looked for an
    experiment in '/' and said none was there."""
    for call in (
        lambda: Dashboard(str(finished_dir), port=0),
        lambda: export_html(str(finished_dir), tmp_path / "x.html"),
    ):
        with pytest.raises(ConfigTypeError, match="'directories' parameter .* must be a list"):
            call()
    for interval in (0, 1e-9, 0.05):  # a tiny one would keep a core busy looking
        with pytest.raises(ConfigError, match=r"'interval' parameter of Dashboard .* >= 0.1"):
            Dashboard([finished_dir], port=0, interval=interval)


def test_a_closed_dashboard_answers_no_more_even_on_a_kept_alive_connection(finished_dir):
    """A page's connection is kept alive between polls: closing the dashboard must end
    it too, or the page goes on getting the closed dashboard's frozen answers."""
    dashboard = Dashboard([finished_dir], port=0).start()
    address = dashboard._server.server_address
    connection = http.client.HTTPConnection(address[0], address[1], timeout=10)
    try:
        connection.request("GET", "/api/runs")
        assert connection.getresponse().read()
        dashboard.close()
        with pytest.raises((http.client.HTTPException, ConnectionError)):
            connection.request("GET", "/api/runs")
            connection.getresponse().read()
    finally:
        connection.close()
        dashboard.close()


def test_the_api_reference_names_every_field_sent(server):
    reference = (ROOT / "docs" / "dashboard.md").read_text().split("## The JSON API")[1]
    run = get_json(server, "/api/runs")["runs"][0]
    snapshot = get_json(server, "/api/runs/0/snapshot")
    fields = {*run["meta"], *run["summary"], *snapshot, *run["meta"]["job_columns"]}
    fields |= {*run["meta"]["open_columns"], *get_json(server, "/api/runs/0/trials/0")}
    quoted = [(f"`{name}`", f'"{name}"') for name in sorted(fields)]
    assert [a for a, b in quoted if a not in reference and b not in reference] == []
