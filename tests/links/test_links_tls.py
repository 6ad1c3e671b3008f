"""HTTPS through the checker's own stream: a certificate it does not trust is a TLS error (RC401);
trusted through SSL_CERT_FILE, the same server works. Needs the `openssl` command."""

from __future__ import annotations

import gc
import shutil
import ssl
import subprocess
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from linkserver import Handler, QuietServer, Recorder


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    handler = type("TLSHandler", (Handler,), {"recorder": Recorder()})
    httpd = QuietServer(("127.0.0.1", 0), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"https://localhost:{httpd.server_address[1]}", cert
    httpd.shutdown()
    httpd.server_close()


def test_untrusted_certificate_is_a_tls_error(tls_server: tuple[str, Path], check, monkeypatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    base, _ = tls_server
    result = check([f"{base}/ok/tls"], allow_hosts=("127.0.0.1",))
    assert [d.code for d in result.diagnostics] == ["RC401"]
    assert result.diagnostics[0].message.startswith("TLS error (")
    assert "CERTIFICATE_VERIFY_FAILED" in result.diagnostics[0].message


def test_trusted_certificate_works_with_anchors(tls_server: tuple[str, Path], check, monkeypatch) -> None:
    base, cert = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    result = check([f"{base}/page.html#intro", f"{base}/page.html#absent", f"{base}/status/404/tls"])
    assert [(d.code, d.span.line) for d in result.diagnostics] == [("RC405", 2), ("RC401", 3)]


def test_tls_connections_are_closed_when_the_run_ends(tls_server: tuple[str, Path], check, monkeypatch) -> None:
    """A TLS close waits for the server's close_notify; the run ends first, so sockets must be aborted."""
    base, cert = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        check([f"{base}/page.html#intro"])
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
