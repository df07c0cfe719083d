"""Faults outside any handler must not end an Apache child: each is logged
like any other Python exception, and the child keeps serving."""

import http.client
import os
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time

import pytest

from helpers import (HTTPD, LIBDIR, MOD_SO, REPO, THREAD_STATE_COUNTER,
                     child_pids, python_children_cannot_read)

STATIC = "static content\n"




def test_systemexit_in_a_site_dirs_pth_file_keeps_the_child(apache):
    srv = apache(start=False, mpm="event", site_dirs="%s:@DOCROOT@/extra"
                 % LIBDIR, files={"static.txt": STATIC, "app.py": """
from mod_python import apache
def handler(req):
    req.write("python")
    return apache.OK
"""}, config="""
<Location /app>
    SetHandler mod_python
    PythonHandler app
    PythonPath "['@DOCROOT@'] + sys.path"
</Location>
""")
    srv.write("extra/exits.pth", "import sys; sys.exit(3)\n")
    srv.start()
    children = set(child_pids(srv.pid))
    for _ in range(5):
        r = srv.get("/static.txt")
        assert (r.status, r.text) == (200, STATIC)
        assert srv.get("/app").status == 500
    assert children <= set(child_pids(srv.pid))   # no child died
    log = srv.error_log()
    assert "SystemExit: 3" in log
    assert "mod_python (interpreter " in log
    assert "exit signal" not in log and "exit status" not in log


def test_systemexit_in_a_pythonimport_module_keeps_the_child(apache):
    srv = apache(mpm="prefork", files={"static.txt": STATIC,
                                        "leaving.py": "import sys\nsys.exit(4)\n"},
                 config="""
PythonPath "['@DOCROOT@'] + sys.path"
PythonImport leaving main_interpreter
""")
    children = set(child_pids(srv.pid))
    for _ in range(5):
        assert srv.get("/static.txt").text == STATIC
    assert children <= set(child_pids(srv.pid))   # (prefork may add more)
    log = srv.error_log()
    assert "SystemExit: 4" in log
    assert "exit status" not in log


def build_for(python, top):
    """mod_python.so built in a copy of the tree for `python`, with the
    configure check of the children's user turned off."""
    tree = os.path.join(top, "tree")
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, check=True,
                           capture_output=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        if os.path.isfile(os.path.join(REPO, rel)):
            os.makedirs(os.path.dirname(os.path.join(tree, rel)),
                        exist_ok=True)
            shutil.copy2(os.path.join(REPO, rel), os.path.join(tree, rel))
    for command in (["autoconf"], ["./configure", "--with-python=" + python,
                                   "--without-apache-user"],
                    ["make", "-s", "-j2", "src/mod_python.so"]):
        subprocess.run(command, cwd=tree, check=True, capture_output=True)
    return os.path.join(tree, "src", "mod_python.so")


def test_a_python_the_children_cannot_read_is_explained_once(
        apache, world_readable_dir):
    python = python_children_cannot_read()
    so = build_for(python, world_readable_dir)
    subprocess.run(["chmod", "-R", "a+rX", world_readable_dir], check=True)
    srv = apache(module_so=so, mpm="prefork", files={"static.txt": STATIC,
                                                      "app.py": "x = 1\n"},
                 config="""
<Location /app>
    SetHandler mod_python
    PythonHandler app
</Location>
""")
    started = time.time()
    assert srv.get("/app").status == 500
    assert time.time() - started < 5
    assert srv.get("/static.txt").text == STATIC
    lines = [l for l in srv.error_log().splitlines()
             if "Python cannot start in this child" in l]
    children = len(child_pids(srv.pid))
    assert 1 <= len(lines) <= children + 1       # once per child
    stdlib = subprocess.run([python, "-c", "import sysconfig; print("
                             "sysconfig.get_paths()['stdlib'])"],
                            capture_output=True, text=True).stdout.strip()
    assert ("its user www-data cannot enter /root, on the way to %s, the "
            "standard library of" % stdlib) in lines[0]
    assert "./configure --with-python=/usr/bin/python3" in lines[0]


