"""MemorySession: sessions kept in a dict of this process and interpreter."""

import threading
import time

from mod_python.lookup import lookup
from mod_python.session_base import BaseSession, record_expired


# Saves and the cleanup's removals take turns: a removal checks that the
# record is still the expired one it saw, not one saved meanwhile.
_store_lock = threading.Lock()


def mem_cleanup(sdict):
    """Remove the expired sessions of a MemorySession dict."""
    now = time.time()
    for sid, record in list(sdict.items()):
        if record_expired(record, now):
            with _store_lock:
                if lookup(sdict, sid) is record:
                    del sdict[sid]


class MemorySession(BaseSession):
    """Sessions kept in this process (and interpreter) only.  The stored
    dict is a shallow copy: mutable values are shared with it, as in 3.5."""

    sdict = {}

    def __init__(self, req, sid=0, secret=None, timeout=0, lock=1):
        BaseSession.__init__(self, req, sid=sid, secret=secret, lock=lock,
                             timeout=timeout)

    def do_cleanup(self):
        """Register mem_cleanup as a request cleanup."""
        self._req.register_cleanup(mem_cleanup, MemorySession.sdict)

    def do_load(self):
        """A copy of the stored record (and of its data dict), or None."""
        record = lookup(MemorySession.sdict, self._sid)
        if record is None:
            return None
        record = dict(record)
        record["_data"] = dict(record["_data"])
        return record

    def do_save(self, record):
        """Keep the record in the class dict."""
        with _store_lock:
            MemorySession.sdict[self._sid] = record

    def do_delete(self):
        """Forget the record."""
        MemorySession.sdict.pop(self._sid, None)
