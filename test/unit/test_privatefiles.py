"""mod_python.privatefiles: what the session stores and the PSP cache
refuse to read back."""

import os

import pytest

from mod_python import privatefiles
from mod_python.privatefiles import UnsafePath


def test_open_own_does_not_follow_a_link(tmp_path):
    target = tmp_path / "target"
    target.write_text("x")
    (tmp_path / "link").symlink_to(target)
    with pytest.raises(OSError):
        privatefiles.open_own(str(tmp_path / "link"))
    with pytest.raises(OSError):   # not even to write through it
        privatefiles.open_own(str(tmp_path / "link"), os.O_WRONLY | os.O_TRUNC)
    assert target.read_text() == "x"


def test_open_own_refuses_another_users_file(tmp_path, monkeypatch):
    (tmp_path / "f").write_text("x")
    monkeypatch.setattr(os, "geteuid", lambda: os.getuid() + 1)
    with pytest.raises(UnsafePath, match="not a file owned by uid"):
        privatefiles.open_own(str(tmp_path / "f"))


def test_open_own_truncates_only_its_own_file(tmp_path, monkeypatch):
    path = tmp_path / "f"
    path.write_text("kept")
    fd = privatefiles.open_own(str(path), os.O_WRONLY | os.O_TRUNC)
    os.close(fd)
    assert path.read_text() == ""
    path.write_text("theirs")
    monkeypatch.setattr(os, "geteuid", lambda: os.getuid() + 1)
    with pytest.raises(UnsafePath):
        privatefiles.open_own(str(path), os.O_WRONLY | os.O_TRUNC)
    assert path.read_text() == "theirs"


def test_open_own_creates_with_the_given_mode(tmp_path):
    path = str(tmp_path / "new")
    os.close(privatefiles.open_own(path, os.O_WRONLY | os.O_CREAT, 0o600))
    assert os.stat(path).st_mode & 0o077 == 0


def test_check_private_files(tmp_path):
    db = tmp_path / "cache"
    db.mkdir(mode=0o700)
    os.chmod(db, 0o700)
    paths = privatefiles.dbm_files(str(db / "psp"))
    privatefiles.check_private_files(paths, "cache")   # none exists: fine
    (db / "psp.db").write_bytes(b"")
    os.chmod(db / "psp.db", 0o640)
    privatefiles.check_private_files(paths, "cache")
    os.chmod(db / "psp.db", 0o666)
    with pytest.raises(UnsafePath, match="psp.db is not a regular file writable only"):
        privatefiles.check_private_files(paths, "cache")
    os.unlink(db / "psp.db")
    (db / "psp.db").symlink_to(tmp_path)
    with pytest.raises(UnsafePath, match="not a file owned by uid"):
        privatefiles.check_private_files(paths, "cache")


@pytest.mark.parametrize("mode,refused", [
    (0o700, False), (0o755, False), (0o777, True), (0o770, True), (0o1777, False)])
def test_check_parent(tmp_path, mode, refused):
    parent = tmp_path / "p"
    parent.mkdir()
    os.chmod(parent, mode)
    if refused:
        with pytest.raises(UnsafePath, match="lets another user replace it"):
            privatefiles.check_parent(str(parent / "f"), "cache")
    else:
        privatefiles.check_parent(str(parent / "f"), "cache")


@pytest.mark.parametrize("owner,refused", [(12345, False), (54321, True), (0, False)])
def test_check_parent_owners(tmp_path, monkeypatch, owner, refused):
    # this process's user (12345 here) or root may own it; anyone else not
    parent = tmp_path / "p"
    parent.mkdir(mode=0o755)
    real_stat = os.stat
    monkeypatch.setattr(os, "geteuid", lambda: 12345)
    monkeypatch.setattr(os, "stat", lambda p, *a, **k: os.stat_result(
        real_stat(p)[:4] + (owner,) + real_stat(p)[5:]))
    if refused:
        with pytest.raises(UnsafePath):
            privatefiles.check_parent(str(parent / "f"), "cache")
    else:
        privatefiles.check_parent(str(parent / "f"), "cache")
