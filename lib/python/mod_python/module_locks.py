"""mod_python.module_locks: one lock per module name, for the importer.

A thread holds a module's lock while it runs the module again, replaces it
or loads it from a given path; other threads asking for it wait for the
result.  A module's code runs under its lock and may import others, so
two threads can each hold one module and ask for the other's (two modules
that import each other, loaded at once).  As importlib does with circular
imports, the thread whose wait would close that cycle does not wait: it
goes on without the lock and uses the module as it is.  A cycle that runs
through importlib's own locks (a plain ``import`` in one module's code)
is not seen here: a thread gives up after WAIT_LIMIT seconds instead.
"""

import contextlib
import threading
import time

from mod_python.lookup import lookup

# Guards the tables; waiters sleep on it until a lock is given back.
_state = threading.Condition(threading.Lock())
_owners = {}      # module name -> [thread ident, depth]
_waiting = {}     # thread ident -> module name it waits for

WAIT_LIMIT = 30.0


def _waits_on(thread, me):
    """True if `thread` waits, directly or through others, for a lock
    that `me` holds."""
    seen = set()
    while thread not in seen:
        seen.add(thread)
        name = lookup(_waiting, thread)
        owner = lookup(_owners, name) if name is not None else None
        if owner is None:
            return False
        if owner[0] == me:
            return True
        thread = owner[0]
    return False


def _acquire(name):
    me = threading.get_ident()
    deadline = time.monotonic() + WAIT_LIMIT
    with _state:
        while True:
            owner = lookup(_owners, name)
            if owner is None:
                _owners[name] = [me, 1]
                return True
            if owner[0] == me:
                owner[1] += 1
                return True
            left = deadline - time.monotonic()
            if left <= 0 or _waits_on(owner[0], me):
                return False
            _waiting[me] = name
            try:
                _state.wait(left)
            finally:
                del _waiting[me]


def _release(name):
    with _state:
        owner = _owners[name]
        owner[1] -= 1
        if not owner[1]:
            del _owners[name]
            _state.notify_all()


@contextlib.contextmanager
def module_lock(name):
    """Holds the lock of module `name` (reentrant); yields False instead
    when waiting for it would deadlock, or took WAIT_LIMIT seconds, and
    then holds nothing."""
    held = _acquire(name)
    try:
        yield held
    finally:
        if held:
            _release(name)
