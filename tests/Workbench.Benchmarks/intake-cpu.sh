#!/usr/bin/env bash
# Where intake's CPU goes: Workbench alone (Release) on a throwaway PostgreSQL cluster started as intake-wrk.sh starts
# it, or on a new SQLite file, driven by the same wrk command; after a warm-up, one measured run prints accepted/s and
# the CPU each accepted case cost the app process and all PostgreSQL processes together (utime + stime from /proc),
# and the share of the run the cores were idle. Optional: perf samples of the whole machine during the run,
# pg_stat_statements. No raw endpoint: for the ratio the product quotes, run intake-wrk.sh.
#
# Usage: tests/Workbench.Benchmarks/intake-cpu.sh   (as root, like intake-wrk.sh: initdb runs as the postgres user)
# Environment: PROVIDER [postgres|sqlite], BODY [refund|faq], WARM [40] and SECS [15] seconds, OUT [a new temporary
#   directory] for the results,
#   PERF=1 to record perf samples (OUT/perf.data; DOTNET_PerfMapEnabled=1 names the app's frames),
#   PGSS=1 to print pg_stat_statements (OUT/pgss.txt), PG_EXTRA extra server options (-c name=value),
#   PG_SQL statements run once the app has migrated its database, before the warm-up (to try a setting of a table),
#   PG_SQL_END statements run at the end, before the cluster stops (to look at what the run wrote),
#   APP_ENV extra NAME=VALUE pairs for the app process.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
provider=${PROVIDER:-postgres}; body=${BODY:-refund}; warm=${WARM:-40}; secs=${SECS:-15}
out=${OUT:-$(mktemp -d /tmp/wb-intake-cpu-XXXXXX)}; mkdir -p "$out"
[[ "$provider" =~ ^(postgres|sqlite)$ ]] || { echo "intake-cpu: PROVIDER is postgres or sqlite" >&2; exit 2; }
[ -z "${PG_SQL:-}${PG_SQL_END:-}" ] || [ "$provider" = postgres ] || { echo "intake-cpu: PG_SQL and PG_SQL_END need PROVIDER=postgres" >&2; exit 2; }
for tool in wrk $([ "$provider" = postgres ] && echo psql); do command -v $tool >/dev/null || { echo "intake-cpu: $tool is missing; tests/Workbench.Benchmarks/intake-wrk.sh installs it" >&2; exit 2; }; done
[ "$(id -u)" = 0 ] || { echo "intake-cpu: run as root (initdb and the server run as the postgres user)" >&2; exit 2; }
pg_options=${PG_EXTRA:-}
[ -n "${PGSS:-}" ] && pg_options="$pg_options -c shared_preload_libraries=pg_stat_statements"
dotnet build "$root/src/Workbench.Web" -c Release -nologo -clp:ErrorsOnly -v:q >/dev/null
work=$(mktemp -d /tmp/wb-intake-cpu-db-XXXXXX)
port=$((20000 + RANDOM % 40000))
pg() { [ "$provider" = postgres ] && psql -h 127.0.0.1 -p "$pg_port" -U postgres -d wb_intake -qAt "$@"; }
if [ "$provider" = postgres ]; then
pg_bin=$(dirname "$(compgen -G "/usr/lib/postgresql/*/bin/initdb" | sort -V | tail -n1)")
chown postgres:postgres "$work"
pg_data=$work/pg; mkdir -p "$pg_data"; chown postgres:postgres "$pg_data"
pg_port=$((20000 + RANDOM % 40000))
runuser -u postgres -- "$pg_bin/initdb" -D "$pg_data" -U postgres --auth=trust -E UTF8 --no-locale --no-sync >/dev/null
runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_data/server.log" -w -t 60 \
  -o "-p $pg_port -c listen_addresses=127.0.0.1 -k $pg_data -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 $pg_options" start >/dev/null
psql -h 127.0.0.1 -p "$pg_port" -U postgres -qAt -c "CREATE DATABASE wb_intake" >/dev/null
[ -n "${PGSS:-}" ] && pg -c "CREATE EXTENSION pg_stat_statements" >/dev/null
db_env=(Database__Provider=Postgres "ConnectionStrings__Workbench=Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=wb_intake")
else
db_env=("ConnectionStrings__Workbench=Data Source=$work/workbench.db")
fi
app=
cleanup() {
  [ -n "$app" ] && { kill $app 2>/dev/null || true; wait $app 2>/dev/null || true; }
  [ "$provider" = postgres ] && { runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_data" -m immediate -w stop >/dev/null 2>&1 || true; }
  rm -rf "$work"
}
trap cleanup EXIT
env ASPNETCORE_ENVIRONMENT=Development Workbench__DemoData__Enabled=false "${db_env[@]}" \
  Api__RateLimit__PermitsPerSecond=1000000 Api__RateLimit__Burst=1000000 Logging__LogLevel__Default=Warning DOTNET_PerfMapEnabled=${PERF:-0} ${APP_ENV:-} \
  dotnet "$root"/src/Workbench.Web/bin/Release/net10.0/Workbench.Web.dll --urls "http://127.0.0.1:$port" --contentRoot "$root"/src/Workbench.Web > "$out/app.log" 2>&1 &
app=$!
for _ in $(seq 1 240); do curl -fsS -o /dev/null "http://127.0.0.1:$port/health/ready" 2>/dev/null && break; sleep 0.25; done
[ -n "${PG_SQL:-}" ] && pg -c "$PG_SQL"
url=http://127.0.0.1:$port/api/v1/cases; key=wb_demo_agent_7Qm2VxK9pLr4TzN8aHcE3uYd
wrk -t2 -c32 -d${warm}s --timeout 10s -s $here/intake-wrk.lua $url -- $here/intake-$body.json "p$RANDOM-warm" $key | grep RESULT
if [ "${PERF:-0}" = 1 ]; then
  (sleep 3; perf record -a -g -F 499 -o "$out/perf.data" -- sleep $((secs-6)) >/dev/null 2>&1) &
  perfp=$!
fi
pg -c "select pg_stat_reset()" >/dev/null || true
[ -n "${PGSS:-}" ] && pg -c "select pg_stat_statements_reset()" >/dev/null
cpu() { local t=0; for p in "$@"; do [ -r /proc/$p/stat ] && t=$((t + $(awk '{print $14+$15}' /proc/$p/stat))); done; echo $t; }
wchar() { awk '/^wchar/{print $2}' /proc/$(pgrep -f Workbench.Web.dll | head -n1)/io; }
w0=$(wchar); a0=$(cpu $(pgrep -f Workbench.Web.dll)); p0=$(cpu $(pgrep -u postgres)); i0=$(awk '/^cpu /{print $5}' /proc/stat)
line=$(wrk -t2 -c32 -d${secs}s --timeout 10s -s $here/intake-wrk.lua $url -- $here/intake-$body.json "p$RANDOM-run" $key | grep RESULT)
w1=$(wchar); a1=$(cpu $(pgrep -f Workbench.Web.dll)); p1=$(cpu $(pgrep -u postgres)); i1=$(awk '/^cpu /{print $5}' /proc/stat)
n=$(sed 's/.*created=\([0-9]*\).*/\1/' <<<"$line"); s=$(sed 's/.*seconds=\([0-9.]*\).*/\1/' <<<"$line")
echo "$line"
awk -v db="$provider" -v w=$((w1-w0)) -v n="$n" -v s="$s" -v a=$((a1-a0)) -v p=$((p1-p0)) -v i=$((i1-i0)) -v hz="$(getconf CLK_TCK)" -v cores="$(nproc)" \
  'BEGIN{printf "intake-cpu (%s): %.0f accepted/s; CPU per accepted case: app %.0f µs%s; cores idle %.0f %% of the run; the app wrote %.1f KiB per case through write calls (its files: socket sends are not counted)\n", db, n/s, a*1e6/hz/n, db == "postgres" ? sprintf(", PostgreSQL %.0f µs", p*1e6/hz/n) : "", 100*i/hz/(cores*s), w/1024/n}'
[ "${PERF:-0}" = 1 ] && wait $perfp
echo "intake-cpu: results in $out"
[ "$provider" = sqlite ] && exit 0
pg -c "select relname, n_tup_ins, n_dead_tup, autovacuum_count, autoanalyze_count from pg_stat_user_tables where n_tup_ins>0 order by 2 desc" | head -12
pg -c "select xact_commit, xact_rollback from pg_stat_database where datname='wb_intake'"
[ -n "${PG_SQL_END:-}" ] && pg -c "$PG_SQL_END"
[ -n "${PGSS:-}" ] && pg -c "select calls, round(total_exec_time::numeric,0) ms, rows, left(regexp_replace(query, '\s+', ' ', 'g'), 150) from pg_stat_statements order by total_exec_time desc limit 25" > "$out/pgss.txt"
cp "$pg_data/server.log" "$out/server.log" 2>/dev/null || true
