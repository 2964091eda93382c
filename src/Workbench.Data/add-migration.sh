#!/usr/bin/env bash
# Adds a migration for every provider: ./src/Workbench.Data/add-migration.sh NameOfChange
set -euo pipefail
name=${1:?usage: add-migration.sh NameOfChange}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
dotnet tool restore >/dev/null
for p in Sqlite SqlServer Postgres; do
  dotnet ef migrations add "$name" --project src/Workbench.Data --startup-project src/Workbench.Data \
    --context "${p}WorkbenchDbContext" --output-dir "Migrations/$p" --namespace "Workbench.Data.Migrations.$p"
  # With --namespace, EF writes the snapshot under a folder named after the namespace: move it beside the migrations.
  if [ -d src/Workbench.Data/Workbench ]; then
    find src/Workbench.Data/Workbench -name '*Snapshot.cs' -exec mv {} "src/Workbench.Data/Migrations/$p/" \;
    rm -rf src/Workbench.Data/Workbench
  fi
done
