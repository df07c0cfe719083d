"""mod_python.Session: server-side sessions (library.md section 5).

    from mod_python import Session

    def handler(req):
        sess = Session.Session(req)
        sess["hits"] = sess.get("hits", 0) + 1
        sess.save()
        ...

A session is a dict kept on the server between requests, found again
through a cookie (``pysid``) holding its id.  While a request has a session
open, the session is locked: a second request for the same session waits
until the first one ends (the lock is released by a request cleanup, so
also when the handler raised).

Stores: MemorySession (this process only), DbmSession (a dbm file),
FileSession (one file per session), and, beyond mod_python 3.5,
RedisSession (a Redis server, shared by any number of Apache servers).

The locks of the first three are the cross-process, cross-thread APR
mutexes of the C module (``_global_lock``); the operating system releases
them when a process dies.  RedisSession locks live in Redis with an expiry.
"""

import contextlib
import hashlib
import importlib
import dbm as _dbm
import os
import pickle
import random
import re
import secrets
import tempfile
import threading
import time

from mod_python import Cookie, apache, options, privatefiles

COOKIE_NAME = "pysid"
DFT_TIMEOUT = 30 * 60
DFT_LOCK = True
CLEANUP_CHANCE = 1000
DFT_FAST_CLEANUP = True
DFT_VERIFY_CLEANUP = True
DFT_GRACE_PERIOD = 240
DFT_CLEANUP_TIME_LIMIT = 2
FS_STAT_VERSION = "MPFS_3.2"

tempdir = tempfile.gettempdir()

# exactly 32 lower-case hex digits, nothing before or after (no newline)
validate_sid_re = re.compile(r"\A[0-9a-f]{32}\Z")

DBM_LOCK_INDEX = 0            # global mutex 0 guards the dbm files
STALE_CLEANUP_LOCK = 3600     # FileSession cleanup lock older than this is stale
PICKLE_PROTOCOL = 4           # readable by every Python 3 the fleet may run
DFT_REDIS_URL = "redis://127.0.0.1:6379/0"
DFT_REDIS_PREFIX = "mp_sess:"
DFT_REDIS_LOCK_TIMEOUT = 30   # seconds


class LockLost(Exception):
    """A RedisSession held its lock longer than the lock timeout, so another
    request may have taken the session over: save() refuses to write."""


# --------------------------------------------------------------------------
# small helpers

def true_or_false(item):
    """yes/true/1/True -> True, no/false/0/None/False -> False; strings
    case-insensitive; anything else raises."""
    if item is None or item is False:
        return False
    if item is True:
        return True
    if isinstance(item, int):
        if item in (0, 1):
            return bool(item)
    elif isinstance(item, str):
        word = item.strip().lower()
        if word in ("yes", "true", "1"):
            return True
        if word in ("no", "false", "0"):
            return False
    raise Exception("Value %r is not a boolean word (yes/no, true/false, 1/0)"
                    % (item,))


def _new_sid():
    """128 random bits as 32 lower-case hex digits."""
    return secrets.token_hex(16)


def _valid_sid(sid):
    return isinstance(sid, str) and validate_sid_re.match(sid) is not None


def _expired(record, now, grace=0):
    """Whether a stored session record is past its timeout (or malformed)."""
    try:
        return now - record["_accessed"] > record["_timeout"] + grace
    except (KeyError, TypeError):
        return True


def _log(server, message, level=apache.APLOG_NOTICE):
    apache.log_error(message, level, server)


def make_filesession_dirs(sess_dir):
    """Create the 256 subdirectories 00 ... ff of a FileSession directory."""
    for i in range(256):
        path = os.path.join(sess_dir, "%02x" % i)
        if not os.path.isdir(path):
            os.makedirs(path, 0o700)


# --------------------------------------------------------------------------
# locks
#
# A lock taken twice by the same request only counts the second time, so a
# request can open the same session twice (or a DbmSession can take mutex 0
# while its session lock maps to mutex 0) without deadlocking itself.  The
# counts live on the original request of a chain of subrequests
# (req.main) and internal redirects (req.prev): those run on the thread of
# the request that started them, while it holds its locks.  Other requests,
# in this process or another, block on the real lock.

