# Sourced by the other scripts: make sure .venv exists and holds the project (and extras).
# Usage: ensure_venv [extra]   e.g. ensure_venv dev
ensure_venv() {
  local extra="${1:-}" python="" candidate
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      python="$candidate"
      break
    fi
  done
  if [ -z "$python" ]; then
    echo "error: Python 3.11 or newer is required" >&2
    return 1
  fi
  if [ ! -x .venv/bin/python ]; then
    echo "creating .venv with $python" >&2
    "$python" -m venv .venv
    .venv/bin/python -m pip install --quiet --upgrade pip
  fi
  local target="." stamp=".venv/.installed"
  if [ -n "$extra" ]; then
    target=".[$extra]"
    stamp=".venv/.installed-$extra"
  fi
  local want
  want="$(cat pyproject.toml | cksum)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "installing $target into .venv" >&2
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$target"
    echo "$want" > "$stamp"
  fi
}
