"""Rasa's own checks, run through .venv-bot: data validation and the test stories.

The test stories need a trained model: scripts/ensure_model.py reuses the cached one when the
config, domain and data did not change (otherwise it trains, about a minute).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RASA = ROOT / ".venv-bot" / "bin" / "rasa"

pytestmark = pytest.mark.skipif(not RASA.exists(), reason=".venv-bot is not installed")


def rasa_env() -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "PYTHONWARNINGS": "ignore",
    }


def run_rasa(*args: str, timeout: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(RASA), *args],
        cwd=ROOT,
        env=rasa_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_rasa_data_validate() -> None:
    result = run_rasa(
        "data",
        "validate",
        "--config",
        "config.yml",
        "--domain",
        "bot/domain",
        "--data",
        "bot/data",
        "--fail-on-warnings",
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_rasa_test_stories(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    from ensure_model import ensure_model

    model = ensure_model()
    result = run_rasa(
        "test",
        "core",
        "--stories",
        "bot/tests",
        "--model",
        str(model),
        "--out",
        str(tmp_path),
        "--fail-on-prediction-errors",
        "--no-plot",
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
