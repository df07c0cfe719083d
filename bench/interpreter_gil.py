#!/usr/bin/env python3
"""Benchmark: Python on both cores of one Apache child.

A CPU-bound handler (pure Python, about 5 ms a request) served by two
sub-interpreters of one event-MPM child, each with half the connections
(one each by default): requests/s with PythonInterpreterGIL own against
shared.  On a
free-threaded build (3.13t) it also serves the same handler from a single
interpreter, whose threads then run in parallel.  Then the hello handler's
ratio to a static file in each mode, which a GIL per interpreter must not
lower.

Needs mod_python built for Python 3.12+: run it from a tree that is
(scripts/test-on-python 3.13 builds one in build/on-python-3.13):

    cd build/on-python-3.13 && python3 bench/interpreter_gil.py
"""

import argparse

import wrk_bench

# ~5 ms of pure Python on this machine; no call that releases the GIL
CPU_MODULE = wrk_bench.HELLO_MODULE + """
def spin(req):
    total = 0
    for i in range(ROUNDS):
        total += i * i % 7
    req.content_type = "text/plain"
    req.write("%d\\n" % total, 0)
    return apache.OK

ROUNDS = 60000
"""

# wrk's threads each keep to one interpreter (-t2: half the connections
# on each), so that both always have requests waiting.
ONE_PER_THREAD = """\
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("path", threads % 2 == 0 and "/a/spin.py" or "/b/spin.py")
end
request = function()
  return wrk.format(nil, path)
end
"""

SECTION = """
<Directory @DOCROOT@/%(dir)s>
  SetHandler mod_python
  PythonHandler handlers::spin
  PythonInterpreter %(interpreter)s
  PythonInterpreterGIL %(gil)s
  <Files "hello.py">
    PythonHandler handlers
  </Files>
</Directory>
"""

# One child with enough threads for every connection.
ONE_CHILD = """
ServerLimit 1
StartServers 1
ThreadsPerChild 8
MaxRequestWorkers 8
KeepAlive On
MaxKeepAliveRequests 0
<Directory @DOCROOT@>
  Require all granted
</Directory>
"""


def config(gil, one_interpreter=False):
    second = "a" if one_interpreter else "b"
    return ONE_CHILD + SECTION % {"dir": "a", "interpreter": "a", "gil": gil} \
        + SECTION % {"dir": "b", "interpreter": second, "gil": gil}


FILES = {"static.txt": wrk_bench.HELLO_BODY, "a/handlers.py": CPU_MODULE,
         "b/handlers.py": CPU_MODULE, "a/spin.py": "", "b/spin.py": "",
         "a/hello.py": ""}


def run(label, cfg, args, results):
    with wrk_bench.apache(cfg, FILES, "event") as srv:
        for path in ("/a/spin.py", "/b/spin.py", "/a/hello.py", "/static.txt"):
            r = srv.get(path)
            if r.status != 200:
                raise SystemExit("%s answered %r\n%s" % (path, r, srv.error_log()[-2000:]))
        with wrk_bench.lua_script(ONE_PER_THREAD) as script:
            results["CPU-bound, " + label] = wrk_bench.measure(
                srv, "/", argparse.Namespace(**dict(vars(args), threads=2)), script)
        results["hello, " + label] = wrk_bench.measure(srv, "/a/hello.py", args)
        results["static, " + label] = wrk_bench.measure(srv, "/static.txt", args)


def main():
    parser = wrk_bench.arg_parser(__doc__)
    # one connection per interpreter: with more, a request also waits for
    # the other requests of its own interpreter (its GIL), in both modes
    parser.set_defaults(connections=2)
    args = parser.parse_args()
    results = {}
    run("two interpreters, shared GIL", config("shared"), args, results)
    run("two interpreters, own GIL", config("own"), args, results)
    if wrk_bench.free_threaded():
        run("one interpreter, free-threaded", config("shared", True), args, results)
    wrk_bench.print_table(results)
    shared = results["CPU-bound, two interpreters, shared GIL"][0]
    for label in ("two interpreters, own GIL", "one interpreter, free-threaded"):
        if "CPU-bound, " + label in results:
            print("CPU-bound, %s: %.2fx the requests/s of a shared GIL"
                  % (label, results["CPU-bound, " + label][0] / shared))
    for label in ("two interpreters, shared GIL", "two interpreters, own GIL"):
        print("hello/static, %s: %.2f" % (
            label, results["hello, " + label][0] / results["static, " + label][0]))


if __name__ == "__main__":
    main()
