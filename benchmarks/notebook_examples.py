"""The seed notebook's five examples on the full data: accuracy and wall time of each.

Runs each ``rung tune`` command of ``examples/notebook.py`` (the README's) in its own
process, one after the other, on the full data (48,000 training, 12,000 validation and
10,000 test images), and reports for each the search's best validation error, the final
model's train, validation and test accuracy, the notebook's quoted band for the model,
and the command's wall time (data loading, search and final model). Results are appended
to ``--record`` as JSON lines, so an interrupted study keeps its finished commands and a
rerun skips them; ``--table`` prints the markdown table of a record.

Usage: python benchmarks/notebook_examples.py [--only example2,example3] [--out runs/nb]
       [--record notebook_examples.jsonl] [--table] [rung tune flags, e.g. --threads 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "examples"))

from notebook import EXAMPLES, command, model_of  # noqa: E402

#: The test accuracies the notebook quotes as typical, per model.
NOTEBOOK_BAND = {"softmax": (0.82, 0.85), "lenet": (0.85, 0.90), "sgd": (0.80, 0.83),
                 "svm": (0.83, 0.87)}  # fmt: skip


def run_one(name: str, args: tuple[str, ...], out: Path, extra: list[str]) -> dict:
    argv = [*command(args), "--out", str(out), *extra]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    started = time.perf_counter()
    process = subprocess.run([sys.executable, "-m", "rung.cli.main", *argv], env=env, cwd=ROOT)
    seconds = time.perf_counter() - started
    row = {"example": name, "model": model_of(args), "command": "rung " + " ".join(argv),
           "status": process.returncode, "wall_s": round(seconds, 1)}  # fmt: skip
    results = out / "results.json"
    if results.is_file():
        record = json.loads(results.read_text())
        summary, final = record["summary"], record["final"] or {}
        row.update(
            best_validation_error=summary["best"]["value"] if summary["best"] else None,
            trials=summary["trials"],
            jobs=summary["jobs"],
            epochs=summary["resource"],
            search_s=round(summary["wall_time"], 1),
            final_source=final.get("source"),
            final_epochs=final.get("epochs"),
            train_accuracy=final.get("train_accuracy"),
            val_accuracy=final.get("val_accuracy"),
            test_accuracy=final.get("test_accuracy"),
            final_s=round(final["seconds"], 1) if final else None,
            best_config=summary["best"]["config"] if summary["best"] else None,
            warnings=record.get("warnings", []),
        )
    return row


def table(rows: list[dict]) -> str:
    lines = [
        "| example | model | trials / jobs / epochs | best val. error | final model | "
        "train / val / test accuracy | notebook's band | wall time |",
        "|---|---|---|---:|---|---|---|---:|",
    ]
    for row in rows:
        low, high = NOTEBOOK_BAND[row["model"]]
        test = row.get("test_accuracy")
        verdict = (
            ""
            if test is None
            else " (below)"
            if test < low
            else " (above)"
            if test > high
            else " (in)"
        )
        lines.append(
            f"| {row['example']} | {row['model']} | {row.get('trials')} / {row.get('jobs')} / "
            f"{row.get('epochs')} | {row.get('best_validation_error', float('nan')):.4f} | "
            f"{row.get('final_source')}, {row.get('final_epochs')} epochs | "
            f"{row.get('train_accuracy', 0):.3f} / {row.get('val_accuracy', 0):.3f} / "
            f"**{(test or 0):.3f}** | {low:.0%}-{high:.0%}{verdict} | "
            f"{row['wall_s'] / 60:.1f} min |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated example names (default: all five)")
    parser.add_argument("--out", default="runs/notebook", help="where the runs go")
    parser.add_argument("--record", default="notebook_examples.jsonl")
    parser.add_argument(
        "--table", action="store_true", help="print the record's table, run nothing"
    )
    args, extra = parser.parse_known_args()
    record = Path(args.record)
    rows = [json.loads(line) for line in record.read_text().splitlines()] if record.exists() else []
    if args.table:
        print(table(rows))
        return
    done = {(r["example"], r["model"]) for r in rows if r["status"] == 0}
    wanted = set(args.only.split(",")) if args.only else {e.name for e in EXAMPLES}
    print(f"{platform.node()}: {os.cpu_count()} CPUs; load {os.getloadavg()}", flush=True)
    for example in EXAMPLES:
        for args_ in example.commands:
            key = (example.name, model_of(args_))
            if example.name not in wanted or key in done:
                continue
            out = Path(args.out) / f"{example.name}-{key[1]}-{time.strftime('%Y%m%d-%H%M%S')}"
            row = run_one(example.name, args_, out, extra)
            row["load_before"] = os.getloadavg()
            print(json.dumps(row), flush=True)
            with record.open("a") as handle:
                handle.write(json.dumps(row) + "\n")
            rows.append(row)
    print(table(rows))


if __name__ == "__main__":
    main()
