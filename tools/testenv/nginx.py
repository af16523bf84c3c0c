"""nginx in the foreground on 127.0.0.1: a TLS terminator in front of a plain-HTTP server
(moto)."""

from __future__ import annotations

import ssl
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

from .ca import CertPaths
from .procs import NotComing, run, spawn, wait_until

NGINX = "/usr/sbin/nginx"

CONFIG = """\
daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{ worker_connections 1024; }}
http {{
    access_log {d}/access.log;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    server {{
        listen 127.0.0.1:{tls_port} ssl;
        server_name localhost 127.0.0.1;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_protocols TLSv1.2 TLSv1.3;
        client_max_body_size 0;
        proxy_request_buffering off;
        proxy_buffering off;
        proxy_http_version 1.1;
        proxy_read_timeout 300s;
        proxy_send_timeout 300s;
        keepalive_requests 100000;
        {locations}
    }}
}}
"""

PROXY_LOCATIONS = """\
location / {{
            # no URI part: nginx passes the request URI exactly as the client sent it,
            # which the SigV4 check depends on
            proxy_pass http://127.0.0.1:{backend_port};
            proxy_set_header Host $http_host;
            proxy_set_header Connection "";
        }}"""


def start(state_dir: Path, tls_port: int, backend_port: int, certs: CertPaths,
          timeout: float = 15) -> subprocess.Popen:
    """TLS in front of the plain-HTTP server on backend_port."""
    locations = PROXY_LOCATIONS.format(backend_port=backend_port)
    d = state_dir / "nginx"
    d.mkdir(parents=True, exist_ok=True)
    conf = d / "nginx.conf"
    conf.write_text(CONFIG.format(d=d, tls_port=tls_port, cert=certs.cert, key=certs.key,
                                  locations=locations))
    log = d / "stderr.log"
    base = [NGINX, "-p", str(d), "-e", str(d / "error.log"), "-c", str(conf)]
    run([*base, "-t"], "nginx config test", timeout=15)
    proc = spawn(state_dir, "nginx", base, log)

    ctx = ssl.create_default_context(cafile=str(certs.ca))

    def answers() -> bool:
        req = urllib.request.Request(f"https://127.0.0.1:{tls_port}/", method="HEAD")
        try:
            urllib.request.urlopen(req, context=ctx, timeout=2)
        except urllib.error.HTTPError:
            pass  # any HTTP status proves TLS and the proxy work
        except urllib.error.URLError as e:
            if isinstance(e.reason, ssl.SSLError):
                raise NotComing(f"TLS handshake failed: {e.reason}")
            raise
        return True

    wait_until(f"nginx TLS proxy on 127.0.0.1:{tls_port}", answers, timeout, proc, d / "error.log")
    return proc
