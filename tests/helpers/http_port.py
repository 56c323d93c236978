#!/usr/bin/env python3
# http_port.py [ADDR:]PORT...: an HTTP server on each address and port (default 0.0.0.0)
# whose every GET is answered with the port it came to, "PORT\n": a test tells which port
# of a range a connection reached.
import http.server
import sys
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"%d\n" % self.server.server_address[1]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def server(spec):
    addr, _, port = spec.rpartition(":")
    return http.server.ThreadingHTTPServer((addr or "0.0.0.0", int(port)), Handler)


servers = [server(a) for a in sys.argv[1:]]
for s in servers[1:]:
    threading.Thread(target=s.serve_forever, daemon=True).start()
servers[0].serve_forever()
