# Shared by bin/run and bin/test: find Python 3.11+, create .venv, install the project once per
# change of pyproject.toml (a stamp file remembers what was installed).

find_python() {
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  echo "Podium needs Python 3.11 or newer; none was found (set PYTHON=/path/to/python3.11)." >&2
  return 1
}

bootstrap_venv() {
  local extra="${1:-}"
  local python
  python="$(find_python)"
  if [ ! -x .venv/bin/python ]; then
    echo "== creating .venv with $python"
    "$python" -m venv .venv
  fi
  local spec="."
  [ -n "$extra" ] && spec=".[$extra]"
  local stamp=".venv/.podium-installed-${extra:-base}"
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "== installing $spec"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$spec"
    touch "$stamp"
  fi
}