SETTERS = """
from mod_python import apache

def attempt(fn):
    try:
        fn()
        return "ok"
    except Exception as exc:
        return type(exc).__name__

def handler(req):
    results = []
    results.append(attempt(lambda: setattr(req, "uri", None)))
    results.append(req.uri)
    old = req.status
    results.append(attempt(lambda: setattr(req, "status", 2**40 + 200)))
    results.append(attempt(lambda: setattr(req, "status", -2**31 - 1)))
    results.append(str(req.status == old))
    results.append(attempt(lambda: setattr(req, "chunked", 2**31)))
    conn = req.connection
    keep = conn.keepalive
    results.append(attempt(lambda: setattr(conn, "keepalive", 7)))
    results.append(attempt(lambda: setattr(conn, "keepalive", 2**70)))
    results.append(str(conn.keepalive == keep))
    req.filename = None
    req.canonical_filename = None
    req.path_info = None
    req.args = None
    req.add_common_vars()
    req.add_cgi_vars()
    results.append(req.subprocess_env.get("REQUEST_URI"))
    results.append(str(req.subprocess_env.get("SCRIPT_FILENAME")))
    req.content_type = "text/plain"
    req.write("|".join(results))
    return apache.OK
"""


def test_setters_refuse_none_for_str_and_out_of_range_ints(apache):
    # H-205 (keepalive takes ints: only the three AP_CONN_* values)
    srv = apache(mpm="event", files={"setters.py": SETTERS}, config="""
<Location /setters>
    SetHandler mod_python
    PythonHandler setters
    PythonPath "['@DOCROOT@'] + sys.path"
</Location>
""")
    r = srv.get("/setters")
    assert r.status == 200, srv.error_log()
    assert r.text == ("TypeError|/setters|OverflowError|OverflowError|True|"
                      "OverflowError|ValueError|OverflowError|True|/setters|"
                      "None")
    assert srv.get("/setters").status == 200      # the child lived


LATE_WRITES = """
from mod_python import apache

def handler(req):
    req.write("body")
    req.register_cleanup(late, (req, "cleanup"))
    return apache.OK

def late(args):
    req, where = args
    for attempt in (lambda: req.write("LATE-" + where),
                    lambda: req.flush(),
                    lambda: req.sendfile(__file__)):
        try:
            attempt()
        except RuntimeError as exc:
            apache.log_error("%s: %s" % (where, exc))

def loghandler(req):
    late((req, "log"))
    return apache.OK
"""


def test_output_after_the_response_ended_is_refused(apache):
    srv = apache(mpm="event", files={"late.py": LATE_WRITES}, config="""
<Location /late>
    SetHandler mod_python
    PythonHandler late
    PythonLogHandler late::loghandler
    PythonPath "['@DOCROOT@'] + sys.path"
</Location>
""")
    raw = srv.raw(b"GET /late HTTP/1.1\r\nHost: x\r\n\r\n"
                  b"GET /late HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert b"LATE" not in raw
    assert raw.count(b"HTTP/1.1 200 OK") == 2
    assert raw.endswith(b"\r\n\r\n4\r\nbody\r\n0\r\n\r\n")
    log = srv.error_log()
    for where in ("log", "cleanup"):
        for method in ("write", "flush", "sendfile"):
            assert ("%s: req.%s(): the response has already been sent; "
                    "nothing can be added to it now" % (where, method)) in log


HUGE = 2**31 + 1000     # past what an int length can say


def test_a_write_larger_than_2_gib_is_sent_whole(apache):
    # G-179, for any size
    srv = apache(mpm="event", files={"huge.py": """
from mod_python import apache

def handler(req):
    data = b"x" * %d
    req.content_type = "application/octet-stream"
    req.set_content_length(len(data))
    req.write(data, 0)
    return apache.OK
""" % HUGE}, config="""
<Location /huge>
    SetHandler mod_python
    PythonHandler huge
    PythonPath "['@DOCROOT@'] + sys.path"
</Location>
""")
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=120)
    conn.request("GET", "/huge")
    response = conn.getresponse()
    assert response.status == 200
    assert int(response.getheader("Content-Length")) == HUGE
    received, last = 0, b""
    while True:
        block = response.read(1 << 22)
        if not block:
            break
        received += len(block)
        last = block
    conn.close()
    assert received == HUGE and last.endswith(b"xxxx")


