"""Threaded MPMs under load, across interpreters and graceful restarts:
no crash, no wrong answer, memory that does not grow."""

import http.client
import os
import re
import subprocess
import threading
import time

from helpers import HTTPD, child_pids, code

# Three directories, three interpreters; each answers with its own name
# and a per-interpreter counter (module globals live per interpreter).
STRESS_CONFIG = """
<Directory @DOCROOT@>
  SetHandler mod_python
  Require all granted
</Directory>
<Directory @DOCROOT@/one>
  PythonHandler app
  PythonInterpreter one
</Directory>
<Directory @DOCROOT@/two>
  PythonHandler app
  PythonInterpreter two
</Directory>
<Directory @DOCROOT@/three>
  PythonHandler app
  PythonInterpreter three
</Directory>
"""

APP = code("""
    import threading
    HITS = [0]
    LOCK = threading.Lock()

    def handler(req):
        with LOCK:
            HITS[0] += 1
        body = "%s %s" % (req.interpreter, req.args)
        req.write(body.encode() * 50)
        return apache.OK
""")

DIRS = ("one", "two", "three")


def stress_server(apache, mpm="event"):
    files = {"%s/app.py" % d: APP for d in DIRS}
    return apache(config=STRESS_CONFIG, files=files, mpm=mpm, loglevel="warn",
                  main_config="StartServers 2\nServerLimit 2\nThreadsPerChild 8\n"
                              "ThreadLimit 8\nMaxRequestWorkers 16\n"
                              "MinSpareThreads 8\nMaxSpareThreads 16\n")


def load(port, seconds, clients, stop=None):
    """Clients cycling over the three interpreters; returns (ok, wrong)."""
    deadline = time.time() + seconds
    totals = {"ok": 0, "wrong": []}
    lock = threading.Lock()

    def expect(d, n):
        return ("%s %s-%d" % (d, d, n)).encode() * 50

    def one(conn, d, n):
        conn.request("GET", "/%s/app.py?%s-%d" % (d, d, n))
        resp = conn.getresponse()
        return resp.status, resp.read()

    def client(k):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        ok, wrong, n = 0, [], 0
        while time.time() < deadline and not (stop and stop.is_set()):
            d = DIRS[(k + n) % 3]
            n += 1
            try:
                try:
                    status, body = one(conn, d, n)
                except (http.client.RemoteDisconnected, ConnectionError):
                    # A keep-alive connection closed under us (idle or a
                    # graceful restart): retry once on a new one.
                    conn.close()
                    status, body = one(conn, d, n)
            except (OSError, http.client.HTTPException) as exc:
                wrong.append(repr(exc))
                conn.close()
                continue
            if status == 200 and body == expect(d, n):
                ok += 1
            else:
                wrong.append((status, body[:80]))
        conn.close()
        with lock:
            totals["ok"] += ok
            totals["wrong"] += wrong

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return totals["ok"], totals["wrong"]


def assert_no_crash(log):
    for bad in ("Segmentation fault", "Fatal Python error", "exit signal",
                "Aborted", "python:error"):
        assert bad not in log, bad


def test_event_mpm_three_interpreters_32_clients(apache):
    srv = stress_server(apache)
    ok, wrong = load(srv.port, seconds=30, clients=32)
    assert wrong == []
    assert ok > 1000
    assert_no_crash(srv.error_log())


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
    except (OSError, AttributeError):
        return 0


def settled_children(pid, timeout=10):
    """The children of a new generation, once it has started (right after
    a graceful restart there can be a moment with none)."""
    deadline = time.time() + timeout
    time.sleep(1)
    while time.time() < deadline:
        found = child_pids(pid)
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError("no Apache children after a graceful restart")


def test_200_graceful_restarts_while_requests_flow(apache):
    srv = stress_server(apache)
    stop = threading.Event()
    result = {}
    worker = threading.Thread(target=lambda: result.update(
        zip(("ok", "wrong"), load(srv.port, 600, 8, stop))))
    worker.start()
    parent_rss, child_rss = [], []
    try:
        for i in range(200):
            subprocess.run([HTTPD, "-f", srv.conf_path, "-k", "graceful"], check=True,
                           capture_output=True, env=srv._env())
            time.sleep(0.25)
            if i in (20, 199):
                parent_rss.append(rss_kb(srv.pid))
                child_rss.append(max(rss_kb(c) for c in settled_children(srv.pid)))
    finally:
        stop.set()
        worker.join()
    assert result["wrong"] == []
    assert result["ok"] > 1000
    assert_no_crash(srv.error_log())
    # The parent reloads the module 180 more times: it must not grow.
    # Children are new processes each time; their size depends on how many
    # interpreters they have started yet, so only a sane bound is checked.
    assert parent_rss[1] - parent_rss[0] < 4096, parent_rss
    assert max(child_rss) < 96 * 1024, child_rss


