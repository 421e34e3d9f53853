# Helpers for the HTTP benchmarks (sourced): free ports, waiting for servers, wrk with a Lua
# script that GETs a random path of a list, nginx on loopback, a seeded zkwiki-server.
# Needs: T (a temp dir), BIN (zkwiki binaries), SECS, CONNS.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wait_http URL: until it answers 200 (10 s at most).
wait_http() {
  local _
  for _ in $(seq 200); do curl -fs -o /dev/null "$1" && return 0; sleep 0.05; done
  return 1
}

# start_zkwiki_server NAME [OPTIONS...]: sets ZK_PORT and ZK_PID.
start_zkwiki_server() {
  local name=$1; shift
  "$BIN/zkwiki-server" --data "$T/$name-data" --listen 127.0.0.1:0 --threads "$THREADS" --quota 0 "$@" \
    >"$T/$name.out" 2>"$T/$name.err" &
  ZK_PID=$!
  local _
  for _ in $(seq 200); do grep -q '^listening on' "$T/$name.out" 2>/dev/null && break; sleep 0.05; done
  ZK_PORT="$(sed -n 's|^listening on http://127.0.0.1:\([0-9]*\)$|\1|p' "$T/$name.out")"
  [ -n "$ZK_PORT" ] || { echo "zkwiki-server did not start: $(cat "$T/$name.err")" >&2; return 1; }
}

# start_nginx_static PORT: serves $T/www (the seeded blobs as files) like the blob route.
start_nginx_static() {
  mkdir -p "$T/nginx-tmp"
  cat >"$T/nginx.conf" <<CONF
daemon off;
worker_processes $THREADS;
pid $T/nginx.pid;
error_log $T/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 10000000;
  client_body_temp_path $T/nginx-tmp/body;
  proxy_temp_path $T/nginx-tmp/proxy;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$1;
    root $T/www;
    location /v1/blobs/ { add_header Cache-Control "public, max-age=31536000, immutable"; }
  }
}
CONF
  "$NGINX" -p "$T" -c "$T/nginx.conf" -e "$T/nginx-error.log" &
  NGINX_PID=$!
}

write_wrk_scripts() {
  cat >"$T/random.lua" <<'LUA'
local paths = {}
function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end
function request() return wrk.format("GET", paths[math.random(#paths)]) end
function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format("RESULT %.0f %.1f %.2f %d %d\n", summary.requests / secs,
    summary.bytes / secs / 1048576, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.timeout, e.status))
end
LUA
  # Every path once per thread, in order (to fill a cache).
  cat >"$T/each.lua" <<'LUA'
local paths, i = {}, 0
function init(args) for line in io.lines(args[1]) do paths[#paths + 1] = line end end
function request() i = i % #paths + 1; return wrk.format("GET", paths[i]) end
LUA
}

# run_wrk PORT PATHS -> "req/s MiB/s p99ms socket_errors non2xx"
run_wrk() {
  wrk -t2 -c"$CONNS" -d"${SECS}s" -s "$T/random.lua" "http://127.0.0.1:$1" -- "$2" | sed -n 's/^RESULT //p'
}

ratio() { python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print(f'{a / b:.2f}' if b else 'n/a')" "$1" "$2"; }
fmt_int() { python3 -c "import sys; print(f'{int(float(sys.argv[1])):,}')" "$1"; }
