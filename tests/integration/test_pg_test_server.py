"""``scripts/pg-test-server`` works from a private folder (issue 8, item 12).

PostgreSQL refuses to run as root, so as root the script runs the server as ``postgres``,
who cannot enter a folder private to root (pytest's tmp_path, ``mktemp -d``). The script
then keeps the server's files in a folder of its own under /tmp, linked as DIR/server.
"""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text

from rota.db import create_engine

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "pg-test-server"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="the private-folder case arises as root"),
    pytest.mark.skipif(
        shutil.which("runuser") is None
        or (shutil.which("pg_ctl") is None and not glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")),
        reason="needs PostgreSQL's binaries and runuser",
    ),
]


async def select_one(url: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(text("SELECT 1"))).scalar_one())
    finally:
        await engine.dispose()


def test_start_in_a_private_folder_serves_and_stop_removes_everything(tmp_path: Path) -> None:
    """Issue 8 item 12: DIR inside a 0700 folder of root's: the server starts, answers, stops."""
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    target = private / "pg"
    started = subprocess.run(
        [str(SCRIPT), "start", str(target)], cwd=tmp_path, capture_output=True, text=True
    )
    home = (target / "server").resolve() if (target / "server").is_symlink() else None
    try:
        assert started.returncode == 0, started.stderr
        url = started.stdout.strip()
        assert url.startswith("postgresql+asyncpg://postgres@127.0.0.1:")
        assert (target / "url").read_text().strip() == url
        assert home is not None
        assert home.name.startswith("rota-pg.")
        assert started.stderr.count("\n") == 1
        assert "a parent folder is private" in started.stderr
        assert asyncio.run(select_one(url)) == 1
    finally:
        stopped = subprocess.run(
            [str(SCRIPT), "stop", str(target)], cwd=tmp_path, capture_output=True, text=True
        )
    assert stopped.returncode == 0, stopped.stderr
    assert not target.exists()
    assert home is not None
    assert not home.exists()
