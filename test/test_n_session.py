"""N. Sessions (behaviours.md items 306-327, library.md section 5).

The shared site runs under both the prefork and the event MPM; its sessions
live in @ROOT@/tmp.  Then the locking guarantees, each on its own server:
50 concurrent clients incrementing one counter in one session for 2000
requests end with exactly 2000 (MemorySession in a single event process,
DbmSession, FileSession), a handler that raised still gives its session
back, and a child killed while it holds a session lock does not leave that
session locked (the operating system releases the APR mutex with the
process).  RedisSession is tested in test_session_redis.py.
"""

import glob
import json
import os
import pickle
import shutil
import signal
import stat
import threading
import time

import pytest

from helpers import Site, child_pids, code

SITE = Site(dir_directives="""
SetHandler mod_python
PythonDebug On
PythonOption mod_python.session.database_directory @ROOT@/tmp
""")


def set_cookies(r):
    return r.header_list("Set-Cookie")


def sid_of(r, name="pysid"):
    """The session id of the response's session cookie."""
    for header in set_cookies(r):
        first = header.split(";")[0]
        if first.startswith(name + "="):
            return first.split("=", 1)[1]
    raise AssertionError("no %s cookie in %r" % (name, r.headers))


def with_cookie(sid, name="pysid"):
    return {"Cookie": "%s=%s" % (name, sid)}


# --------------------------------------------------------------------------
# N-306, N-307: a new session, found again

SITE.handler("n306", """
    from mod_python import Session

    def handler(req):
        s = Session.Session(req)
        s["n"] = s.get("n", 0) + 1
        s.save()
        return reply(req, {"id": s.id(), "new": s.is_new(), "n": s["n"],
                           "type": type(s).__name__, "timeout": s.timeout()})
""")


def test_new_session_sets_cookie(site):
    # N-306
    r = site.get("/n306.py")
    d = r.json()
    assert d["new"] is True and d["n"] == 1
    assert set_cookies(r) == ["pysid=%s; path=/; samesite=Lax; httponly" % d["id"]]
    assert len(d["id"]) == 32 and d["id"] == d["id"].lower()
    assert r.header("Cache-Control") == 'no-cache="set-cookie"'


def test_session_found_again(site):
    # N-307
    first = site.get("/n306.py").json()
    for n in (2, 3):
        r = site.get("/n306.py", headers=with_cookie(first["id"]))
        d = r.json()
        assert (d["id"], d["new"], d["n"]) == (first["id"], False, n)
        assert set_cookies(r) == []


# --------------------------------------------------------------------------
# N-308, N-309: cookie path and domain

SITE.handler("n308", """
    from mod_python import Session

    def handler(req):
        s = Session.Session(req)
        return reply(req, s.id())
""", directives="""
PythonOption mod_python.session.application_path /path
PythonOption mod_python.session.application_domain d
""")


def test_cookie_path_and_domain_options(site):
    # N-308
    r = site.get("/n308.py")
    assert set_cookies(r) == ["pysid=%s; path=/path; domain=d; samesite=Lax; httponly"
                              % r.json()]


SITE.module("app/n309app.py", """
    from mod_python import Session

    def handler(req):
        s = Session.Session(req)
        return reply(req, s.id())
""")
SITE.config("""
    <Directory @DOCROOT@/app>
        SetHandler mod_python
        PythonHandler n309app
        PythonOption mod_python.session.database_directory @ROOT@/tmp
    </Directory>
""")


def test_cookie_path_from_the_handler_directory(site):
    # N-309
    r = site.get("/n308.py")
    assert "; path=/path;" in set_cookies(r)[0]     # (option given there)
    r = site.get("/n306.py")
    assert "; path=/;" in set_cookies(r)[0]
    r = site.get("/app/anything")
    assert set_cookies(r) == ["pysid=%s; path=/app/; samesite=Lax; httponly" % r.json()]


