#!/usr/bin/env python3
"""Benchmark: a PSP page that reads a session and a cookie, next to a
static file and a plain PSP page (text and one expression), on one private
Apache (event MPM by default), loaded with wrk over loopback.  Reports
requests/s and server CPU time per request, and the ratios to the static
file.  Needs mod_python.Session and mod_python.Cookie.
Run after `make`:  python3 bench/psp_page.py

wrk sends the cookies of --sessions sessions made beforehand, in turn, so
that pages load existing sessions (not make new ones) and concurrent
requests rarely wait for the same session's lock.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test"))
from conftest import ApacheServer  # noqa: E402  (reuses the test harness)

SESSION_PAGE = """\
<%
from mod_python import Cookie
theme = Cookie.get_cookie(req, "theme")
visits = session.get("visits", 0)
%>Hello, <%= theme.value if theme else "nobody" %>: <%= visits %>
"""

PLAIN_PAGE = "Hello, <%= 'world' %>: 0\n"
PLAIN_PAGE_OUT = b"Hello, world: 0\n"

STATIC = "Hello, dark: 0\n"

# Made once per session id, so that the benchmark only reads sessions.
START_PAGE = "<% session['visits'] = 0 %>started"

CONFIG = """
<Directory @DOCROOT@>
  Require all granted
  AddHandler mod_python .psp
  PythonHandler mod_python.psp
  PythonOption mod_python.session.session_type %(session_type)s
  PythonOption mod_python.session.database_directory @ROOT@/tmp
</Directory>
KeepAlive On
MaxKeepAliveRequests 0
"""

PATHS = (("static", "/static.txt"), ("psp", "/plain.psp"),
         ("psp+session", "/session.psp"))

LUA = """
cookies = {%s}
n = 0
request = function()
  n = n + 1
  return wrk.format("GET", nil, {["Cookie"] = cookies[n %% #cookies + 1]})
end
"""


def server_cpu_seconds(pid):
    """utime+stime of the Apache parent and all its children."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry) == pid or int(fields[1]) == pid:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def run_wrk(url, seconds, args, script):
    out = subprocess.run(["wrk", "-t%d" % args.threads, "-c%d" % args.connections,
                          "-d%ds" % seconds, "-s", script, url],
                         capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rate, total, int(errors.group(1)) if errors else 0


def measure(srv, path, args, script):
    url = "http://127.0.0.1:%d%s" % (srv.port, path)
    run_wrk(url, 2, args, script)                             # warm-up
    cpu0 = server_cpu_seconds(srv.pid)
    rate, total, errors = run_wrk(url, args.seconds, args, script)
    cpu = server_cpu_seconds(srv.pid) - cpu0
    return rate, cpu / total * 1e6, errors


def make_sessions(srv, count):
    """Cookie headers of `count` new sessions (each with a theme cookie)."""
    cookies = []
    for _ in range(count):
        r = srv.get("/start.psp")
        set_cookie = r.header("Set-Cookie")
        if r.status != 200 or not set_cookie:
            raise SystemExit("/start.psp answered %r" % r)
        cookies.append("%s; theme=dark" % set_cookie.split(";")[0])
    return cookies


def check_bodies(srv, cookie):
    for name, path in PATHS:
        r = srv.get(path, headers={"Cookie": cookie})
        expected = STATIC.encode() if name != "psp" else PLAIN_PAGE_OUT
        if (r.status, r.body) != (200, expected):
            raise SystemExit("%s (%s) answered %r" % (name, path, r))


def write_script(cookies):
    fd, path = tempfile.mkstemp(prefix="psp_bench_", suffix=".lua")
    with os.fdopen(fd, "w") as f:
        f.write(LUA % ", ".join('"%s"' % c for c in cookies))
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mpm", default="event", choices=["event", "prefork", "worker"])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--sessions", type=int, default=64)
    parser.add_argument("--session-type", default="DbmSession",
                        choices=["DbmSession", "FileSession", "MemorySession"])
    args = parser.parse_args()

    config = CONFIG % {"session_type": args.session_type}
    srv = ApacheServer(config=config, mpm=args.mpm, loglevel="warn",
                       files={"session.psp": SESSION_PAGE, "plain.psp": PLAIN_PAGE,
                              "start.psp": START_PAGE, "static.txt": STATIC})
    srv.start()
    script = None
    try:
        cookies = make_sessions(srv, args.sessions)
        check_bodies(srv, cookies[0])
        script = write_script(cookies)
        results = {name: measure(srv, path, args, script) for name, path in PATHS}
    finally:
        srv.cleanup()
        if script:
            os.unlink(script)
    print("%-12s %12s %18s %8s" % ("", "requests/s", "server CPU us/req", "non-2xx"))
    for name, (rate, cpu_us, errors) in results.items():
        print("%-12s %12.0f %18.1f %8d" % (name, rate, cpu_us, errors))
    s_rate, s_cpu, _ = results["static"]
    for name in ("psp", "psp+session"):
        rate, cpu, _ = results[name]
        print("%s/static: %.2f of the static rate, %.2fx the CPU per request"
              % (name, rate / s_rate, cpu / s_cpu))


if __name__ == "__main__":
    main()
