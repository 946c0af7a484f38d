"""Train Balie's model (`rasa train`) with visible progress, and record how long it took.

    .venv/bin/python scripts/train_model.py            # models/balie.tar.gz

Rasa runs with --debug so the full log (var/log/train.log) has a line per graph node:
`make eval` reads it to report where the training time goes, and reuses this model for
system (a) instead of training it a second time. The terminal shows only the progress
lines (no DEBUG noise). Next to the model, models/balie.train.json records the wall-clock
seconds, when it finished and the log's path.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODEL_DIR = ROOT / "models"
MODEL_NAME = "balie"
LOG = ROOT / "var" / "log" / "train.log"

# Lines worth a maintainer's eye: Rasa's progress, epochs, warnings and errors.
_DEBUG = re.compile(r"^(?:\x1b\[[0-9;]*m)*\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\S* DEBUG ")


def record_path(model: Path) -> Path:
    """models/balie.tar.gz -> models/balie.train.json"""
    return model.with_name(model.name.split(".")[0] + ".train.json")


def main() -> int:
    LOG.parent.mkdir(parents=True, exist_ok=True)
    MODEL_DIR.mkdir(exist_ok=True)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", SQLALCHEMY_SILENCE_UBER_WARNING="1")
    cmd = [str(Path(sys.executable).with_name("rasa")), "train", "--fixed-model-name", MODEL_NAME,
           "--out", str(MODEL_DIR), "--debug"]
    print(f"Training the model (about 10 minutes on 2 cores); full log: {LOG.relative_to(ROOT)}", flush=True)
    start = time.monotonic()
    with LOG.open("w", encoding="utf-8") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, errors="replace", bufsize=1)
        assert proc.stdout is not None
        for line in proc.stdout:
            log.write(line)
            if not _DEBUG.match(line):
                sys.stdout.write(line)
                sys.stdout.flush()
        rc = proc.wait()
    seconds = time.monotonic() - start
    model = MODEL_DIR / f"{MODEL_NAME}.tar.gz"
    if rc != 0 or not model.exists():
        print(f"Training failed (exit {rc}); see {LOG.relative_to(ROOT)}", file=sys.stderr)
        return rc or 1
    record_path(model).write_text(json.dumps({
        "seconds": round(seconds, 1),
        "finished": datetime.now().astimezone().isoformat(timespec="seconds"),
        "log": str(LOG.relative_to(ROOT)),
        "command": " ".join(["rasa", *cmd[1:]]),
    }, indent=2) + "\n", encoding="utf-8")
    print(f"Model ready: {model.relative_to(ROOT)} (trained in {seconds:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