# --------------------------------------------------------------------------
# N-310 ... N-313: ids and the cookie name

def test_path_traversal_cookie(site):
    # N-310
    r = site.get("/n306.py", headers=with_cookie("/path/traversal/attack/bad"))
    assert r.status == 200 and r.json()["new"] is True
    assert sid_of(r) == r.json()["id"]
    assert not glob.glob(os.path.join(site.root, "path*"))


def test_too_long_cookie(site):
    # N-311
    r = site.get("/n306.py", headers=with_cookie("0123456789abcdef" * 24))
    assert r.status == 200 and r.json()["new"] is True
    assert sid_of(r) == r.json()["id"] != "0123456789abcdef" * 24


SITE.handler("n312", """
    from mod_python import Session

    def handler(req):
        return reply(req, {"bad": capture(lambda: Session.Session(req, sid="bad")),
                           "dots": capture(lambda: Session.Session(req, sid="../" * 11))})
""")


def test_bad_sid_argument(site):
    # N-312
    d = site.get("/n312.py").json()
    assert d == {"bad": "EXC:ValueError:Invalid Session ID: sid=bad",
                 "dots": "EXC:ValueError:Invalid Session ID: sid=" + "../" * 11}


SITE.handler("n313", """
    from mod_python import Session

    def handler(req):
        s = Session.Session(req)
        s.save()
        return reply(req, {"id": s.id(), "new": s.is_new()})
""", directives="PythonOption mod_python.session.cookie_name mysid")


def test_cookie_name_option(site):
    # N-313
    r = site.get("/n313.py")
    sid = sid_of(r, "mysid")
    assert sid == r.json()["id"]
    d = site.get("/n313.py", headers=with_cookie(sid, "mysid")).json()
    assert d == {"id": sid, "new": False}
    assert site.get("/n313.py", headers=with_cookie(sid)).json()["new"] is True


# --------------------------------------------------------------------------
# N-314 ... N-316: timeouts and invalidation

SITE.handler("n314", """
    from mod_python import Session

    def handler(req):
        timeout = int(req.args) if req.args else 0
        s = Session.Session(req, timeout=timeout)
        s.save()
        return reply(req, {"id": s.id(), "new": s.is_new(), "timeout": s.timeout()})
""")


def test_timeout(site):
    # N-314
    assert site.get("/n314.py").json()["timeout"] == 1800
    d = site.get("/n314.py?1").json()
    assert d["timeout"] == 1
    assert site.get("/n314.py?1", headers=with_cookie(d["id"])).json()["new"] is False
    time.sleep(1.6)
    again = site.get("/n314.py", headers=with_cookie(d["id"])).json()
    assert again["new"] is True and again["id"] != d["id"] and again["timeout"] == 1800


SITE.handler("n315", """
    from mod_python import Session

    def handler(req):
        s = Session.Session(req)
        if req.args == "invalidate":
            s.invalidate()
        s.save()
        return reply(req, {"id": s.id(), "new": s.is_new()})
""")


def test_invalidate(site):
    # N-315
    sid = site.get("/n315.py").json()["id"]
    r = site.get("/n315.py?invalidate", headers=with_cookie(sid))
    assert r.json() == {"id": sid, "new": False}
    assert set_cookies(r) == ["pysid=%s; path=/; expires=Thu, 01-Jan-1970 00:00:00 GMT; "
                              "samesite=Lax; httponly" % sid]
    d = site.get("/n315.py", headers=with_cookie(sid)).json()
    assert d["new"] is True and d["id"] != sid


SITE.handler("n316", """
    from mod_python import Session

    def handler(req):
        s = Session.Session(req)
        if req.args:
            s.set_timeout(int(req.args))
        s.save()
        return reply(req, {"id": s.id(), "new": s.is_new(), "timeout": s.timeout()})
""")