def _original_request(req):
    while True:
        parent = getattr(req, "main", None) or getattr(req, "prev", None)
        if parent is None:
            return req
        req = parent


def _held_locks(original):
    held = getattr(original, "_mp_session_locks", None)
    if held is None:
        held = {}
        original._mp_session_locks = held
    return held


class _RequestLock:
    """Base of the locks: re-entrant within one request.  Subclasses
    implement _take(blocking) -> token or None, and _give(token).

    The counts are Python objects of one interpreter; a note on the
    original request (shared by all interpreters) tells a subrequest run
    in another interpreter that the lock is its own request's, which it
    could only wait for forever."""

    def __init__(self, req, name):
        self._original = _original_request(req)
        self._held = _held_locks(self._original)
        self._name = name
        # hashed: a Redis lock's name holds the server URL (and password)
        self._note = "mod_python.session_lock " + hashlib.sha256(
            repr(name).encode("utf-8")).hexdigest()[:32]
        self.token = None

    def acquire(self, blocking=True):
        entry = self._held.get(self._name)
        if entry:
            entry[0] += 1
        else:
            if self._note in self._original.notes:
                if not blocking:
                    return False
                raise RuntimeError("the session lock is held by this "
                                   "request in another interpreter")
            token = self._take_noted(blocking)
            if token is None:
                return False
            entry = self._held[self._name] = [1, token]
        self.token = entry[1]
        return True

    def _take_noted(self, blocking):
        """_take(), with the note set while the lock is held."""
        notes = self._original.notes
        notes[self._note] = "held"
        token = None
        try:
            token = self._take(blocking)
        finally:
            if token is None:
                del notes[self._note]
        return token

    def release(self):
        entry = self._held.get(self._name)
        if not entry:
            return
        entry[0] -= 1
        if entry[0] == 0:
            del self._held[self._name]
            # (RuntimeError: the request is already over)
            with contextlib.suppress(KeyError, RuntimeError):
                del self._original.notes[self._note]
            self._give(entry[1])

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()


def mutex_index(server, key):
    """The global mutex _global_lock(server, key) takes: never 0, the dbm
    mutex, unless there is only one."""
    return apache._global_lock_index(key)


class _GlobalMutex(_RequestLock):
    """One of the C module's APR global mutexes (cross-process and
    cross-thread; the OS releases it if the holding process dies)."""

    def __init__(self, req, key, index=None):
        self._server = req.server
        self._key = key
        if index is None:
            index = mutex_index(self._server, key)
        self._index = index
        _RequestLock.__init__(self, req, ("mutex", index))

    def _take(self, blocking):
        if not blocking:
            got = apache._global_trylock(self._server, self._key, self._index)
            return True if got else None
        apache._global_lock(self._server, self._key, self._index)
        return True

    def _give(self, token):
        apache._global_unlock(self._server, self._key, self._index)


# --------------------------------------------------------------------------
# BaseSession

