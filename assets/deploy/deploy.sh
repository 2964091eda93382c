#!/usr/bin/env bash
# One production release, in order: build the image, migrate the database once, then roll the instances.
# Example only: adapt registry, orchestrator and secret handling to yours.
set -euo pipefail
tag=${1:?usage: deploy.sh <tag>}
registry=${REGISTRY:-registry.example.com}

# 1. Container image from the SDK (no Dockerfile): base image mcr.microsoft.com/dotnet/aspnet:10.0.
dotnet publish src/Workbench.Web -c Release -t:PublishContainer \
  -p:ContainerRegistry="$registry" -p:ContainerRepository=workbench -p:ContainerImageTag="$tag"

# 2. Migrations, once, with an account that may change the schema (the app's account need not).
docker run --rm --env-file migrate.env "$registry/workbench:$tag" migrate

# 2b. First release only: the first API client (its key is printed once: put it in the AI system's secret store)
#     and the people's queues ahead of their first sign-in, with the access commands.
if [ "${FIRST_RELEASE:-false}" = true ]; then
  docker run --rm --env-file workbench.env "$registry/workbench:$tag" create-api-key --id support-copilot --name "Support copilot" --scopes cases:submit,cases:read
  docker run --rm --env-file workbench.env "$registry/workbench:$tag" grant-role --user rita@example.com --role reviewer --queues support,policy-legal
fi

# 3. Roll the instances (each refuses to start if step 2 did not run).
port=8081
for app in app1 app2 app3; do
  docker rm -f "$app" 2>/dev/null || true
  docker run -d --name "$app" -p "127.0.0.1:$port:8080" --env-file workbench.env "$registry/workbench:$tag"
  until curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null; do sleep 2; done   # the image has no curl: ask from the host
  port=$((port + 1))
done
