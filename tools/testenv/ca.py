"""A throw-away CA and a server certificate for 127.0.0.1 and localhost, made with the openssl CLI."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

CA_SUBJECT = "/CN=secexport testenv CA"
SERVER_SUBJECT = "/CN=localhost"
SERVER_SAN = "subjectAltName=IP:127.0.0.1,DNS:localhost"
MIN_VALID_SECONDS = 7 * 24 * 3600  # regenerate when a certificate expires within a week


@dataclass(frozen=True)
class CertPaths:
    ca: Path  # ca.pem: give this to clients (boto3 verify=, the C++ client's CA file)
    cert: Path  # server.pem
    key: Path  # server.key


def _openssl(*args: str) -> None:
    proc = subprocess.run(["openssl", *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"openssl {args[0]} failed ({proc.returncode}): {proc.stderr.strip()}")


def _usable(paths: CertPaths) -> bool:
    if not all(p.is_file() and p.stat().st_size > 0 for p in (paths.ca, paths.cert, paths.key)):
        return False
    checks = [
        ["verify", "-CAfile", str(paths.ca), str(paths.cert)],
        ["x509", "-checkend", str(MIN_VALID_SECONDS), "-noout", "-in", str(paths.ca)],
        ["x509", "-checkend", str(MIN_VALID_SECONDS), "-noout", "-in", str(paths.cert)],
    ]
    for args in checks:
        if subprocess.run(["openssl", *args], capture_output=True).returncode != 0:
            return False
    # the key must belong to the certificate
    pub_cert = subprocess.run(["openssl", "x509", "-pubkey", "-noout", "-in", str(paths.cert)],
                              capture_output=True).stdout
    pub_key = subprocess.run(["openssl", "pkey", "-pubout", "-in", str(paths.key)],
                             capture_output=True).stdout
    return bool(pub_cert) and pub_cert == pub_key


def ensure_certs(directory: str | Path) -> CertPaths:
    """Create ca.pem, server.pem and server.key in `directory` unless usable ones exist."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    paths = CertPaths(ca=d / "ca.pem", cert=d / "server.pem", key=d / "server.key")
    if _usable(paths):
        return paths
    ca_key, csr = d / "ca.key", d / "server.csr"
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "825", "-sha256",
             "-subj", CA_SUBJECT, "-keyout", str(ca_key), "-out", str(paths.ca),
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-sha256", "-subj", SERVER_SUBJECT,
             "-keyout", str(paths.key), "-out", str(csr))
    ext = d / "server.ext"
    ext.write_text(f"{SERVER_SAN}\nbasicConstraints=CA:FALSE\n"
                   "keyUsage=critical,digitalSignature,keyEncipherment\n"
                   "extendedKeyUsage=serverAuth\n")
    _openssl("x509", "-req", "-in", str(csr), "-CA", str(paths.ca), "-CAkey", str(ca_key),
             "-CAcreateserial", "-days", "397", "-sha256", "-extfile", str(ext),
             "-out", str(paths.cert))
    for p in (ca_key, paths.key):
        p.chmod(0o600)
    csr.unlink(missing_ok=True)
    if not _usable(paths):
        raise RuntimeError(f"generated certificates in {d} do not verify")
    return paths


if __name__ == "__main__":
    import sys

    print(ensure_certs(sys.argv[1] if len(sys.argv) > 1 else "."))
