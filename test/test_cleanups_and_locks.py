"""Child-exit cleanups (behaviours.md E-118, E-119) and the global mutexes
(N-323 and the _global_lock/_global_trylock/_global_unlock contract of
python-api.md section 10, plus the startup NOTICE of directives.md).

The cleanup servers are stopped inside their fixture (`apache2 -k stop`): the
children exit and run the registered cleanups, whose log lines are then read
from the error_log.  Everything runs under both the prefork and the event MPM.
"""

import re
import threading
import time

import pytest

from helpers import Site, code

MUTEX_NOTICE = (r"mod_python: Creating (\d+) session mutexes based on (-?\d+) max processes "
                r"and (-?\d+) max threads\.")


# --------------------------------------------------------------------------
# E-118, E-119: cleanups at child exit

CLEANUP_SITE = Site()

CLEANUP_SITE.handler("e118", """
    def cleanup(data):
        apache.log_error("e118 child cleanup ran with %s pid %d" % (data, os.getpid()),
                         apache.APLOG_NOTICE)

    def handler(req):
        import threading
        apache.register_cleanup(cleanup, "e118data")
        # from a thread Python code started itself (no mod_python state)
        worker = threading.Thread(
            target=lambda: apache.register_cleanup(cleanup, "e118thread"))
        worker.start()
        worker.join()
        return reply(req, {"pid": os.getpid(),
                           "not_callable": capture(lambda: apache.register_cleanup(123))})
""")

CLEANUP_SITE.handler("e119", """
    def cleanup(data):
        apache.log_error("e119 server cleanup ran with %s pid %d" % (data, os.getpid()),
                         apache.APLOG_NOTICE)

    def handler(req):
        req.server.register_cleanup(req, cleanup, "e119data")
        return reply(req, {
            "pid": os.getpid(),
            "not_request": capture(lambda: req.server.register_cleanup("nope", cleanup, "x")),
            "server_arg": capture(lambda: req.server.register_cleanup(req.server, cleanup)),
            "not_callable": capture(lambda: req.server.register_cleanup(req, 123)),
        })
""")


@pytest.fixture(scope="module")
def stopped_cleanup_site(module_mpm):
    """Serve e118 and e119 once each, stop the server, return the replies and
    the whole error_log (read after the stop)."""
    with CLEANUP_SITE.serve(mpm=module_mpm) as srv:
        replies = {name: srv.get("/%s.py" % name).json() for name in ("e118", "e119")}
        mark = srv.log_mark()
        srv.stop()
        yield replies, srv.error_log(mark)


def test_apache_register_cleanup_at_child_exit(stopped_cleanup_site):
    # E-118
    replies, log = stopped_cleanup_site
    d = replies["e118"]
    assert "e118 child cleanup ran with e118data pid %d" % d["pid"] in log, log
    assert "e118 child cleanup ran with e118thread pid %d" % d["pid"] in log, log
    assert log.count("e118 child cleanup ran") == 2, log
    assert d["not_callable"].startswith("EXC:ValueError:"), d


def test_server_register_cleanup_at_child_exit(stopped_cleanup_site):
    # E-119
    replies, log = stopped_cleanup_site
    d = replies["e119"]
    assert "e119 server cleanup ran with e119data pid %d" % d["pid"] in log, log
    assert log.count("e119 server cleanup ran") == 1, log
    assert d["not_request"] == "EXC:ValueError:first argument must be a request object", d
    assert d["server_arg"] == "EXC:ValueError:first argument must be a request object", d
    assert d["not_callable"] == "EXC:ValueError:second argument must be a callable object", d
    # the refused registrations ran nothing
    assert "with x pid" not in log, log


# --------------------------------------------------------------------------
# N-323 and the global mutex primitives

LOCK_SITE = Site()

LOCK_SITE.handler("n323", """
    import _apache

    def handler(req):
        _apache._global_lock(req.server, 1)
        acquired = time.time()
        time.sleep(1)
        released = time.time()
        _apache._global_unlock(req.server, 1)
        return reply(req, {"acquired": acquired, "released": released, "pid": os.getpid()})
""")

LOCK_SITE.handler("nhold", """
    import _apache

    def handler(req):
        _apache._global_lock(req.server, "trylock key")
        req.log_error("nhold acquired", apache.APLOG_NOTICE)
        time.sleep(1.5)
        _apache._global_unlock(req.server, "trylock key")
        req.write("held")
        return apache.OK
""")

LOCK_SITE.handler("ntry", """
    import _apache

    def handler(req):
        got = _apache._global_trylock(req.server, "trylock key")
        if got:
            _apache._global_unlock(req.server, "trylock key")
        return reply(req, {"got": got})
""")