@pytest.mark.parametrize("directive, name", [
    ("PythonOutputFilter", "DEFLATE"), ("PythonOutputFilter", "includes"),
    ("PythonInputFilter", "DEFLATE")])
def test_a_python_filter_cannot_take_another_modules_name(apache, directive,
                                                          name):
    srv = apache(start=False, modules=["deflate"], config="""
<Directory @DOCROOT@>
    %s myfilter %s
</Directory>
""" % (directive, name))
    with open(srv.conf_path) as f:
        line = [n for n, text in enumerate(f, 1)
                if text.strip() == "%s myfilter %s" % (directive, name)][0]
    rc, out = srv.config_test()
    assert rc != 0
    assert out.splitlines() == [
        "AH00526: Syntax error on line %d of %s:" % (line, srv.conf_path),
        "%s: the filter name '%s' is taken by another module's filter; give "
        "this one another name (%s myfilter NAME)" % (directive, name,
                                                       directive)]


def test_deflate_still_works_beside_a_python_filter(apache):
    srv = apache(modules=["deflate"], files={"page.txt": "text " * 2000},
                 config="""
<Directory @DOCROOT@>
    PythonOutputFilter myfilter MYFILTER
    SetOutputFilter DEFLATE
</Directory>
""")
    r = srv.get("/page.txt", headers={"Accept-Encoding": "gzip"})
    assert r.header("Content-Encoding") == "gzip"


HAMMER = """
import threading, time
from mod_python import apache

def busy(seconds):
    end = time.time() + seconds
    while time.time() < end:
        apache.register_cleanup(lambda data: None)

def handler(req):
    threading.Thread(target=busy, args=(4,), daemon=True).start()
    req.write("started")
    return apache.OK

def named(req):
    req.write(req.interpreter)
    return apache.OK
"""


def test_cleanups_registered_by_a_thread_while_interpreters_are_made(apache):
    """A thread Python started registers child cleanups while requests
    create new interpreters: neither may wait for the other for good."""
    locations = "\n".join("""
<Location /i%d>
    SetHandler mod_python
    PythonHandler hammer::named
    PythonInterpreter interp%d
    PythonPath "['@DOCROOT@'] + sys.path"
</Location>""" % (i, i) for i in range(40))
    srv = apache(mpm="event", files={"hammer.py": HAMMER}, config="""
<Location /start>
    SetHandler mod_python
    PythonHandler hammer
    PythonPath "['@DOCROOT@'] + sys.path"
</Location>
""" + locations)
    assert srv.get("/start").text == "started"
    for i in range(40):
        r = srv.get("/i%d" % i, timeout=10)
        assert r.text == "interp%d" % i


RELATIONS = """
import threading
from mod_python import apache

def first(req):
    req.internal_redirect("/second")
    return apache.OK

def second(req):
    seen = []
    def look():
        seen.append((req.prev.uri, req.main, req.next, req.prev.interpreter,
                     req.server.server_hostname is not None))
    thread = threading.Thread(target=look)
    thread.start()
    thread.join()
    prev_uri, main, next_, interpreter, has_server = seen[0]
    req.write("%s|%s|%s|%s|%s" % (prev_uri, main, next_,
                                  interpreter == req.interpreter, has_server))
    return apache.OK
"""


def test_request_relations_read_from_a_python_thread(apache):
    srv = apache(mpm="event", files={"rel.py": RELATIONS}, config="""
<Location /first>
    SetHandler mod_python
    PythonHandler rel::first
    PythonPath "['@DOCROOT@'] + sys.path"
</Location>
<Location /second>
    SetHandler mod_python
    PythonHandler rel::second
    PythonPath "['@DOCROOT@'] + sys.path"
</Location>
""")
    for _ in range(3):
        assert srv.get("/first").text == "/first|None|None|True|True"
    log = srv.error_log()
    assert "Segmentation fault" not in log and "exit signal" not in log


