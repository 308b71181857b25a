"""The README's Python examples run as written (budgets shortened), in order."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from rung.cli.main import main

ROOT = Path(__file__).resolve().parents[1]


def python_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_the_readmes_python_examples_run(tmp_path, monkeypatch):
    blocks = python_blocks()
    assert len(blocks) >= 3
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "readme"}
    for block in blocks:
        source = block.replace("time_budget_s=60", "time_budget_s=1")
        exec(compile(source, "README.md", "exec"), namespace)  # noqa: S102 - our own docs
    result = namespace["result"]
    assert result.best_config is not None and result.best_value == result.best_value
    tuner = namespace["make_tuner"]()  # the parallel example builds (its run is guarded)
    assert tuner.executor.workers == 4


def test_the_readmes_program_and_experiment_file_run(tmp_path, monkeypatch, capsys):
    """``train.py`` as the README writes it, tuned by its ``experiment.toml`` (budget cut)."""
    text = (ROOT / "README.md").read_text()
    program = re.search(r"```python title=train.py\n(.*?)```", text, re.S)[1]
    (tmp_path / "train.py").write_text(program)
    config = re.search(r"```toml\n(# experiment.toml.*?)```", text, re.S)[1]
    for old, new in [
        ('"python ', f'"{sys.executable} '),
        ("trials = 100", "trials = 3"),
        ("workers = 4", "workers = 1"),
        ("max_epochs = 27", "max_epochs = 3"),
    ]:
        config = config.replace(old, new)
    (tmp_path / "experiment.toml").write_text(config)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTHONPATH", str(ROOT / "src"))  # the program imports rung
    assert main(["tune", "--config", "experiment.toml", "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "best val_loss" in printed and "trials 3," in printed
    assert "the program saved some for 3 of 3 trials" in printed  # promotions resumed
    assert (tmp_path / "runs" / "mine" / "logs").is_dir()


def _anchors(markdown: str) -> set[str]:
    """GitHub's anchors of a page's headings (code blocks left out)."""
    text = re.sub(r"```.*?```", "", markdown, flags=re.S)
    seen: dict[str, int] = {}
    anchors = set()
    for heading in re.findall(r"^#+ (.*)$", text, flags=re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        seen[slug] = seen.get(slug, -1) + 1
        anchors.add(slug if seen[slug] == 0 else f"{slug}-{seen[slug]}")
    return anchors


def test_the_docs_links_and_the_files_they_name_exist():
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    broken = []
    for page in pages:
        text = page.read_text()
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            path, _, anchor = target.partition("#")
            if target.startswith(("http://", "https://")):
                continue
            linked = (page.parent / path).resolve() if path else page
            if not linked.exists() or (anchor and anchor not in _anchors(linked.read_text())):
                broken.append(f"{page.name}: {target}")
        for named in re.findall(r"`((?:rung|benchmarks|examples)/[\w/]+\.(?:py|toml))`", text):
            if not (ROOT / named).exists() and not (ROOT / "src" / named).exists():
                broken.append(f"{page.name}: {named}")
    assert broken == []
