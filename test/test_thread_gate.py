"""Threads a handler starts may use its request (a connection handler's
threads, its connection) while the handler runs, and not after: once it
returns, Apache finishes the request in its own thread.  A call from a
thread after that raises RuntimeError, one in progress is waited for, and
the child never crashes (thread_gate.h)."""

import http.client
import socket
import time

from helpers import code

# Every request in one child, so /late/outcome sees the module that ran
# the handler.
ONE_CHILD = """
ServerLimit 1
StartServers 1
ThreadsPerChild 8
MaxRequestWorkers 8
"""

LATE = code("""
    import threading, time
    from mod_python import apache

    OUTCOME = []
    STORED = []
    WRITTEN = threading.Event()

    def record(action):
        try:
            action()
            OUTCOME.append("not refused")
        except Exception as exc:
            OUTCOME.append("%s: %s" % (type(exc).__name__, exc))

    def stored():
        deadline = time.time() + 10
        while not STORED and time.time() < deadline:
            time.sleep(0.01)
        return STORED.pop()

    def step(req, op, i):
        if op == "write":
            req.write(b"x" * 1000)
        elif op == "read":
            if not req.read(100):
                raise EOFError("the whole body was read")

    def handler(req):
        op = req.args
        if op in OTHER_REQUESTS:
            return OTHER_REQUESTS[op](req)
        # the thread goes on after the handler returns, and is refused
        started = threading.Event()
        def work():
            try:
                for i in range(100000):
                    step(req, op, i)
                    started.set()
                OUTCOME.append("never refused")
            except Exception as exc:
                OUTCOME.append("%s: %s" % (type(exc).__name__, exc))
            started.set()
        threading.Thread(target=work).start()
        started.wait()
        return apache.OK

    # another request's handler uses this one's req: while its handler
    # waits for it, and after its handler returned
    def waits(req):
        STORED.append(req)
        WRITTEN.wait(10)
        WRITTEN.clear()
        req.write(" and A")
        return apache.OK

    def posts(req):
        stored().write("from B")
        WRITTEN.set()
        req.write("posted")
        return apache.OK

    def intrudes(req):
        try:
            stored().write(b"intruder")
            req.write("not refused")
        except RuntimeError as exc:
            req.write("RuntimeError: %s" % exc)
        return apache.OK

    def redirects(req):
        # Apache runs the new request without the handler's lock: the
        # handler's thread is refused from then on
        started = threading.Event()
        def work():
            try:
                while True:
                    req.write(b"t" * 100)
                    started.set()
            except Exception as exc:
                OUTCOME.append("%s: %s" % (type(exc).__name__, exc))
            started.set()
        thread = threading.Thread(target=work)
        thread.start()
        started.wait()
        req.internal_redirect("/late/small.txt")
        thread.join()
        return apache.OK

    OTHER_REQUESTS = {"wait": waits, "post": posts, "intrude": intrudes,
                      "redirect": redirects}

    def fixup(req):
        # the thread's call comes while Apache sends a static file
        op = req.args
        if op == "store":
            STORED.append(req)
            return apache.OK
        def work():
            time.sleep(0.3)
            if op == "headers":
                record(lambda: req.headers_out.update({"X-Late": "1"}))
            else:
                record(lambda: req.connection.notes.update({"late": "1"}))
        threading.Thread(target=work).start()
        return apache.OK

    # a thread of the handler left running into the log phase
    LOGGING = threading.Event()

    def spawns(req):
        def work():
            LOGGING.wait(10)
            record(lambda: req.headers_out.update({"X-Late": "1"}))
        req.thread = threading.Thread(target=work)
        req.thread.start()
        req.write("spawned")
        return apache.OK

    def logs(req):
        LOGGING.set()
        req.thread.join(10)
        LOGGING.clear()
        return apache.OK

    # an output filter, run inside the handler's req.write(), whose thread
    # waits for the lock that write holds
    def joining(filter):
        req = filter.req
        if not req.notes.get("spawned"):
            req.notes["spawned"] = "1"
            def work():
                record(lambda: req.headers_out.update({"X-From-Thread": "1"}))
            thread = threading.Thread(target=work)
            thread.start()
            thread.join(20)
        filter.pass_on()

    def writes(req):
        req.write("written")
        return apache.OK

    def outcome(req):
        deadline = time.time() + 20
        while not OUTCOME and time.time() < deadline:
            time.sleep(0.01)
        req.write(OUTCOME.pop() if OUTCOME else "no outcome")
        return apache.OK
""")

