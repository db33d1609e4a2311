"""The real stack (backend, Rasa, action server) on free ports against a throwaway SQLite
database, for the benchmarks that play conversations through the simulator."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def model_path() -> Path:
    """The trained model for the current bot (trained first when its inputs changed)."""
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "ensure_model.py")],
        check=True,
        capture_output=True,
        text=True,
    )
    return Path(out.stdout.strip().splitlines()[-1])


@contextmanager
def own_stack(*, seed: bool = False) -> Iterator[str]:
    """Yields the backend's URL; DATABASE_URL points this process at the stack's database."""
    sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]
    from stack import Stack, free_port

    from tests.support.database import migrate

    model = model_path()
    with tempfile.TemporaryDirectory() as workdir:
        url = f"sqlite:///{workdir}/bench.db"
        migrate(url)
        os.environ["DATABASE_URL"] = url
        if seed:
            subprocess.run(
                [sys.executable, "-m", "backend.seed"],
                check=True,
                cwd=ROOT,
                capture_output=True,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
        stack = Stack(
            backend_port=free_port(),
            rasa_port=free_port(),
            actions_port=free_port(),
            database_url=url,
            tracker_db=f"{workdir}/tracker.db",
            log_dir=Path(workdir) / "logs",
            with_worker=False,
        )
        stack.start(model)
        try:
            stack.wait_ready(timeout=240)
            yield stack.backend_url
        finally:
            stack.stop()
