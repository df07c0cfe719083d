"""RedisSession (beyond mod_python 3.5; docs/sessions.md).

A redis-server of our own (no persistence, on a free port) is shared by two
Apache servers, one prefork and one event.  The Redis client for Apache's
Python comes from build/test-deps (scripts/install-test-deps); the tests
talk to Redis themselves through a few lines of RESP.
"""

import os
import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest

from helpers import LIBDIR, REPO, Site, free_port
from test_n_session import (COUNTER, HOLD, _quietly, server_children, hammer,
                            wait_for_holder, with_cookie)

TEST_DEPS = os.path.join(REPO, "build", "test-deps")
REDIS_SERVER = "/usr/bin/redis-server"
PREFIX = "mp_sess:"


# --------------------------------------------------------------------------
# a Redis server of our own, and a tiny client

def ensure_redis_server():
    if os.path.exists(REDIS_SERVER):
        return
    if os.getuid() != 0 or not shutil.which("apt-get"):
        pytest.fail("%s is missing: apt-get install redis-server" % REDIS_SERVER,
                    pytrace=False)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (["apt-get", "-q", "-o", "DPkg::Lock::Timeout=300", "update"],
                ["apt-get", "-q", "-y", "-o", "DPkg::Lock::Timeout=300", "install",
                 "redis-server"]):
        subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       check=True, timeout=600)


def resp(port, *args):
    """Send one Redis command, return its decoded reply."""
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        arg = arg if isinstance(arg, bytes) else str(arg).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"".join(parts))
        return _read_reply(s.makefile("rb"))


