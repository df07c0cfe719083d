"""mod_python.childaccess: can Apache's children read a path, worked out
from permission bits for another user."""

import os
import pwd
import subprocess
import sys

import pytest

from mod_python import childaccess


def nobody():
    try:
        return childaccess.Identity("nobody")
    except KeyError:
        pytest.skip("no user nobody")


def test_a_directory_it_cannot_enter_blocks_what_is_below(tmp_path):
    private = tmp_path / "private"
    (private / "lib").mkdir(parents=True)
    (private / "lib" / "os.py").write_text("")
    os.chmod(tmp_path, 0o755)
    os.chmod(private / "lib", 0o755)
    os.chmod(private / "lib" / "os.py", 0o644)
    os.chmod(private, 0o700)
    user = nobody()
    if user.uid == os.stat(private).st_uid:
        pytest.skip("running as nobody")
    blocked = childaccess.blocking_path(user, private / "lib" / "os.py")
    # (pytest's tmp_path may sit under a directory nobody cannot enter)
    assert blocked in {str(private)} | {
        str(p) for p in tmp_path.parents}
    os.chmod(private, 0o711)
    if blocked == str(private):
        assert childaccess.blocking_path(user, private / "lib" / "os.py") \
            is None
        os.chmod(private / "lib" / "os.py", 0o600)
        assert childaccess.blocking_path(user, private / "lib" / "os.py") \
            == str(private / "lib" / "os.py")
        assert childaccess.blocking_path(user, private / "lib", want=1) is None


def test_group_and_owner_bits_are_the_ones_that_apply():
    root = childaccess.Identity(pwd.getpwuid(0).pw_name)
    assert root.may(os.stat("/root"), 5)     # root may do anything
    user = nobody()

    class Stat:
        st_uid, st_gid = user.uid, -1
        st_mode = 0o077                      # the owner has no rights
    assert not user.may(Stat, 4)
    Stat.st_uid, Stat.st_gid = -1, next(iter(user.gids))
    Stat.st_mode = 0o707                     # the group has none
    assert not user.may(Stat, 1)
    Stat.st_gid = -1
    assert user.may(Stat, 5)


def test_unknown_user_or_python_is_no_problem_to_report():
    assert childaccess.problem("no-such-user-here", sys.executable) is None
    assert childaccess.problem("nobody", "/no/such/python") is None


def test_script_usage():
    out = subprocess.run([sys.executable, childaccess.__file__],
                         capture_output=True, text=True)
    assert out.returncode == 2 and "usage" in out.stderr
