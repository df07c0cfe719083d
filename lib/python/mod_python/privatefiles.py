"""Files and directories only this server's user may change.

Session stores unpickle what they read back and the PSP cache loads
marshalled code, so a file another local user could plant, replace or link
elsewhere would run that user's code in Apache.  Everything here refuses
such paths instead of using them.
"""

import contextlib
import os
import stat


class UnsafePath(PermissionError):
    """A file or directory another local user could read or change."""


def private_directory(path, what):
    """Make directory `path` (mode 0700) if it is missing, and check that
    it belongs to this process's user and no one else can write to it.
    `what` names it in the error ("session directory").  Raises
    UnsafePath."""
    try:
        st = os.lstat(path)   # usually there: no failing mkdir per request
    except FileNotFoundError:
        with contextlib.suppress(FileExistsError):
            os.mkdir(path, 0o700)
        st = os.lstat(path)
    problem = _directory_problem(st)
    if problem:
        raise UnsafePath("%s %s %s; remove it (it is made again, mode 0700) "
                         "or fix its owner and mode" % (what, path, problem))
    return path


def check_owner(path, st):
    """Refuse (UnsafePath) what `st` (an lstat or fstat of path) says is a
    symbolic link or a file of another user."""
    if stat.S_ISLNK(st.st_mode) or st.st_uid != os.geteuid():
        raise UnsafePath("%s is not a file owned by uid %d; refusing to read "
                         "it" % (path, os.geteuid()))


def open_own(path, flags=os.O_RDONLY, mode=0o600):
    """os.open() without following a symbolic link at the end of path; an
    existing file must be this user's.  Returns the descriptor."""
    # O_TRUNC waits for the check: another user's file must stay intact
    fd = os.open(path, (flags & ~os.O_TRUNC) | os.O_NOFOLLOW, mode)
    try:
        check_owner(path, os.fstat(fd))
        if flags & os.O_TRUNC:
            os.ftruncate(fd, 0)
    except BaseException:
        os.close(fd)
        raise
    return fd


def dbm_files(path):
    """The files a dbm module may have made for path."""
    return [path + suffix for suffix in ("", ".db", ".dir", ".dat", ".pag", ".bak")]


def check_owned_files(paths):
    """Each of paths that exists must be this user's (check_owner)."""
    for path in paths:
        try:
            check_owner(path, os.lstat(path))
        except FileNotFoundError:
            pass


def check_private_files(paths, what):
    """Each of paths that exists must be a regular file of this user that
    group and others cannot write, in a directory where no one else can
    replace it.  Raises UnsafePath naming the first that is not."""
    for path in paths:
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            continue
        check_owner(path, st)
        if not stat.S_ISREG(st.st_mode) or st.st_mode & 0o022:
            raise UnsafePath("%s %s is not a regular file writable only by "
                             "uid %d; remove it or fix its mode"
                             % (what, path, os.geteuid()))
    check_parent(paths[0], what)


def check_parent(path, what):
    """The directory holding path must not let another user rename or
    replace files in it: owned by this user or root, and not writable by
    group or others unless sticky (like /tmp)."""
    parent = os.path.dirname(os.path.abspath(path))
    st = os.stat(parent)
    shared = st.st_mode & 0o022 and not st.st_mode & stat.S_ISVTX
    if shared or st.st_uid not in (0, os.geteuid()):
        raise UnsafePath("the directory %s of %s %s lets another user replace "
                         "it; use a directory of uid %d with mode 0700"
                         % (parent, what, path, os.geteuid()))


def _directory_problem(st):
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
        return "is not a directory (a symbolic link?)"
    if st.st_uid != os.geteuid():
        return ("belongs to uid %d, not to uid %d that Apache's children run "
                "as" % (st.st_uid, os.geteuid()))
    if st.st_mode & 0o022:
        return "is writable by group or others (mode %o)" % stat.S_IMODE(st.st_mode)
    return None