LOCKER = """
import time
from mod_python import apache

def hold(req):
    apache._global_lock(req.server, "shared-key")
    try:
        time.sleep(3)
    finally:
        apache._global_unlock(req.server, "shared-key")
    req.write("held and released by %d" % os.getpid())
    return apache.OK

def attempt(req):
    got = apache._global_trylock(req.server, "shared-key")
    if got:
        apache._global_unlock(req.server, "shared-key")
    req.write("%s from %d" % (got, os.getpid()))
    return apache.OK
""".replace("import time", "import os, time")


def test_global_mutexes_outlive_a_graceful_restart(apache):
    """A child of the old generation keeps using (and holding) a global
    mutex while a new generation starts: both generations share it."""
    srv = apache(mpm="event", files={"locker.py": LOCKER}, config="""
<Location /hold>
    SetHandler mod_python
    PythonHandler locker::hold
    PythonPath "['@DOCROOT@'] + sys.path"
</Location>
<Location /attempt>
    SetHandler mod_python
    PythonHandler locker::attempt
    PythonPath "['@DOCROOT@'] + sys.path"
</Location>
""")
    assert srv.get("/attempt").text.startswith("True from ")
    old_children = set(child_pids(srv.pid))
    held = {}
    holder = threading.Thread(target=lambda: held.update(r=srv.get("/hold")))
    holder.start()
    time.sleep(0.5)
    subprocess.run([HTTPD, "-f", srv.conf_path, "-k", "graceful"], check=True,
                   capture_output=True, env=srv._env())
    deadline = time.time() + 10
    while not set(child_pids(srv.pid)) - old_children:
        assert time.time() < deadline, "no new generation"
        time.sleep(0.1)
    time.sleep(0.3)
    during = srv.get("/attempt").text
    holder.join()
    assert held["r"].status == 200, srv.error_log()
    assert held["r"].text.startswith("held and released by ")
    old_pid = int(held["r"].text.split()[-1])
    new_pid = int(during.split()[-1])
    assert old_pid in old_children and new_pid not in old_children
    assert during.startswith("False from ")     # the old child holds it
    assert srv.get("/attempt").text.startswith("True from ")
    assert "Failed to acquire global mutex" not in srv.error_log()


STREAMER = """
from mod_python import apache

def handler(req):
    req.content_type = "application/octet-stream"
    block = b"x" * 65536
    for _ in range(20000):          # far more than the client will read
        req.write(block)
    return apache.OK
"""


@pytest.mark.parametrize("mpm", ["event", "prefork"])
def test_a_client_leaving_mid_response_is_one_info_line(apache, mpm):
    srv = apache(mpm=mpm, loglevel="info", files={"stream.py": STREAMER},
                 config="""
<Location /stream>
    SetHandler mod_python
    PythonHandler stream
    PythonPath "['@DOCROOT@'] + sys.path"
</Location>
""")
    mark = srv.log_mark()
    with socket.create_connection(("127.0.0.1", srv.port)) as s:
        s.sendall(b"GET /stream?x=1 HTTP/1.1\r\nHost: x\r\n\r\n")
        got = b""
        while len(got) < 200000:
            got += s.recv(65536)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     struct.pack("ii", 1, 0))     # reset, as a leaving client
    assert got.startswith(b"HTTP/1.1 200 OK")
    log = srv.wait_log("was complete", since=mark)
    python_lines = [l for l in log.splitlines() if "[python:" in l]
    assert len(python_lines) == 1, log
    assert "[python:info]" in python_lines[0]
    assert ("PythonHandler stream: the client closed the connection before "
            "the response to /stream was complete") in python_lines[0]
    access = wait_for_access_line(srv, "/stream?x=1")
    assert '"GET /stream?x=1 HTTP/1.1" 200 ' in access


def wait_for_access_line(srv, uri, timeout=10):
    path = os.path.join(srv.root, "logs", "access_log")
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(path):
            with open(path) as f:
                lines = [l for l in f if uri in l]
            if lines:
                return lines[-1]
        time.sleep(0.1)
    raise AssertionError("no access log line for %s" % uri)


