"""RFC 3161 timestamps of checkpoints, against a real time-stamping authority: `openssl ts` on 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from leakdesk.case import Case
from leakdesk.errors import StoreError
from tests.conftest import invoke

CONFIG = """
[req]
distinguished_name = dn
prompt = no
[dn]
CN = leakdesk test TSA root
[v3_ca]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[v3_tsa]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[tsa]
default_tsa = tsa_config
[tsa_config]
serial = {serial}
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


@dataclass
class Tsa:
    url: str
    root: Path
    other_root: Path


def _openssl(*args: str | Path, cwd: Path) -> None:
    subprocess.run(["openssl", *map(str, args)], cwd=cwd, check=True, capture_output=True)


def _make_root(folder: Path, name: str) -> None:
    _openssl("req", "-x509", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out",
             f"{name}.crt", "-days", "2", "-config", "tsa.cnf", "-extensions", "v3_ca", cwd=folder)


@pytest.fixture(scope="module")
def tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tsa]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl (Debian package openssl) is not installed")
    folder = tmp_path_factory.mktemp("tsa")
    (folder / "tsa.cnf").write_text(CONFIG.format(serial=folder / "serial"))
    (folder / "serial").write_text("01\n")
    _make_root(folder, "root")
    _make_root(folder, "other")
    _openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "tsa.key", "-out", "tsa.csr", "-subj",
             "/CN=leakdesk test TSA", cwd=folder)
    _openssl("x509", "-req", "-in", "tsa.csr", "-CA", "root.crt", "-CAkey", "root.key", "-CAcreateserial", "-out",
             "tsa.crt", "-days", "2", "-extfile", "tsa.cnf", "-extensions", "v3_tsa", cwd=folder)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            query = self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                (folder / "q.tsq").write_bytes(query)
                _openssl("ts", "-reply", "-config", "tsa.cnf", "-queryfile", "q.tsq", "-inkey", "tsa.key",
                         "-signer", "tsa.crt", "-out", "r.tsr", cwd=folder)
                body = (folder / "r.tsr").read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Tsa(f"http://desk:s3cret@127.0.0.1:{server.server_port}/tsa", folder / "root.crt", folder / "other.crt")
    finally:
        server.shutdown()
        server.server_close()


def test_a_timestamped_checkpoint_verifies_offline(case: Case, tsa: Tsa, tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "cp.json"
    res = invoke(runner, "checkpoint", case.root, out, "--tsa", tsa.url)
    assert res.exit_code == 0, res.output
    assert "Timestamped by http://desk:***@127.0.0.1:" in res.output and "s3cret" not in res.output
    stamp = json.loads(out.read_text())["timestamp"]
    assert stamp["tsa"].startswith("http://desk:***@127.0.0.1:") and stamp["token"]
    ok = invoke(runner, "fsck", case.root, "--checkpoint", out, "--tsa-root", tsa.root)
    assert ok.exit_code == 0, ok.output
    assert "Its RFC 3161 timestamp verifies: it existed at " in ok.output
    unverified = case.fsck(out)
    assert any("carries a timestamp from http://desk:***@" in w and "give --tsa-root" in w for w in unverified.warnings)


def test_a_timestamp_under_another_root_or_for_another_checkpoint_fails(case: Case, tsa: Tsa, tmp_path: Path) -> None:
    out = tmp_path / "cp.json"
    case.checkpoint(out, tsa.url)
    wrong_root = case.fsck(out, [tsa.other_root])
    assert not wrong_root.ok
    assert any(p.startswith("The checkpoint's timestamp does not verify") for p in wrong_root.problems)
    data = json.loads(out.read_text())
    later = tmp_path / "cp2.json"
    case.checkpoint(later)
    moved = json.loads(later.read_text())
    moved["timestamp"] = data["timestamp"]  # an old timestamp glued to a newer checkpoint
    later.write_text(json.dumps(moved))
    report = case.fsck(later, [tsa.root])
    assert any("Mismatch between messages" in p for p in report.problems)


def test_an_unreachable_tsa_writes_no_checkpoint(case: Case, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"Could not reach the time-stamping authority at http://u:\*\*\*@127.0.0.1:9/ "
                                         r"\(ConnectError\); no checkpoint written."):
        case.checkpoint(tmp_path / "cp.json", "http://u:pw@127.0.0.1:9/")
    assert not (tmp_path / "cp.json").exists()
    with case.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM audit WHERE action = 'audit.checkpoint'").scalar() == 0
