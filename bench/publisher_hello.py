#!/usr/bin/env python3
"""Benchmark: a mod_python.publisher "hello" page next to a static file of
the same body (and a plain handler for reference), on one private Apache
(event MPM by default), loaded with wrk over loopback.  Reports requests/s
and server CPU time per request, and the ratios to the static file.
Run after `make`:  python3 bench/publisher_hello.py
"""

import argparse
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test"))
from conftest import ApacheServer  # noqa: E402  (reuses the test harness)

PAGE = """\
def hello(req):
    return "Hello, world\\n"
"""

HANDLER = """\
from mod_python import apache

def handler(req):
    req.content_type = "text/plain"
    req.write("Hello, world\\n", 0)
    return apache.OK
"""

CONFIG = """
<Directory @DOCROOT@>
  Require all granted
  <Files "page.py">
    SetHandler mod_python
    PythonHandler mod_python.publisher
  </Files>
  <Files "handler.py">
    SetHandler mod_python
    PythonHandler handler
  </Files>
</Directory>
KeepAlive On
MaxKeepAliveRequests 0
"""

PATHS = (("static", "/static.txt"), ("handler", "/handler.py"),
         ("publisher", "/page.py/hello"))


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


def run_wrk(url, seconds, connections, threads):
    out = subprocess.run(["wrk", "-t%d" % threads, "-c%d" % connections,
                          "-d%ds" % seconds, url],
                         capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rate, total, int(errors.group(1)) if errors else 0


def measure(srv, path, args):
    url = "http://127.0.0.1:%d%s" % (srv.port, path)
    run_wrk(url, 2, args.connections, args.threads)          # warm-up
    cpu0 = server_cpu_seconds(srv.pid)
    rate, total, errors = run_wrk(url, args.seconds, args.connections, args.threads)
    cpu = server_cpu_seconds(srv.pid) - cpu0
    return rate, cpu / total * 1e6, errors


def check_bodies(srv):
    for name, path in PATHS:
        r = srv.get(path)
        if (r.status, r.body) != (200, b"Hello, world\n"):
            raise SystemExit("%s (%s) answered %r" % (name, path, r))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mpm", default="event", choices=["event", "prefork", "worker"])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    srv = ApacheServer(config=CONFIG, mpm=args.mpm, loglevel="warn",
                       files={"page.py": PAGE, "handler.py": HANDLER,
                              "static.txt": "Hello, world\n"})
    srv.start()
    try:
        check_bodies(srv)
        results = {name: measure(srv, path, args) for name, path in PATHS}
    finally:
        srv.cleanup()
    print("%-10s %12s %18s %8s" % ("", "requests/s", "server CPU us/req", "non-2xx"))
    for name, (rate, cpu_us, errors) in results.items():
        print("%-10s %12.0f %18.1f %8d" % (name, rate, cpu_us, errors))
    s_rate, s_cpu, _ = results["static"]
    for name in ("handler", "publisher"):
        rate, cpu, _ = results[name]
        print("%s/static: %.2f of the static rate, %.2fx the CPU per request"
              % (name, rate / s_rate, cpu / s_cpu))


if __name__ == "__main__":
    main()