AT_EXIT = """
import atexit, os, time
from mod_python import apache

OUT = os.path.join(os.path.dirname(__file__), "out")

def note(what):
    with open(os.path.join(OUT, "%s-%s-%d" % (what, apache.interpreter,
                                            os.getpid())), "w") as f:
        f.write(what)

atexit.register(note, "atexit")
apache.register_cleanup(note, "cleanup")

def handler(req):
    time.sleep(float(req.args or 0))
    req.write(apache.interpreter)
    return apache.OK
"""


@pytest.mark.parametrize("mpm", ["event", "prefork"])
def test_child_exit_runs_cleanups_and_atexit_of_every_interpreter(apache, mpm):
    # E-118, E-119 (and atexit, which 3.5 never ran)
    srv = apache(mpm=mpm, files={"atexitmod.py": AT_EXIT}, config="""
PythonPath "['@DOCROOT@'] + sys.path"
<Location /main>
    SetHandler mod_python
    PythonHandler atexitmod
    PythonInterpreter main_interpreter
</Location>
<Location /other>
    SetHandler mod_python
    PythonHandler atexitmod
    PythonInterpreter other
</Location>
""")
    out = os.path.join(srv.docroot, "out")
    os.makedirs(out)
    os.chmod(out, 0o777)
    conn = srv.conn()
    assert conn.get("/main").text == "main_interpreter"
    assert conn.get("/other").text == "other"
    # a request still running when the stop comes
    outcome = []

    def slow_request():
        try:
            outcome.append(srv.get("/other?2").text)
        except (OSError, http.client.HTTPException):
            outcome.append("cut")
    slow = threading.Thread(target=slow_request)
    slow.start()
    time.sleep(0.5)
    started = time.time()
    srv.stop()
    slow.join()
    assert time.time() - started < 15
    assert outcome in (["other"], ["cut"])      # finished, or cut: no hang
    done = os.listdir(out)
    log = srv.error_log()
    # prefork cuts the child that runs the slow request (its SIGTERM
    # handler ends it at once): that one child skips its callbacks
    cut = log.count("child stopped while running Python code")
    assert cut == (1 if mpm == "prefork" else 0), log
    for what in ("cleanup", "atexit"):
        for interp in ("main_interpreter", "other"):
            assert any(n.startswith("%s-%s-" % (what, interp)) for n in done), \
                (what, interp, done)
    assert "re-entered" not in log and "Fatal Python error" not in log
    assert "exit signal" not in log


THREAD_LOCALS = THREAD_STATE_COUNTER + """
import time
from mod_python import apache

def handler(req):
    mark_thread()
    if req.args:
        time.sleep(0.3)          # so that requests overlap
    req.write("%d" % live_thread_states())
    return apache.OK
"""


def test_thread_states_go_with_the_threads_that_end(apache):
    """mod_http2 starts and ends worker threads; each thread state (with
    its threading.local data) must go with its thread."""
    if not shutil.which("curl"):
        pytest.skip("no curl")
    srv = apache(mpm="event", modules=["http2"],
                 files={"locals.py": THREAD_LOCALS}, config="""
Protocols h2c http/1.1
H2MinWorkers 1
H2MaxWorkers 6
H2MaxWorkerIdleSeconds 1
<Location /locals>
    SetHandler mod_python
    PythonHandler locals
    PythonPath "['@DOCROOT@'] + sys.path"
</Location>
""")
    url = "http://127.0.0.1:%d/locals?sleep" % srv.port

    def h2_get():
        return subprocess.run(["curl", "-s", "--http2-prior-knowledge", url],
                              capture_output=True, text=True,
                              timeout=60).stdout
    for _ in range(6):
        clients = [threading.Thread(target=h2_get) for _ in range(12)]
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        time.sleep(2.5)         # the extra workers idle out and end
    live = int(h2_get())
    # at most one per live worker (H2MaxWorkers); without the release
    # each round's ended workers leave theirs behind (16 after 6 rounds)
    assert live <= 6, live


