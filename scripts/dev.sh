#!/usr/bin/env bash
# One entry point for a fresh Debian/Ubuntu machine with Node 20+:
#   bash scripts/dev.sh demo [drillbook demo options]   # run every job end to end on local defaults
#   bash scripts/dev.sh test                            # lint, typecheck and the full test suite
# It installs what is missing (PostgreSQL server + contrib, nats-server, chromium from the distribution's
# packages; node_modules with npm ci) or stops with a clear message saying what to install.
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "drillbook setup: $*" >&2; exit 2; }

command -v node >/dev/null || die "Node.js 20+ is required (https://nodejs.org or your distribution's nodejs package)"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || die "Node.js 20+ is required; found $(node --version)"

have_pg_server() {
  for d in "${DRILLBOOK_PG_BINDIR:-}" /usr/lib/postgresql/*/bin; do
    [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_verifybackup" ] && return 0
  done
  return 1
}
have_amcheck() { ls /usr/share/postgresql/*/extension/amcheck.control >/dev/null 2>&1; }

missing=()
have_pg_server || missing+=(postgresql)
have_amcheck || missing+=(postgresql-contrib)
command -v nats-server >/dev/null || missing+=(nats-server)
# Headless Chromium renders the HTML reports in the reporting tests (not needed for the demo).
[ "${1:-}" != test ] || [ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then apt=(apt-get); elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then apt=(sudo apt-get); else
    die "missing system packages: ${missing[*]}. Install them with: sudo apt-get install -y ${missing[*]}"
  fi
  command -v apt-get >/dev/null || die "missing system packages: ${missing[*]} (no apt-get here: install them with your package manager)"
  echo "drillbook setup: installing ${missing[*]}" >&2
  # drillbook runs its own throwaway servers; any system-wide service the packages start is not used.
  export DEBIAN_FRONTEND=noninteractive
  "${apt[@]}" update -qq
  "${apt[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "drillbook setup: npm ci" >&2
  npm ci --no-audit --no-fund
fi

case "${1:-}" in
  demo) shift; exec node bin/drillbook.mjs demo "$@" ;;
  test) shift; exec npm test -- "$@" ;;
  *) die "usage: bash scripts/dev.sh demo|test" ;;
esac