class BaseSession(dict):
    """A session: a dict saved on the server, found again by its id."""

    def __init__(self, req, sid=None, secret=None, lock=1, timeout=0):
        dict.__init__(self)
        self._req = req
        self._server = req.server
        self._secret = secret
        self._lock = lock
        self._locked = 0
        self._sid_lock = None
        self._cleanup_registered = False
        self._invalid = 0
        self._new = 1
        self._created = self._accessed = time.time()
        self._timeout = timeout or DFT_TIMEOUT
        self._cookie_name = (options.text(req, "mod_python.session.cookie_name",
                                     "session_cookie_name") or COOKIE_NAME)
        self._sid = self._requested_sid(sid)
        self.init_lock()
        if self._sid:
            self.lock()
            if self.load():
                self._new = 0
        if self._new:
            self._start_new(timeout)
        self._accessed = time.time()
        if random.randint(1, CLEANUP_CHANCE) == 1:
            self.cleanup()

    # ---- construction

    def _requested_sid(self, sid):
        """The id asked for: the argument (which must be valid) or the
        session cookie (ignored unless valid)."""
        if sid:
            if not _valid_sid(sid):
                raise ValueError("Invalid Session ID: sid=%s" % (sid,))
            return sid
        cookie = self._session_cookie()
        if cookie is not None and _valid_sid(cookie.value):
            return cookie.value
        return None

    def _session_cookie(self):
        name = self._cookie_name
        try:
            if not self._secret:
                return Cookie.get_cookie(self._req, name)
            cookie = Cookie.get_cookie(self._req, name, Class=Cookie.SignedCookie,
                                       secret=self._secret,
                                       mismatch=Cookie.Cookie.IGNORE)
        except Cookie.CookieError:
            return None
        return cookie if type(cookie) is Cookie.SignedCookie else None

    def _start_new(self, timeout):
        if self._sid:
            self.unlock()
        self._sid = _new_sid()
        self.lock()
        Cookie.add_cookie(self._req, self.make_cookie())
        self._created = time.time()
        self._timeout = timeout or DFT_TIMEOUT

    # ---- the cookie

    def make_cookie(self):
        """The session cookie (signed when there is a secret)."""
        if self._secret:
            cookie = Cookie.SignedCookie(self._cookie_name, self._sid,
                                         secret=self._secret)
        else:
            cookie = Cookie.Cookie(self._cookie_name, self._sid)
        domain = options.text(self._req, "mod_python.session.application_domain")
        if domain:
            cookie.domain = domain
        cookie.path = self._cookie_path()
        self._cookie_flags(cookie)
        return cookie

    def _cookie_path(self):
        path = options.text(self._req, "mod_python.session.application_path",
                       "ApplicationPath")
        return path or _derived_cookie_path(self._req)

    def _cookie_flags(self, cookie):
        req = self._req
        if options.flag(req, True, "mod_python.session.cookie_httponly"):
            cookie.httponly = True
        samesite = options.text(req, "mod_python.session.cookie_samesite") or "Lax"
        if samesite.strip().lower() != "off":
            cookie.samesite = samesite.strip()
        secure = options.flag(req, None, "mod_python.session.cookie_secure")
        if secure is None:
            secure = bool(req.is_https())
        if secure:
            cookie.secure = True

    # ---- accessors

    def is_new(self):
        return bool(self._new)

    def id(self):
        return self._sid

    def created(self):
        return self._created

    def last_accessed(self):
        return self._accessed

    def timeout(self):
        return self._timeout

    def set_timeout(self, secs):
        self._timeout = secs

    # ---- persistence

    def load(self):
        """Fill the dict from the store; 0 if missing or expired."""
        record = self.do_load()
        if record is None or _expired(record, time.time()):
            return 0
        self._created = record["_created"]
        self._accessed = record["_accessed"]
        self._timeout = record["_timeout"]
        self.update(record["_data"])
        return 1

    def save(self):
        if not self._invalid:
            self.do_save({"_data": self.copy(), "_created": self._created,
                          "_accessed": self._accessed,
                          "_timeout": self._timeout})

    def delete(self):
        self.do_delete()
        self.clear()

    def invalidate(self):
        """Expire the cookie, delete the stored session, and make later
        save() calls do nothing."""
        cookie = self.make_cookie()
        cookie.expires = 0
        Cookie.add_cookie(self._req, cookie)
        self.delete()
        self._invalid = 1

    # the store: subclasses override these
    def do_load(self):
        return None

    def do_save(self, record):
        pass

    def do_delete(self):
        pass

    def do_cleanup(self):
        pass

    def cleanup(self):
        self.do_cleanup()

    # ---- locking

    def init_lock(self):
        pass

    def _make_sid_lock(self):
        return _GlobalMutex(self._req, self._sid)

    def lock(self):
        """Take this session's lock (waiting for another request holding
        it); it is given back by unlock() or at the end of the request."""
        if not self._lock or self._locked:
            return
        if not self._cleanup_registered:
            self._req.register_cleanup(unlock_session_cleanup, self)
            self._cleanup_registered = True
        sid_lock = self._make_sid_lock()
        sid_lock.acquire()
        self._sid_lock = sid_lock
        self._locked = 1

    def unlock(self):
        if self._lock and self._locked:
            self._locked = 0
            self._sid_lock.release()

    def __del__(self):
        try:
            self.unlock()
        except Exception:
            pass