def test_making_an_interpreter_does_not_stall_the_others(apache):
    """Making an interpreter is slow here (a .pth file of the site
    directories sleeps 2 s in each new interpreter); requests for an
    interpreter that exists must not wait for it."""
    srv = apache(start=False, mpm="event", timeout=40,
                 site_dirs="%s:@DOCROOT@/slow" % LIBDIR,
                 files={"named.py": """
from mod_python import apache
def handler(req):
    req.write(req.interpreter)
    return apache.OK
"""}, config="""
PythonPath "['@DOCROOT@'] + sys.path"
<Location /a>
    SetHandler mod_python
    PythonHandler named
    PythonInterpreter a
</Location>
<Location /b>
    SetHandler mod_python
    PythonHandler named
    PythonInterpreter b
</Location>
""")
    srv.write("slow/slow.pth", "import time; time.sleep(2)\n")
    srv.start()
    conn = srv.conn()
    assert conn.get("/a").text == "a"            # made (2 s)
    making = threading.Thread(target=lambda: srv.get("/b"))
    making.start()
    time.sleep(0.5)                              # b is being made now
    started = time.time()
    assert conn.get("/a").text == "a"
    waited = time.time() - started
    making.join()
    assert waited < 1.0, waited


MOD_WSGI = "/usr/lib/apache2/modules/mod_wsgi.so"
WSGI_AND_PYTHON = """
WSGIScriptAlias /w @DOCROOT@/app.wsgi
<Location /p>
    SetHandler mod_python
    PythonHandler hello
    PythonPath "['@DOCROOT@'] + sys.path"
</Location>
"""
BOTH_FILES = {
    "app.wsgi": "def application(environ, start_response):\n"
                "    start_response('200 OK', [])\n    return [b'wsgi ok']\n",
    "hello.py": "from mod_python import apache\ndef handler(req):\n"
                "    req.write('mod_python ok')\n    return apache.OK\n"}


def needs_mod_wsgi():
    if not os.path.exists(MOD_WSGI):
        pytest.skip("Debian's libapache2-mod-wsgi-py3 is not installed "
                    "(scripts/install-test-deps installs it)")


def libpython_of(so):
    """The libpython a shared object is linked with (resolved), or None."""
    out = subprocess.run(["ldd", so], capture_output=True, text=True).stdout
    for line in out.splitlines():
        name, _, path = line.strip().partition(" => ")
        if name.startswith("libpython"):
            return os.path.realpath(path.split(" (")[0])
    return None


@pytest.mark.parametrize("mpm", ["event", "prefork"])
@pytest.mark.parametrize("wsgi_first", [True, False])
def test_mod_wsgi_beside_mod_python_on_the_same_libpython(apache, mpm,
                                                          wsgi_first):
    needs_mod_wsgi()
    if libpython_of(MOD_WSGI) != libpython_of(MOD_SO):
        pytest.skip("Debian's mod_wsgi embeds another Python than this build "
                    "(test_mod_wsgi_on_another_libpython_is_refused_at_start)")
    load = "LoadModule wsgi_module %s\n" % MOD_WSGI
    srv = apache(mpm=mpm, modules=["wsgi"] if wsgi_first else [],
                 files=BOTH_FILES,
                 config=("" if wsgi_first else load) + WSGI_AND_PYTHON)
    for _ in range(3):
        assert srv.get("/w").text == "wsgi ok"
        assert srv.get("/p").text == "mod_python ok"
    log = srv.error_log()
    assert "Fatal Python error" not in log and "exit signal" not in log


