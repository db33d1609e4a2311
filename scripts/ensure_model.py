"""Train the Rasa model only when its inputs changed.

The model is keyed on a hash of config.yml, bot/domain/ and bot/data/ (plus the Rasa version),
and cached outside the clone (~/.cache/parcours-assistant/models) so fresh clones on the same
machine, CI's included, reuse it. Prints the model path on the last line.

When config.yml uses the French word vectors (bot.nlu.vectors_featurizer, opt-in), their export
for the current training data is made first if missing (scripts/export_fr_vectors.py).

Usage: python scripts/ensure_model.py [--force]   (stdlib only; runs `rasa` from .venv-bot)
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# bot/nlu holds the custom NLU components (their code shapes the model too).
INPUTS = [ROOT / "config.yml", ROOT / "bot" / "domain", ROOT / "bot" / "data", ROOT / "bot" / "nlu"]
RASA = ROOT / ".venv-bot" / "bin" / "rasa"
CACHE = Path(
    os.environ.get("MODEL_CACHE_DIR", Path.home() / ".cache" / "parcours-assistant" / "models")
)


def input_files() -> list[Path]:
    files: list[Path] = []
    for path in INPUTS:
        if path.is_dir():
            files += sorted(
                p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts
            )
        else:
            files.append(path)
    return files


def model_key() -> str:
    digest = hashlib.sha256()
    digest.update(b"rasa==3.6.21\n")
    for path in input_files():
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def uses_word_vectors() -> bool:
    """Whether config.yml's pipeline has the French word vectors (a commented line does not)."""
    config = (ROOT / "config.yml").read_text(encoding="utf-8")
    return re.search(r"^\s*-\s*name:\s*bot\.nlu\.vectors_featurizer\.", config, re.M) is not None


def ensure_model(force: bool = False) -> Path:
    key = model_key()
    models = ROOT / "models"
    models.mkdir(exist_ok=True)
    target = models / f"{key}.tar.gz"
    cached = CACHE / f"{key}.tar.gz"
    if target.exists() and not force:
        print(f"model {key} is up to date", file=sys.stderr)
    elif cached.exists() and not force:
        shutil.copy2(cached, target)
        print(f"model {key} taken from the cache {CACHE}", file=sys.stderr)
    else:
        print(f"training model {key} (inputs changed)...", file=sys.stderr)
        if uses_word_vectors():
            sys.path.insert(0, str(ROOT / "scripts"))
            from export_fr_vectors import ensure_vectors

            ensure_vectors()
        started = time.monotonic()
        subprocess.run(
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
                "models",
                "--fixed-model-name",
                key,
            ],
            cwd=ROOT,
            check=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        print(f"trained in {time.monotonic() - started:.0f} s", file=sys.stderr)
        CACHE.mkdir(parents=True, exist_ok=True)
        shutil.copy2(target, cached)
    (models / "CURRENT").write_text(target.name + "\n")
    return target


if __name__ == "__main__":
    print(ensure_model(force="--force" in sys.argv))
