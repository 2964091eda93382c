#!/usr/bin/env bash
# Intake measured from outside: wrk against the raw endpoint (RawIntake: JsonDocument parse + one INSERT) and against
# Workbench's POST /api/v1/cases (Release), on SQLite and on PostgreSQL (a throwaway cluster, as the tests start one),
# for two bodies: a realistic refund case (intake-refund.json) and a small tier-0 FAQ case (intake-faq.json).
# For each target and body: a warm-up, then the measured wrk run; then a steady rate (the benchmark tool's open-loop
# intake-paced mode, latency counted from when each request was due). At the end it counts the rows each target
# committed: every 201 must be a row (rows ≥ 201s), and no row may come from nowhere (rows ≤ requests sent less those
# answered with anything but 201; the difference is what was still in flight when wrk stopped a run).
# On PostgreSQL both share one cluster: the raw endpoint's table is vacuumed and analyzed, a checkpoint taken and
# autovacuum left idle before Workbench starts.
#
# Usage: tests/Workbench.Benchmarks/intake-wrk.sh
# Environment (defaults in brackets):
#   INTAKE_WRK_WARMUP_SECONDS [45]   warm-up per target and body, wrk -t2 -c32, not measured (its 201s are counted)
#   INTAKE_WRK_SECONDS [15]          each measured wrk run
#   INTAKE_WRK_RATE [500]            the steady rate of the paced phase, refund body
#   INTAKE_WRK_PACED_SECONDS [15]    the paced phase's length
#   INTAKE_WRK_PROVIDERS ["sqlite postgres"]
#   INTAKE_WRK_APP_ENV [""]          extra NAME=VALUE pairs for the Workbench process only (e.g. DOTNET_TieredPGO=0)
#   INTAKE_WRK_NICE [0]              run the servers and load generators under nice -n N
#   INTAKE_WRK_PG_SETTINGS ["-c fsync=off -c synchronous_commit=off -c full_page_writes=off"]
#                                    the cluster's durability settings; "" runs it as PostgreSQL ships (a commit waits
#                                    for its WAL to reach the disk), as a production server runs
# Installs wrk, sqlite3 and postgresql (Debian) when missing, as tests/run.sh does for its packages.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

warmup=${INTAKE_WRK_WARMUP_SECONDS:-45}
seconds=${INTAKE_WRK_SECONDS:-15}
rate=${INTAKE_WRK_RATE:-500}
paced_seconds=${INTAKE_WRK_PACED_SECONDS:-15}
providers=${INTAKE_WRK_PROVIDERS:-"sqlite postgres"}
niceness=${INTAKE_WRK_NICE:-0}
pg_settings=${INTAKE_WRK_PG_SETTINGS--c fsync=off -c synchronous_commit=off -c full_page_writes=off}
demo_key=wb_demo_agent_7Qm2VxK9pLr4TzN8aHcE3uYd # the Development environment's demo API client

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v sqlite3 >/dev/null || need+=(sqlite3)
if [[ " $providers " == *" postgres "* ]]; then
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "intake-wrk: installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    if [[ " ${need[*]} " == *" postgresql "* ]] && command -v pg_ctlcluster >/dev/null; then
      service postgresql stop >/dev/null 2>&1 || true
    fi
  else
    echo "intake-wrk: missing ${need[*]}. Install them (Debian: sudo apt-get install ${need[*]}) and run again." >&2
    exit 2
  fi
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
echo "intake-wrk: building (Release)"
dotnet build tests/Workbench.Benchmarks/RawIntake -c Release -nologo -clp:ErrorsOnly -v:q >/dev/null
dotnet build tests/Workbench.Benchmarks -c Release -nologo -clp:ErrorsOnly -v:q >/dev/null # builds Workbench.Web too
raw_dll=$here/RawIntake/bin/Release/net10.0/RawIntake.dll
tool_dll=$here/bin/Release/net10.0/Workbench.Benchmarks.dll
web_dir=$root/src/Workbench.Web
web_dll=$web_dir/bin/Release/net10.0/Workbench.Web.dll

work=$(mktemp -d /tmp/wb-intake-wrk-XXXXXX)
server_pid=""
pg_data=""
pg_bin=""
as_postgres=()
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ -n "$pg_data" ]; then "${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$pg_data" -m immediate -w stop >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

wait_ready() { # URL
  for _ in $(seq 1 240); do
    if curl -fsS -o /dev/null "$1" 2>/dev/null; then return 0; fi
    sleep 0.25
  done
  echo "intake-wrk: $1 did not answer" >&2
  exit 1
}

load() { cut -d' ' -f1-3 /proc/loadavg; }

field() { # RESULT-LINE NAME
  sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" $1"
}

run_wrk() { # URL BODY SECONDS TAG KEY -> RESULT line
  nice -n "$niceness" wrk -t2 -c32 -d"${3}s" --timeout 10s -s "$here/intake-wrk.lua" "$1" -- "$2" "$4" "$5" | grep '^RESULT '
}

