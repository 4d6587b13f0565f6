"""Real servers for tests: Dovecot IMAP, GnuPG homes and PostgreSQL, all on 127.0.0.1, all in temp folders.

Registered as a pytest plugin from `tests/conftest.py`. Each server runs as an unprivileged user (Dovecot and
PostgreSQL both refuse to run as root), in a session of its own (Ctrl-C reaches pytest, which stops it), writes its
log into its temp folder, and is stopped at teardown. Its temp folder carries the session's marker, so a run that
is killed (no teardown) leaves nothing running either: see tests/reaper.py.
A fixture skips, with the reason, only when the server's Debian package is missing and cannot be installed.
"""

from __future__ import annotations

import contextlib
import glob
import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.reaper import SessionGuard, reap_stale_sessions, session_marker

REPO = Path(__file__).resolve().parent.parent
SERVICE_USER = "leakdesk-mail"  # unprivileged system user the servers run as when the tests run as root
START_TIMEOUT = 30.0


# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="session", autouse=True)
def _servers_never_outlive_the_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """First stop what killed sessions left; then guard this one (its server folders and its base temp folder,
    where the cases' GnuPG homes are) with a watchdog that stops what is left when pytest ends, however."""
    global _guard
    reap_stale_sessions()
    _guard = SessionGuard([session_marker(), f"{tmp_path_factory.getbasetemp()}/"])
    try:
        yield
    finally:
        _guard.close()
        _guard = None


_guard: SessionGuard | None = None


def session_guard() -> SessionGuard:
    """This session's guard (its markers and watchdog)."""
    assert _guard is not None, "the session guard starts with the session"
    return _guard



def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float = START_TIMEOUT, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.05)
    tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else "(no log)"
    raise RuntimeError(f"server did not listen on 127.0.0.1:{port} within {timeout} s; log:\n{tail}")


