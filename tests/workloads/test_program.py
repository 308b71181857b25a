"""One run of a program: its output read line by line, as a terminal would show it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from rung.workloads._program import LINE_CAP, Program

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX process groups")


def output_lines(tmp_path: Path, source: str) -> tuple[list[str], Path]:
    """The standard output lines of ``python -c source``, and its log file."""
    log = tmp_path / "job.log"
    with open(log, "wb") as handle:
        program = Program([sys.executable, "-c", source], dict(os.environ), None, handle)
        try:
            lines = list(program.lines(lambda: None))
        finally:
            program.end(1.0)
    return lines, log


def test_a_report_line_after_a_progress_bar_redrawn_in_place_is_a_line_of_its_own(tmp_path):
    source = (
        "import sys\n"
        "for step in range(3): sys.stdout.write(f'\\r{step}/3 |' + '#' * step)\n"
        "sys.stdout.write('\\r[rung] epoch=1 loss=0.5\\r\\n')\n"
    )
    lines, _ = output_lines(tmp_path, source)
    assert "[rung] epoch=1 loss=0.5" in lines
    assert "2/3 |##" in lines


def test_a_line_too_long_to_be_a_report_is_cut_in_memory_and_kept_whole_in_the_log(tmp_path):
    size = 8 * LINE_CAP + 123  # many reads of a line without a newline
    source = (
        "import sys\n"
        f"sys.stdout.write('x' * {size})\n"
        "sys.stdout.flush()\n"
        "print()\n"
        "print('[rung] epoch=1 loss=0.5')\n"
        f"sys.stdout.write('y' * {size})\n"  # and one the program exits without ending
    )
    lines, log = output_lines(tmp_path, source)
    long_x, report, long_y = [line for line in lines if line]
    for cut, char in ((long_x, "x"), (long_y, "y")):
        assert cut.startswith(char * LINE_CAP) and "line cut" in cut
        assert len(cut) < LINE_CAP + 100
    assert report == "[rung] epoch=1 loss=0.5"
    assert log.stat().st_size == 2 * size + len("\n[rung] epoch=1 loss=0.5\n")


@pytest.mark.parametrize(
    ("ending", "logged"),
    [
        ("sys.exit(3)", "exited with status 3 after its last report"),
        ("time.sleep(30)", "had not exited 0.2 s after its last report"),
        ("sys.exit(0)", None),
    ],
)
def test_how_a_program_ended_after_its_last_report_is_logged(tmp_path, ending, logged):
    log = tmp_path / "job.log"
    source = f"import sys, time\nprint('[rung] epoch=1 loss=0.5', flush=True)\n{ending}\n"
    with open(log, "wb") as handle:
        program = Program([sys.executable, "-c", source], dict(os.environ), None, handle)
        for line in program.lines(lambda: None):
            if line.startswith("[rung]"):
                break  # the job's target: the job ends here
        program.end(0.2, wait_first=True)
    text = log.read_text()
    if logged is None:
        assert "=== rung" not in text
    else:
        assert f"=== rung: the program {logged}" in text
