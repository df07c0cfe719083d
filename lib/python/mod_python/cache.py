"""mod_python.cache: thread-safe caches whose values are built on demand and
rebuilt when their source changes (files, Python modules, URLs, function
results).  The publisher keeps its pages in a ModuleCache.

A subclass says how to make a value from a name through four hooks:

    key(name)                       the dictionary key for `name`
    check(key, name, entry)         None while entry's value is still good,
                                    else what build() makes the new value from
    build(key, name, opened, entry) the new value
    commit()                        called after a value was stored

Each entry has its own lock, so one name is built by one thread at a time
while other names are served meanwhile.  Importable outside httpd.
"""

import os
import re
import threading
import time
import types
import weakref
from collections import OrderedDict
from importlib.util import decode_source

from mod_python.lookup import lookup


class _NotInitialized:
    __slots__ = ()

    def __repr__(self):
        return "NOT_INITIALIZED"


# The value of an entry that was never built (or whose weak value died).
NOT_INITIALIZED = _NotInitialized()


class Entry:
    """One cache slot.  Hooks may keep their validation data (mtime,
    ETag...) as attributes of it."""

    def __init__(self, key):
        self.key = key
        self.lock = threading.RLock()  # a build may look itself up again
        self._value = NOT_INITIALIZED

    def get_value(self):
        """The value, or NOT_INITIALIZED before the first build."""
        return self._value

    def set_value(self, value):
        """Keep `value` as this entry's value."""
        self._value = value


class WeakEntry(Entry):
    """An entry that holds its value by weak reference."""

    def get_value(self):
        """The value while someone else holds it, else NOT_INITIALIZED."""
        ref = self._value
        if ref is NOT_INITIALIZED:
            return ref
        value = ref()
        return NOT_INITIALIZED if value is None else value

    def set_value(self, value):
        """Keep a weak reference to `value`."""
        self._value = weakref.ref(value)


class Cache:
    """Thread-safe cache, least recently used entries dropped first when
    `max_size` > 0.  As it stands it is a dictionary: a name never stored
    raises KeyError.  Subclasses override the hooks to build values."""

    entry_class = Entry

    def __init__(self, max_size=0):
        self.max_size = max_size
        self._entries = OrderedDict()  # key -> Entry, most recent last
        self._lock = threading.Lock()

    # ---- hooks

    def key(self, name):
        """The cache key for a looked-up name (the name itself by default)."""
        return name

    def check(self, key, name, entry):
        """None: the value (if any) is good.  Anything else is passed to
        build() as `opened`."""
        return None

    def build(self, key, name, opened, entry):
        """Make the value for `name` (`opened` is what check() returned);
        the base class has nothing to build and raises KeyError."""
        raise KeyError(name)

    def commit(self):
        """Drop least recently used entries beyond max_size."""
        if self.max_size <= 0:
            return
        with self._lock:
            while len(self._entries) > self.max_size:
                self._entries.popitem(last=False)

    # ---- dictionary interface

    def __getitem__(self, name):
        key = self.key(name)
        entry = self._entry(key)
        try:
            with entry.lock:
                opened = self.check(key, name, entry)
                value = entry.get_value()
                if opened is None and value is not NOT_INITIALIZED:
                    return value
                value = self.build(key, name, opened, entry)
                entry.set_value(value)
        except BaseException:
            # Nothing half-built or stale stays behind: the next access
            # starts afresh.
            self._forget(entry)
            raise
        self.commit()
        return value

    def __setitem__(self, name, value):
        entry = self._entry(self.key(name))
        with entry.lock:
            entry.set_value(value)
        self.commit()

    def __delitem__(self, name):
        with self._lock:
            del self._entries[self.key(name)]

    def __contains__(self, name):
        with self._lock:
            return self.key(name) in self._entries

    def __len__(self):
        with self._lock:
            return len(self._entries)

    def clear(self):
        """Forget every entry."""
        with self._lock:
            self._entries.clear()

    def mru(self):
        """Key of the most recently used entry (None when empty)."""
        with self._lock:
            return next(reversed(self._entries), None)

    def lru(self):
        """Key of the least recently used entry (None when empty)."""
        with self._lock:
            return next(iter(self._entries), None)

    def _entry(self, key):
        with self._lock:
            entry = lookup(self._entries, key)
            if entry is None:
                entry = self._entries[key] = self.entry_class(key)
            else:
                self._entries.move_to_end(key)
            return entry

    def _forget(self, entry):
        with self._lock:
            if lookup(self._entries, entry.key) is entry:
                del self._entries[entry.key]


class WeakCache(Cache):
    """Cache holding its values by weak reference: a value nobody else
    uses any more is built again (or, for a plain WeakCache, gone).
    Values must support weak references (not str, int, tuple...)."""

    entry_class = WeakEntry


def _file_stamp(st):
    """What tells one version of a file from another, from its stat: the
    mtime decides; size, inode and device also catch a file replaced by
    one with a preserved (copied) mtime."""
    return (st.st_mtime_ns, st.st_size, st.st_ino, st.st_dev)


