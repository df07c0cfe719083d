"""Shared pieces of the bench/ scripts: a private Apache from the test
harness, loaded with wrk over loopback, the server's CPU time read from
/proc, and one report format.  Imported by the scripts; not run itself.
"""

import argparse
import contextlib
import os
import re
import runpy
import subprocess
import sys
import tempfile

# helpers.py holds the harness; conftest.py only re-exports it and would
# pull in pytest as well.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test"))
from helpers import LIBDIR, ApacheServer, child_pids, cpu_seconds  # noqa: E402,F401

WARMUP_SECONDS = 2
BASELINE = "static"

# The hello handler the scripts compare with: hello.py, flushing at once
# (handler) or leaving the body buffered in Apache (buffered).
HELLO_BODY = "Hello, world\n"
HELLO_MODULE = """\
from mod_python import apache

def handler(req):
    req.content_type = "text/plain"
    req.write("Hello, world\\n")
    return apache.OK

def buffered(req):
    # No flush: Apache sends headers and body in one go, with a length.
    req.content_type = "text/plain"
    req.write("Hello, world\\n", 0)
    return apache.OK
"""


def arg_parser(doc):
    """The options every script takes; a script may add its own."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--mpm", default="event", choices=["event", "prefork", "worker"])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1)
    return parser


@contextlib.contextmanager
def apache(config, files, mpm, **server_args):
    """A started private Apache, removed on leaving; server_args go to
    ApacheServer (python=False, modules=[...], site_dirs=...)."""
    # loglevel warn: per-request log lines would count as server CPU
    srv = ApacheServer(config=config, mpm=mpm, loglevel="warn", files=files,
                       **server_args)
    srv.start()
    try:
        yield srv
    finally:
        srv.cleanup()


@contextlib.contextmanager
def lua_script(text):
    """Path of a temporary wrk Lua script holding `text`."""
    with tempfile.NamedTemporaryFile("w", prefix="wrk_bench_", suffix=".lua") as f:
        f.write(text)
        f.flush()   # wrk reads it by name
        yield f.name


def free_threaded():
    """Whether the Python the module embeds is a free-threaded build."""
    build = runpy.run_path(os.path.join(LIBDIR, "mod_python", "version.py"))
    out = subprocess.run([build["PYTHON_BIN"], "-c", "import sysconfig; print("
                          "sysconfig.get_config_var('Py_GIL_DISABLED') or 0)"],
                         capture_output=True, text=True, check=True).stdout
    return out.strip() == "1"


def server_cpu_seconds(pid):
    """utime+stime of the Apache parent and all its children."""
    return cpu_seconds([pid] + child_pids(pid))


def run_wrk(url, seconds, args, script=None):
    """(requests/s, requests, non-2xx-or-3xx responses) of one wrk run."""
    cmd = ["wrk", "-t%d" % args.threads, "-c%d" % args.connections, "-d%ds" % seconds]
    if script:
        cmd += ["-s", script]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    return parse_wrk(out)


def parse_wrk(out):
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)  # absent when none
    return rate, total, int(errors.group(1)) if errors else 0


def measure(srv, path, args, script=None):
    """(requests/s, server CPU us per request, non-2xx) for one path."""
    url = "http://127.0.0.1:%d%s" % (srv.port, path)
    # warm-up first, so imports, caches and worker start-up stay out of the figures
    run_wrk(url, WARMUP_SECONDS, args, script)
    cpu0 = server_cpu_seconds(srv.pid)
    rate, total, errors = run_wrk(url, args.seconds, args, script)
    cpu = server_cpu_seconds(srv.pid) - cpu0
    return rate, cpu / total * 1e6, errors


def report(results, baseline=BASELINE):
    """Print the results table, then each row's ratios to the baseline row."""
    print_table(results)
    base_rate, base_cpu, _ = results[baseline]
    for name, (rate, cpu_us, _) in results.items():
        if name != baseline:
            print("%s/%s: %.2f of the %s rate, %.2fx the CPU per request"
                  % (name, baseline, rate / base_rate, baseline, cpu_us / base_cpu))


def print_table(results):
    width = max(map(len, results)) + 1   # the longest name and a space
    print("%-*s %12s %18s %8s" % (width, "", "requests/s", "server CPU us/req", "non-2xx"))
    for name, (rate, cpu_us, errors) in results.items():
        print("%-*s %12.0f %18.1f %8d" % (width, name, rate, cpu_us, errors))
