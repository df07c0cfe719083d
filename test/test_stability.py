"""The core's must-hold checks: a hello handler answers under both MPMs,
also under concurrent keep-alive load, and the embedded Python is the one
the module was built for, whatever the environment Apache starts in."""

import http.client
import json
import os
import re
import runpy
import subprocess
import threading
import time

import pytest

from conftest import LIBDIR
from helpers import child_pids, code

HELLO = code("""
    def handler(req):
        req.content_type = "text/plain"
        req.write("Hello")
        return apache.OK
""")

HANDLER_CONFIG = """
<Directory @DOCROOT@>
  SetHandler mod_python
  PythonHandler hello
  Require all granted
</Directory>
"""


def hammer(port, seconds, clients):
    """Keep-alive clients for `seconds`; returns (answers, bad answers)."""
    counts = {"ok": 0, "bad": []}
    lock = threading.Lock()
    deadline = time.time() + seconds

    def one_request(conn):
        conn.request("GET", "/hello.py")
        resp = conn.getresponse()
        return resp.status, resp.read()

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        ok, bad = 0, []
        while time.time() < deadline:
            try:
                try:
                    status, body = one_request(conn)
                except (http.client.RemoteDisconnected, ConnectionResetError):
                    # The server may close an idle keep-alive connection
                    # just as the next request goes out; clients retry.
                    conn.close()
                    status, body = one_request(conn)
                if status == 200 and body == b"Hello":
                    ok += 1
                else:
                    bad.append((status, body[:100]))
            except (OSError, http.client.HTTPException) as exc:
                bad.append(repr(exc))
                conn.close()
        conn.close()
        with lock:
            counts["ok"] += ok
            counts["bad"] += bad

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return counts["ok"], counts["bad"]


@pytest.mark.parametrize("mpm", ["prefork", "event"])
def test_hello_under_concurrent_keepalive_load(apache, mpm):
    # C-50, under load: 8 keep-alive clients for 10 s, no non-2xx, no crash
    srv = apache(config=HANDLER_CONFIG, files={"hello.py": HELLO}, mpm=mpm,
                 loglevel="warn")
    ok, bad = hammer(srv.port, seconds=10, clients=8)
    assert bad == []
    assert ok > 100
    log = srv.error_log()
    assert "Segmentation fault" not in log
    assert "Fatal Python error" not in log
    assert "exit signal" not in log


REPORT = code("""
    import sysconfig
    def handler(req):
        return reply(req, {"prefix": sys.base_prefix, "version": sys.version,
                           "path": sys.path, "flags_isolated": sys.flags.isolated,
                           "stdlib": sysconfig.get_paths()["stdlib"]})
""")


def test_python_is_the_build_python_whatever_the_environment(apache, tmp_path):
    # The module embeds the Python it was built for: another python3 first
    # on PATH, PYTHONPATH and PYTHONHOME change nothing.
    version = runpy.run_path(os.path.join(LIBDIR, "mod_python", "version.py"))
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "python3").write_text("#!/bin/sh\necho fake\n")
    (fake_bin / "python3").chmod(0o755)
    env = dict(os.environ, PATH="%s:%s" % (fake_bin, os.environ.get("PATH", "")),
               PYTHONPATH="/nonexistent/pythonpath", PYTHONHOME="/nonexistent/home")

    srv = apache(config=HANDLER_CONFIG.replace("hello", "report"),
                 files={"report.py": REPORT}, start=False)
    srv._env = lambda: env
    srv.start()
    r = srv.get("/report.py")
    assert r.status == 200, r.text
    got = r.json()
    build = subprocess.run([version["PYTHON_BIN"], "-c",
                            "import sys; print(sys.base_prefix); print(sys.version)"],
                           capture_output=True, text=True, check=True).stdout.splitlines()
    assert got["prefix"] == build[0]
    assert got["version"] == build[1]
    assert "/nonexistent/pythonpath" not in got["path"]
    assert got["stdlib"].startswith(build[0])


SLOW_IMPORT = code("""
    time.sleep(0.5)      # other threads ask for the module meanwhile

    def handler(req):
        req.write("ready")
        return apache.OK
""")


def test_concurrent_first_import_waits_for_the_module(apache):
    # import_module on a threaded MPM (python-api.md, import_module): requests arriving while the handler module is
    # still being imported by another thread wait for it, never see it
    # half-initialised ("contains no 'handler'").
    srv = apache(config=HANDLER_CONFIG.replace("hello", "slow"), mpm="event",
                 files={"slow.py": SLOW_IMPORT})
    results = []

    def fetch():
        r = srv.get("/slow.py")
        results.append((r.status, r.text))

    threads = [threading.Thread(target=fetch) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [(200, "ready")] * 6


TOUCH_EVERYTHING = code("""
    def handler(req):
        # Every cached object the request hands out, and a cycle through it.
        req.headers_in, req.headers_out, req.err_headers_out
        req.subprocess_env, req.notes, req.connection.notes, req.server
        req.self_reference = req
        req.write("ok")
        return apache.OK
""")


def child_rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def test_child_memory_stable_across_requests(apache):
    # Request objects, their tables and connection are freed with the
    # request: a child's memory does not grow with the requests it serves.
    srv = apache(config=HANDLER_CONFIG.replace("hello", "touch"), loglevel="warn",
                 files={"touch.py": TOUCH_EVERYTHING}, mpm="prefork",
                 main_config="StartServers 1\nMinSpareServers 1\nMaxSpareServers 1\n"
                             "MaxRequestWorkers 1\nServerLimit 1\n")
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)

    def serve(n):
        for _ in range(n):
            conn.request("GET", "/touch.py")
            assert conn.getresponse().read() == b"ok"

    serve(3000)
    child = child_pids(srv.pid)
    assert len(child) == 1, child
    before = child_rss_kb(child[0])
    serve(20000)
    growth = child_rss_kb(child[0]) - before
    conn.close()
    # A leaked request object with its tables costs ~700 bytes: 14 MB here.
    assert growth < 3072, "child grew by %d kB over 20000 requests" % growth
