"""Time a full training (NLU + dialogue) from scratch, bypassing the model caches.

Neither scripts/ensure_model.py's cache nor Rasa's own component cache (.rasa/cache) is used:
the model and the Rasa cache go to a temporary directory.

Usage: python bench/train_time.py   (prints the seconds; the model goes to a temporary dir)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RASA = ROOT / ".venv-bot" / "bin" / "rasa"


def main() -> int:
    with tempfile.TemporaryDirectory() as out:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "RASA_CACHE_DIRECTORY": str(Path(out) / "cache"),
        }
        started = time.monotonic()
        result = subprocess.run(
            [
                str(RASA),
                "train",
                "--config",
                "config.yml",
                "--domain",
                "bot/domain",
                "--data",
                "bot/data",
                "--out",
                out,
                "--fixed-model-name",
                "bench",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        elapsed = time.monotonic() - started
    if result.returncode != 0:
        print(result.stderr[-3000:], file=sys.stderr)
        return result.returncode
    print(f"train_seconds={elapsed:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
