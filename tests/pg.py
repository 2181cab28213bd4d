"""A throwaway PostgreSQL server for the tests, started as a user would: Debian's ``postgresql``
package (``.ci/run`` installs it), a cluster made with ``initdb`` in a scratch folder and started with
``pg_ctl`` on a Unix socket there (as the ``postgres`` user when the tests run as root, since the
server refuses to run as root), stopped at the end of the session."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    return found[-1] if found else shutil.which(name)


def server_problem() -> str | None:
    """Why no server can be started here (None: one can)."""
    if _bin("initdb") is None or _bin("pg_ctl") is None:
        return "PostgreSQL's server is not installed (sudo apt-get install postgresql)"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "the psycopg driver is not installed (pip install 'psycopg[binary]')"
    if os.geteuid() == 0:
        import pwd

        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root, and there is no postgres user to run the server as"
    return None


class Server:
    def __init__(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="kpitrack-pg-"))
        self.data, self.sock = self.base / "data", self.base / "sock"
        self.sock.mkdir()
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user:
            shutil.chown(self.base, self.user)
            shutil.chown(self.sock, self.user)
        self._run(_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale")
        self._run(_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.base / "log"), "-w", "-t", "60", "start", "-o",
                  f"-k {self.sock} -c listen_addresses='' -c max_connections=200 -c fsync=on")
        self.n = 0

    def _run(self, *cmd: str) -> None:
        full = ["runuser", "-u", self.user, "--", *cmd] if self.user else list(cmd)
        subprocess.run(full, check=True, capture_output=True, timeout=120)

    def url(self, db: str) -> str:
        return f"postgresql://postgres@/{db}?host={self.sock}"

    def new_database(self) -> str:
        """A fresh, empty database: its URL."""
        import psycopg

        self.n += 1
        name = f"kt{os.getpid()}_{self.n}"
        with psycopg.connect(f"host={self.sock} user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)
