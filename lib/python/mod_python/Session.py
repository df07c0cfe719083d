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

This module is the public face: it holds the Session() factory and
re-exports the names applications use.  The code lives in
session_base (BaseSession, ids, cookies), session_locks (request locks),
and one module per store: session_memory, session_dbm, session_file,
session_redis.
"""

import sys
import types

from mod_python import (apache, options, session_base, session_dbm,
                        session_file, session_locks, session_memory,
                        session_redis)
from mod_python.session_base import (
    CLEANUP_CHANCE, COOKIE_NAME, DFT_LOCK, DFT_TIMEOUT, PICKLE_PROTOCOL,
    BaseSession, tempdir, true_or_false, unlock_session_cleanup,
    validate_sid_re)
from mod_python.session_dbm import DBM_LOCK_INDEX, DbmSession, dbm_cleanup
from mod_python.session_file import (
    DFT_CLEANUP_TIME_LIMIT, DFT_FAST_CLEANUP, DFT_GRACE_PERIOD,
    DFT_VERIFY_CLEANUP, FS_STAT_VERSION, STALE_CLEANUP_LOCK, FileSession,
    filesession_cleanup, make_filesession_dirs)
from mod_python.lookup import lookup
from mod_python.session_locks import mutex_index
from mod_python.session_memory import MemorySession, mem_cleanup
from mod_python.session_redis import (
    DFT_REDIS_LOCK_TIMEOUT, DFT_REDIS_PREFIX, DFT_REDIS_URL, LockLost,
    RedisSession)

__all__ = [
    # constants
    "COOKIE_NAME", "DFT_TIMEOUT", "DFT_LOCK", "CLEANUP_CHANCE",
    "DFT_FAST_CLEANUP", "DFT_VERIFY_CLEANUP", "DFT_GRACE_PERIOD",
    "DFT_CLEANUP_TIME_LIMIT", "FS_STAT_VERSION", "tempdir", "validate_sid_re",
    "DBM_LOCK_INDEX", "STALE_CLEANUP_LOCK", "PICKLE_PROTOCOL",
    "DFT_REDIS_URL", "DFT_REDIS_PREFIX", "DFT_REDIS_LOCK_TIMEOUT",
    # helpers and request cleanups
    "true_or_false", "make_filesession_dirs", "mutex_index",
    "unlock_session_cleanup", "mem_cleanup", "dbm_cleanup",
    "filesession_cleanup",
    # sessions
    "BaseSession", "MemorySession", "DbmSession", "FileSession",
    "RedisSession", "LockLost", "Session",
]

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
    cls = lookup(_SESSION_TYPES, name.strip())
    if cls is None:
        raise Exception("Unknown session type %s" % name)
    return cls(req, sid=sid, secret=secret, timeout=timeout, lock=lock)


class _PublicFace(types.ModuleType):
    """3.5 applications tune the module's constants by assignment
    (Session.CLEANUP_CHANCE = 1, Session.tempdir = "/var/lib/sessions"):
    such an assignment also reaches the module whose code reads it."""

    _HOMES = (session_base, session_dbm, session_file, session_locks,
              session_memory, session_redis)

    def __setattr__(self, name, value):
        if name.isupper() or name == "tempdir":
            for home in self._HOMES:
                if name in vars(home):
                    setattr(home, name, value)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _PublicFace
