#!/usr/bin/env python3
"""Benchmark: a mod_python.publisher "hello" page next to a static file of
the same body (and a plain handler for reference), on one private Apache
(event MPM by default), loaded with wrk over loopback.  Reports requests/s
and server CPU time per request, and the ratios to the static file.
Run after `make`:  python3 bench/publisher_hello.py
"""

import wrk_bench

PAGE = """\
def hello(req):
    return "Hello, world\\n"
"""

CONFIG = """
<Directory @DOCROOT@>
  Require all granted
  <Files "page.py">
    SetHandler mod_python
    PythonHandler mod_python.publisher
  </Files>
  <Files "hello.py">
    SetHandler mod_python
    PythonHandler hello::buffered
  </Files>
</Directory>
KeepAlive On
MaxKeepAliveRequests 0
"""

PATHS = (("static", "/static.txt"), ("handler", "/hello.py"),
         ("publisher", "/page.py/hello"))


def check_bodies(srv):
    for name, path in PATHS:
        r = srv.get(path)
        if (r.status, r.body) != (200, wrk_bench.HELLO_BODY.encode()):
            raise SystemExit("%s (%s) answered %r" % (name, path, r))


def main():
    args = wrk_bench.arg_parser(__doc__).parse_args()
    files = {"page.py": PAGE, "hello.py": wrk_bench.HELLO_MODULE, "static.txt": wrk_bench.HELLO_BODY}
    with wrk_bench.apache(CONFIG, files, args.mpm) as srv:
        check_bodies(srv)
        results = {name: wrk_bench.measure(srv, path, args) for name, path in PATHS}
    wrk_bench.report(results)


if __name__ == "__main__":
    main()