LOCK_SITE.handler("nargs", """
    import _apache

    def lock_unlock(server, key, index):
        _apache._global_lock(server, key, index)
        _apache._global_unlock(server, key, index)
        return "ok"

    def handler(req):
        n = int(req.args)
        s = req.server
        return reply(req, {
            "too_big": capture(lambda: _apache._global_lock(s, "k", n)),
            "too_small": capture(lambda: _apache._global_lock(s, "k", -2)),
            "trylock_too_big": capture(lambda: _apache._global_trylock(s, "k", n)),
            "unlock_too_big": capture(lambda: _apache._global_unlock(s, "k", n)),
            "last": capture(lambda: lock_unlock(s, "k", n - 1)),
            "first": capture(lambda: lock_unlock(s, "k", 0)),
            "not_server": capture(lambda: _apache._global_lock(req, "k")),
            "none_server": capture(lambda: _apache._global_lock(None, "k")),
            "trylock_not_server": capture(lambda: _apache._global_trylock("x", "k")),
        })
""")


@pytest.fixture(scope="module")
def lock_site(module_mpm):
    with LOCK_SITE.serve(mpm=module_mpm) as srv:
        yield srv


def _mutex_count(site):
    m = re.search(MUTEX_NOTICE, site.wait_log(MUTEX_NOTICE, regex=True))
    return int(m.group(1)), int(m.group(2)), int(m.group(3))


def test_mutex_notice(lock_site):
    # directives.md: the NOTICE about the global mutex pool
    log = lock_site.wait_log(MUTEX_NOTICE, regex=True)
    line = [l for l in log.splitlines() if re.search(MUTEX_NOTICE, l)][0]
    assert ":notice]" in line, line
    n, procs, threads = _mutex_count(lock_site)
    # actual count = min(mod_python.mutex_locks (default 8), max clients)
    clients = max(procs, 1) * max(threads, 1)
    assert n == min(8, clients), line
    assert clients >= 10, line   # MaxRequestWorkers is 10 (prefork) / 16 (event)


def test_global_lock_serialises(lock_site):
    # N-323: 5 concurrent requests each holding mutex 1 for 1 s
    results = [None] * 5

    def worker(i):
        results[i] = lock_site.get("/n323.py", timeout=30)

    start = time.time()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(40)
    elapsed = time.time() - start
    assert all(r is not None and r.status == 200 for r in results), results
    assert elapsed >= 5.0, elapsed
    spans = sorted((r.json()["acquired"], r.json()["released"]) for r in results)
    for (a1, r1), (a2, r2) in zip(spans, spans[1:]):
        assert a2 >= r1 - 0.01, spans     # never held by two requests at once


def test_global_trylock(lock_site):
    # python-api.md section 10: _global_trylock is False while another
    # request (another child under prefork, another thread under event) holds it
    mark = lock_site.log_mark()
    holder = {}
    t = threading.Thread(target=lambda: holder.setdefault("r", lock_site.get("/nhold.py")))
    t.start()
    try:
        lock_site.wait_log("nhold acquired", since=mark)
        assert lock_site.get("/ntry.py").json() == {"got": False}
    finally:
        t.join(30)
    assert holder["r"].text == "held"
    assert lock_site.get("/ntry.py").json() == {"got": True}


def test_global_lock_bad_arguments(lock_site):
    # python-api.md section 10: index outside [-1, nlocks) -> ValueError;
    # first argument not a server -> TypeError
    n = _mutex_count(lock_site)[0]
    d = lock_site.get("/nargs.py?%d" % n).json()
    out_of_range = "EXC:ValueError:Lock index is out of range for number of global mutex locks"
    assert d["too_big"] == out_of_range, d
    assert d["too_small"] == out_of_range, d
    assert d["trylock_too_big"] == out_of_range, d
    assert d["unlock_too_big"] == out_of_range, d
    assert d["last"] == "ok", d
    assert d["first"] == "ok", d
    not_server = "EXC:TypeError:First argument must be a server object"
    assert d["not_server"] == not_server, d
    assert d["none_server"] == not_server, d
    assert d["trylock_not_server"] == not_server, d


CROSS_THREAD = code("""
    import threading, _apache
    def handler(req):
        # Lock here, unlock from another thread: what happens when a
        # request's cleanups run on a different worker thread (event MPM).
        _apache._global_lock(req.server, "cross-thread-key")
        errors = []
        def unlock():
            try:
                _apache._global_unlock(req.server, "cross-thread-key")
            except Exception as exc:
                errors.append(repr(exc))
        t = threading.Thread(target=unlock)
        t.start()
        t.join()
        free = _apache._global_trylock(req.server, "cross-thread-key")
        if free:
            _apache._global_unlock(req.server, "cross-thread-key")
        return reply(req, {"errors": errors, "free_again": free})
""")


@pytest.mark.parametrize("mpm", ["prefork", "event"])
def test_global_lock_released_from_another_thread(apache, mpm):
    srv = apache(mpm=mpm, files={"cross.py": CROSS_THREAD}, config="""
<Directory @DOCROOT@>
  SetHandler mod_python
  PythonHandler cross
</Directory>
""")
    for _ in range(3):
        assert srv.get("/cross.py", timeout=10).json() == {"errors": [], "free_again": True}
