#!/usr/bin/env bash
# Runs the README's walkthrough blocks (those starting with "# walkthrough"), as written, against a
# freshly built server on port 3000, started as `npm start` starts it: DATABASE_URL unset, so the
# embedded SQLite default under ./data/ of a new working folder. Also checks that a bad setting stops
# the server with a clear message. Prints "walkthrough: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

if (exec 3<>/dev/tcp/127.0.0.1/3000) 2>/dev/null; then
  echo "walkthrough: port 3000 is in use; the README's commands need it" >&2
  exit 1
fi

npm run -s build
WORK=$(mktemp -d)
ln -s "$ROOT/package.json" "$ROOT/node_modules" "$ROOT/dist" "$WORK/"
export PORT=3000 LOG_LEVEL=verbose
unset DATABASE_URL ISSUER ADMIN_CLIENT_ID ADMIN_CLIENT_SECRET
# The node flags npm start passes (package.json start:prod: node <flags> <entry>).
read -r -a FLAGS <<<"$(node -p "require('./package.json').scripts['start:prod'].split(' ').slice(1, -1).join(' ')")"
BAD_CONFIG=$(cd "$WORK" && PORT=abc node "${FLAGS[@]}" dist/apps/authorization-server/src/main.js 2>&1 && echo "exit 0" || echo "exit $?")
(cd "$WORK" && exec node "${FLAGS[@]}" dist/apps/authorization-server/src/main.js >"$WORK/server.log" 2>&1) &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 50); do
  curl -s -o /dev/null http://localhost:3000/.well-known/jwks.json && break
  sleep 0.2
done

# Extract the walkthrough blocks into one script.
awk '/^```sh$/{inblock=1; buf=""; next} /^```$/{if (inblock && buf ~ /^# walkthrough/) print buf; inblock=0; next} inblock{buf = buf $0 "\n"}' \
  README.md >"$WORK/walkthrough.sh"
BLOCKS=$(grep -c '^# walkthrough' "$WORK/walkthrough.sh")
(cd "$WORK" && bash -euo pipefail walkthrough.sh >"$WORK/out.txt" 2>&1) || {
  cat "$WORK/out.txt" "$WORK/server.log"
  echo "walkthrough: 0 passed, 1 failed"
  exit 1
}

# Graceful shutdown: a request in flight when SIGTERM arrives still gets its answer, then the server exits.
SECRET=$(node -p "require('$WORK/client.json').client_secret")
curl -s -o /dev/null -w '%{http_code}' -u "demo-app:$SECRET" http://localhost:3000/oauth/token \
  -d grant_type=password -d username=alice --data-urlencode 'password=correct horse battery staple' >"$WORK/inflight.code" &
CURL=$!
sleep 0.05
kill -TERM "$SERVER"
wait "$CURL" || true
for _ in $(seq 1 100); do kill -0 "$SERVER" 2>/dev/null || break; sleep 0.1; done

# Keys encrypted at rest: a start with KEY_ENCRYPTION_KEY encrypts the walkthrough's keys; a start with
# another key, or none, then stops with a message naming the variable and no stack trace.
KEK=$(node -p "require('crypto').randomBytes(32).toString('base64url')")
OTHER_KEK=$(node -p "require('crypto').randomBytes(32).toString('base64url')")
(cd "$WORK" && KEY_ENCRYPTION_KEY=$KEK exec node "${FLAGS[@]}" dist/apps/authorization-server/src/main.js >"$WORK/kek.log" 2>&1) &
KEK_SERVER=$!
for _ in $(seq 1 50); do
  curl -s -o /dev/null http://localhost:3000/.well-known/jwks.json && break
  sleep 0.2
done
kill -TERM "$KEK_SERVER"
wait "$KEK_SERVER" || true
WRONG_KEK=$(cd "$WORK" && KEY_ENCRYPTION_KEY=$OTHER_KEK node "${FLAGS[@]}" dist/apps/authorization-server/src/main.js 2>&1 && echo "exit 0" || echo "exit $?")
NO_KEK=$(cd "$WORK" && node "${FLAGS[@]}" dist/apps/authorization-server/src/main.js 2>&1 && echo "exit 0" || echo "exit $?")

passed=0 failed=0
check() {
  if eval "$2"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $1"; fi
}
check "$BLOCKS walkthrough blocks found" '[ "$BLOCKS" -eq 4 ]'
check "first.json has both tokens" 'node -e "const b=require(\"$WORK/first.json\"); process.exit(b.access_token && b.refresh_token && b.scope===\"read\" ? 0 : 1)"'
check "second.json has a rotated refresh token" 'node -e "const a=require(\"$WORK/first.json\"), b=require(\"$WORK/second.json\"); process.exit(b.refresh_token && b.refresh_token!==a.refresh_token ? 0 : 1)"'
check "the replayed token is refused" 'tail -c 300 "$WORK/out.txt" | grep -q "\"error\":\"invalid_grant\""'
# The only secret the server prints is the generated admin client's, once, on its banner line.
check "the default database is ./data/authorization-server.sqlite" '[ -s "$WORK/data/authorization-server.sqlite" ]'
check "a bad PORT stops the server with a clear message" 'grep -q "PORT must not be greater than 65535\|PORT must be an integer" <<<"$BAD_CONFIG" && grep -q "exit 1" <<<"$BAD_CONFIG"'
check "a request in flight at SIGTERM gets its answer (200)" '[ "$(cat "$WORK/inflight.code")" = 200 ]'
check "the server exits by itself after SIGTERM" '! kill -0 "$SERVER" 2>/dev/null'
check "the server logged no secret" '! grep -v "^  ADMIN_CLIENT_SECRET=" "$WORK/server.log" | grep -q -e asrt_ -e ascs_ -e "correct horse"'
check "the start line names the runtime, Node.js 24 or later" \
  'grep -o "\"node\":\"v[0-9]*\.[0-9.]*\",\"msg\":\"listening on port 3000" "$WORK/server.log" | grep -qE "\"v(2[4-9]|[3-9][0-9])\."'
check "started with npm start's node flags, the server does not warn about the young generation" \
  '[ "${#FLAGS[@]}" -ge 1 ] && ! grep -q "started without --max-semi-space-size" "$WORK/server.log"'
check "a start with KEY_ENCRYPTION_KEY encrypts the stored keys" 'grep -q "encrypted [0-9]* signing keys stored in clear" "$WORK/kek.log"'
check "a wrong KEY_ENCRYPTION_KEY stops the server with a message naming it, no stack trace" \
  'grep -q "set KEY_ENCRYPTION_KEY to that key" <<<"$WRONG_KEK" && grep -q "exit 1" <<<"$WRONG_KEK" && ! grep -q "^ *at " <<<"$WRONG_KEK"'
check "a missing KEY_ENCRYPTION_KEY stops the server with a message naming it, no stack trace" \
  'grep -q "KEY_ENCRYPTION_KEY is not set: set KEY_ENCRYPTION_KEY" <<<"$NO_KEK" && grep -q "exit 1" <<<"$NO_KEK" && ! grep -q "^ *at " <<<"$NO_KEK"'
echo "walkthrough: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