def test_set_timeout(site):
    # N-316
    sid = site.get("/n316.py?10").json()["id"]
    d = site.get("/n316.py", headers=with_cookie(sid)).json()
    assert (d["id"], d["new"], d["timeout"]) == (sid, False, 10)
    sid = site.get("/n316.py?1").json()["id"]
    time.sleep(1.6)
    assert site.get("/n316.py", headers=with_cookie(sid)).json()["new"] is True


# --------------------------------------------------------------------------
# N-317 ... N-321: session types

SITE.handler("n317", """
    from mod_python import Session

    def handler(req):
        s = Session.Session(req)
        if req.args == "delete":
            s.invalidate()
            return reply(req, {})
        s["x"] = req.args
        s.save()
        return reply(req, {"id": s.id(), "type": type(s).__name__, "new": s.is_new(),
                           "x": s["x"], "pid": os.getpid()})
""", directives="""
PythonOption mod_python.session.session_type FileSession
PythonOption mod_python.session.database_directory @ROOT@/tmp/n317
""")


def test_file_session(site):
    # N-317
    os.makedirs(os.path.join(site.root, "tmp", "n317"), exist_ok=True)
    os.chmod(os.path.join(site.root, "tmp", "n317"), 0o1777)
    d = site.get("/n317.py?a").json()
    assert d["type"] == "FileSession"
    path = os.path.join(site.root, "tmp", "n317", "mp_sess", d["id"][:2], d["id"])
    assert os.path.isfile(path)
    d2 = site.get("/n317.py?b", headers=with_cookie(d["id"])).json()
    assert (d2["id"], d2["new"], d2["x"]) == (d["id"], False, "b")
    # Saved by swapping in a spare written beside it (issue 14): the spare
    # now holds the version before.
    assert stored_x(path) == "b" and stored_x(path + ".spare") == "a"
    assert site.get("/n317.py?c", headers=with_cookie(d["id"])).json()["x"] == "c"
    assert stored_x(path) == "c" and stored_x(path + ".spare") == "b"
    site.get("/n317.py?delete", headers=with_cookie(d["id"]))
    assert not os.path.exists(path) and not os.path.exists(path + ".spare")


def stored_x(path):
    with open(path, "rb") as f:
        return pickle.load(f)["_data"]["x"]


SITE.handler("n318", """
    from mod_python import Session

    def handler(req):
        s = Session.Session(req)
        s.save()
        return reply(req, {"id": s.id(), "type": type(s).__name__, "new": s.is_new()})
""", directives="""
PythonOption mod_python.session.session_type DbmSession
PythonOption mod_python.session.database_directory @ROOT@/tmp/n318
""")


def test_dbm_session(site):
    # N-318
    os.makedirs(os.path.join(site.root, "tmp", "n318"), exist_ok=True)
    os.chmod(os.path.join(site.root, "tmp", "n318"), 0o1777)
    d = site.get("/n318.py").json()
    assert d["type"] == "DbmSession"
    assert glob.glob(os.path.join(site.root, "tmp", "n318", "mp_sess.dbm*"))
    d2 = site.get("/n318.py", headers=with_cookie(d["id"])).json()
    assert (d2["id"], d2["new"]) == (d["id"], False)


SITE.handler("n319", """
    from mod_python import Session

    def handler(req):
        s = Session.Session(req)
        s["n"] = s.get("n", 0) + 1
        s.save()
        return reply(req, {"id": s.id(), "type": type(s).__name__, "n": s["n"],
                           "pid": os.getpid()})
""", directives="PythonOption mod_python.session.session_type MemorySession")


def test_memory_session_same_process(site):
    # N-319: one keep-alive connection stays with one process
    conn = site.conn()
    try:
        d = conn.get("/n319.py").json()
        assert d["type"] == "MemorySession"
        d2 = conn.get("/n319.py", headers=with_cookie(d["id"])).json()
        assert (d2["id"], d2["n"], d2["pid"]) == (d["id"], 2, d["pid"])
    finally:
        conn.close()


