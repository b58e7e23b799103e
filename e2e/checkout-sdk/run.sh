#!/usr/bin/env bash
# End-to-end test of POST /api/storefront/pickup-options with BigCommerce's own
# @bigcommerce/checkout-sdk: builds bopis, starts `bopis demo` with
# BOPIS_PUBLIC_STOREFRONT=true on a free loopback port, and runs
# pickup-options.test.mjs (node:test) against it. Works from any directory;
# exits non-zero when anything fails. Needs go, node (20+) and npm.
#
#   BOPIS_E2E_WAIT  seconds to wait for the demo to be serving (default 120)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export PATH="$PATH:/usr/local/go/bin"
wait_max="${BOPIS_E2E_WAIT:-120}"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/bopis-checkout-sdk.XXXXXX")"
server_pid=""

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

show_server_output() {
  echo "--- bopis demo stdout:" >&2
  tail -n 40 "$tmp/demo.out" >&2 || true
  echo "--- bopis demo stderr (last lines):" >&2
  tail -n 20 "$tmp/demo.err" >&2 || true
}

start=$SECONDS

# The pinned SDK and jsdom first: on a small machine npm would slow the
# demo's seeding, which is bounded below.
echo "== npm (checkout-sdk, jsdom)"
cd "$here"
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
else
  npm install --no-audit --no-fund --loglevel=error
fi

echo "== go build ./cmd/bopis"
(cd "$root" && go build -o "$tmp/bopis" ./cmd/bopis)

# Port 0: the demo binds a free port and prints the address it got.
echo "== bopis demo (BOPIS_PUBLIC_STOREFRONT=true)"
BOPIS_PUBLIC_STOREFRONT=true "$tmp/bopis" demo --addr 127.0.0.1:0 --file "$tmp/demo.db" \
  >"$tmp/demo.out" 2>"$tmp/demo.err" &
server_pid=$!
started=$SECONDS
deadline=$((started + wait_max))
until grep -q "bopis demo is serving at " "$tmp/demo.out" 2>/dev/null; do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "bopis demo exited before serving" >&2
    show_server_output
    exit 1
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "bopis demo not serving after ${wait_max}s" >&2
    show_server_output
    exit 1
  fi
  sleep 0.5
done
grep -h '^demo: ' "$tmp/demo.out" "$tmp/demo.err" || true

url="$(sed -n 's/^bopis demo is serving at \(http[^ ]*\).*$/\1/p' "$tmp/demo.out" | head -n 1)"
# The key line is printed with the URL, but give it a moment to be written.
key=""
for _ in $(seq 20); do
  key="$(awk '$1 == "storefront" && $2 == "all" && $3 == "stores" { print $4; exit }' "$tmp/demo.out")"
  [ -n "$key" ] && break
  sleep 0.25
done
if [ -z "$url" ] || [ -z "$key" ]; then
  echo "could not read the URL and storefront key from the demo's output" >&2
  show_server_output
  exit 1
fi
echo "bopis demo serving at $url ($((SECONDS - started))s after start)"

echo "== node --test pickup-options.test.mjs"
set +e
BOPIS_URL="$url" BOPIS_STOREFRONT_KEY="$key" node --test --test-reporter=tap pickup-options.test.mjs
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
  echo "checkout-sdk e2e: FAIL (node exit $rc)" >&2
  show_server_output
  exit "$rc"
fi
echo "checkout-sdk e2e: ok in $((SECONDS - start))s"
