#!/usr/bin/env bash
# Create or refresh the two virtual environments when pyproject.toml changed (content hash,
# not mtime, so fresh clones and worktrees reuse an up-to-date environment).
set -euo pipefail
cd "$(dirname "$0")/.."
# Only the dependency lists count: editing tool settings in pyproject.toml reinstalls nothing.
hash=$(sed -n '/^\[project\]/,/^\[build-system\]/p' pyproject.toml | sha256sum | cut -c1-16)

find_python() {  # an interpreter of that version that really runs (pyenv shims may not)
  local version=$1 candidate
  for candidate in \
      "$(command -v pyenv >/dev/null 2>&1 && pyenv root 2>/dev/null)/versions/$version"*/bin/python"$version" \
      /root/.pyenv/versions/"$version".*/bin/python"$version" \
      "$(command -v "python$version" 2>/dev/null)"; do
    [ -x "$candidate" ] && "$candidate" -c "import sys" >/dev/null 2>&1 && { echo "$candidate"; return; }
  done
}

ensure() {  # dir python-version extras
  local dir=$1 version=$2 extras=$3
  [ -f "$dir/.pyproject-$hash" ] && return
  local py
  py=$(find_python "$version")
  [ -n "$py" ] || { echo "Python $version not found (pyenv or PATH)" >&2; exit 1; }
  [ -x "$dir/bin/python" ] || { echo "creating $dir with $py"; "$py" -m venv "$dir"; }
  echo "installing $extras into $dir (Rasa takes about 4 minutes the first time)..."
  "$dir/bin/python" -m pip install -q --upgrade "pip<24.1"
  local log="$dir/install.log"
  if ! "$dir/bin/python" -m pip install -q -e ".[$extras]" >"$log" 2>&1; then
    grep -v "is ignored: it is neither" "$log" >&2
    exit 1
  fi
  rm -f "$dir"/.pyproject-*
  touch "$dir/.pyproject-$hash"
}

ensure .venv 3.11 app,dev
ensure .venv-bot 3.10 bot
