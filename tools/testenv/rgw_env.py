"""Ceph radosgw over TLS without systemd: one mon, one memstore OSD, radosgw (beast).

Everything (conf, mon data, logs, admin sockets, pid files) lives in STATE_DIR/ceph. The three
daemons run in the foreground (-f) as children of the starting process, recorded by PID.
"""

from __future__ import annotations

import json
import secrets
import ssl
import string
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from . import policies
from .ca import CertPaths, ensure_certs
from .clients import client
from .procs import NotComing, StartError, free_ports, recorded_pids, run, spawn, tail, wait_until
from .state import (ADMIN, BUCKET, EXPORTER_IDENTITY, EXPORTER_USER, OTHER_BUCKET, POLICY_NAME,
                    REGION, ROLE)

MEMSTORE_BYTES = 2 << 30  # the OSD keeps every object in RAM, up to this much
RGW_NAME = "client.rgw.gw"
ADMIN_CAPS = "roles=*;user-policy=*;users=*;buckets=*"
TIMEOUTS = {"mon": 30, "osd": 60, "rgw": 60}  # seconds; a start usually takes 2-3 s in all

CONF = """\
[global]
fsid = {fsid}
mon_host = v2:127.0.0.1:{mon_port}
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
# no cephx; every daemon and client must also agree on crc messenger mode
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
ms_cluster_mode = crc
ms_service_mode = crc
ms_client_mode = crc
ms_mon_cluster_mode = crc
ms_mon_service_mode = crc
ms_mon_client_mode = crc
ms_bind_msgr1 = false
run_dir = {d}/run
admin_socket = {d}/run/$cluster-$name.asok
pid_file = {d}/run/$name.pid
log_file = {d}/log/$name.log
mon_cluster_log_file = {d}/log/cluster.log
crash_dir = {d}/crash
keyring = {d}/keyring
log_to_stderr = false
err_to_stderr = true
# a single OSD: size-1 pools with few PGs
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
osd_crush_chooseleaf_type = 0
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
mon_max_pg_per_osd = 1000

[mon]
mon_data = {d}/mon/$cluster-$id
# the monitor stops when its disk is fuller than mon_data_avail_crit percent
mon_data_avail_crit = 1
mon_data_avail_warn = 2
# batch map changes for 50 ms instead of 1 s: radosgw's start creates pools one by one
paxos_propose_interval = 0.05
paxos_min_wait = 0.01

[osd]
osd_data = {d}/osd/$cluster-$id
osd_objectstore = memstore
memstore_device_bytes = {memstore_bytes}
osd_crush_initial_weight = 1
osd_max_object_name_len = 256
osd_max_object_namespace_len = 64

[{rgw_name}]
# radosgw defaults to secure mode and cephx towards the mon otherwise, and loops on
# "get_initial_auth_request returned -13"
ms_mon_client_mode = crc
auth_client_required = none
rgw_data = {d}/rgw
rgw_frontends = beast endpoint=127.0.0.1:{http_port} ssl_endpoint=127.0.0.1:{https_port} ssl_certificate={cert} ssl_private_key={key}
rgw_sts_key = {sts_key}
rgw_s3_auth_use_sts = true
rgw_enable_usage_log = false
rgw_init_timeout = {rgw_timeout}
rgw_thread_pool_size = 64
"""


class Ceph:
    """Paths and commands of the cluster in STATE_DIR/ceph."""

    def __init__(self, state_dir: Path):
        self.dir = state_dir / "ceph"
        self.conf = self.dir / "ceph.conf"

    def log(self, name: str) -> Path:
        return self.dir / "log" / f"{name}.log"

    def cli(self, *args: str, what: str, timeout: float = 30, log: Path | None = None) -> str:
        return run(["ceph", "-c", str(self.conf), "--connect-timeout", "10", *args],
                   what, timeout=timeout, log=log)

    def admin(self, *args: str, what: str, timeout: float = 60) -> str:
        return run(["radosgw-admin", "-c", str(self.conf), *args], what, timeout=timeout,
                   log=self.log(RGW_NAME))