LATE_CONFIG = ONE_CHILD + """
<Directory @DOCROOT@/late>
  SetHandler mod_python
  PythonHandler app
  <Files "outcome.py">
    PythonHandler app::outcome
  </Files>
  <Files "small.txt">
    SetHandler None
  </Files>
  <Files "big.bin">
    SetHandler None
    PythonFixupHandler app::fixup
  </Files>
  <Files "logged.py">
    PythonHandler app::spawns
    PythonLogHandler app::logs
  </Files>
  PythonOutputFilter app::joining JOINING
  <Files "joined.py">
    PythonHandler app::writes
    SetOutputFilter JOINING
  </Files>
</Directory>
"""

REFUSED = "while its handler is not running"
# A thread not scheduled until the request (or connection) has ended is
# refused by that end instead: either way it is refused, not let in.
REFUSED_OR_ENDED = (REFUSED, "used after its request ended")


def refused(outcome):
    return outcome.startswith("RuntimeError:") and any(
        reason in outcome for reason in REFUSED_OR_ENDED)


def late_server(apache):
    return apache(mpm="event", config=LATE_CONFIG,
                  files={"late/app.py": LATE, "late/big.bin": b"b" * 8000000})


def test_a_thread_writing_after_its_handler_returned_is_refused(apache):
    # B-152 from a thread that outlives its handler: its write in progress
    # ends before Apache ends the response, the next one raises.  Without
    # the gate the thread writes beside Apache's end of the response.
    srv = late_server(apache)
    for _ in range(5):
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
        conn.request("GET", "/late/app.py?write")
        r = conn.getresponse()
        body = r.read()
        assert r.status == 200 and body and body == b"x" * len(body)
        assert len(body) % 1000 == 0 and len(body) < 100000 * 1000
        # the same connection goes on cleanly: nothing stray after the body
        conn.request("GET", "/late/outcome.py")
        r = conn.getresponse()
        outcome = r.read().decode()
        conn.close()
        assert r.status == 200 and refused(outcome), outcome
    assert "exit signal" not in srv.error_log()


def test_a_thread_reading_after_its_handler_returned_is_refused(apache):
    # B-173 from a thread that outlives its handler: Apache discards the
    # rest of the body itself, and the thread may not read beside it
    srv = late_server(apache)
    for _ in range(3):
        r = srv.post("/late/app.py?read", b"y" * 2000000)
        assert r.status == 200, r
        outcome = srv.get("/late/outcome.py").text
        assert refused(outcome), outcome
    assert "exit signal" not in srv.error_log()


def test_a_thread_using_tables_between_phases_is_refused(apache):
    # the request's tables (B-143's headers_out) and the connection's
    # notes follow their request's gate, closed while no Python phase runs
    srv = late_server(apache)
    for op in ("headers", "connection"):
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
        s.sendall(b"GET /late/big.bin?%s HTTP/1.0\r\n\r\n" % op.encode())
        time.sleep(1)           # a slow client: the file is still going out
        got = 0
        while True:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            got += len(chunk)
        s.close()
        assert got > 8000000
        outcome = srv.get("/late/outcome.py").text
        assert outcome.startswith("RuntimeError:") and REFUSED in outcome, (op, outcome)
    assert "exit signal" not in srv.error_log()


def test_another_requests_handler_may_use_a_request_while_its_handler_runs(apache):
    # B-152 from another request's handler (long polling): B writes to
    # A's req while A's handler waits for it
    srv = late_server(apache)
    for _ in range(3):
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
        conn.request("GET", "/late/app.py?wait")
        time.sleep(0.2)
        assert srv.get("/late/app.py?post").text == "posted"
        r = conn.getresponse()
        assert (r.status, r.read()) == (200, b"from B and A")
        conn.close()
    assert "exit signal" not in srv.error_log()


def test_another_requests_handler_is_refused_once_the_handler_returned(apache):
    # B-152 from another request's handler, too late: A's fixup kept its
    # req; while Apache sends A's file, B may not write
    # into A's response (an Apache thread, but serving another connection)
    srv = late_server(apache)
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
    s.sendall(b"GET /late/big.bin?store HTTP/1.0\r\n\r\n")
    time.sleep(0.3)
    outcome = srv.get("/late/app.py?intrude").text
    got = b""
    while True:
        chunk = s.recv(1 << 20)
        if not chunk:
            break
        got += chunk
    s.close()
    assert outcome.startswith("RuntimeError:") and REFUSED in outcome, outcome
    assert got.endswith(b"\r\n\r\n" + b"b" * 8000000)
    assert "exit signal" not in srv.error_log()


def test_a_handler_thread_is_refused_during_an_internal_redirect(apache):
    # B-184 while a thread of the first handler writes: the new request,
    # run by Apache without the lock, makes the response
    srv = apache(mpm="event", config=LATE_CONFIG, files={
        "late/app.py": LATE, "late/small.txt": "small file\n" * 1000})
    for _ in range(20):
        r = srv.get("/late/app.py?redirect")
        assert r.status == 200 and r.text.endswith("small file\n" * 1000), r
        outcome = srv.get("/late/outcome.py").text
        assert outcome.startswith("RuntimeError:") and REFUSED in outcome, outcome
    assert "exit signal" not in srv.error_log()


