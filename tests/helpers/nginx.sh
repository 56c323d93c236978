# nginx_conf STATEDIR ROOT [DIRECTIVE...]: print an nginx.conf that serves ROOT on port 80,
# keeps its pid, log and temp files under STATEDIR, and starts with the given top-level
# directives ("daemon off;"). Shared by scripts/demo.sh and tests/run.bats.
# NGINX_SERVER, when set, replaces the server block's "listen 80;" (tests/ipv6.bats).
nginx_conf() {
  local state=$1 root=$2 d
  shift 2
  for d in "$@"; do printf '%s\n' "$d"; done
  cat <<CONF
worker_processes 1;
pid $state/nginx.pid;
error_log $state/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $state/body;
  proxy_temp_path $state/proxy;
  fastcgi_temp_path $state/fastcgi;
  uwsgi_temp_path $state/uwsgi;
  scgi_temp_path $state/scgi;
  server { ${NGINX_SERVER:-listen 80;} root $root; }
}
CONF
}
