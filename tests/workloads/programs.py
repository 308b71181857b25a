"""Small programs for the command-objective tests, written into a test's directory.

``TRAIN`` is a well-behaved training script: ``train.py LR EPOCHS [--no-save] [--sleep S]
[--bar]`` trains a toy loss for epochs ``RUNG_RESOURCE_FROM + 1 .. EPOCHS``, resuming from
``state.json`` in ``RUNG_CHECKPOINT_DIR``, reports each epoch, and appends what it saw
to the JSON-lines file ``$JOURNAL`` (from, to, the epoch it loaded, its GPU); with
``--bar`` each report line follows a progress bar redrawn in place (``\r``).
The others each break one rule.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

TRAIN = r"""
import json, os, sys, time
lr, epochs = float(sys.argv[1]), int(sys.argv[2])
save = "--no-save" not in sys.argv
sleep = float(sys.argv[sys.argv.index("--sleep") + 1]) if "--sleep" in sys.argv else 0.0
bar = "\r 50%|#####     | \r100%|##########| \r" if "--bar" in sys.argv else ""
directory = os.environ["RUNG_CHECKPOINT_DIR"]
state_file = os.path.join(directory, "state.json")
start, loss, loaded = int(os.environ["RUNG_RESOURCE_FROM"]), 10.0, None
if start > 0:
    with open(state_file) as handle:
        state = json.load(handle)
    start, loss, loaded = state["epoch"], state["loss"], state["epoch"]
with open(os.environ["JOURNAL"], "a") as journal:
    journal.write(json.dumps({
        "trial": int(os.environ["RUNG_TRIAL_ID"]),
        "from": int(os.environ["RUNG_RESOURCE_FROM"]),
        "to": int(os.environ["RUNG_RESOURCE_TO"]),
        "epochs_arg": epochs,
        "loaded": loaded,
        "cuda": os.environ.get("CUDA_VISIBLE_DEVICES"),
        "pid": os.getpid(),
    }) + "\n")
print("training from", start, "to", epochs)
print("a warning on stderr", file=sys.stderr)
for epoch in range(start + 1, epochs + 1):
    time.sleep(sleep)
    loss *= 1 - lr
    if save:
        with open(state_file + ".tmp", "w") as handle:
            json.dump({"epoch": epoch, "loss": loss}, handle)
        os.replace(state_file + ".tmp", state_file)
    print(f"{bar}[rung] epoch={epoch} loss={loss} acc={1 - loss / 10}")
"""

FAILS = r"""
import sys
print("[rung] epoch=1 loss=1.0")
print("Traceback (most recent call last):", file=sys.stderr)
print("ZeroDivisionError: division by zero", file=sys.stderr)
sys.exit(3)
"""

SILENT = r"""
print("I trained, honest")
"""

GARBAGE = r"""
print("[rung] epoch=1 loss=banana")
"""

WRONG_METRIC = r"""
print("[rung] epoch=1 accuracy=0.5 f1=0.4")
"""

# Reports epochs 1 .. EPOCHS - 1, one short of its target (past 1 epoch), and exits 0.
SHORT = r"""
import sys
for epoch in range(1, max(int(sys.argv[2]), 2)):
    print(f"[rung] epoch={epoch} loss={1 / epoch}")
"""

HANGS = r"""
import sys, time
print("[rung] epoch=1 loss=1.0", flush=True)
print("about to hang", file=sys.stderr, flush=True)
time.sleep(600)
"""

# Reports, then closes its output (as `exec >file 2>&1` would) and goes on for 40 s.
CLOSES_OUTPUT = r"""
import os, time
print("[rung] epoch=1 loss=1.0", flush=True)
os.close(1)
os.close(2)
time.sleep(40)
"""

# Ignores SIGTERM and leaves a child behind, which writes its pid for the test to check.
STUBBORN = r"""
import os, signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
with open(os.environ["JOURNAL"], "w") as journal:
    journal.write(f"{os.getpid()} {child.pid}\n")
print("[rung] epoch=1 loss=1.0", flush=True)
time.sleep(600)
"""

# Reports its target, then takes a moment to save its checkpoint before exiting.
SLOW_SAVE = r"""
import os, sys, time
epochs = int(sys.argv[1])
for epoch in range(int(os.environ["RUNG_RESOURCE_FROM"]) + 1, epochs + 1):
    print(f"[rung] epoch={epoch} loss={1 / epoch}", flush=True)
time.sleep(0.5)
open(os.path.join(os.environ["RUNG_CHECKPOINT_DIR"], "saved"), "w").close()
"""

# Prints CUDA_VISIBLE_DEVICES as its metric (0 when unset), for the per-worker GPU tests.
SHOWS_GPU = r"""
import os
print(f"[rung] epoch=1 gpu={os.environ.get('CUDA_VISIBLE_DEVICES', '-1')}")
"""


def write(directory: Path, name: str, source: str, executable: bool = False) -> Path:
    """Writes one program; returns its path."""
    path = directory / name
    path.write_text(source.lstrip())
    if executable:
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def python(path: Path, *arguments: str) -> str:
    """A command line running ``path`` with this interpreter."""
    import shlex

    return shlex.join([sys.executable, str(path), *arguments])


def journal(path: Path) -> list[dict[str, Any]]:
    """The lines the training script appended."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def alive(pid: int) -> bool:
    """True while process ``pid`` runs (a zombie counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
