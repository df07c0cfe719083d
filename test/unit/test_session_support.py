"""Stand-ins for the mod_python.Session unit tests (no tests here): a
request, and the C module's global mutexes built from threading locks."""

import threading

import pytest

from mod_python import Session, apache, session_base

DEADLOCK = 10   # seconds a fake mutex waits before calling it a deadlock


class FakeServer:
    pass


class FakeHlist:
    def __init__(self, directory):
        self.directory = directory


class SessionRequest:
    """Options, cookies in/out, request cleanups (run by end()), a log."""

    live = []     # every request made, so a fixture can end them

    def __init__(self, options=None, cookie=None, https=False, uri="/app/page.py",
                 directory="/www/app/", docroot="/www", server=None):
        self.options = apache.table(options or {})
        self.headers_in = apache.table()
        if cookie:
            self.headers_in["Cookie"] = cookie
        self.headers_out = apache.table()
        self.notes = apache.table()
        self.server = server or FakeServer()
        self.https = https
        self.uri = uri
        self.hlist = FakeHlist(directory)
        self.docroot = docroot
        self.cleanups = []
        self.logged = []
        SessionRequest.live.append(self)

    def get_options(self):
        return self.options

    def register_cleanup(self, func, data=None):
        if not callable(func):
            raise ValueError("first argument must be a callable object")
        self.cleanups.append((func, data))

    def is_https(self):
        return int(self.https)

    def document_root(self):
        return self.docroot

    def log_error(self, message, level=apache.APLOG_ERR):
        self.logged.append((message, level))

    def set_cookies(self):
        return [v for k, v in self.headers_out.items() if k.lower() == "set-cookie"]

    def end(self):
        """The end of the request: run the cleanups (also those that the
        cleanups register)."""
        i = 0
        while i < len(self.cleanups):
            func, data = self.cleanups[i]
            func(data)
            i += 1


def cookie_of(req, name="pysid"):
    """'name=value' of the session cookie the request set."""
    for header in req.set_cookies():
        first = header.split(";")[0]
        if first.startswith(name + "="):
            return first
    raise AssertionError("no %s cookie in %r" % (name, req.set_cookies()))


def fnv1a(text):
    h = 0x811C9DC5
    for b in text.encode():
        h = ((h ^ b) * 0x01000193) % 2 ** 32
    return h


class FakeMutexes:
    """_global_lock/_global_trylock/_global_unlock over threading locks,
    with the C module's index rules."""

    def __init__(self, count=8):
        self.count = count
        self.locks = [threading.Lock() for _ in range(count)]
        self.calls = []

    def index(self, key, index):
        if index == -1:
            index = fnv1a(str(key)) % (self.count - 1) + 1 if self.count > 1 else 0
        if not 0 <= index < self.count:
            raise ValueError("Lock index is out of range for number of global "
                             "mutex locks")
        return index

    def lock(self, server, key, index=-1):
        i = self.index(key, index)
        if not self.locks[i].acquire(timeout=DEADLOCK):
            raise AssertionError("deadlock on fake mutex %d" % i)
        self.calls.append(("lock", key, i))

    def trylock(self, server, key, index=-1):
        i = self.index(key, index)
        got = self.locks[i].acquire(blocking=False)
        self.calls.append(("trylock", key, i, got))
        return got

    def unlock(self, server, key, index=-1):
        i = self.index(key, index)
        self.locks[i].release()
        self.calls.append(("unlock", key, i))

    def held(self):
        return [i for i, lock in enumerate(self.locks) if lock.locked()]

    def session_calls(self):
        """lock/unlock calls, without try-locks."""
        return [c[:3] for c in self.calls if c[0] != "trylock"]


def install_mutexes(monkeypatch, count=8):
    fake = FakeMutexes(count)
    monkeypatch.setattr(apache, "_global_lock", fake.lock)
    monkeypatch.setattr(apache, "_global_trylock", fake.trylock)
    monkeypatch.setattr(apache, "_global_unlock", fake.unlock)
    monkeypatch.setattr(apache, "_global_lock_index", lambda key: fake.index(key, -1))
    return fake


@pytest.fixture
def mutexes(monkeypatch):
    """Fake global mutexes; at the end every request made by the test ends
    (so no session gives back a lock later, in another test)."""
    SessionRequest.live.clear()
    yield install_mutexes(monkeypatch)
    for req in SessionRequest.live:
        req.end()
    SessionRequest.live.clear()


@pytest.fixture
def no_random_cleanup(monkeypatch):
    """Make the 1/CLEANUP_CHANCE cleanup never happen (a run of it in the
    middle of a cleanup test made that test fail once in a while)."""
    monkeypatch.setattr(session_base.random, "random", lambda: 1.0)


@pytest.fixture
def memory(monkeypatch):
    """An empty MemorySession store for the test."""
    monkeypatch.setattr(Session.MemorySession, "sdict", {})
    return Session.MemorySession.sdict
