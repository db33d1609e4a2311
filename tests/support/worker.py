"""Worker processes for tests: ``python -m backend.worker`` as `make run` starts one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def start_worker(env: dict[str, str]) -> subprocess.Popen:
    """A worker with ``env`` on top of this process's environment; in its own session (stop
    it with ``os.killpg``), its output dropped."""
    return subprocess.Popen(
        [sys.executable, "-m", "backend.worker"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
