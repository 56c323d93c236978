# nginx_conf STATEDIR ROOT [DIRECTIVE...]: print an nginx.conf that serves ROOT on port 80,
# keeps its pid, log and temp files under STATEDIR, and starts with the given top-level
# directives ("daemon off;"); a directive "server: D" goes into the server block as D.
# Shared by scripts/demo.sh, tests/run.bats, tests/srcaddr.bats,
# tests/portload.bats and bench/port_connrate.sh. NGINX_CONNECTIONS (default 64) is its
# worker_connections, NGINX_LISTEN (default 80) what follows "listen" ("80 backlog=8192").
# NGINX_SERVER, when set, replaces the server block's "listen ...;" (tests/ipv6.bats).
nginx_conf() {
  local state=$1 root=$2 d server=""
  shift 2
  for d in "$@"; do
    if [[ $d == server:\ * ]]; then server+=" ${d#server: }"; else printf '%s\n' "$d"; fi
  done
  cat <<CONF
worker_processes 1;
pid $state/nginx.pid;
error_log $state/error.log;
events { worker_connections ${NGINX_CONNECTIONS:-64}; }
http {
  access_log off;
  client_body_temp_path $state/body;
  proxy_temp_path $state/proxy;
  fastcgi_temp_path $state/fastcgi;
  uwsgi_temp_path $state/uwsgi;
  scgi_temp_path $state/scgi;
  server { ${NGINX_SERVER:-listen ${NGINX_LISTEN:-80};} root $root;$server }
}
CONF
}