def _derived_cookie_path(req):
    """The handler's directory relative to the document root ("/app/"),
    or "/" when that does not make a prefix of the URI."""
    hlist = getattr(req, "hlist", None)
    directory = getattr(hlist, "directory", None) if hlist is not None else None
    if not directory:
        return "/"
    docroot = (req.document_root() or "").rstrip("/")
    if docroot and (directory == docroot or directory.startswith(docroot + "/")):
        directory = directory[len(docroot):]
    if not directory.startswith("/"):
        directory = "/" + directory
    if not req.uri.startswith(directory):
        return "/"
    return directory


def unlock_session_cleanup(sess):
    """Request cleanup: give back the session's lock."""
    sess.unlock()


# --------------------------------------------------------------------------
# MemorySession

def mem_cleanup(sdict):
    """Remove the expired sessions of a MemorySession dict."""
    now = time.time()
    for sid, record in list(sdict.items()):
        if _expired(record, now):
            sdict.pop(sid, None)


class MemorySession(BaseSession):
    """Sessions kept in this process (and interpreter) only.  The stored
    dict is a shallow copy: mutable values are shared with it, as in 3.5."""

    sdict = {}

    def __init__(self, req, sid=0, secret=None, timeout=0, lock=1):
        BaseSession.__init__(self, req, sid=sid, secret=secret, lock=lock,
                             timeout=timeout)

    def do_cleanup(self):
        self._req.register_cleanup(mem_cleanup, MemorySession.sdict)

    def do_load(self):
        record = MemorySession.sdict.get(self._sid)
        if record is None:
            return None
        record = dict(record)
        record["_data"] = dict(record["_data"])
        return record

    def do_save(self, record):
        MemorySession.sdict[self._sid] = record

    def do_delete(self):
        MemorySession.sdict.pop(self._sid, None)


# --------------------------------------------------------------------------
# files we read pickles from must be ours

def _read_own_pickle(path):
    """Unpickle a file this server wrote; None if it does not exist."""
    try:
        fd = privatefiles.open_own(path)
    except FileNotFoundError:
        return None
    with os.fdopen(fd, "rb") as f:
        return pickle.load(f)