SITE.handler("n320", """
    from mod_python import Session

    def handler(req):
        Session.Session(req)
        return apache.OK
""", directives="PythonOption mod_python.session.session_type Bogus")


def test_unknown_session_type(site):
    # N-320
    mark = site.log_mark()
    assert site.get("/n320.py").status == 500
    assert "Unknown session type Bogus" in site.wait_log("Bogus", since=mark)


def test_default_type_from_the_mpm(site):
    # N-321: prefork, and event with two processes -> DbmSession (the
    # single-process event server of the MemorySession test -> MemorySession)
    assert site.get("/n306.py").json()["type"] == "DbmSession"


# --------------------------------------------------------------------------
# N-322 ... N-324: locking

SITE.handler("n322", """
    from mod_python import Session

    def handler(req):
        lock = int(req.get_options().get("n322_lock", "1"))
        s = Session.Session(req, lock=lock)
        got = time.time()
        time.sleep(0.8)
        s["n"] = s.get("n", 0) + 1
        s.save()
        return reply(req, {"got": got, "done": time.time()})
""")

SITE.handler("n324", """
    import n322

    def handler(req):
        return n322.handler(req)
""", directives="PythonOption n322_lock 0")


def concurrent_gets(site, path, headers, n=2):
    results = [None] * n

    def get(i):
        results[i] = site.get(path, headers=headers).json()

    threads = [threading.Thread(target=get, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return sorted(results, key=lambda d: d["got"])


def test_concurrent_requests_serialised(site):
    # N-322
    sid = site.get("/n306.py").json()["id"]
    first, second = concurrent_gets(site, "/n322.py", with_cookie(sid))
    assert second["got"] >= first["done"] - 0.01


SITE.handler("n323", """
    def handler(req):
        apache._global_lock(req.server, "n323")
        got = time.time()
        time.sleep(0.4)
        done = time.time()
        apache._global_unlock(req.server, "n323")
        return reply(req, {"got": got, "done": done})
""")


def test_global_lock_serialises(site):
    # N-323 (with 1 s and 5 requests also in test_cleanups_and_locks.py)
    start = time.time()
    spans = concurrent_gets(site, "/n323.py", {}, n=3)
    assert time.time() - start >= 1.2
    for a, b in zip(spans, spans[1:]):
        assert b["got"] >= a["done"] - 0.01


def test_no_lock_does_not_block(site):
    # N-324
    sid = site.get("/n306.py").json()["id"]
    first, second = concurrent_gets(site, "/n324.py", with_cookie(sid))
    assert second["got"] < first["done"]


# --------------------------------------------------------------------------
# N-325 ... N-327

SITE.handler("n325", """
    from mod_python import Session

    def handler(req):
        s = Session.Session(req)
        return reply(req, {"created": s.created(), "accessed": s.last_accessed(),
                           "types": [type(s.created()).__name__,
                                     type(s.last_accessed()).__name__]})
""")


def test_created_and_accessed(site):
    # N-325
    d = site.get("/n325.py").json()
    assert d["types"] == ["float", "float"]
    assert d["created"] <= d["accessed"] <= time.time() + 1


SITE.handler("n326", """
    from mod_python import Session

    def handler(req):
        s = Session.BaseSession(req)
        s["hits"] = 1
        return reply(req, {"in": "hits" in s, "value": s["hits"], "dict": isinstance(s, dict),
                           "keys": list(s.keys())})
""")


def test_base_session_is_a_dict(site):
    # N-326
    assert site.get("/n326.py").json() == {"in": True, "value": 1, "dict": True,
                                           "keys": ["hits"]}


SITE.handler("n327", """
    from mod_python import Session

    def handler(req):
        return reply(req, capture(lambda: Session.Session(req)))
""", directives="""
PythonOption mod_python.session.session_type FileSession
PythonOption mod_python.file_session.enable_fast_cleanup maybe
""")


def test_fast_cleanup_not_a_boolean(site):
    # N-327
    assert site.get("/n327.py").json().startswith("EXC:Exception:")


# --------------------------------------------------------------------------
# beyond the list: a handler that raised still gives the lock back

SITE.handler("nraise", """
    from mod_python import Session

    def handler(req):
        s = Session.Session(req)
        s.save()
        if req.args == "raise":
            raise RuntimeError("nraise after locking")
        return reply(req, {"id": s.id(), "new": s.is_new()})
""")


def test_lock_released_when_the_handler_raised(site):
    sid = site.get("/nraise.py").json()["id"]
    assert site.get("/nraise.py?raise", headers=with_cookie(sid)).status == 500
    start = time.time()
    d = site.get("/nraise.py", headers=with_cookie(sid), timeout=10).json()
    assert d == {"id": sid, "new": False} and time.time() - start < 3


SITE.handler("nindex", """
    from mod_python import Session

    def handler(req):
        s = Session.Session(req)
        busy = not apache._global_trylock(req.server, s.id())
        return reply(req, {"busy": busy, "index": Session.mutex_index(req.server, s.id())})
""")


def test_session_lock_is_the_c_modules_mutex_for_the_id(site):
    # while a session is open, the mutex the C side picks for its id
    # (index -1) is taken: Session computes the same index
    d = site.get("/nindex.py").json()
    assert d["busy"] is True and d["index"] >= 1


SITE.handler("nredir", """
    from mod_python import Session

    def handler(req):
        s = Session.Session(req, lock=1)
        s["seen"] = "first"
        s.save()
        req.internal_redirect("/nredir2.py")
        return apache.OK
""")
SITE.handler("nredir2", """
    from mod_python import Session

    def handler(req):
        s = Session.Session(req)
        return reply(req, {"redirected": req.prev is not None,
                           "seen": s.get("seen")})
""")
SITE.handler("nsub", """
    from mod_python import Session

    def fixuphandler(req):
        req.session = Session.Session(req)
        req.session["seen"] = "main"
        req.session.save()
        return apache.OK

    def handler(req):
        s = Session.Session(req)
        return reply(req, {"sub": req.main is not None, "seen": s.get("seen")})
""")
SITE.file("nssi.shtml", '<!--#include virtual="/nsub.py" -->\n')
SITE.file("nssi_other.shtml", '<!--#include virtual="/nsubother.py" -->\n')
SITE.handler("nsubother", """
    from mod_python import Session

    def handler(req):
        s = Session.Session(req)
        return reply(req, {"seen": s.get("seen")})
""", directives="PythonInterpreter nsub_other_interpreter")
SITE.files_section("nssi_other.shtml", """
    SetHandler default-handler
    Options +Includes
    SetOutputFilter INCLUDES
    PythonFixupHandler nsub
""")
SITE.files_section("nssi.shtml", """
    SetHandler default-handler
    Options +Includes
    SetOutputFilter INCLUDES
    PythonFixupHandler nsub
""")


def test_internal_redirect_reopens_the_locked_session(site):
    # the redirected request runs on the same thread while the first one
    # still holds the session lock: the lock is shared along req.prev and
    # req.main instead of deadlocking the thread
    sid = site.get("/n306.py").json()["id"]
    start = time.time()
    d = site.get("/nredir.py", headers=with_cookie(sid), timeout=10).json()
    assert d == {"redirected": True, "seen": "first"}
    assert time.time() - start < 3


def test_subrequest_reopens_the_locked_session(site):
    # an SSI page whose fixup handler holds the session includes a page
    # that opens it again, in a subrequest on the same thread
    sid = site.get("/n306.py").json()["id"]
    resp = site.get("/nssi.shtml", headers=with_cookie(sid), timeout=10)
    assert resp.status == 200
    assert json.loads(resp.text) == {"sub": True, "seen": "main"}


def test_subrequest_in_another_interpreter_fails_instead_of_hanging(site):
    # the lock counts cannot be shared across interpreters: the subrequest
    # fails (here with PythonDebug's error page as its output) rather than
    # waiting for its own request forever
    sid = site.get("/n306.py").json()["id"]
    mark = site.log_mark()
    resp = site.get("/nssi_other.shtml", headers=with_cookie(sid), timeout=10)
    assert resp.status == 200
    assert "RuntimeError" in resp.text
    site.wait_log("is held by this request in another interpreter", since=mark)


@pytest.fixture(scope="module")
def site(module_mpm):
    with SITE.serve(mpm=module_mpm) as srv:
        yield srv


# --------------------------------------------------------------------------
# 50 concurrent clients, 2000 increments of one counter in one session

COUNTER = """
    from mod_python import Session

    def handler(req):
        s = Session.Session(req)
        if req.args == "init":
            s["n"] = 0
        elif req.args != "read":
            s["n"] += 1          # KeyError (500) if the session was lost
        s.save()
        return reply(req, {"n": s.get("n"), "new": s.is_new(), "id": s.id(),
                           "type": type(s).__name__, "pid": os.getpid()})
"""

HOLD = """
    from mod_python import Session

    def handler(req):
        s = Session.Session(req)
        path = os.path.join(req.get_options()["n_tmp"], "holder.pid")
        with open(path + ".new", "w") as f:
            f.write(str(os.getpid()))
        os.rename(path + ".new", path)
        time.sleep(60)
        return apache.OK
"""

PROBE = """
    def handler(req):
        got = apache._global_trylock(req.server, req.args)
        if got:
            apache._global_unlock(req.server, req.args)
        return reply(req, {"locked": not got})
"""

ONE_EVENT_PROCESS = """
ServerLimit 1
StartServers 1
ThreadsPerChild 8
MaxRequestWorkers 8
MinSpareThreads 1
MaxSpareThreads 8
"""


def store_site(session_type):
    site = Site(dir_directives="""
        SetHandler mod_python
        PythonDebug On
        PythonOption n_tmp @ROOT@/tmp
        PythonOption mod_python.session.database_directory @ROOT@/tmp
    """ + ("PythonOption mod_python.session.session_type %s" % session_type
           if session_type else ""))
    site.handler("counter", COUNTER)
    site.handler("hold", HOLD)
    site.handler("probe", PROBE)
    return site


def hammer(servers, sid, clients=50, total=2000, path="/counter.py"):
    """`clients` threads share `total` increments, spread over the servers
    (a list of (server, port)); return every counter value seen."""
    seen, errors = [], []
    lock = threading.Lock()

    def client(i):
        srv, port = servers[i % len(servers)]
        try:
            for _ in range(total // clients):
                r = srv.get(path, headers=with_cookie(sid), port=port, timeout=60)
                d = r.json()
                if r.status != 200 or d["new"] or d["id"] != sid:
                    raise AssertionError("bad reply %s %r" % (r.status, d))
                with lock:
                    seen.append(d["n"])
        except Exception as e:
            with lock:
                errors.append(repr(e))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == [], errors[:3]
    return seen


def count_to_2000(servers, expect_type):
    srv, port = servers[0]
    init = srv.get("/counter.py?init", port=port).json()
    assert init["type"] == expect_type and init["n"] == 0
    start = time.time()
    seen = hammer(servers, init["id"])
    elapsed = time.time() - start
    assert sorted(seen) == list(range(1, 2001))
    final = srv.get("/counter.py?read", headers=with_cookie(init["id"]), port=port).json()
    assert final["n"] == 2000 and final["new"] is False
    return elapsed


def test_counter_memory_session_one_event_process(apache):
    # MemorySession lives in one process: a single event child with 8 threads;
    # no session_type option, so this is also the N-321 MemorySession default
    srv = store_site(None).start(apache, mpm="event", main_config=ONE_EVENT_PROCESS)
    elapsed = count_to_2000([(srv, srv.port)], "MemorySession")
    assert elapsed < 40


@pytest.mark.parametrize("session_type, mpm", [
    ("DbmSession", "prefork"), ("DbmSession", "event"),
    ("FileSession", "prefork"), ("FileSession", "event")])
def test_counter_across_processes(apache, session_type, mpm):
    srv = store_site(session_type).start(apache, mpm=mpm)
    elapsed = count_to_2000([(srv, srv.port)], session_type)
    assert elapsed < 40


# --------------------------------------------------------------------------
# a child killed while holding a session lock

def server_children(srv):
    return set(child_pids(srv.pid))


def wait_for_holder(srv, timeout=10):
    path = os.path.join(srv.root, "tmp", "holder.pid")
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(path):
            with open(path) as f:
                return int(f.read())
        time.sleep(0.05)
    raise AssertionError("the hold handler did not start")


def probe_until_unlocked(srv, sid, timeout=5):
    """The lock of the last request is given back by a request cleanup,
    just after its response: wait for that."""
    deadline = time.time() + timeout
    while srv.get("/probe.py?" + sid).json()["locked"] and time.time() < deadline:
        time.sleep(0.02)
    return srv.get("/probe.py?" + sid).json()


def _quietly(fn):
    try:
        fn()
    except Exception:
        pass


@pytest.mark.parametrize("session_type, mpm", [
    ("DbmSession", "prefork"), ("FileSession", "event")])
def test_killed_child_releases_the_session_lock(apache, session_type, mpm):
    srv = store_site(session_type).start(apache, mpm=mpm)
    sid = srv.get("/counter.py?init").json()["id"]
    assert probe_until_unlocked(srv, sid) == {"locked": False}

    holder = threading.Thread(target=lambda: _quietly(
        lambda: srv.get("/hold.py", headers=with_cookie(sid), timeout=30)))
    holder.start()
    pid = wait_for_holder(srv)
    assert srv.get("/probe.py?" + sid).json() == {"locked": True}
    assert pid in server_children(srv)
    os.kill(pid, signal.SIGKILL)
    holder.join(30)

    start = time.time()
    d = srv.get("/counter.py", headers=with_cookie(sid), timeout=20).json()
    assert (d["id"], d["new"], d["n"]) == (sid, False, 1)
    assert time.time() - start < 5
    assert probe_until_unlocked(srv, sid) == {"locked": False}


def test_a_planted_session_directory_is_refused(apache):
    """Another local user who pre-creates the FileSession directory, open
    to all, must not get to read or delete live sessions."""
    srv = apache(start=False, files={"sess.py": code("""
        from mod_python import Session
        def handler(req):
            s = Session.Session(req)
            s["n"] = 1
            s.save()
            req.write("saved")
            return apache.OK
    """)}, config="""
<Location /sess>
    SetHandler mod_python
    PythonHandler sess
    PythonPath "['@DOCROOT@'] + sys.path"
    PythonOption mod_python.session.session_type FileSession
    PythonOption mod_python.session.database_directory @ROOT@/tmp/planted
</Location>
""")
    base = os.path.join(srv.root, "tmp", "planted")
    os.makedirs(os.path.join(base, "mp_sess"))
    os.chmod(base, 0o1777)
    os.chmod(os.path.join(base, "mp_sess"), 0o777)
    srv.start()
    mark = srv.log_mark()
    assert srv.get("/sess").status == 500
    log = srv.wait_log("session directory", since=mark)
    lines = [l for l in log.splitlines() if "[python:" in l]
    assert len(lines) == 1, log
    assert "session directory %s/mp_sess" % base in lines[0]
    # made by the children themselves, it is theirs and private
    shutil.rmtree(os.path.join(base, "mp_sess"))
    assert srv.get("/sess").text == "saved"
    st = os.stat(os.path.join(base, "mp_sess"))
    assert stat.S_IMODE(st.st_mode) & 0o077 == 0