SHARED_REQUEST = code("""
    import threading
    from mod_python import apache

    def handler(req):
        # threads the handler started use its request at the same time
        errors = []
        def work(t):
            try:
                for i in range(1000):
                    req.notes.add("t%d" % t, str(i))
                    req.subprocess_env["e%d" % (i % 7)] = "x" * (i % 30)
                    req.filename = "/nonexistent/%d/%d" % (t, i)
                    req.get_options()
                    len(req.headers_in.items())
                    req.uri
            except Exception as exc:
                errors.append(repr(exc))
        threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        counts = sorted(len(req.notes["t%d" % t]) for t in range(8))
        req.content_type = "text/plain"
        req.write("%s %s" % (counts, errors))
        return apache.OK
""")


def test_threads_of_a_handler_share_its_request(apache):
    # without a GIL (the free-threaded build), the request's C methods
    # hold it in turn: no lost entry, no crash
    srv = apache(mpm="event", files={"shared/app.py": SHARED_REQUEST}, config="""
<Directory @DOCROOT@/shared>
  SetHandler mod_python
  PythonHandler app
</Directory>
""")
    for _ in range(3):
        r = srv.get("/shared/")
        assert (r.status, r.text) == (200, "%s []" % ([1000] * 8)), r
    assert "exit signal" not in srv.error_log()


ADDING_HANDLERS = code("""
    import threading
    from mod_python import apache

    def first(req):
        req.add_handler("PythonHandler", "app::second")
        req.write("first ")
        return apache.OK

    def second(req):
        # runs from the added list, while threads append to that list
        errors, start = [], threading.Barrier(4)
        def add(t):
            try:
                start.wait()
                for i in range(500):
                    req.add_handler("PythonHandler", "app::dot")
            except Exception as exc:
                errors.append(repr(exc))
        adders = [threading.Thread(target=add, args=(t,)) for t in range(4)]
        for thread in adders:
            thread.start()
        for thread in adders:
            thread.join()
        req.write("second %s %s " % (req.hlist.handler, errors[:3]))
        return apache.OK

    def dot(req):
        req.write(".")
        return apache.OK
""")


def test_threads_add_handlers_to_the_running_phase(apache):
    # B-85, from threads
    # req.add_handler() holds the request's critical section, and so does
    # the handler list (free-threaded build): every handler added runs,
    # once.  Without the section on add_handler, entries are lost.
    srv = apache(mpm="event", files={"added/app.py": ADDING_HANDLERS}, config="""
<Directory @DOCROOT@/added>
  SetHandler mod_python
  PythonHandler app::first
</Directory>
""")
    for _ in range(5):
        r = srv.get("/added/")
        assert (r.status, r.text) == (200, "first second app::second [] " + "." * 2000), r
    assert "exit signal" not in srv.error_log()


# Every request in one child (and so one interpreter), with threads to spare.
ONE_CHILD = """
ServerLimit 1
StartServers 1
ThreadsPerChild 8
MaxRequestWorkers 8
"""

RELOAD_ONE = code("""
    from mod_python import apache

    def handler(req):
        req.content_type = "text/plain"
        req.write("one")
        return apache.OK
""")

RELOAD_TWO = code("""
    import time
    from mod_python import apache

    def handler(req):
        req.content_type = "text/plain"
        req.write(later())
        return apache.OK

    time.sleep(1.5)   # the new handler is in place, what it calls is not yet

    def later():
        return "two"
""")


def test_requests_during_a_reload_wait_for_it(apache):
    # B-46, under concurrent requests
    # A request arriving while another re-runs the changed module waits
    # for the whole new version, rather than calling into a namespace half
    # run again (here: NameError for `later`, a 500).
    srv = apache(mpm="event", files={"reload/app.py": RELOAD_ONE}, config=ONE_CHILD + """
<Directory @DOCROOT@/reload>
  SetHandler mod_python
  PythonHandler app
</Directory>
""")
    assert srv.get("/reload/").text == "one"
    time.sleep(1.2)    # past the interval in which the file is not looked at
    later = time.time() + 2
    os.utime(srv.write("reload/app.py", RELOAD_TWO), (later, later))
    answers = []
    def fetch():
        r = srv.get("/reload/")
        answers.append((r.status, r.text))
    first = threading.Thread(target=fetch)
    first.start()
    time.sleep(0.5)    # the first request is re-running the module
    fetch()
    first.join()
    assert answers == [(200, "two")] * 2, srv.error_log()[-3000:]


SLOW_CGI = code("""
    import time
    print("Content-Type: text/plain")
    print()
    time.sleep(1)
    print("slow")
""")

COUNTER = code("""
    from mod_python import apache

    COUNT = [0]

    def handler(req):
        COUNT[0] += 1
        print("printed by another handler", flush=True)
        req.write(str(COUNT[0]))
        return apache.OK
""")