@pytest.mark.parametrize("wsgi_first", [True, False])
def test_mod_wsgi_on_another_libpython_is_refused_at_start(
        apache, world_readable_dir, wsgi_first):
    needs_mod_wsgi()
    python = python_children_cannot_read()      # pyenv's, not Debian's
    so = build_for(python, world_readable_dir)
    ours = subprocess.run([python, "-c", "import sysconfig, os; print(os.path."
                           "realpath(os.path.join(sysconfig.get_config_var("
                           "'LIBDIR'), sysconfig.get_config_var('INSTSONAME')"
                           ")))"], capture_output=True, text=True).stdout.strip()
    debian = os.path.realpath("/usr/lib/x86_64-linux-gnu/libpython%d.%d.so.1.0"
                              % sys.version_info[:2])
    subprocess.run(["chmod", "-R", "a+rX", world_readable_dir], check=True)
    load = "LoadModule wsgi_module %s\n" % MOD_WSGI
    srv = apache(start=False, module_so=so, modules=["wsgi"] if wsgi_first
                 else [], files=BOTH_FILES,
                 config=("" if wsgi_first else load) + WSGI_AND_PYTHON)
    with pytest.raises(AssertionError):
        srv.start()
    log = srv.error_log()
    if wsgi_first:
        expected = ("mod_python: this Apache runs %s, but mod_python was built "
                    "for %s" % (debian, ours))
    else:
        expected = ("mod_python: %s embeds Python from %s, but this Apache "
                    "runs %s" % (MOD_WSGI, debian, ours))
    assert expected in log, log
    assert "Build both against the same Python." in log


TYPES = """
import _apache
from mod_python import apache

def handler(req):
    try:
        _apache.mp_request()
        instantiable = "yes"
    except TypeError:
        instantiable = "no"
    req.write("%s|%d|%d|%s|%s" % (
        type(req).__name__, id(type(req)), id(_apache.table),
        type(req.headers_in) is _apache.table, instantiable))
    return apache.OK
"""


def test_each_interpreter_has_its_own_types(apache):
    """_apache is initialised per interpreter (multi-phase): no type object
    is shared between interpreters, and Python cannot make our objects."""
    srv = apache(mpm="event", files={"ourtypes.py": TYPES}, config="""
PythonPath "['@DOCROOT@'] + sys.path"
<Location /one>
    SetHandler mod_python
    PythonHandler ourtypes
    PythonInterpreter one
</Location>
<Location /two>
    SetHandler mod_python
    PythonHandler ourtypes
    PythonInterpreter two
</Location>
""")
    conn = srv.conn()
    one = conn.get("/one").text.split("|")
    two = conn.get("/two").text.split("|")
    assert one[0] == two[0] == "mp_request"
    assert one[3] == two[3] == "True" and one[4] == two[4] == "no"
    assert one[1] != two[1] and one[2] != two[2]
    assert conn.get("/one").text.split("|")[1:3] == one[1:3]


FOREIGN_INTERPRETER = """
import threading
try:
    import _interpreters as interpreters        # 3.13
except ImportError:
    import _xxsubinterpreters as interpreters   # 3.9-3.12
from mod_python import apache

CODE = '''
try:
    import _apache
    _apache.table()["a"] = "b"
    result = "imported"
except ImportError as exc:
    result = "ImportError: %s" % exc
'''

def handler(req):
    # in this thread, and in a thread Python started: the interpreter is
    # Python's own, not one of mod_python's
    outcome = []
    def run():
        interp = interpreters.create()
        try:
            interpreters.run_string(interp, CODE + "\\nassert result != 'imported', result")
            outcome.append("refused")
        except Exception as exc:
            outcome.append("%s: %s" % (type(exc).__name__, exc))
        finally:
            interpreters.destroy(interp)
    run()
    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    req.content_type = "text/plain"
    req.write("|".join(outcome))
    return apache.OK
"""


def test_an_interpreter_python_made_itself_cannot_import_apache(apache):
    # there, _apache's objects would have no types to be made of: the
    # import fails with ImportError instead of the child crashing
    srv = apache(mpm="event", files={"foreign.py": FOREIGN_INTERPRETER}, config="""
<Location /foreign>
    SetHandler mod_python
    PythonHandler foreign
    PythonPath "['@DOCROOT@'] + sys.path"
</Location>
""")
    assert srv.get("/foreign").text == "refused|refused"
    assert srv.get("/foreign").text == "refused|refused"
    log = srv.error_log()
    assert "Segmentation fault" not in log and "exit signal" not in log
