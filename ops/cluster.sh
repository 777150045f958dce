#!/usr/bin/env bash
# Runs N registry nodes on one PostgreSQL behind a local nginx load balancer.
#   ops/cluster.sh [N] [--port P] [--demo]      (N defaults to 3; the balancer listens on P, default 5080)
# Each node is the built host with Cluster__Mode=cluster on the next port (P+1, P+2, ...): Marten's HotCold
# daemon runs the projections on one node and another takes over when it dies; Wolverine shares the durable
# inbox; exports and Data Protection keys live in the database, so any node answers any request.
# Database: as for ops/run.sh (ConnectionStrings__Registry, else a local cluster under .data/pg).
# nginx: installed with apt-get when missing (as root), else say how.
set -euo pipefail
cd "$(dirname "$0")/.."
source ops/postgres.sh

nodes=3
port=5080
demo=0
while [ $# -gt 0 ]; do
  case "$1" in
    --demo) demo=1 ;;
    --port) port="$2"; shift ;;
    [0-9]*) nodes="$1" ;;
    *) echo "usage: ops/cluster.sh [N] [--port P] [--demo]" >&2; exit 2 ;;
  esac
  shift
done

if ! command -v nginx >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light
  else
    echo "nginx is needed as the load balancer: sudo apt-get install -y nginx-light" >&2; exit 1
  fi
fi

pids=()
run_dir="$PWD/.data/cluster"
mkdir -p "$run_dir"
cleanup() {
  [ -n "${nginx_pid:-}" ] && kill "$nginx_pid" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${stop_pg:-}" ] && pg_local_stop "$PWD/.data/pg"
}
trap cleanup EXIT INT TERM

if [ -z "${ConnectionStrings__Registry:-}" ]; then
  pg_port="${REGISTRY_PG_PORT:-5433}"
  pg_local_start .data/pg "$pg_port"
  stop_pg=1
  pg_create_database "$pg_port" registry
  export ConnectionStrings__Registry="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=registry"
  echo "Database: local PostgreSQL cluster in .data/pg, port $pg_port"
fi

export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
export Cluster__Mode=cluster
dotnet build src/Registry.Api -c Release -nologo -v quiet
api=(dotnet run --project src/Registry.Api -c Release --no-build --)
"${api[@]}" migrate
if [ "$demo" = 1 ]; then
  "${api[@]}" demo --patients 200 --sites 4 --if-empty
fi
# The nodes run the built host directly (one process each, so each can be stopped alone), with the
# project's folder as content root, as `dotnet run` gives it (appsettings.<Environment>.json).
dll=src/Registry.Api/bin/Release/net10.0/Registry.Api.dll

upstreams=""
for i in $(seq 1 "$nodes"); do
  node_port=$((port + i))
  # Each node names its database connections, so pg_stat_activity shows which node holds what.
  ConnectionStrings__Registry="$ConnectionStrings__Registry;Application Name=registry-node-$i" \
    dotnet "$dll" --urls "http://127.0.0.1:$node_port" --contentRoot "$PWD/src/Registry.Api" >"$run_dir/node-$i.log" 2>&1 &
  pids+=($!)
  upstreams+="    server 127.0.0.1:$node_port max_fails=1 fail_timeout=5s;"$'\n'
  echo "Node $i: http://127.0.0.1:$node_port (log: .data/cluster/node-$i.log)"
done

cat >"$run_dir/nginx.conf" <<CONF
worker_processes 1;
pid $run_dir/nginx.pid;
error_log $run_dir/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $run_dir/client_body;
  proxy_temp_path $run_dir/proxy;
  fastcgi_temp_path $run_dir/fastcgi;
  uwsgi_temp_path $run_dir/uwsgi;
  scgi_temp_path $run_dir/scgi;
  client_max_body_size 2m;
  upstream registry {
$upstreams  }
  server {
    listen 127.0.0.1:$port;
    # Each node's /metrics is for a scraper on the node's machine (it answers loopback callers only, and the
    # balancer is one): not passed on. Scrape the nodes' own ports.
    location ~* ^/metrics { return 404; }
    location / {
      proxy_pass http://registry;
      proxy_http_version 1.1;
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      # The live dashboard is a server-sent event stream: no buffering, long reads.
      proxy_buffering off;
      proxy_read_timeout 1h;
      # A node that is down (or starting) is skipped; writes are not retried on another node
      # (they carry Idempotency-Key for that), only connection failures are.
      proxy_next_upstream error timeout;
    }
  }
}
CONF
nginx -c "$run_dir/nginx.conf" -g 'daemon off;' &
nginx_pid=$!
echo "Registry (balanced over $nodes nodes): http://127.0.0.1:$port  (stop with Ctrl+C)"
echo "Which node runs the projections, and what to watch: docs/operations.md (Several nodes)."
# A node that dies leaves the others serving (that is the point); the cluster stops with Ctrl+C.
wait "$nginx_pid"
