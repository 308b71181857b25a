"""``--export``: one file, assets and data inlined, nothing from a record able to run."""

from __future__ import annotations

import base64
import errno
import hashlib
import json
import re
from pathlib import Path

import pytest

from rung.dashboard.assets import SCRIPTS
from rung.dashboard.export import export_html, json_for_html
from rung.errors import ConfigError
from rung.results.summary import read_result
from tests.dashboard.runs import HOSTILE_CHOICE, HOSTILE_ERROR


def test_the_data_block_cannot_be_closed_by_a_record():
    text = json_for_html({"x": "</script><script>alert(1)</script>\u2028&"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"x": "</script><script>alert(1)</script>\u2028&"}


def test_an_export_is_one_file_with_its_assets_and_data(finished_dir, tmp_path):
    path = export_html([finished_dir], tmp_path / "report.html")
    html = path.read_text()
    assert "static/" not in html and "http://" not in html and "https://" not in html
    block = re.search(r'<script type="application/json" id="rung-data">(.*?)</script>', html, re.S)
    data = json.loads(block.group(1))
    result = read_result(finished_dir)
    assert len(data["runs"][0]["jobs"]) == result.n_jobs
    assert HOSTILE_CHOICE not in html and HOSTILE_ERROR not in html  # only as JSON escapes
    assert any(HOSTILE_ERROR in e["error"] for e in data["details"]["0"].values() if e["error"])
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    assert len(scripts) == len(SCRIPTS)
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    assert "connect-src 'none'" in policy and "unsafe-inline" not in policy
    for script in scripts:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy


def test_an_export_to_a_folder_or_a_missing_folder_is_refused_and_leaves_nothing(
    finished_dir, tmp_path
):
    folder = tmp_path / "out"
    folder.mkdir()
    before = sorted(tmp_path.rglob("*"))
    for target, reason in (
        (folder, "is a directory"),
        (tmp_path / "missing" / "report.html", "does not exist"),
    ):
        with pytest.raises(ConfigError, match=reason):
            export_html([finished_dir], target)
    assert sorted(tmp_path.rglob("*")) == before  # no half-written or temporary file


def test_a_failed_write_leaves_no_temporary_file(finished_dir, tmp_path, monkeypatch):
    def full(self, *args, **kwargs):
        self.open("w").write("<!doctype")  # a part written, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_text", full)
    with pytest.raises(ConfigError, match="No space left"):
        export_html([finished_dir], tmp_path / "report.html")
    assert list(tmp_path.iterdir()) == []