def _read_reply(f):
    line = f.readline().rstrip(b"\r\n")
    kind, rest = line[:1], line[1:]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise AssertionError("redis error: %s" % rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        size = int(rest)
        return None if size < 0 else f.read(size + 2)[:-2]
    if kind == b"*":
        return [_read_reply(f) for _ in range(int(rest))]
    raise AssertionError("bad redis reply %r" % line)


@pytest.fixture(scope="module")
def redis_port():
    ensure_redis_server()
    port = free_port()
    proc = subprocess.Popen([REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 10
        while True:
            try:
                if resp(port, "PING") == "PONG":
                    break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.05)
        yield port
    finally:
        proc.terminate()          # this process only, by its pid
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


# --------------------------------------------------------------------------
# two Apache servers sharing it

INFO = """
    from mod_python import Session

    def handler(req):
        s = Session.Session(req)
        if req.args and req.args.startswith("timeout="):
            s.set_timeout(int(req.args[8:]))
        if req.args == "invalidate":
            s.invalidate()
        s["pid"] = os.getpid()
        s.save()
        return reply(req, {"id": s.id(), "new": s.is_new(), "type": type(s).__name__,
                           "timeout": s.timeout()})
"""

SLOW = """
    from mod_python import Session

    def handler(req):
        s = Session.Session(req)
        got = time.time()
        time.sleep(float(req.args or 0))
        s["slow"] = got
        s.save()
        return reply(req, {"got": got, "done": time.time(), "id": s.id()})
"""


def redis_site(port):
    site = Site(dir_directives="""
        SetHandler mod_python
        PythonDebug On
        PythonOption n_tmp @ROOT@/tmp
        PythonOption mod_python.session.session_type RedisSession
        PythonOption mod_python.session.redis_url redis://127.0.0.1:%d/0
    """ % port)
    site.handler("counter", COUNTER)
    site.handler("info", INFO)
    site.handler("slow", SLOW)
    site.handler("hold", HOLD,
                 directives="PythonOption mod_python.session.redis_lock_timeout 2")
    site.handler("shortlock", SLOW.replace('s["slow"]', 's["short"]'),
                 directives="PythonOption mod_python.session.redis_lock_timeout 1")
    return site


@pytest.fixture(scope="module")
def servers(module_apache, redis_port):
    if not os.path.isdir(os.path.join(TEST_DEPS, "redis")):
        pytest.fail("the redis client for Apache's Python is missing from %s: "
                    "run scripts/install-test-deps" % TEST_DEPS, pytrace=False)
    site = redis_site(redis_port)
    dirs = "%s:%s" % (LIBDIR, TEST_DEPS)
    return [site.start(module_apache, mpm=mpm, site_dirs=dirs)
            for mpm in ("prefork", "event")]


# --------------------------------------------------------------------------
# the tests

def test_redis_session_storage_and_ttl(servers, redis_port):
    srv = servers[0]
    d = srv.get("/info.py").json()
    assert (d["type"], d["new"], d["timeout"]) == ("RedisSession", True, 1800)
    ttl = resp(redis_port, "PTTL", PREFIX + d["id"])
    assert 1790 * 1000 < ttl <= 1800 * 1000
    # the lock is given back by a request cleanup, just after the response
    deadline = time.time() + 5
    while resp(redis_port, "EXISTS", PREFIX + "lock:" + d["id"]) and time.time() < deadline:
        time.sleep(0.02)
    assert resp(redis_port, "EXISTS", PREFIX + "lock:" + d["id"]) == 0
    again = srv.get("/info.py", headers=with_cookie(d["id"])).json()
    assert (again["id"], again["new"]) == (d["id"], False)


def test_redis_session_shared_by_two_servers(servers):
    prefork, event = servers
    d = prefork.get("/info.py").json()
    again = event.get("/info.py", headers=with_cookie(d["id"])).json()
    assert (again["id"], again["new"]) == (d["id"], False)


def test_redis_counter_across_two_servers(servers):
    # 50 clients, half on each server, 2000 increments of one session
    prefork, event = servers
    init = prefork.get("/counter.py?init").json()
    assert init["type"] == "RedisSession"
    start = time.time()
    seen = hammer([(prefork, prefork.port), (event, event.port)], init["id"])
    assert time.time() - start < 40
    assert sorted(seen) == list(range(1, 2001))
    final = event.get("/counter.py?read", headers=with_cookie(init["id"])).json()
    assert final["n"] == 2000


def test_redis_expiry_is_a_ttl(servers, redis_port):
    srv = servers[1]
    d = srv.get("/info.py?timeout=1").json()
    assert 0 < resp(redis_port, "PTTL", PREFIX + d["id"]) <= 1000
    time.sleep(1.3)
    assert resp(redis_port, "EXISTS", PREFIX + d["id"]) == 0
    again = srv.get("/info.py", headers=with_cookie(d["id"])).json()
    assert again["new"] is True and again["id"] != d["id"]


def test_redis_invalidate(servers, redis_port):
    srv = servers[0]
    sid = srv.get("/info.py").json()["id"]
    r = srv.get("/info.py?invalidate", headers=with_cookie(sid))
    assert "expires=Thu, 01-Jan-1970 00:00:00 GMT" in r.header("Set-Cookie")
    assert resp(redis_port, "EXISTS", PREFIX + sid) == 0


def test_redis_lock_serialises_and_wakes_the_waiter(servers):
    prefork, event = servers
    sid = prefork.get("/info.py").json()["id"]
    results = []

    def call(srv):
        results.append(srv.get("/slow.py?0.6", headers=with_cookie(sid)).json())

    threads = [threading.Thread(target=call, args=(srv,)) for srv in servers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    first, second = sorted(results, key=lambda d: d["got"])
    assert second["got"] >= first["done"] - 0.01
    # woken by the unlock, not by polling
    assert second["got"] - first["done"] < 0.3


def test_redis_killed_child_lock_expires(servers, redis_port):
    srv = servers[0]
    sid = srv.get("/counter.py?init").json()["id"]
    holder = threading.Thread(target=lambda: _quietly(
        lambda: srv.get("/hold.py", headers=with_cookie(sid), timeout=30)))
    holder.start()
    pid = wait_for_holder(srv)
    assert 0 < resp(redis_port, "PTTL", PREFIX + "lock:" + sid) <= 2000
    assert pid in server_children(srv)
    os.kill(pid, signal.SIGKILL)
    holder.join(30)
    start = time.time()
    d = servers[1].get("/counter.py", headers=with_cookie(sid), timeout=20).json()
    waited = time.time() - start
    assert (d["id"], d["new"], d["n"]) == (sid, False, 1)
    # it waited for the lock to expire (2 s after it was taken), no longer
    assert 1.0 <= waited < 3.5


def test_redis_save_after_the_lock_expired_is_refused(servers, redis_port):
    srv = servers[1]
    sid = srv.get("/info.py").json()["id"]
    mark = srv.log_mark()
    r = srv.get("/shortlock.py?1.3", headers=with_cookie(sid))
    assert r.status == 500
    srv.wait_log("LockLost", since=mark)
    assert b"short" not in resp(redis_port, "GET", PREFIX + sid)