run_paced() { # URL BODY KEY -> RESULT line
  local key=()
  [ -n "$3" ] && key=(--key "$3")
  nice -n "$niceness" dotnet "$tool_dll" intake-paced --url "$1" --body "$2" --rate "$rate" --seconds "$paced_seconds" "${key[@]}" | grep '^RESULT '
}

results=$work/results.tsv # provider target body phase created other socket_errors seconds p50 p99 max load_before load_after
run_id=$(date +%s)

measure() { # PROVIDER TARGET URL KEY -> appends to results, prints "201s answered" "most rows possible"
  local provider=$1 target=$2 url=$3 key=$4 answered=0 most=0 body line before after
  for body in refund faq; do
    before=$(load)
    line=$(run_wrk "$url" "$here/intake-$body.json" "$warmup" "w$run_id-$provider-$target-$body-warm" "$key")
    answered=$((answered + $(field "$line" created))); most=$((most + $(field "$line" sent) - $(field "$line" other)))
    line=$(run_wrk "$url" "$here/intake-$body.json" "$seconds" "w$run_id-$provider-$target-$body" "$key")
    after=$(load)
    answered=$((answered + $(field "$line" created))); most=$((most + $(field "$line" sent) - $(field "$line" other)))
    record "$provider" "$target" "$body" "max" "$line" "$before" "$after"
  done
  before=$(load)
  line=$(run_paced "$url" "$here/intake-refund.json" "$key")
  after=$(load)
  answered=$((answered + $(field "$line" created))); most=$((most + $(field "$line" sent)))
  record "$provider" "$target" "refund" "${rate}/s" "$line" "$before" "$after"
  echo "$answered $most"
}