def test_a_cgi_script_and_the_handlers_beside_it(apache):
    # B-339, beside other handlers of the interpreter
    # While a script runs, another handler of the interpreter prints: that
    # does not reach the script's client.  The cgihandler forgets what its
    # script imported, but not a handler module another request imported
    # meanwhile (its state would go).
    srv = apache(mpm="event", files={"cgi/slow.py": SLOW_CGI, "app/counter.py": COUNTER},
                 config=ONE_CHILD + """
<Directory @DOCROOT@/cgi>
  SetHandler mod_python
  PythonHandler mod_python.cgihandler
</Directory>
<Directory @DOCROOT@/app>
  SetHandler mod_python
  PythonHandler counter
</Directory>
""")
    answers = []
    cgi = threading.Thread(target=lambda: answers.append(srv.get("/cgi/slow.py").text))
    cgi.start()
    time.sleep(0.4)
    assert srv.get("/app/counter.py").text == "1"
    cgi.join()
    assert answers == ["slow\n"]
    assert srv.get("/app/counter.py").text == "2"


THREADED_IO = code("""
    import threading
    from mod_python import apache

    def run(threads, work):
        errors = []
        def guarded(t):
            try:
                work(t)
            except Exception as exc:
                errors.append(repr(exc))
        started = [threading.Thread(target=guarded, args=(t,)) for t in range(threads)]
        for thread in started:
            thread.start()
        for thread in started:
            thread.join()
        return errors

    def write(req):
        def work(t):
            for i in range(300):
                req.write("%d:%03d;" % (t, i))
        errors = run(8, work)
        req.write("END %s" % errors)
        return apache.OK

    def read(req):
        got = []
        def work(t):
            while True:
                data = req.read(1000)
                if not data:
                    break
                got.append(data)
        errors = run(4, work)
        req.write("%d %d %s" % (len(got), sum(map(len, got)), errors))
        return apache.OK

    def readline(req):
        got = []
        def work(t):
            while True:
                line = req.readline()
                if not line:
                    break
                got.append(line)
        errors = run(4, work)
        whole = all(line == b"y" * 99 + b"\\n" for line in got)
        req.write("%d %s %s" % (len(got), whole, errors))
        return apache.OK
""")


def test_threads_of_a_handler_write_and_read_at_once(apache):
    # B-152, B-173 and B-176, from several threads at once
    # req.write(), read() and readline() let the GIL go while Apache works;
    # threads then take turns on the connection's I/O (io_lock.h), and
    # readline() reads into memory of its own.  Without that the child
    # crashes (segmentation fault) on the first request.
    srv = apache(mpm="event", files={"io/app.py": THREADED_IO}, config="""
<Directory @DOCROOT@/io>
  SetHandler mod_python
  PythonHandler app::write
  <Files "read.py">
    PythonHandler app::read
  </Files>
  <Files "readline.py">
    PythonHandler app::readline
  </Files>
</Directory>
""")
    expected = sorted("%d:%03d" % (t, i) for t in range(8) for i in range(300))
    for _ in range(10):
        r = srv.get("/io/app.py")
        assert r.status == 200 and r.text.endswith("END []"), r
        assert sorted(r.text[:-len("END []")].split(";")[:-1]) == expected
    body = b"x" * 200000
    for _ in range(5):
        r = srv.post("/io/read.py", body)
        assert (r.status, r.text) == (200, "200 200000 []"), r
    lines = (b"y" * 99 + b"\n") * 2000
    for _ in range(5):
        r = srv.post("/io/readline.py", lines)
        assert (r.status, r.text) == (200, "2000 True []"), r
    assert "exit signal" not in srv.error_log()


HEADERS_WHILE_WRITING = code("""
    import threading
    from mod_python import apache

    def handler(req):
        def work():
            for i in range(300):
                req.write("x" * 100)
        thread = threading.Thread(target=work)
        thread.start()
        i = 0
        while thread.is_alive():
            req.headers_out["X-H%d" % (i % 40)] = "v" * (i % 200)
            req.notes["n%d" % i] = "w" * 30
            req.subprocess_env["E%d" % (i % 100)] = str(i)
            i += 1
        thread.join()
        return apache.OK
""")


def test_a_thread_writes_while_its_handler_changes_the_request(apache):
    # B-143 and B-152 at once: the first write runs Apache's header filter,
    # which reads headers_out while the handler adds to it, and both
    # allocate from the request's pool.  Tables and methods hold the
    # connection's I/O lock (io_lock.h); without it responses broke off.
    srv = apache(mpm="event", files={"busy/app.py": HEADERS_WHILE_WRITING}, config="""
<Directory @DOCROOT@/busy>
  SetHandler mod_python
  PythonHandler app
</Directory>
""")
    for _ in range(300):
        r = srv.get("/busy/app.py")
        assert (r.status, r.body) == (200, b"x" * 30000), r
    assert "exit signal" not in srv.error_log()
