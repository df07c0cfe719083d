"""Reading a dict that every thread of a child shares: the library's
caches and sys.modules.

Use ``lookup(table, key)`` there instead of ``table.get(key)``.  On the
free-threaded CPython 3.13, ``dict.get`` holds the dict's lock for the
whole call, and the lookup inside takes that lock again whenever the
stored key is an object another thread made and the key asked for is an
equal but distinct object (a name sliced from a handler string, a tuple
built per request): the thread then waits for itself, about 10 us of
sched_yield per call.  Subscription takes no outer lock, and a lookup
that succeeds costs less than a method call on every build.  CPython
3.14 removed the outer lock (python/cpython#129336).
"""


def lookup(table, key, default=None):
    """``table[key]``, or `default` when the key is absent."""
    try:
        return table[key]
    except KeyError:
        return default