record() { # PROVIDER TARGET BODY PHASE LINE LOAD_BEFORE LOAD_AFTER
  local f
  f=$(printf '%s\t' "$(field "$5" created)" "$(field "$5" other)" "$(field "$5" socket_errors)" "$(field "$5" seconds)" \
      "$(field "$5" p50_ms)" "$(field "$5" p99_ms)" "$(field "$5" max_ms)")
  printf '%s\t%s\t%s\t%s\t%s%s\t%s\n' "$1" "$2" "$3" "$4" "$f" "$6" "$7" >>"$results"
  local first=${5#*first_error=}
  if [ -n "$first" ] && [ "$(field "$5" other)" != 0 ]; then
    echo "intake-wrk: $1 $2 $3 $4: first refusal: $first" >&2
  fi
}

start_server() { # LOG ENV... -- COMMAND...
  local log=$1; shift
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done
  shift
  env "${envs[@]}" nice -n "$niceness" "$@" >"$log" 2>&1 &
  server_pid=$!
}

stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

start_postgres() {
  pg_bin=$(dirname "$(compgen -G "/usr/lib/postgresql/*/bin/initdb" | sort -V | tail -n1)")
  pg_data=$work/pg
  mkdir -p "$pg_data"
  if [ "$(id -u)" = 0 ]; then # initdb refuses to run as root
    chown postgres:postgres "$work" "$pg_data"
    as_postgres=(runuser -u postgres --)
  fi
  pg_port=$(free_port)
  "${as_postgres[@]}" "$pg_bin/initdb" -D "$pg_data" -U postgres --auth=trust -E UTF8 --no-locale --no-sync >/dev/null
  # By default as the test fixtures run it: a throwaway cluster, durability traded for speed on both sides alike.
  "${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_data/server.log" -w -t 60 \
    -o "-p $pg_port -c listen_addresses=127.0.0.1 -k $pg_data $pg_settings -c max_connections=200" start >/dev/null
  psql -h 127.0.0.1 -p "$pg_port" -U postgres -qAt -c "CREATE DATABASE raw_baseline" -c "CREATE DATABASE wb_intake" >/dev/null
}

# The raw endpoint leaves a table of several hundred thousand fresh rows, which PostgreSQL's autovacuum then visits,
# and a gigabyte of WAL whose checkpoint writes its pages out: both done now, before the next target starts, so that
# its run does not pay for the one before it.
settle_postgres() { # DATABASE TABLE
  local started=$SECONDS
  psql -h 127.0.0.1 -p "$pg_port" -U postgres -d "$1" -qAt -c "VACUUM (ANALYZE) $2" -c "CHECKPOINT" >/dev/null
  for _ in $(seq 1 120); do
    [ "$(psql -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -qAt -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'")" = 0 ] && break
    sleep 1
  done
  echo "intake-wrk: $1.$2 vacuumed and analyzed, checkpoint taken, autovacuum idle, in $((SECONDS - started)) s; load average $(load)"
}

count_rows() { # PROVIDER DATABASE TABLE
  if [ "$1" = sqlite ]; then
    sqlite3 "$2" "SELECT COUNT(*) FROM $3"
  else
    psql -h 127.0.0.1 -p "$pg_port" -U postgres -d "$2" -qAt -c "SELECT COUNT(*) FROM $3"
  fi
}

check() { # LABEL ROWS ANSWERED MOST
  if [ "$2" -ge "$3" ] && [ "$2" -le "$4" ]; then
    echo "$1: $2 rows committed; $3 answered 201, $(($4 - $3)) in flight when a run stopped: every 201 is a row (OK)"
  else
    echo "$1: $2 rows committed; $3 answered 201, at most $4 possible: MISMATCH"
  fi
}

checks=()
echo "intake-wrk: $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo); $(dotnet --list-runtimes | grep -o 'Microsoft.AspNetCore.App [0-9.]*' | tail -n1)"
echo "intake-wrk: warm-up ${warmup} s, runs ${seconds} s (wrk -t2 -c32), paced ${rate}/s for ${paced_seconds} s; load average at start $(load)"
if [[ " $providers " == *" postgres "* ]]; then
  echo "intake-wrk: PostgreSQL settings: ${pg_settings:-none (durable, as PostgreSQL ships)}"
fi
for provider in $providers; do
  if [ "$provider" = postgres ]; then
    start_postgres
    raw_store="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=raw_baseline"
    app_env=("ConnectionStrings__Workbench=Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=wb_intake" Database__Provider=Postgres)
    raw_args=(--postgres "$raw_store")
  else
    raw_args=(--sqlite "$work/raw.db")
    app_env=("ConnectionStrings__Workbench=Data Source=$work/workbench.db")
  fi

  port=$(free_port)
  start_server "$work/raw-$provider.log" DOTNET_gcServer=0 -- dotnet "$raw_dll" --urls "http://127.0.0.1:$port" "${raw_args[@]}"
  wait_ready "http://127.0.0.1:$port/ready"
  echo "intake-wrk: $provider raw endpoint on :$port"
  read -r answered most < <(measure "$provider" raw "http://127.0.0.1:$port/ingest" "")
  stop_server
  if [ "$provider" = sqlite ]; then rows=$(count_rows sqlite "$work/raw.db" raw_cases); else rows=$(count_rows postgres raw_baseline raw_cases); fi
  checks+=("$(check "$provider raw endpoint" "$rows" "$answered" "$most")")
  if [ "$provider" = postgres ]; then settle_postgres raw_baseline raw_cases; fi

  port=$(free_port)
  # shellcheck disable=SC2086 # INTAKE_WRK_APP_ENV is a list of NAME=VALUE words
  start_server "$work/app-$provider.log" ASPNETCORE_ENVIRONMENT=Development Workbench__DemoData__Enabled=false "${app_env[@]}" \
    Api__RateLimit__PermitsPerSecond=1000000 Api__RateLimit__Burst=1000000 Logging__LogLevel__Default=Warning ${INTAKE_WRK_APP_ENV:-} \
    -- dotnet "$web_dll" --urls "http://127.0.0.1:$port" --contentRoot "$web_dir"
  wait_ready "http://127.0.0.1:$port/health/ready"
  echo "intake-wrk: $provider Workbench on :$port"
  read -r answered most < <(measure "$provider" workbench "http://127.0.0.1:$port/api/v1/cases" "$demo_key")
  stop_server
  if [ "$provider" = sqlite ]; then rows=$(count_rows sqlite "$work/workbench.db" cases); else rows=$(count_rows postgres wb_intake cases); fi
  checks+=("$(check "$provider Workbench" "$rows" "$answered" "$most")")
done

echo
echo "| store | target | body | phase | accepted/s | p50 ms | p99 ms | max ms | refused | socket errors | load before → after | Workbench / raw |"
echo "|---|---|---|---|---:|---:|---:|---:|---:|---:|---|---:|"
awk -F'\t' '
  { key = $1 "|" $3 "|" $4; rps = $5 / $8; if ($2 == "raw") raw[key] = rps
    row[NR] = $0; r[NR] = rps; k[NR] = key }
  END {
    for (i = 1; i <= NR; i++) {
      split(row[i], f, "\t")
      # At a fixed rate both keep up; what compares there is the p99, not the rate.
      ratio = (f[2] == "workbench" && f[4] == "max" && raw[k[i]] > 0) ? sprintf("%.0f %%", 100 * r[i] / raw[k[i]]) : ""
      printf "| %s | %s | %s | %s | %.0f | %.1f | %.1f | %.1f | %d | %d | %s → %s | %s |\n", f[1], (f[2] == "raw" ? "raw endpoint" : "Workbench"), f[3], f[4], r[i], f[9], f[10], f[11], f[6], f[7], f[12], f[13], ratio
    }
  }' "$results"
echo
status=0
for c in "${checks[@]}"; do
  echo "$c"
  [[ "$c" == *MISMATCH ]] && status=1
done
echo "load average at the end $(load)"
exit $status