def ensure_debian_package(binary: str, package: str) -> str | None:
    """Path of `binary`; installs `package` with the project's script when missing. None if impossible."""
    found = shutil.which(binary) or next(iter(sorted(glob.glob(binary))), None)
    if found:
        return found
    script = REPO / "scripts" / "ensure-debian-packages"
    if script.exists() and (os.geteuid() == 0 or shutil.which("sudo")):
        subprocess.run([str(script), package], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return shutil.which(binary) or next(iter(sorted(glob.glob(binary))), None)


def service_user() -> pwd.struct_passwd:
    """The unprivileged account servers run as: ourselves, or (as root) a system user made on demand."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid())
    try:
        return pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "-r", "-M", "-s", "/usr/sbin/nologin", SERVICE_USER],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return pwd.getpwnam(SERVICE_USER)  # raises if useradd failed: the fixture reports it


def service_dir(prefix: str) -> Path:
    """A short temp folder owned by the service user (short: unix socket paths are limited to 107 bytes)."""
    path = Path(tempfile.mkdtemp(prefix=Path(session_marker()).name + prefix, dir="/tmp"))
    user = service_user()
    os.chmod(path, 0o755)
    if os.geteuid() == 0:
        os.chown(path, user.pw_uid, user.pw_gid)
    return path


def as_service_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", service_user().pw_name, "--", *cmd]


# --------------------------------------------------------------------------- Dovecot


@dataclass
class Dovecot:
    """A running Dovecot with one passwd-file user; `imap()` gives a logged-in imaplib client."""

    host: str
    port: int
    user: str
    password: str
    root: Path
    config: Path
    utf8_user: str = "редакция"  # a second account whose name and password are not ASCII
    utf8_password: str = "пароль ✓ 2026"
    tls_port: int | None = None  # IMAP over TLS (and STARTTLS on `port`), with a self-signed certificate ...
    cert: Path | None = None  # ... for 127.0.0.1: point SSL_CERT_FILE at it to make the client trust it

    @property
    def log(self) -> Path:
        return self.root / "dovecot.log"

    def password_file(self, folder: Path, password: str | None = None) -> Path:
        path = folder / "imap-password"
        path.write_text((self.password if password is None else password) + "\n", "utf-8")
        return path

    def imap(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4(self.host, self.port)
        client.login(self.user, self.password)
        return client

    def append(self, folder: str, *messages: bytes) -> None:
        """Deliver messages into `folder` (created when missing) the way a mail client would."""
        client = self.imap()
        try:
            client.create(folder)  # NO when it exists: fine
            for raw in messages:
                typ, data = client.append(folder, None, None, raw)
                assert typ == "OK", data
        finally:
            client.logout()

    def fresh_folder(self, stem: str) -> str:
        """A folder name no other test has used (the server is shared by the whole session)."""
        return f"{stem}-{os.urandom(4).hex()}"


def _self_signed_certificate(root: Path) -> Path | None:
    """A certificate for 127.0.0.1 and its key (cert.pem, key.pem); None when openssl is missing."""
    if not shutil.which("openssl"):
        return None
    done = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem"), "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
    )  # fmt: skip
    return root / "cert.pem" if done.returncode == 0 else None


def _dovecot_config(root: Path, port: int, user: pwd.struct_passwd, tls_port: int | None = None) -> str:
    name = user.pw_name
    privileged = os.geteuid() == 0
    tls = f"ssl = yes\nssl_cert = <{root}/cert.pem\nssl_key = <{root}/key.pem\n" if tls_port else "ssl = no\n"
    return f"""# written by tests/servers.py
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
{tls}disable_plaintext_auth = no
auth_mechanisms = plain login
auth_username_chars =
mail_location = maildir:{root}/mail/%u
default_internal_user = {name}
default_internal_group = {name}
default_login_user = {name}
{"mail_uid = " + name if privileged else ""}
{"mail_gid = " + name if privileged else ""}
first_valid_uid = {user.pw_uid}
first_valid_gid = {user.pw_gid}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={user.pw_uid} gid={user.pw_gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port or 0}
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
"""


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """A real Dovecot IMAP server on 127.0.0.1: plain IMAP (+STARTTLS) and IMAP over TLS, Maildir in a temp folder."""
    binary = ensure_debian_package("dovecot", "dovecot-imapd")
    if not binary or not Path("/usr/lib/dovecot/imap").exists():
        pytest.skip("Dovecot (Debian package dovecot-imapd) is not installed and could not be installed here.")
    user = service_user()
    root = service_dir("dovecot-")
    port = free_port()
    (root / "mail").mkdir()
    if os.geteuid() == 0:
        os.chown(root / "mail", user.pw_uid, user.pw_gid)
    account = Dovecot("127.0.0.1", port, "analyst", "s3cret-" + os.urandom(4).hex(), root, root / "dovecot.conf")
    (root / "users").write_text(
        f"{account.user}:{{PLAIN}}{account.password}\n{account.utf8_user}:{{PLAIN}}{account.utf8_password}\n", "utf-8"
    )
    os.chmod(root / "users", 0o644)
    account.cert = _self_signed_certificate(root)
    account.tls_port = free_port() if account.cert else None
    account.config.write_text(_dovecot_config(root, port, user, account.tls_port), "utf-8")
    # Dovecot keeps inherited stdout/stderr open: without the redirect the caller would hang.
    subprocess.run(
        [binary, "-c", str(account.config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
        start_new_session=True,
    )
    try:
        wait_for_port(port, log=account.log)
        if account.tls_port:
            wait_for_port(account.tls_port, log=account.log)
        yield account
    finally:
        _stop_dovecot(account)
        shutil.rmtree(root, ignore_errors=True)


def _stop_dovecot(server: Dovecot) -> None:
    subprocess.run(
        ["doveadm", "-c", str(server.config), "stop"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
        timeout=30,
    )
    pidfile = server.root / "run" / "master.pid"
    deadline = time.monotonic() + 10
    while pidfile.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    if pidfile.exists():
        with contextlib.suppress(ValueError, ProcessLookupError):
            os.kill(int(pidfile.read_text().strip()), signal.SIGKILL)


# --------------------------------------------------------------------------- GnuPG


def kill_gpg_agent(home: Path) -> None:
    subprocess.run(
        ["gpgconf", "--homedir", str(home), "--kill", "gpg-agent"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )


@pytest.fixture(scope="session")
def gnupg_home_factory() -> Iterator[Callable[[], Path]]:
    """Make fresh, short-pathed GnuPG homes; every agent started in them is stopped at teardown."""
    if not shutil.which("gpg"):
        ensure_debian_package("gpg", "gnupg")
    if not shutil.which("gpg"):
        pytest.skip("GnuPG (Debian package gnupg) is not installed and could not be installed here.")
    homes: list[Path] = []

    def make() -> Path:
        home = Path(tempfile.mkdtemp(prefix=Path(session_marker()).name + "gpg-", dir="/tmp"))
        os.chmod(home, 0o700)
        homes.append(home)
        return home

    yield make
    for home in homes:
        kill_gpg_agent(home)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def gnupg_home(gnupg_home_factory: Callable[[], Path]) -> Path:
    """One fresh GnuPG home for a test."""
    return gnupg_home_factory()


# --------------------------------------------------------------------------- PostgreSQL


@dataclass
class PostgresServer:
    """A running PostgreSQL cluster; `create_database()` gives a fresh, empty database's URL."""

    host: str
    port: int
    superuser: str
    root: Path

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{self.superuser}@{self.host}:{self.port}/{database}"

    def create_database(self, stem: str = "case") -> str:
        import psycopg

        name = f"{stem}_{os.urandom(4).hex()}"
        with psycopg.connect(
            host=self.host, port=self.port, user=self.superuser, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL server (Debian's `postgresql`): initdb in a temp folder, trust auth, 127.0.0.1 only."""
    bindir = ensure_debian_package("/usr/lib/postgresql/*/bin/initdb", "postgresql")
    if not bindir:
        pytest.skip("PostgreSQL (Debian package postgresql) is not installed and could not be installed here.")
    bin_path = Path(bindir).parent
    root = service_dir("pg-")
    data, log, port = root / "data", root / "postgres.log", free_port()
    server = PostgresServer("127.0.0.1", port, "leakdesk", root)
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE, "check": True, "start_new_session": True}
    subprocess.run(
        as_service_user(
            [str(bin_path / "initdb"), "-D", str(data), "-U", server.superuser, "-A", "trust", "-E", "UTF8"]
            + ["--locale=C.UTF-8", "--no-sync"]
        ),
        **quiet,  # type: ignore[call-overload]
    )
    options = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={root} -c fsync=off"
    subprocess.run(
        as_service_user([str(bin_path / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"]),
        **quiet,  # type: ignore[call-overload]
    )
    try:
        wait_for_port(port, log=log)
        yield server
    finally:
        subprocess.run(
            as_service_user([str(bin_path / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """URL of one database on the session's PostgreSQL server (shared by every test that asks for it)."""
    return postgres_server.create_database("leakdesk")


@pytest.fixture
def fresh_postgres_url(postgres_server: PostgresServer) -> str:
    """URL of a new, empty database for this test alone (a case's schema needs a database of its own)."""
    return postgres_server.create_database("case")
