#!/usr/bin/env python3
"""Benchmark: the instructions a request costs, counted by callgrind in a
single Apache process (apache2 -X, prefork), for the pages of compare.py,
with this module and, when Debian's libapache2-mod-python is installed,
with 3.5's.  Exact and repeatable where wrk's figures move with the load
of the machine; slow (valgrind).  Counted: what runs inside
ap_process_request, so reading the request and the handler phases but
not the accept; a count is the difference between a run of 2N requests
and a run of N, over N, so start-up cancels out.

Run after `make`:  python3 bench/instructions.py --pages hello,PSP
"""

import argparse
import contextlib
import http.client
import os
import pwd
import re
import signal
import subprocess
import sys
import tempfile
import time

import compare
import wrk_bench
from helpers import HTTPD  # noqa: E402  (on sys.path through wrk_bench)

CALLGRIND = ["valgrind", "--tool=callgrind", "--collect-atstart=no",
             "--toggle-collect=ap_process_request"]
WARMUP = 20
SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"


def request(conn, path, body, cookie):
    """One request on a keep-alive connection: (status, Set-Cookie)."""
    headers = {"Cookie": cookie} if cookie else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request("POST", path, body, headers)
    else:
        conn.request("GET", path, headers=headers)
    reply = conn.getresponse()
    reply.read()
    return reply.status, reply.getheader("Set-Cookie")


def wait_for(port, path, deadline):
    while time.time() < deadline:
        with contextlib.suppress(OSError, http.client.HTTPException):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            status, _ = request(conn, path, None, None)
            conn.close()
            if status == 200:
                return
        time.sleep(0.2)
    raise SystemExit("no answer from the server under valgrind on port %d" % port)


def counted_run(srv, env, path, body, count):
    """Total instructions of WARMUP + count requests in one apache2 -X."""
    out = tempfile.NamedTemporaryFile(prefix="callgrind-", delete=False)
    out.close()
    os.chmod(out.name, 0o666)    # written at exit by the user Apache became
    with contextlib.suppress(KeyError, PermissionError):
        os.chown(out.name, pwd.getpwnam("www-data").pw_uid, -1)
    proc = subprocess.Popen(CALLGRIND + ["--callgrind-out-file=" + out.name,
                                         HTTPD, "-X", "-f", srv.conf_path],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(srv.port, path if body is None else "/static.txt", time.time() + 120)
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
        cookie = None
        for _ in range(WARMUP + count):
            status, set_cookie = request(conn, path, body, cookie)
            if status != 200:
                raise SystemExit("%s answered %d under valgrind" % (path, status))
            if set_cookie and not cookie:
                cookie = set_cookie.split(";")[0]   # one session throughout
        conn.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=120)
    with open(out.name) as f:
        text = f.read()
    os.unlink(out.name)
    found = re.search(r"^(?:summary|totals): (\d+)", text, re.MULTILINE)
    if not found:
        raise SystemExit("no totals in callgrind's output")
    return int(found.group(1))


def per_request(srv, env, path, body, count):
    return (counted_run(srv, env, path, body, 2 * count)
            - counted_run(srv, env, path, body, count)) / count


def server(module_so, python):
    """An ApacheServer written out but not started: valgrind runs it."""
    kwargs = {"python": python}
    if module_so:
        kwargs["main_config"] = 'LoadModule python_module "%s"' % module_so
    return wrk_bench.ApacheServer(config=compare.server_config(), files=compare.FILES,
                                  mpm="prefork", loglevel="warn", **kwargs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500,
                        help="N: the runs make 2N and N requests")
    parser.add_argument("--pages", default="",
                        help="comma-separated words of the page names to count")
    args = parser.parse_args()
    words = [w for w in args.pages.split(",") if w]
    pages = [p for p in compare.PAGES
             if not words or p[0] == "static" or any(w in p[0] for w in words)]
    ours_env = dict(os.environ)
    columns = {"mod_python (this)": (server(None, True), ours_env)}
    old = compare.module_35()
    if old:
        columns["mod_python 3.5"] = (server(old, False),
                                     dict(os.environ, PATH=SYSTEM_PATH))
    try:
        print("%-24s" % "page" + "".join("%20s" % label for label in columns))
        for name, path in pages:
            body = compare.FORM_BODY if "POST" in name else None
            row = "%-24s" % name
            for srv, env in columns.values():
                row += "%20.0f" % per_request(srv, env, path, body, args.requests)
            print(row, flush=True)
    finally:
        for srv, _ in columns.values():
            srv.cleanup()
    print("(instructions per request inside ap_process_request, one prefork process)")


if __name__ == "__main__":
    sys.exit(main())
