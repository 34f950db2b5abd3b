"""The public API of ``rota.db``: what ``__all__`` promises is there, and nothing stray."""

from __future__ import annotations

import rota.db


def test_all_names_exist_once() -> None:
    """Every name in ``__all__`` is importable and listed once."""
    names = rota.db.__all__
    assert len(names) == len(set(names))
    for name in names:
        assert hasattr(rota.db, name), name


def test_every_public_member_is_exported() -> None:
    """Public attributes of the package are the ones ``__all__`` lists (submodules aside)."""
    public = {
        name
        for name, value in vars(rota.db).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith("rota.db")
    }
    assert public <= set(rota.db.__all__)


def test_exported_members_belong_to_rota_db() -> None:
    """Each exported class or function is defined in a ``rota.db`` module."""
    for name in rota.db.__all__:
        member = getattr(rota.db, name)
        if callable(member):
            assert member.__module__.startswith("rota.db."), name
