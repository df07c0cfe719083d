"""FileSession: one pickle file per session, <dir>/mp_sess/<sid[:2]>/<sid>,
and its cleanup, which sweeps the 256 subdirectories a few at a time."""

import contextlib
import errno
import os
import pickle
import time

import _apache

from mod_python import apache, options, privatefiles, session_base
from mod_python.session_base import (
    BaseSession, record_expired, server_log, true_or_false, valid_sid)
from mod_python.session_locks import GlobalMutex

DFT_FAST_CLEANUP = True
DFT_VERIFY_CLEANUP = True
DFT_GRACE_PERIOD = 240
DFT_CLEANUP_TIME_LIMIT = 2
FS_STAT_VERSION = "MPFS_3.2"
STALE_CLEANUP_LOCK = 3600     # a cleanup lock file older than this is stale


def make_filesession_dirs(sess_dir):
    """Create the 256 subdirectories 00 ... ff of a FileSession directory."""
    for i in range(256):
        path = os.path.join(sess_dir, "%02x" % i)
        if not os.path.isdir(path):
            os.makedirs(path, 0o700)


# --------------------------------------------------------------------------
# session files: we only unpickle files that are ours

def _read_own_pickle(path, touch=False):
    """Unpickle a file this server wrote; None if it does not exist.
    touch: then set its times to now (the session was used)."""
    try:
        fd = privatefiles.open_own(path)
    except FileNotFoundError:
        return None
    try:
        record = pickle.loads(_read_all(fd))
        if touch:
            os.utime(fd)
    finally:
        os.close(fd)
    return record


# Plain descriptors rather than file objects: a session file is read and
# written whole, in a call or two, and a buffered file object costs more
# to make than the read.
def _read_all(fd):
    chunks = []
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _write_all(fd, data):
    done = os.write(fd, data)
    while done < len(data):
        done += os.write(fd, memoryview(data)[done:])


def _spare(path):
    """The session file's spare: the next version is written there, then
    the two are swapped, so the spare holds the previous one."""
    return path + ".spare"


# Whether the file system swaps two files in one step (see _swap_in).
_exchange_works = True


