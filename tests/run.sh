#!/usr/bin/env bash
# Runs every test of Workbench. Installs what the tests need when it is missing (Debian's chromium,
# postgresql and redis-server), builds the solution once, then runs each test project.
# Usage: tests/run.sh [extra dotnet test arguments]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

need=()
[ -x /usr/bin/chromium ] || [ -n "${WORKBENCH_CHROMIUM:-}" ] || need+=(chromium)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
command -v redis-server >/dev/null || need+=(redis-server)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "tests/run.sh: installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    # The package starts its own cluster; the tests start throwaway ones of their own.
    if [[ " ${need[*]} " == *" postgresql "* ]] && command -v pg_ctlcluster >/dev/null; then
      service postgresql stop >/dev/null 2>&1 || true
    fi
  else
    echo "tests/run.sh: missing ${need[*]}. Install them (Debian: sudo apt-get install ${need[*]}) and run again." >&2
    exit 2
  fi
fi

# The npm standardwebhooks package checks our webhook signatures in an interop test (node_modules is not committed).
if command -v npm >/dev/null; then
  npm ci --prefix tests/interop --no-audit --no-fund --loglevel=error >/dev/null
  # The Redocly CLI lints the served OpenAPI document (tests/openapi).
  npm ci --prefix tests/openapi --no-audit --no-fund --loglevel=error >/dev/null
  # The official TypeScript MCP client and ajv check the MCP server's tools (tests/mcp).
  npm ci --prefix tests/mcp --no-audit --no-fund --loglevel=error >/dev/null
else
  echo "tests/run.sh: node and npm are needed for the webhook interop test (Debian: apt-get install nodejs npm)." >&2
  exit 2
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# The local tools: dotnet-ef, and Kiota, which generates the C# client the API tests build (KiotaClientTests).
dotnet tool restore >/dev/null
dotnet build Workbench.sln -c Debug -nologo -clp:ErrorsOnly
status=0
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# Fast first: the unit tests, the in-process tests, then the system tests (PostgreSQL, Redis, app processes) and the
# end-to-end tests in a browser.
for project in tests/Workbench.Core.Tests tests/Workbench.Web.Tests tests/Workbench.System.Tests e2e/Workbench.E2E; do
  echo "== $project"
  dotnet test "$project" --no-build -c Debug -nologo --logger "console;verbosity=minimal" "$@" 2>&1 | tee "$log" || status=1
  p=$( (grep -oE 'Passed: +[0-9]+' "$log" || true) | awk '{s += $2} END {print s + 0}')
  f=$( (grep -oE 'Failed: +[0-9]+' "$log" || true) | awk '{s += $2} END {print s + 0}')
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  if ! grep -qE '^(Passed|Failed)!' "$log"; then
    echo "tests/run.sh: $project reported no test result" >&2
    status=1
  fi
done
# The soak, short: two minutes of mixed load on the real app process (submissions, reviewers, webhooks, hub clients);
# fails when memory, threads, handles, database connections or the intake p99 are not flat after warm-up.
# The 30-minute version: dotnet run -c Release --project tests/Workbench.Benchmarks -- soak --minutes 30
echo "== soak (2 minutes)"
if dotnet run --no-build -c Debug --project tests/Workbench.Benchmarks -- soak --minutes 2 2>&1 | grep -v '^\[app\]'; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  status=1
fi
echo "$passed passed, $failed failed"
exit $status
