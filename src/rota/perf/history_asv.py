"""Driving asv for the commit history: the cheap run profile, and a page that works offline.

``asv run`` with its defaults costs minutes per commit here (ten samples in two processes
per benchmark, a warm-up, a fresh interpreter per benchmark). The history profile keeps
what a commit-over-commit graph needs: three samples in one process per benchmark,
forked from a server that has already imported the suite (``--launch-method
forkserver``). The exact counters are measured once per commit anyway.

``asv publish`` writes a page that loads jQuery, flot, bootstrap and friends from public
CDNs, so with no network it shows no graph at all. :func:`vendor_page` points those tags
at copies taken from the npm packages of the same libraries (``scripts/vendor-asv-www``
refreshes them; ``asv_www/vendor/PACKAGES`` and ``SHA256SUMS`` say which).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from rota.perf.history import DEFAULT_MACHINE, HistoryError

__all__ = [
    "FIRST_COMMIT",
    "HISTORY_PROFILE",
    "VENDOR_DIR",
    "asv_argv",
    "publish_history",
    "record_machine",
    "run_history",
    "vendor_page",
]

# The first commit of main with rota.perf.workloads: where the history starts.
FIRST_COMMIT = "4c0a660"
# The variable the asv suite reads to prepare only some tiers (bench/asv_benchmarks/_api).
TIERS_VARIABLE = "ROTA_ASV_TIERS"
# asv run options of the history profile (see the module docstring).
HISTORY_PROFILE: tuple[str, ...] = (
    "--launch-method=forkserver",
    "--attribute=rounds=1",
    "--attribute=repeat=3",
    "--attribute=warmup_time=0",
)
VENDOR_DIR = Path(__file__).with_name("asv_www") / "vendor"

# What asv's index.html loads from a CDN (by file name) -> the vendored copy.
_VENDORED = {
    "jquery-3.3.1.min.js": "js/jquery.min.js",
    "jquery.flot.min.js": "js/jquery.flot.js",
    "jquery.flot.time.min.js": "js/jquery.flot.time.js",
    "jquery.flot.selection.min.js": "js/jquery.flot.selection.js",
    "jquery.flot.categories.min.js": "js/jquery.flot.categories.js",
    "jquery.flot.orderBars.js": "js/jquery.flot.orderBars.js",
    "stupidtable.min.js": "js/stupidtable.min.js",
    "md5.min.js": "js/md5.min.js",
    "bootstrap.min.js": "js/bootstrap.min.js",
    "bootstrap.min.css": "css/bootstrap.min.css",
}
_REMOTE_TAG = re.compile(r"<(script|link)\b[^>]*?\b(?:src|href)=\"(https?://[^\"]+)\"[^>]*>")


def asv_argv(*args: str) -> list[str]:
    """The command line of asv run by this interpreter."""
    return [sys.executable, "-m", "asv", *args]


def run_history(
    root: Path,
    range_spec: str | None = None,
    *,
    machine: str = DEFAULT_MACHINE,
    tiers: Sequence[str] = (),
    bench: Sequence[str] = (),
    extra: Sequence[str] = (),
) -> int:
    """Record the history profile for every commit of ``range_spec`` not yet recorded.

    Args:
        root: The directory of ``asv.conf.json``.
        range_spec: A git range (default: from ``FIRST_COMMIT`` to ``HEAD``).
        machine: The machine name results are stored under, whatever the hostname.
        tiers: Only these tiers (default: every tier the asv suite knows); the others
            are neither prepared nor run.
        bench: asv ``--bench`` regexes (default: every benchmark).
        extra: More ``asv run`` options.

    Returns:
        asv's exit code.
    """
    _require_config(root)
    spec = range_spec or f"{FIRST_COMMIT}^..HEAD"
    record_machine(machine)
    options = [f"--machine={machine}", "--skip-existing-commits", *HISTORY_PROFILE]
    options += [f"--bench={regex}" for regex in bench]
    # Exact counters must repeat run to run: a fixed hash seed keeps set and dict layouts,
    # and so memray's allocation counts, the same in every benchmark process.
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    if tiers:
        # asv matches "time_phase('tiny', 'generate')", "track_objective('tiny')".
        options.append(f"--bench=\\('?({'|'.join(map(re.escape, tiers))})'?[,)]")
        env[TIERS_VARIABLE] = ",".join(tiers)
    return _asv(root, "run", *options, *extra, spec, env=env)


def record_machine(machine: str) -> None:
    """Record this host's facts in ``~/.asv-machine.json`` under the name ``machine``.

    asv names results after the hostname, which changes between CI machines; a fixed
    name puts every run's results in ``results/asv/<machine>/``. ``asv machine --yes
    --machine NAME`` would store the name alone: it only keeps the values that differ
    from the detected ones, so the facts are passed here explicitly.
    """
    import platform

    from asv.machine import Machine

    # asv draws a separate line for every distinct set of machine facts, so only facts
    # that stay put between CI hosts of one kind are kept: not the kernel release, not
    # the RAM size, which would split the history at every new host.
    detected = Machine.get_defaults()
    facts = {
        "machine": machine,
        "arch": detected["arch"],
        "cpu": detected["cpu"],
        "num_cpu": detected["num_cpu"],
        "os": platform.system(),
        "ram": "",
    }
    Machine.load(machine_name=machine, **facts)


def publish_history(root: Path) -> Path:
    """Run ``asv publish`` and make its page work offline; returns the HTML folder."""
    from asv.config import Config

    config = _require_config(root)
    if _asv(root, "publish") != 0:
        raise HistoryError("asv publish failed (see its output above)")
    html_dir = root / str(Config.load(str(config)).html_dir)
    vendor_page(html_dir)
    return html_dir


def vendor_page(html_dir: Path) -> None:
    """Point the CDN tags of ``html_dir/index.html`` at vendored copies in ``vendor/``.

    Raises:
        HistoryError: If the page loads something from the network that is not vendored
            (asv changed its page: refresh with ``scripts/vendor-asv-www``).
    """
    index = html_dir / "index.html"
    try:
        page = index.read_text(encoding="utf-8")
    except OSError as exc:
        raise HistoryError(f"{index}: no published page ({exc})") from None
    missing: list[str] = []

    def local(match: re.Match[str]) -> str:
        tag, url = match.group(1), match.group(2)
        target = _VENDORED.get(url.rsplit("/", 1)[-1])
        if target is None:
            missing.append(url)
            return match.group(0)
        if tag == "link":
            return f'<link rel="stylesheet" href="vendor/{target}">'
        return f'<script src="vendor/{target}" onerror="js_load_failure()">'

    page = _REMOTE_TAG.sub(local, page)
    if missing:
        raise HistoryError(
            f"asv's page loads {', '.join(missing)} from the network and no vendored copy "
            "exists: run scripts/vendor-asv-www and add it to rota.perf.history_asv"
        )
    shutil.copytree(VENDOR_DIR, html_dir / "vendor", dirs_exist_ok=True)
    index.write_text(page, encoding="utf-8")


def _require_config(root: Path) -> Path:
    config = root / "asv.conf.json"
    if not config.is_file():
        raise HistoryError(f"no asv.conf.json in {root} (run from the project's root)")
    return config


def _asv(root: Path, *args: str, quiet: bool = False, env: dict[str, str] | None = None) -> int:
    output = subprocess.DEVNULL if quiet else None
    command = asv_argv(*args)
    return subprocess.run(command, cwd=root, check=False, stdout=output, env=env).returncode
