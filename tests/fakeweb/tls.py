"""Throwaway self-signed certificates for the CONNECT tunnels (clients here do not verify)."""

from __future__ import annotations

import datetime
import ipaddress
import os
import shutil
import ssl
import tempfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


class CertStore:
    """Self-signed certificates made on demand, one per host name (so that Scrapy, which
    checks names without failing, has nothing to warn about), all sharing one key."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.dir = tempfile.mkdtemp(prefix="fakeweb-tls-")
        self.key_path = os.path.join(self.dir, "key.pem")
        with open(self.key_path, "wb") as fh:
            fh.write(
                self.key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
        self.contexts: dict[str, ssl.SSLContext] = {}

    def context(self, host: str) -> ssl.SSLContext:
        host = host.lower() or "localhost"
        ctx = self.contexts.get(host)
        if ctx is None:
            cert_path = os.path.join(self.dir, f"cert-{len(self.contexts)}.pem")
            with open(cert_path, "wb") as fh:
                fh.write(make_cert(self.key, host))
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.set_alpn_protocols(["http/1.1"])
            ctx.load_cert_chain(cert_path, self.key_path)
            os.unlink(cert_path)
            self.contexts[host] = ctx
        return ctx

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def make_cert(key: ec.EllipticCurvePrivateKey, host: str) -> bytes:
    """PEM of a self-signed certificate for `host` (a name or an IP address)."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host[:64])])
    now = datetime.datetime.now(datetime.UTC)
    alt: list[x509.GeneralName]
    try:
        alt = [x509.IPAddress(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        alt = [x509.DNSName(host)]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)
