"""Resident memory of a fresh .venv-bot process after loading the model (MB).

Usage: python bench/model_memory.py [MODEL.tar.gz]   (default: scripts/ensure_model.py's model)
Prints the RSS before loading (Python + Rasa imports) and after Agent.load.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOT_PYTHON = ROOT / ".venv-bot" / "bin" / "python"

PROBE = """
import asyncio, logging, sys
logging.disable(logging.WARNING)

def rss_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")

from rasa.core.agent import Agent
before = rss_mb()
agent = Agent.load(sys.argv[1])
asyncio.run(agent.parse_message("bonjour"))
print(f"rss_after_imports_mb={before:.0f}")
print(f"rss_after_load_mb={rss_mb():.0f}")
"""


def main() -> int:
    if len(sys.argv) > 1:
        model = Path(sys.argv[1])
    else:
        sys.path.insert(0, str(ROOT / "scripts"))
        from ensure_model import ensure_model

        model = ensure_model()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONWARNINGS": "ignore",
    }
    result = subprocess.run(
        [str(BOT_PYTHON), "-c", PROBE, str(model)], env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        print(result.stderr[-3000:], file=sys.stderr)
        return result.returncode
    print(f"model: {model}")
    for line in result.stdout.splitlines():
        if line.startswith("rss_"):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