def _write_pickle_atomically(path, record):
    """Write the record to the session's spare file, then put it in the
    session file's place in one step: a reader (or a crash) sees the old
    version or the new one, never a part."""
    data = pickle.dumps(record, session_base.PICKLE_PROTOCOL)
    spare = _spare(path)
    flags = os.O_WRONLY | os.O_CREAT
    try:
        fd = privatefiles.open_own(spare, flags)
    except FileNotFoundError:   # the subdirectory is missing
        os.makedirs(os.path.dirname(path), 0o700, exist_ok=True)
        fd = privatefiles.open_own(spare, flags)
    try:
        # Overwritten, then cut to size: truncating to nothing first (or
        # renaming over the session file) makes ext4 force the data out.
        try:
            _write_all(fd, data)
            os.ftruncate(fd, len(data))
        finally:
            os.close(fd)
        _swap_in(spare, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(spare)
        raise


def _swap_in(spare, path):
    global _exchange_works
    if _exchange_works:
        try:
            return _apache._exchange_files(spare, path)
        except FileNotFoundError:   # a new session: nothing to swap with
            return os.rename(spare, path)
        except OSError as exc:
            if exc.errno not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
                raise
            _exchange_works = False   # a file system without the swap
    os.replace(spare, path)


# --------------------------------------------------------------------------
# FileSession

class FileSession(BaseSession):
    """One pickle file per session: <dir>/mp_sess/<sid[:2]>/<sid>."""

    def __init__(self, req, sid=0, secret=None, timeout=0, lock=1,
                 fast_cleanup=-1, verify_cleanup=-1):
        self._fast_cleanup = self._flag(
            req, fast_cleanup, DFT_FAST_CLEANUP,
            "mod_python.file_session.enable_fast_cleanup", "session_fast_cleanup")
        self._verify_cleanup = self._flag(
            req, verify_cleanup, DFT_VERIFY_CLEANUP,
            "mod_python.file_session.verify_session_timeout",
            "session_verify_cleanup")
        self._grace_period = options.integer(
            req, DFT_GRACE_PERIOD, "mod_python.file_session.cleanup_grace_period",
            "session_grace_period")
        self._cleanup_time_limit = options.integer(
            req, DFT_CLEANUP_TIME_LIMIT, "mod_python.file_session.cleanup_time_limit",
            "session_cleanup_time_limit")
        try:
            self._sessdir = privatefiles.private_directory(
                os.path.join(_file_base_dir(req), "mp_sess"), "session directory")
        except privatefiles.UnsafePath as exc:
            req.log_error("mod_python.Session: %s" % exc, apache.APLOG_ERR)
            raise apache.SERVER_RETURN(apache.HTTP_INTERNAL_SERVER_ERROR)
        BaseSession.__init__(self, req, sid=sid, secret=secret, lock=lock,
                             timeout=timeout)

    @staticmethod
    def _flag(req, given, default, *keys):
        """The argument when given, else the option; a word that is not
        boolean raises (true_or_false), as 3.5 did."""
        if given == -1:
            given = options.text(req, *keys)
            if given is None:
                return default
            if options.parse_flag(given) is not None:
                return options.parse_flag(given)
        return true_or_false(given)

    def _path(self, sid=None):
        """The session's file."""
        sid = sid or self._sid
        if not valid_sid(sid):   # never a path outside the session dir
            raise ValueError("Invalid Session ID: sid=%s" % (sid,))
        return "%s/%s/%s" % (self._sessdir, sid[:2], sid)

    def _under_lock(self, function, *args):
        """function(*args) under the session's mutex: already held when the
        session is locked, else taken for the call."""
        if self._locked:
            return function(*args)
        with GlobalMutex(self._req, self._sid):
            return function(*args)

    def do_cleanup(self):
        """Register filesession_cleanup as a request cleanup."""
        self._req.register_cleanup(filesession_cleanup, self)
        self._req.log_error("FileSession: registered filesession cleanup.",
                            apache.APLOG_NOTICE)

    def do_load(self):
        """The stored record (touching the file), or None; errors are logged."""
        path = self._path()
        try:
            return self._under_lock(_read_own_pickle, path, True)
        except Exception as exc:
            self._log_error("loading", exc)
            return None

    def do_save(self, record):
        """Write the session file; errors are logged."""
        try:
            self._under_lock(_write_pickle_atomically, self._path(), record)
        except Exception as exc:
            self._log_error("saving", exc)

    def do_delete(self):
        """Remove the session file and its spare, if any; errors are
        logged."""
        try:
            self._under_lock(_unlink_session, self._path())
        except FileNotFoundError:
            pass
        except Exception as exc:
            self._log_error("deleting", exc)

    def _log_error(self, doing, exc):
        self._req.log_error("Error while %s a session : %s: %s"
                            % (doing, type(exc).__name__, exc), apache.APLOG_ERR)


def _unlink_session(path):
    """Remove a session file and its spare; FileNotFoundError when there
    was no session file."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(_spare(path))
    os.unlink(path)


def _file_base_dir(req):
    """The directory holding mp_sess: from the options, else the temp dir."""
    return (options.text(req, "mod_python.file_session.database_directory",
                         "mod_python.session.database_directory",
                         "session_directory") or session_base.tempdir)


# --------------------------------------------------------------------------
# cleanup

def filesession_cleanup(sess):
    """Request cleanup registered by FileSession: delete expired files."""
    _FileSessionCleanup(sess).run()


class _FileSessionCleanup:
    """One cleanup run over the 256 subdirectories of a session dir,
    resumed where the previous run stopped when it ran out of time."""

    def __init__(self, sess):
        self.sess = sess
        self.server = sess._server
        self.sessdir = sess._sessdir
        self.lockfile = os.path.join(self.sessdir, ".mp_sess.lck")
        self.statusfile = os.path.join(self.sessdir, "fs_status.txt")
        self.timeout = sess._timeout or session_base.DFT_TIMEOUT
        self.grace = sess._grace_period
        self.limit = sess._cleanup_time_limit
        self.fast = sess._fast_cleanup
        self.verify = sess._verify_cleanup
        self.start = time.time()
        self.expired = self.total = 0

    def run(self):
        """Sweep, unless another cleanup holds the lock file."""
        if not self._take_lockfile():
            return
        try:
            self._sweep()
        finally:
            with contextlib.suppress(OSError):
                os.unlink(self.lockfile)

    def _take_lockfile(self):
        try:
            os.close(os.open(self.lockfile, os.O_CREAT | os.O_EXCL | os.O_WRONLY,
                             0o600))
            return True
        except FileExistsError:
            self._remove_stale_lockfile()
        except OSError as exc:
            server_log(self.server, "FileSession cleanup: cannot create %s: %s"
                       % (self.lockfile, exc), apache.APLOG_ERR)
        return False

    def _remove_stale_lockfile(self):
        try:
            age = time.time() - os.stat(self.lockfile).st_mtime
        except OSError:
            return
        if age > STALE_CLEANUP_LOCK:
            server_log(self.server, "FileSession cleanup: removing stale lock "
                       "file %s" % self.lockfile)
            with contextlib.suppress(OSError):
                os.unlink(self.lockfile)
        else:
            server_log(self.server, "FileSession cleanup: another cleanup is running")

    def _sweep(self):
        index = self._read_status()
        while index < 256:
            self._clean_dir("%02x" % index)
            index += 1
            if self.limit and time.time() - self.start > self.limit:
                break
        next_index = 0 if index >= 256 else index
        self._write_status(next_index)
        self._report(next_index, index >= 256)

    def _read_status(self):
        try:
            with os.fdopen(privatefiles.open_own(self.statusfile)) as f:
                parts = f.read().split()
            if parts[0] == FS_STAT_VERSION:
                return min(max(int(parts[1]), 0), 255)
        except (OSError, ValueError, IndexError):
            pass
        return 0

    def _write_status(self, next_index):
        text = "%s %d %d %d %.4f\n" % (FS_STAT_VERSION, next_index, self.expired,
                                       self.total, time.time() - self.start)
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
            with os.fdopen(privatefiles.open_own(self.statusfile, flags), "w") as f:
                f.write(text)
        except OSError as exc:
            server_log(self.server, "FileSession cleanup: cannot write %s: %s"
                       % (self.statusfile, exc), apache.APLOG_ERR)

    def _report(self, next_index, complete):
        if complete:
            server_log(self.server, "FileSession cleanup: deleted %d of %d in "
                       "%.4f seconds" % (self.expired, self.total,
                                         time.time() - self.start))
        else:
            server_log(self.server, "FileSession cleanup incomplete: next cleanup "
                       "will start at index %d (%02x)" % (next_index, next_index))

    def _clean_dir(self, name):
        directory = os.path.join(self.sessdir, name)
        try:
            names = os.listdir(directory)
        except OSError:
            return
        for sid in names:
            if valid_sid(sid):
                self.total += 1
                self._clean_file(os.path.join(directory, sid), sid)

    def _clean_file(self, path, sid):
        now = time.time()
        try:
            age = now - os.lstat(path).st_mtime
        except OSError:
            return
        if self.fast and age < self.timeout + self.grace:
            return
        if self.fast and not self.verify:
            self._delete(path, sid)
            return
        try:
            record = _read_own_pickle(path)
        except Exception:
            record = None
        if record_expired(record, now, self.grace):
            self._delete(path, sid)

    def _delete(self, path, sid):
        """Delete unless a request has the session locked (then it is in
        use, so not expired)."""
        mutex = GlobalMutex(self.sess._req, sid)
        if not mutex.acquire(blocking=False):
            return
        try:
            _unlink_session(path)
            self.expired += 1
        except OSError:
            pass
        finally:
            mutex.release()
