"""Can the user Apache's children run as read the Python mod_python embeds?

Python starts inside each Apache child, as the child's user (www-data on
Debian).  A Python under a private home (pyenv in /root, a 0700 $HOME)
cannot start there, and Python itself then reports only that it "failed to
get the Python codec of the filesystem encoding".  This module finds the
path that blocks the child user, so that configure and `mod_python serve`
can say so, in those words, before Apache starts.

It imports nothing from the mod_python package: configure runs it as a
script before the package is configured:

    python3 childaccess.py USER PYTHON

prints the problem and exits 1 when USER cannot read PYTHON's standard
library, exits 0 when it can (or when USER does not exist: nothing to check).
The answer is worked out from permission bits, so it needs no root; ACLs are
not consulted.
"""

import os
import pwd
import stat
import subprocess
import sys

FIX = ("configure mod_python with a Python that user can read "
       "(./configure --with-python=/usr/bin/python3), or make the "
       "directory readable by it")


class Identity:
    """A user as the kernel checks permissions for it: uid and all gids."""

    def __init__(self, name):
        entry = pwd.getpwnam(name)
        self.name = name
        self.uid = entry.pw_uid
        self.gids = set(os.getgrouplist(name, entry.pw_gid))

    def may(self, st, want):
        """want: a mask of 4 (read), 1 (search/execute)."""
        if self.uid == 0:
            return True
        if st.st_uid == self.uid:
            bits = (st.st_mode >> 6) & 7
        elif st.st_gid in self.gids:
            bits = (st.st_mode >> 3) & 7
        else:
            bits = st.st_mode & 7
        return bits & want == want


def blocking_path(user, path, want=None):
    """The first directory on the way to `path` that `user` (an Identity)
    cannot enter, or `path` itself if `user` cannot read it (or, given
    `want`, use it that way: 1 to enter); None when it can."""
    real = os.path.realpath(path)
    current = "/"
    for name in real.strip("/").split("/"):
        if not user.may(os.stat(current), 1):
            return current
        current = os.path.join(current, name)
    st = os.stat(current)
    if want is None:
        want = 5 if stat.S_ISDIR(st.st_mode) else 4
    return None if user.may(st, want) else current


def python_files(python):
    """What Python needs to read to start: the encodings package of its
    standard library, and its directory of extension modules."""
    code = ("import sysconfig, os\n"
            "p = sysconfig.get_paths()\n"
            "print(os.path.join(p['stdlib'], 'encodings', '__init__.py'))\n"
            "print(os.path.join(p['platstdlib'], 'lib-dynload'))\n")
    try:
        out = subprocess.run([python, "-I", "-c", code], capture_output=True,
                             text=True, timeout=60).stdout.split("\n")
    except (OSError, subprocess.TimeoutExpired):
        return []       # not a Python that runs: configure says so itself
    return [p for p in out if p and os.path.exists(p)]


def problem(user_name, python, fix=FIX):
    """A sentence naming the path `user_name` cannot read and the fix, or
    None when Python can start as that user."""
    try:
        user = Identity(user_name)
    except KeyError:
        return None
    for path in python_files(python):
        blocked = blocking_path(user, path)
        if blocked:
            verb = "enter" if blocked != os.path.realpath(path) else "read"
            return ("Apache's children run as %s, who cannot %s %s (on the "
                    "way to %s, the standard library of %s): Python cannot "
                    "start in them.  Fix: %s."
                    % (user_name, verb, blocked, os.path.dirname(path),
                       python, fix))
    return None


def main(argv):
    """Command line: childaccess.py USER PYTHON prints what keeps USER
    from using PYTHON and exits 1; nothing and 0 when it can; 2 on misuse."""
    if len(argv) != 3:
        print("usage: childaccess.py USER PYTHON", file=sys.stderr)
        return 2
    message = problem(argv[1], argv[2])
    if message:
        print(message)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
