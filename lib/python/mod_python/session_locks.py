"""Session locks that a request may take more than once.

A lock taken twice by the same request only counts the second time, so a
request can open the same session twice (or a DbmSession can take mutex 0
while its session lock maps to mutex 0) without deadlocking itself.  The
counts live on the original request of a chain of subrequests (req.main)
and internal redirects (req.prev): those run on the thread of the request
that started them, while it holds its locks.  Other requests, in this
process or another, block on the real lock.
"""

import hashlib

from mod_python import apache
from mod_python.lookup import lookup


def _original_request(req):
    """The request that started the chain of subrequests and redirects."""
    while True:
        parent = getattr(req, "main", None) or getattr(req, "prev", None)
        if parent is None:
            return req
        req = parent


def _held_locks(original):
    """name -> [count, token] of the locks the request chain holds."""
    held = getattr(original, "_mp_session_locks", None)
    if held is None:
        held = {}
        original._mp_session_locks = held
    return held


# lock name -> its note key; GlobalMutex names are few ("mutex", index),
# so most requests find theirs here.
_notes = {}
_MAX_NOTES = 1024


def _note_for(name):
    note = lookup(_notes, name)
    if note is None:
        # hashed: a Redis lock's name holds the server URL (and password)
        note = "mod_python.session_lock " + hashlib.sha256(
            repr(name).encode("utf-8")).hexdigest()[:32]
        if len(_notes) >= _MAX_NOTES:
            _notes.clear()
        _notes[name] = note
    return note


class RequestLock:
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
        self._note = _note_for(name)
        self.token = None

    def acquire(self, blocking=True):
        """Take the lock (or count it again); False when not blocking and
        another request holds it."""
        entry = self._held.get(self._name)
        if entry:
            entry[0] += 1
        else:
            notes = self._original.notes
            if self._note in notes:
                if not blocking:
                    return False
                raise RuntimeError("the session lock is held by this "
                                   "request in another interpreter")
            notes[self._note] = "held"   # while the lock is held
            token = None
            try:
                token = self._take(blocking)
            finally:
                if token is None:
                    del notes[self._note]
            if token is None:
                return False
            entry = self._held[self._name] = [1, token]
        self.token = entry[1]
        return True

    def release(self):
        """Count one release; the last one gives the lock back."""
        entry = self._held.get(self._name)
        if not entry:
            return
        entry[0] -= 1
        if entry[0] == 0:
            del self._held[self._name]
            try:
                del self._original.notes[self._note]
            except (KeyError, RuntimeError):   # RuntimeError: request over
                pass
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


class GlobalMutex(RequestLock):
    """One of the C module's APR global mutexes (cross-process and
    cross-thread; the OS releases it if the holding process dies)."""

    def __init__(self, req, key, index=None):
        self._server = req.server
        self._key = key
        if index is None:
            index = mutex_index(self._server, key)
        self._index = index
        RequestLock.__init__(self, req, ("mutex", index))

    def _take(self, blocking):
        if not blocking:
            got = apache._global_trylock(self._server, self._key, self._index)
            return True if got else None
        apache._global_lock(self._server, self._key, self._index)
        return True

    def _give(self, token):
        apache._global_unlock(self._server, self._key, self._index)
