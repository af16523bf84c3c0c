"""Local S3/STS servers over TLS for secexport's integration tests and demo.

    import sys; sys.path.insert(0, "tools")
    from testenv import moto, rgw, clients, admin, policies
    with moto() as st:            # or rgw(); st is the dict also written to testenv.json
        s3 = clients.client(st, "s3", "exporter-user")
"""

from . import admin, clients, policies
from .env import moto, rgw, running, start, stop
from .procs import StartError
from .state import load as load_state

__all__ = ["admin", "clients", "policies", "moto", "rgw", "running", "start", "stop",
           "StartError", "load_state"]