class FileCache(Cache):
    """name = file path; value = the file's content, read again when the
    file's modification time changes.  `mode` is the open() mode."""

    def __init__(self, max_size=0, mode="rb"):
        super().__init__(max_size)
        self.mode = mode

    def stat(self, key, name):
        """os.stat() of the file (a hook, for callers that have it already)."""
        return os.stat(key)

    def check(self, key, name, entry):
        """None while the file's modification time and size are those of
        the cached value; else the file, opened for build()."""
        stamp = _file_stamp(self.stat(key, name))
        if (entry.get_value() is not NOT_INITIALIZED
                and getattr(entry, "stamp", None) == stamp):
            return None
        return open(key, self.mode)

    def build(self, key, name, opened, entry):
        """The file's contents, stamped with what was actually read."""
        with opened:
            # fstat of what was opened: a file changed since check() is
            # described by the stamp of what is actually read
            entry.stamp = _file_stamp(os.fstat(opened.fileno()))
            return opened.read()


class SourceLoader:
    """__loader__ of modules made from source text: get_source() gives the
    exact text the module ran (linecache and the publisher use it)."""

    def __init__(self, path, source):
        self.path = path
        self.source = source

    def get_filename(self, fullname=None):
        """The path the module was made from."""
        return self.path

    def get_source(self, fullname=None):
        """The text the module ran, as str."""
        if isinstance(self.source, bytes):
            self.source = decode_source(self.source)
        return self.source


def module_name(path):
    """The __name__ of a module made from `path`."""
    return re.sub(r"\W+", "_", path)


def new_module(path, source):
    """A fresh module executed from `source` (bytes or str) with
    __file__ = path; not entered in sys.modules."""
    module = types.ModuleType(module_name(path))
    module.__file__ = path
    module.__loader__ = SourceLoader(path, source)
    code = compile(source, path, "exec", dont_inherit=True)
    exec(code, module.__dict__)
    return module


class ModuleCache(FileCache):
    """name = path of a Python file; value = a module executed from it,
    executed anew (as a fresh module) when the file changes."""

    def __init__(self, max_size=0):
        super().__init__(max_size, "rb")

    def build(self, key, name, opened, entry):
        """A fresh module executed from the file's source."""
        return new_module(key, super().build(key, name, opened, entry))


class HTTPEntity:
    """Value of an HTTPCache: the body (bytes) and the response headers."""

    def __init__(self, entity, metadata):
        self.entity = entity
        self.metadata = metadata

    def __repr__(self):
        return "HTTPEntity(%r, %r)" % (self.entity, self.metadata)

    def __str__(self):
        if isinstance(self.entity, bytes):
            return self.entity.decode("utf-8", "replace")
        return str(self.entity)


def _expiry(headers, now):
    """When a response stops being fresh: Cache-Control max-age, else
    Expires, else at once (revalidated on every access)."""
    control = (headers.get("Cache-Control") or "").lower()
    directives = [d.strip() for d in control.split(",")]
    if "no-cache" in directives or "no-store" in directives:
        return now
    for directive in directives:
        name, _, value = directive.partition("=")
        if name.strip() == "max-age" and value.strip().isdigit():
            return now + int(value.strip())
    expires = headers.get("Expires")
    if expires:
        import email.utils   # here: only HTTP caches need it
        try:
            return email.utils.parsedate_to_datetime(expires).timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            return now
    return now


class HTTPCache(Cache):
    """name = URL; value = HTTPEntity.  Fresh for as long as Cache-Control
    max-age or Expires say; then revalidated with If-None-Match /
    If-Modified-Since (a 304 keeps the value).  Best effort."""

    timeout = 30

    def check(self, key, name, entry):
        """None while the cached entity is fresh; else the response to a
        (conditional) GET, for build().  A 304 freshens the entry."""
        # imported here: urllib brings in ssl and http.client, an import
        # cost every interpreter using the publisher would pay otherwise
        import urllib.error
        import urllib.request
        cached = entry.get_value() is not NOT_INITIALIZED
        if cached and time.time() < getattr(entry, "expires", 0):
            return None
        headers = self._validators(entry) if cached else {}
        request = urllib.request.Request(key, headers=headers)
        try:
            return urllib.request.urlopen(request, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            if exc.code != 304 or not cached:
                raise
            entry.expires = _expiry(exc.headers, time.time())
            exc.close()
            return None

    @staticmethod
    def _validators(entry):
        headers = {}
        if getattr(entry, "etag", None):
            headers["If-None-Match"] = entry.etag
        if getattr(entry, "last_modified", None):
            headers["If-Modified-Since"] = entry.last_modified
        return headers

    def build(self, key, name, opened, entry):
        """The HTTPEntity of the response, with its freshness and validators
        kept on the entry."""
        with opened:
            body = opened.read()
            headers = opened.headers
        entry.expires = _expiry(headers, time.time())
        entry.etag = headers.get("ETag")
        entry.last_modified = headers.get("Last-Modified")
        return HTTPEntity(body, headers)


class HttpModuleCache(HTTPCache):
    """name = URL of Python source; value = a module executed from it.
    Runs whatever the URL serves: use only with trusted sources."""

    def build(self, key, name, opened, entry):
        """A fresh module executed from the source the URL serves."""
        entity = super().build(key, name, opened, entry)
        return new_module(key, entity.entity)


class FunctionCache(Cache):
    """Memoises `function`: calling the cache with arguments returns the
    result of the first call with equal (hashable) arguments."""

    def __init__(self, function, max_size=0):
        super().__init__(max_size)
        self.function = function

    def __call__(self, *args, **kw):
        return self[(args, tuple(sorted(kw.items())))]

    def build(self, key, name, opened, entry):
        """The function's result for the arguments the key holds."""
        args, kw = key
        return self.function(*args, **dict(kw))
