"""The published asv graphs open offline: a real browser draws the committed history.

The committed history (results/asv) is published into a temporary folder, served on
127.0.0.1 only, and loaded in headless Chromium (Debian's ``chromium``; .ci/run installs
it). A harness page on the same origin opens asv's ``generate`` graph in a frame, waits
for flot to draw, and writes the number of points drawn into its own DOM, which
Chromium's ``--dump-dom`` prints. Every script the page needs is vendored, so nothing but
127.0.0.1 is reachable to it and the graph still draws.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from rota.perf.history import DEFAULT_MACHINE, load_history
from rota.perf.history_asv import vendor_page

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SERIES = "timing.TimePhase.time_phase(tiny, generate)"
GRAPH = "timing.TimePhase.time_phase?p-tier=%27tiny%27&p-phase=%27generate%27"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="needs chromium (apt-get install chromium)"),
    pytest.mark.skipif(
        not (ROOT / "results/asv" / DEFAULT_MACHINE).is_dir(), reason="no committed history"
    ),
]

HARNESS = """<!doctype html>
<html><body><pre id="out">waiting</pre>
<iframe id="asv" src="index.html#%s" width="1200" height="800"></iframe>
<script>
function poll() {
  var out = document.getElementById('out');
  try {
    var w = document.getElementById('asv').contentWindow;
    var plot = w.$ && w.$('#main-graph').data('plot');
    if (plot && plot.getData().length) {
      var series = plot.getData().map(function (s) {
        return s.data.filter(function (p) { return p && p[1] !== null; }).length;
      });
      out.textContent = 'RESULT ' + JSON.stringify({series: series,
        page: w.location.pathname});
      return;
    }
  } catch (e) { out.textContent = 'error ' + e + ' at ' + document.getElementById('asv').src; }
  setTimeout(poll, 100);
}
setTimeout(poll, 100);
</script></body></html>
"""


@pytest.fixture
def published(tmp_path: Path) -> Path:
    """The committed history published into ``tmp_path/html``, its page vendored."""
    from asv import util

    conf = util.load_json(str(ROOT / "asv.conf.json"), js_comments=True)
    branch = subprocess.run(
        ["git", "rev-parse", "--abbrev-ref", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    conf.update(
        repo=str(ROOT),
        results_dir=str(ROOT / "results/asv"),
        html_dir=str(tmp_path / "html"),
        env_dir=str(tmp_path / "env"),
        branches=[branch if branch and branch != "HEAD" else "main"],
    )
    (tmp_path / "asv.conf.json").write_text(json.dumps(conf))
    subprocess.run(
        [sys.executable, "-m", "asv", "--config", str(tmp_path / "asv.conf.json"), "publish"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    html = tmp_path / "html"
    vendor_page(html)
    (html / "harness.html").write_text(HARNESS % GRAPH)
    return html


@pytest.fixture
def served(published: Path) -> Iterator[str]:
    """The published folder over HTTP on 127.0.0.1 (a free port)."""
    handler = functools.partial(_QuietHandler, directory=str(published))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _is_ancestor(commit: str) -> bool:
    """Whether asv draws ``commit`` for the branch: it follows first parents only."""
    return commit in _first_parents()


@functools.cache
def _first_parents() -> frozenset[str]:
    done = subprocess.run(
        ["git", "rev-list", "--first-parent", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return frozenset(done.stdout.split())


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def test_generate_graph_draws_one_point_per_commit(served: str, published: Path) -> None:
    """Offline, Chromium draws asv's generate[tiny] graph with a point for every commit."""
    page = published / "index.html"
    assert "https://" not in "".join(re.findall(r"<(?:script|link)\b[^>]*>", page.read_text()))
    history = load_history(ROOT / "asv.conf.json")
    # asv draws the commits of the published branch: those that are ancestors of HEAD.
    expected = sum(
        value is not None and _is_ancestor(commit)
        for commit, value in zip(history.commits, history.series[SERIES].values, strict=True)
    )
    assert expected >= 2
    with tempfile.TemporaryDirectory(prefix="rota-chromium-") as profile:
        done = subprocess.run(
            [
                str(CHROMIUM),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                f"--user-data-dir={profile}",
                # Anything but 127.0.0.1 is unreachable: the page must not need the network.
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                "--virtual-time-budget=30000",
                "--dump-dom",
                f"{served}/harness.html",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    match = re.search(r"RESULT (\{.*?\})</pre>", done.stdout)
    assert match, f"no graph drawn; chromium said: {done.stderr[-2000:]}"
    result = json.loads(match.group(1).replace("&quot;", '"'))
    # One line per distinct set of machine facts; together, one point per commit.
    assert sum(result["series"]) == expected
    assert result["page"] == "/index.html"  # not asv's error.html for a failed script