def _write_pickle_atomically(path, record):
    """Write to a private temporary file beside path, then rename it."""
    directory = os.path.dirname(path)
    os.makedirs(directory, 0o750, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            pickle.dump(record, f, PICKLE_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# --------------------------------------------------------------------------
# DbmSession

# dbm file -> the dbm module that made it
_dbm_kinds = {}


def _concrete_dbm(dbmtype, path):
    """For the generic `dbm`, the module that made the file: dbm.open()
    finds it out (whichdb opens the file once more) at every call, which
    doubles the cost of each session access."""
    if dbmtype is not _dbm:
        return dbmtype
    module = _dbm_kinds.get(path)
    if module is None:
        kind = _dbm.whichdb(path)
        if not kind:        # no file yet, or not a dbm file: dbm.open decides
            return dbmtype
        module = _dbm_kinds[path] = importlib.import_module(kind)
    return module


def dbm_cleanup(sess):
    """Request cleanup registered by DbmSession: delete expired sessions."""
    now = time.time()
    with sess._dbm_open() as db:
        doomed = [key for key in db.keys() if _expired(_unpickle(db[key]), now)]
        for key in doomed:
            del db[key]


def _unpickle(blob):
    try:
        return pickle.loads(blob)
    except Exception:
        return None


class DbmSession(BaseSession):
    """Sessions in one dbm file, shared by all processes of the server (and
    kept across restarts); each access opens it under global mutex 0."""

    def __init__(self, req, dbm=None, sid=0, secret=None, dbmtype=_dbm,
                 timeout=0, lock=1):
        self._dbmfile = _dbm_path(req, dbm)
        self._dbmtype = dbmtype
        BaseSession.__init__(self, req, sid=sid, secret=secret, lock=lock,
                             timeout=timeout)

    @contextlib.contextmanager
    def _dbm_open(self, flag="c"):
        """The dbm file, opened under global mutex 0; with flag "r", None
        when it does not exist yet."""
        with _GlobalMutex(self._req, "dbm", DBM_LOCK_INDEX):
            privatefiles.check_owned_files(privatefiles.dbm_files(self._dbmfile))
            dbmtype = _concrete_dbm(self._dbmtype, self._dbmfile)
            try:
                db = dbmtype.open(self._dbmfile, flag, 0o640)
            except _dbm.error:
                if flag != "r" or _dbm.whichdb(self._dbmfile) is not None:
                    raise
                db = None       # nothing saved yet
            try:
                yield db
            finally:
                if db is not None:
                    db.close()

    def _key(self):
        return self._sid.encode("ascii")

    def do_cleanup(self):
        self._req.register_cleanup(dbm_cleanup, self)
        self._req.log_error("DbmSession: registered database cleanup.",
                            apache.APLOG_NOTICE)

    def do_load(self):
        # read-only: closing it then costs no write-back
        with self._dbm_open("r") as db:
            blob = None if db is None else db.get(self._key())
        return None if blob is None else pickle.loads(blob)

    def do_save(self, record):
        blob = pickle.dumps(record, PICKLE_PROTOCOL)
        with self._dbm_open() as db:
            db[self._key()] = blob

    def do_delete(self):
        with self._dbm_open() as db:
            with contextlib.suppress(KeyError):
                del db[self._key()]


def _dbm_path(req, given):
    if given:
        return given
    path = options.text(req, "mod_python.dbm_session.database_filename", "session_dbm")
    if path:
        return path
    directory = options.text(req, "mod_python.dbm_session.database_directory",
                        "mod_python.session.database_directory",
                        "session_directory")
    return os.path.join(directory or tempdir, "mp_sess.dbm")


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
        sid = sid or self._sid
        if not _valid_sid(sid):   # never a path outside the session dir
            raise ValueError("Invalid Session ID: sid=%s" % (sid,))
        return os.path.join(self._sessdir, sid[:2], sid)

    def _file_lock(self):
        """Unless the session is locked, each file operation still takes
        the session's mutex briefly."""
        if self._locked:
            return contextlib.nullcontext()
        return _GlobalMutex(self._req, self._sid)

    def do_cleanup(self):
        self._req.register_cleanup(filesession_cleanup, self)
        self._req.log_error("FileSession: registered filesession cleanup.",
                            apache.APLOG_NOTICE)

    def do_load(self):
        path = self._path()
        try:
            with self._file_lock():
                record = _read_own_pickle(path)
                if record is not None:
                    os.utime(path)
            return record
        except Exception as exc:
            self._log_error("loading", exc)
            return None

    def do_save(self, record):
        try:
            with self._file_lock():
                _write_pickle_atomically(self._path(), record)
        except Exception as exc:
            self._log_error("saving", exc)

    def do_delete(self):
        try:
            with self._file_lock():
                os.unlink(self._path())
        except FileNotFoundError:
            pass
        except Exception as exc:
            self._log_error("deleting", exc)

    def _log_error(self, doing, exc):
        self._req.log_error("Error while %s a session : %s: %s"
                            % (doing, type(exc).__name__, exc), apache.APLOG_ERR)


def _file_base_dir(req):
    return (options.text(req, "mod_python.file_session.database_directory",
                    "mod_python.session.database_directory",
                    "session_directory") or tempdir)


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
        self.timeout = sess._timeout or DFT_TIMEOUT
        self.grace = sess._grace_period
        self.limit = sess._cleanup_time_limit
        self.fast = sess._fast_cleanup
        self.verify = sess._verify_cleanup
        self.start = time.time()
        self.expired = self.total = 0

    def run(self):
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
            _log(self.server, "FileSession cleanup: cannot create %s: %s"
                 % (self.lockfile, exc), apache.APLOG_ERR)
        return False

    def _remove_stale_lockfile(self):
        try:
            age = time.time() - os.stat(self.lockfile).st_mtime
        except OSError:
            return
        if age > STALE_CLEANUP_LOCK:
            _log(self.server, "FileSession cleanup: removing stale lock file %s"
                 % self.lockfile)
            with contextlib.suppress(OSError):
                os.unlink(self.lockfile)
        else:
            _log(self.server, "FileSession cleanup: another cleanup is running")

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
            _log(self.server, "FileSession cleanup: cannot write %s: %s"
                 % (self.statusfile, exc), apache.APLOG_ERR)

    def _report(self, next_index, complete):
        if complete:
            _log(self.server, "FileSession cleanup: deleted %d of %d in %.4f seconds"
                 % (self.expired, self.total, time.time() - self.start))
        else:
            _log(self.server, "FileSession cleanup incomplete: next cleanup will "
                 "start at index %d (%02x)" % (next_index, next_index))

    def _clean_dir(self, name):
        directory = os.path.join(self.sessdir, name)
        try:
            names = os.listdir(directory)
        except OSError:
            return
        for sid in names:
            if _valid_sid(sid):
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
        if _expired(record, now, self.grace):
            self._delete(path, sid)

    def _delete(self, path, sid):
        """Delete unless a request has the session locked (then it is in
        use, so not expired)."""
        mutex = _GlobalMutex(self.sess._req, sid)
        if not mutex.acquire(blocking=False):
            return
        try:
            os.unlink(path)
            self.expired += 1
        except OSError:
            pass
        finally:
            mutex.release()


# --------------------------------------------------------------------------
# RedisSession (beyond 3.5)
#
# Keys: <prefix><sid> holds the pickled record with a TTL of the session
# timeout; <prefix>lock:<sid> holds the lock owner's random token with a TTL
# of the lock timeout (so a killed process cannot keep it forever);
# <prefix>wake:<sid> is a one-element list pushed on unlock, which waiters
# block on (BLPOP) instead of polling.

_UNLOCK_SCRIPT = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    redis.call('del', KEYS[1])
    redis.call('rpush', KEYS[2], '1')
    redis.call('ltrim', KEYS[2], -1, -1)
    redis.call('pexpire', KEYS[2], ARGV[2])
    return 1
end
return 0
"""

# save only while still holding the lock (ARGV[3] is the token, '' when the
# session is not locked), and renew the lock
_SAVE_SCRIPT = """
if ARGV[3] ~= '' and redis.call('get', KEYS[1]) ~= ARGV[3] then
    return 0
end
redis.call('set', KEYS[2], ARGV[1], 'PX', ARGV[2])
if ARGV[3] ~= '' then
    redis.call('pexpire', KEYS[1], ARGV[4])
end
return 1
"""

_redis_stores = {}
_redis_guard = threading.Lock()


class _RedisStore:
    """One Redis database (URL) and key prefix; shared by the threads of a
    process (redis-py's connection pool is thread-safe)."""

    def __init__(self, url, prefix, lock_timeout):
        try:
            import redis
        except ImportError as exc:
            raise ImportError("RedisSession needs the redis package in the "
                              "Python Apache embeds: %s" % exc) from exc
        self.url = url
        self.prefix = prefix
        self.lock_ms = max(1, int(lock_timeout * 1000))
        self.poll = min(0.5, max(lock_timeout, 0.01))
        self.client = redis.Redis.from_url(url)
        self._unlock = self.client.register_script(_UNLOCK_SCRIPT)
        self._save = self.client.register_script(_SAVE_SCRIPT)

    @classmethod
    def get(cls, url, prefix, lock_timeout):
        key = (url, prefix, lock_timeout)
        with _redis_guard:
            store = _redis_stores.get(key)
            if store is None:
                store = _redis_stores[key] = cls(url, prefix, lock_timeout)
            return store

    def _keys(self, sid):
        return (self.prefix + "lock:" + sid, self.prefix + "wake:" + sid,
                self.prefix + sid)

    def lock(self, sid, blocking=True):
        """Take the lock; its token, or None (not blocking, lock busy)."""
        lock_key, wake_key, _ = self._keys(sid)
        token = secrets.token_hex(16)
        while not self.client.set(lock_key, token, nx=True, px=self.lock_ms):
            if not blocking:
                return None
            self.client.blpop([wake_key], timeout=self.poll)
        return token

    def unlock(self, sid, token):
        """Give the lock back (and wake a waiter); False if it had expired."""
        lock_key, wake_key, _ = self._keys(sid)
        return bool(self._unlock(keys=[lock_key, wake_key],
                                 args=[token, self.lock_ms]))

    def load(self, sid):
        blob = self.client.get(self._keys(sid)[2])
        return None if blob is None else pickle.loads(blob)

    def save(self, sid, record, ttl, token):
        """Store record for ttl seconds; False if token no longer owns the lock."""
        lock_key, _, data_key = self._keys(sid)
        blob = pickle.dumps(record, PICKLE_PROTOCOL)
        ttl_ms = max(1, int(ttl * 1000))
        return bool(self._save(keys=[lock_key, data_key],
                               args=[blob, ttl_ms, token or "", self.lock_ms]))

    def delete(self, sid):
        self.client.delete(self._keys(sid)[2])


class _RedisLock(_RequestLock):
    def __init__(self, req, store, sid):
        _RequestLock.__init__(self, req, ("redis", store.url, store.prefix, sid))
        self._store = store
        self._sid = sid
        self._server = req.server

    def _take(self, blocking):
        return self._store.lock(self._sid, blocking)

    def _give(self, token):
        if not self._store.unlock(self._sid, token):
            _log(self._server, "RedisSession: the lock of session %s had expired "
                 "before it was released (mod_python.session.redis_lock_timeout "
                 "is too short for this request)" % self._sid, apache.APLOG_WARNING)


class RedisSession(BaseSession):
    """Sessions in Redis, shared by every Apache server using the same
    Redis; locks and expiry are Redis key TTLs."""

    def __init__(self, req, sid=0, secret=None, timeout=0, lock=1, url=None):
        self._store = _RedisStore.get(
            url or options.text(req, "mod_python.session.redis_url") or DFT_REDIS_URL,
            options.text(req, "mod_python.session.redis_prefix") or DFT_REDIS_PREFIX,
            options.number(req, DFT_REDIS_LOCK_TIMEOUT,
                           "mod_python.session.redis_lock_timeout"))
        BaseSession.__init__(self, req, sid=sid, secret=secret, lock=lock,
                             timeout=timeout)

    def _make_sid_lock(self):
        return _RedisLock(self._req, self._store, self._sid)

    def do_load(self):
        return self._store.load(self._sid)

    def do_save(self, record):
        token = self._sid_lock.token if self._locked else None
        if not self._store.save(self._sid, record, self._timeout, token):
            raise LockLost("RedisSession: lock of session %s expired before "
                           "save(); not saved" % self._sid)

    def do_delete(self):
        self._store.delete(self._sid)

    def do_cleanup(self):
        pass   # Redis expires the keys itself


# --------------------------------------------------------------------------
# the factory

_SESSION_TYPES = {"MemorySession": MemorySession, "DbmSession": DbmSession,
                  "FileSession": FileSession, "RedisSession": RedisSession}


def _default_session_type():
    """MemorySession when the MPM is threaded and runs a single process,
    else DbmSession."""
    threaded = apache.mpm_query(apache.AP_MPMQ_IS_THREADED)
    forked = apache.mpm_query(apache.AP_MPMQ_IS_FORKED)
    daemons = apache.mpm_query(apache.AP_MPMQ_MAX_DAEMONS)
    if threaded and (not forked or daemons == 1):
        return "MemorySession"
    return "DbmSession"


def Session(req, sid=0, secret=None, timeout=0, lock=1):
    """A session of the type chosen by PythonOption
    mod_python.session.session_type (or the MPM)."""
    name = (options.text(req, "mod_python.session.session_type", "session")
            or _default_session_type())
    cls = _SESSION_TYPES.get(name.strip())
    if cls is None:
        raise Exception("Unknown session type %s" % name)
    return cls(req, sid=sid, secret=secret, timeout=timeout, lock=lock)