def test_a_handler_thread_is_refused_in_the_log_phase(apache):
    # B-143 from a thread in the log phase: the log handler runs while
    # Apache ends the response (inside its core output filter), and the
    # content handler's threads may not join in
    srv = late_server(apache)
    for _ in range(2):
        assert srv.get("/late/logged.py").text == "spawned"
        outcome = srv.get("/late/outcome.py").text
        assert outcome.startswith("RuntimeError:") and REFUSED in outcome, outcome
    assert "exit signal" not in srv.error_log()


def test_a_thread_waiting_for_a_lock_its_joiner_holds_gives_up(apache):
    # B-214's filter, joining a thread: it runs inside req.write(), which
    # holds the connection's lock, and joins a thread that waits for that
    # lock; the thread waits at most Timeout, then raises, and the
    # response goes out
    srv = apache(mpm="event", config=LATE_CONFIG + "Timeout 2\n",
                 files={"late/app.py": LATE})
    started = time.time()
    r = srv.get("/late/joined.py")
    assert (r.status, r.text) == (200, "written"), r
    assert 1.5 < time.time() - started < 15
    outcome = srv.get("/late/outcome.py").text
    assert outcome == ("RuntimeError: waited 2 s for another thread using the "
                       "connection; giving up"), outcome
    assert "exit signal" not in srv.error_log()


CONNECTION = code("""
    import threading
    from mod_python import apache

    def connectionhandler(conn):
        if conn.readline() == b"late\\n":
            return late(conn)
        def work(t):
            for i in range(300):
                conn.write(b"%d:%03d\\n" % (t, i))
        threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        conn.write(b"END\\n")
        return apache.OK

    def late(conn):
        started = threading.Event()
        def work():
            try:
                while True:
                    conn.write(b".")
                    started.set()
            except Exception as exc:
                apache.log_error("late connection thread: %s: %s"
                                 % (type(exc).__name__, exc))
            started.set()
        threading.Thread(target=work).start()
        started.wait()
        return apache.OK
""")


def talk(port, line):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    try:
        s.sendall(line)
        chunks = []
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    finally:
        s.close()


def test_threads_of_a_connection_handler(apache):
    # C-95 from several threads: their writes take turns (a shared brigade
    # before), and a thread still writing when the handler returns is
    # waited for, then refused
    srv = apache(mpm="event", files={"@ROOT@/connmods/threaded.py": CONNECTION}, config="""
<VirtualHost 127.0.0.1:@PORT2@>
  PythonPath "sys.path + ['@ROOT@/connmods']"
  PythonConnectionHandler threaded
</VirtualHost>
""")
    expected = sorted(b"%d:%03d" % (t, i) for t in range(4) for i in range(300))
    for _ in range(10):
        lines = talk(srv.port2, b"parallel\n").split(b"\n")
        assert lines[-2:] == [b"END", b""]
        assert sorted(lines[:-2]) == expected
    for _ in range(3):
        dots = talk(srv.port2, b"late\n")
        assert dots and dots == b"." * len(dots)
    srv.wait_log(r"late connection thread: RuntimeError: connection object used "
                 r"(by another thread %s|%s)" % REFUSED_OR_ENDED, regex=True)
    assert "exit signal" not in srv.error_log()


FILTER = code("""
    import threading
    from mod_python import apache

    def outfilter(filter):
        outcome = []
        def work():
            try:
                filter.write("from a thread")
            except RuntimeError as exc:
                outcome.append(str(exc))
        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
        data = filter.read()
        while data:
            filter.write(data)
            data = filter.read()
        if data is None:
            filter.write(" | %s" % outcome)
            filter.close()

    def handler(req):
        req.write("body")
        return apache.OK
""")


def test_a_filter_object_is_for_the_thread_that_runs_the_filter(apache):
    # B-214's filter, from a thread it starts, which would move its
    # brigades under it
    srv = apache(mpm="event", files={"filtered/app.py": FILTER}, config="""
PythonOutputFilter app::outfilter THREADED_OUT
<Directory @DOCROOT@/filtered>
  SetHandler mod_python
  PythonHandler app
  PythonPath "sys.path + ['@DOCROOT@/filtered']"
  SetOutputFilter THREADED_OUT
</Directory>
""")
    r = srv.get("/filtered/app.py")
    assert r.status == 200, r
    assert r.text == ("body | ['a filter object can only be used in the thread "
                      "that runs the filter, not in a thread it started']"), r.text
