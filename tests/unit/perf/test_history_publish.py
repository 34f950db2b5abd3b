"""Publishing the asv history: the page's CDN scripts become vendored copies."""

from __future__ import annotations

import hashlib
import importlib
from pathlib import Path

import pytest

from rota.perf.history import HistoryError
from rota.perf.history_asv import VENDOR_DIR, vendor_page

ASV_PAGE = Path(importlib.import_module("asv").__file__ or "").parent / "www" / "index.html"


@pytest.mark.parametrize("name", ["history", "history_asv", "history_plot"])
def test_exported_members_exist_and_are_public(name: str) -> None:
    """Each name in ``__all__`` exists, and every public class or function is listed."""
    module = importlib.import_module(f"rota.perf.{name}")
    exported = set(module.__all__)
    assert all(hasattr(module, member) for member in exported)
    defined_here = {
        member
        for member, value in vars(module).items()
        if not member.startswith("_")
        and callable(value)
        and getattr(value, "__module__", None) == module.__name__
    }
    assert defined_here <= exported


def test_asv_page_loads_only_vendored_copies(tmp_path: Path) -> None:
    """Every script and stylesheet asv's own page takes from a CDN is served locally."""
    (tmp_path / "index.html").write_text(ASV_PAGE.read_text())
    vendor_page(tmp_path)
    page = (tmp_path / "index.html").read_text()
    assert "https://cdn" not in page
    assert "https://code.jquery.com" not in page
    assert 'src="vendor/js/jquery.min.js"' in page
    assert 'href="vendor/css/bootstrap.min.css"' in page
    for target in ("js/jquery.flot.js", "js/md5.min.js", "css/bootstrap.min.css"):
        assert (tmp_path / "vendor" / target).is_file()


def test_vendored_files_match_their_checksums() -> None:
    """The vendored files are the ones scripts/vendor-asv-www took from the npm packages."""
    lines = (VENDOR_DIR / "SHA256SUMS").read_text().splitlines()
    assert lines
    for line in lines:
        digest, name = line.split(maxsplit=1)
        assert hashlib.sha256((VENDOR_DIR / name).read_bytes()).hexdigest() == digest


def test_unknown_remote_script_is_refused(tmp_path: Path) -> None:
    """A CDN script with no vendored copy stops the publish rather than break offline."""
    (tmp_path / "index.html").write_text('<script src="https://cdn.example/new.js"></script>')
    with pytest.raises(HistoryError, match=r"new\.js"):
        vendor_page(tmp_path)