def _write_conf(ceph: Ceph, certs: CertPaths, ports: dict) -> None:
    for sub in ("run", "log", "crash", "mon", "osd", "rgw"):
        (ceph.dir / sub).mkdir(parents=True, exist_ok=True)
    alphabet = string.ascii_letters + string.digits
    ceph.conf.write_text(CONF.format(
        fsid=uuid.uuid4(), d=ceph.dir, memstore_bytes=MEMSTORE_BYTES, rgw_name=RGW_NAME,
        cert=certs.cert, key=certs.key, rgw_timeout=TIMEOUTS["rgw"],
        sts_key="".join(secrets.choice(alphabet) for _ in range(16)), **ports))
    ceph.conf.chmod(0o600)  # holds the STS key


def _start_mon(state_dir: Path, ceph: Ceph, mon_port: int) -> None:
    monmap = ceph.dir / "monmap"
    fsid = next(line.split("=")[1].strip() for line in ceph.conf.read_text().splitlines()
                if line.startswith("fsid"))
    run(["monmaptool", "--create", "--fsid", fsid, "--addv", "a",
         f"[v2:127.0.0.1:{mon_port}]", str(monmap)], "monmaptool")
    run(["ceph-mon", "-c", str(ceph.conf), "--mkfs", "-i", "a", "--monmap", str(monmap)],
        "ceph-mon --mkfs", log=ceph.log("mon.a"))
    proc = spawn(state_dir, "ceph-mon", ["ceph-mon", "-f", "-c", str(ceph.conf), "-i", "a"],
                 ceph.dir / "log" / "mon.a.stderr")
    wait_until("ceph-mon answering", lambda: bool(ceph.cli("mon", "stat", what="ceph mon stat",
                                                           timeout=15)),
               TIMEOUTS["mon"], proc, ceph.log("mon.a"), interval=0.2)


def _start_osd(state_dir: Path, ceph: Ceph) -> None:
    osd_uuid = str(uuid.uuid4())
    osd_id = ceph.cli("osd", "new", osd_uuid, what="ceph osd new").strip()
    (ceph.dir / "osd" / f"ceph-{osd_id}").mkdir(parents=True, exist_ok=True)
    run(["ceph-osd", "-c", str(ceph.conf), "-i", osd_id, "--mkfs", "--osd-uuid", osd_uuid],
        "ceph-osd --mkfs", log=ceph.log(f"osd.{osd_id}"))
    proc = spawn(state_dir, "ceph-osd", ["ceph-osd", "-f", "-c", str(ceph.conf), "-i", osd_id],
                 ceph.dir / "log" / f"osd.{osd_id}.stderr")

    def osd_up() -> bool:
        stat = json.loads(ceph.cli("osd", "stat", "--format", "json", what="ceph osd stat"))
        stat = stat.get("osdmap", stat)  # the layout differs between releases
        return stat.get("num_up_osds", 0) >= 1 and stat.get("num_in_osds", 0) >= 1

    wait_until(f"ceph-osd.{osd_id} up and in", osd_up, TIMEOUTS["osd"], proc,
               ceph.log(f"osd.{osd_id}"), interval=0.3)


def _start_rgw(state_dir: Path, ceph: Ceph, certs: CertPaths, https_port: int) -> None:
    proc = spawn(state_dir, "radosgw", ["radosgw", "-f", "-c", str(ceph.conf), "-n", RGW_NAME],
                 ceph.dir / "log" / f"{RGW_NAME}.stderr")
    ctx = ssl.create_default_context(cafile=str(certs.ca))

    def answers() -> bool:
        try:
            urllib.request.urlopen(f"https://127.0.0.1:{https_port}/", context=ctx, timeout=3)
        except urllib.error.HTTPError:
            pass  # any HTTP status: rgw answers
        except urllib.error.URLError as e:
            if isinstance(e.reason, ssl.SSLError):  # beast listens only once rgw is up
                raise NotComing(f"TLS handshake failed: {e.reason} (see ssl_* in the log)")
            raise
        return True

    wait_until(f"radosgw answering https://127.0.0.1:{https_port}", answers, TIMEOUTS["rgw"],
               proc, ceph.log(RGW_NAME), interval=0.3)


