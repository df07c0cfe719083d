#!/usr/bin/env python3
"""Benchmark: a 20-field urlencoded form POST parsed by util.FieldStorage,
next to a static GET and to a POST handler that only reads the body, on one
private Apache (event MPM by default), loaded with wrk over loopback.
Reports requests/s and server CPU time per request, and the ratios.
Run after `make`:  python3 bench/form_post.py
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test"))
from conftest import ApacheServer  # noqa: E402  (reuses the test harness)

FORM = """\
from mod_python import apache, util

def handler(req):
    fs = util.FieldStorage(req)
    req.content_type = "text/plain"
    req.write("%d fields, f7=%s\\n" % (len(fs.list), fs.getfirst("f7")), 0)
    return apache.OK

def raw(req):
    body = req.read()
    req.content_type = "text/plain"
    req.write("%d bytes\\n" % len(body), 0)
    return apache.OK
"""

CONFIG = """
<Directory @DOCROOT@>
  Require all granted
  <Files "form.py">
    SetHandler mod_python
    PythonHandler form
  </Files>
  <Files "raw.py">
    SetHandler mod_python
    PythonHandler form::raw
  </Files>
</Directory>
KeepAlive On
MaxKeepAliveRequests 0
"""

BODY = urllib.parse.urlencode(
    [("f%d" % i, "value %d: caf\u00e9 & more" % i) for i in range(20)])

POST_SCRIPT = """\
wrk.method = "POST"
wrk.body = "%s"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
""" % BODY


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


def run_wrk(url, seconds, args, script=None):
    cmd = ["wrk", "-t%d" % args.threads, "-c%d" % args.connections, "-d%ds" % seconds]
    if script:
        cmd += ["-s", script]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rate, total, int(errors.group(1)) if errors else 0


def measure(srv, path, args, script=None):
    url = "http://127.0.0.1:%d%s" % (srv.port, path)
    run_wrk(url, 2, args, script)                           # warm-up
    cpu0 = server_cpu_seconds(srv.pid)
    rate, total, errors = run_wrk(url, args.seconds, args, script)
    cpu = server_cpu_seconds(srv.pid) - cpu0
    return rate, cpu / total * 1e6, errors


def check(srv):
    r = srv.post("/form.py", BODY)
    expected = "20 fields, f7=value 7: caf\u00e9 & more\n"
    if (r.status, r.text) != (200, expected):
        raise SystemExit("form handler answered %s %r" % (r.status, r.text))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mpm", default="event",
                        choices=["event", "prefork", "worker"])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    srv = ApacheServer(config=CONFIG, mpm=args.mpm, loglevel="warn",
                       files={"form.py": FORM, "raw.py": "",
                              "static.txt": "20 fields\n"})
    srv.start()
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(POST_SCRIPT)
        script.flush()
        try:
            check(srv)
            results = {"static": measure(srv, "/static.txt", args),
                       "raw_post": measure(srv, "/raw.py", args, script.name),
                       "form_post": measure(srv, "/form.py", args, script.name)}
        finally:
            srv.cleanup()
    print("POST body: %d bytes, 20 fields" % len(BODY))
    print("%-10s %12s %18s %8s" % ("", "requests/s", "server CPU us/req", "non-2xx"))
    for name, (rate, cpu_us, errors) in results.items():
        print("%-10s %12.0f %18.1f %8d" % (name, rate, cpu_us, errors))
    s_rate, s_cpu, _ = results["static"]
    for name in ("raw_post", "form_post"):
        rate, cpu, _ = results[name]
        print("%s/static: %.2f of the static rate, %.2fx the CPU per request"
              % (name, rate / s_rate, cpu / s_cpu))
    raw_cpu, form_cpu = results["raw_post"][1], results["form_post"][1]
    print("FieldStorage cost: about %.1f us of server CPU per request"
          % (form_cpu - raw_cpu))


if __name__ == "__main__":
    main()
