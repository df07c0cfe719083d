"""RedisSession (beyond mod_python 3.5): sessions in a Redis server, shared
by any number of Apache servers; locks and expiry are Redis key TTLs.

Keys: <prefix><sid> holds the pickled record with a TTL of the session
timeout; <prefix>lock:<sid> holds the lock owner's random token with a TTL
of the lock timeout (so a killed process cannot keep it forever);
<prefix>wake:<sid> is a one-element list pushed on unlock, which waiters
block on (BLPOP) instead of polling.
"""

import pickle
import secrets
import threading

from mod_python import apache, options, session_base
from mod_python.lookup import lookup
from mod_python.session_base import BaseSession, server_log
from mod_python.session_locks import RequestLock

DFT_REDIS_URL = "redis://127.0.0.1:6379/0"
DFT_REDIS_PREFIX = "mp_sess:"
DFT_REDIS_LOCK_TIMEOUT = 30   # seconds


class LockLost(Exception):
    """A RedisSession held its lock longer than the lock timeout, so another
    request may have taken the session over: save() refuses to write."""


# give the lock back only if the token still owns it, and wake one waiter
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

# (url, prefix, lock timeout) -> _RedisStore, one per process
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
        """The store of this process for these settings, made on first use."""
        key = (url, prefix, lock_timeout)
        with _redis_guard:
            store = lookup(_redis_stores, key)
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
        """The stored record, or None."""
        blob = self.client.get(self._keys(sid)[2])
        return None if blob is None else pickle.loads(blob)

    def save(self, sid, record, ttl, token):
        """Store record for ttl seconds; False if token no longer owns the lock."""
        lock_key, _, data_key = self._keys(sid)
        blob = pickle.dumps(record, session_base.PICKLE_PROTOCOL)
        ttl_ms = max(1, int(ttl * 1000))
        return bool(self._save(keys=[lock_key, data_key],
                               args=[blob, ttl_ms, token or "", self.lock_ms]))

    def delete(self, sid):
        """Remove the stored record."""
        self.client.delete(self._keys(sid)[2])


class _RedisLock(RequestLock):
    """A session's lock key in Redis, re-entrant within one request."""

    def __init__(self, req, store, sid):
        RequestLock.__init__(self, req, ("redis", store.url, store.prefix, sid))
        self._store = store
        self._sid = sid
        self._server = req.server

    def _take(self, blocking):
        return self._store.lock(self._sid, blocking)

    def _give(self, token):
        if not self._store.unlock(self._sid, token):
            server_log(self._server, "RedisSession: the lock of session %s had "
                       "expired before it was released (mod_python.session."
                       "redis_lock_timeout is too short for this request)"
                       % self._sid, apache.APLOG_WARNING)


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
        """The stored record, or None."""
        return self._store.load(self._sid)

    def do_save(self, record):
        """Store the record; LockLost if the lock expired meanwhile."""
        token = self._sid_lock.token if self._locked else None
        if not self._store.save(self._sid, record, self._timeout, token):
            raise LockLost("RedisSession: lock of session %s expired before "
                           "save(); not saved" % self._sid)

    def do_delete(self):
        """Remove the stored record."""
        self._store.delete(self._sid)

    def do_cleanup(self):
        """Nothing to do: Redis expires the keys itself."""