def _create_rgw_user(ceph: Ceph, uid: str, *extra: str) -> dict:
    out = ceph.admin("user", "create", f"--uid={uid}", f"--display-name={uid}", *extra,
                     what=f"radosgw-admin user create {uid}")
    key = json.loads(out)["keys"][0]
    return {"access_key_id": key["access_key"], "secret_access_key": key["secret_key"],
            "arn": f"arn:aws:iam:::user/{uid}"}


def create_user(state: dict, name: str) -> dict:
    """A static rgw user that cannot create buckets (for admin.create_user)."""
    return _create_rgw_user(Ceph(Path(state["state_dir"])), name, "--max-buckets=-1")


def provision(state: dict, ceph: Ceph) -> dict:
    users = {ADMIN: _create_rgw_user(ceph, ADMIN, f"--caps={ADMIN_CAPS}")}
    state["users"] = users  # lets clients.client() act as admin from here on
    s3 = client(state, "s3", ADMIN)
    for bucket in (BUCKET, OTHER_BUCKET):
        s3.create_bucket(Bucket=bucket)
    # rgw objects belong to their writer (ACLs, no BucketOwnerEnforced): without this the
    # bucket owner could not read back what exporter-user or a role session wrote
    s3.put_bucket_policy(Bucket=BUCKET, Policy=policies.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": [users[ADMIN]["arn"]]},
                       "Action": ["s3:*"],
                       "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"]}]}))
    iam = client(state, "iam", ADMIN)
    # --max-buckets=-1: the spec policy does not grant s3:CreateBucket, but rgw would allow it
    users[EXPORTER_USER] = _create_rgw_user(ceph, EXPORTER_USER, "--max-buckets=-1")
    iam.put_user_policy(UserName=EXPORTER_USER, PolicyName=POLICY_NAME,
                        PolicyDocument=policies.dumps(policies.spec_policy(BUCKET)))
    users[EXPORTER_IDENTITY] = _create_rgw_user(ceph, EXPORTER_IDENTITY, "--max-buckets=-1")
    # rgw denies AssumeRole whenever the trust policy has an sts:ExternalId condition
    role_arn = iam.create_role(RoleName=ROLE, Path="/", AssumeRolePolicyDocument=policies.dumps(
        policies.trust_policy(users[EXPORTER_IDENTITY]["arn"])))["Role"]["Arn"]
    iam.put_role_policy(RoleName=ROLE, PolicyName=POLICY_NAME,
                        PolicyDocument=policies.dumps(policies.spec_policy(BUCKET)))
    return {"account_id": "", "users": users,
            "role": {"name": ROLE, "arn": role_arn, "external_id": None}}


def start(state_dir: Path) -> dict:
    t0 = time.monotonic()
    certs = ensure_certs(state_dir / "tls")
    ceph = Ceph(state_dir)
    mon_port, http_port, https_port = free_ports(3)
    _write_conf(ceph, certs, {"mon_port": mon_port, "http_port": http_port,
                              "https_port": https_port})
    timings = {}
    _start_mon(state_dir, ceph, mon_port)
    timings["mon"] = round(time.monotonic() - t0, 2)
    _start_osd(state_dir, ceph)
    timings["osd"] = round(time.monotonic() - t0, 2)
    _start_rgw(state_dir, ceph, certs, https_port)
    timings["rgw"] = round(time.monotonic() - t0, 2)
    state = {
        "kind": "rgw",
        "endpoint": f"https://127.0.0.1:{https_port}",
        "plain_endpoint": f"http://127.0.0.1:{http_port}",
        "ca_file": str(certs.ca),
        "region": REGION,
        "bucket": BUCKET,
        "other_bucket": OTHER_BUCKET,
        "state_dir": str(state_dir),
        "ceph_conf": str(ceph.conf),
    }
    try:
        state.update(provision(state, ceph))
    except StartError:
        raise
    except Exception as e:  # boto3 errors: name the step's server log
        raise StartError(f"provisioning radosgw failed: {e}\n--- "
                         f"{ceph.log(RGW_NAME)} ---\n{tail(ceph.log(RGW_NAME))}") from e
    timings["provisioned"] = round(time.monotonic() - t0, 2)
    state["pids"] = recorded_pids(state_dir)
    state["start_seconds"] = timings["provisioned"]
    state["start_phases"] = timings
    return state
