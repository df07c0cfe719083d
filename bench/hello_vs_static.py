#!/usr/bin/env python3
"""Benchmark: a mod_python hello handler next to a static file of the same
body, on one private Apache (event MPM by default), loaded with wrk over
loopback.  Reports requests/s and server CPU time per request for both,
and the ratios.  Run after `make`:  python3 bench/hello_vs_static.py
"""

import wrk_bench

HELLO = """\
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

CONFIG = """
<Directory @DOCROOT@>
  Require all granted
  <Files "hello.py">
    SetHandler mod_python
    PythonHandler hello
  </Files>
  <Files "buffered.py">
    SetHandler mod_python
    PythonHandler hello::buffered
  </Files>
</Directory>
KeepAlive On
MaxKeepAliveRequests 0
"""

PATHS = (("static", "/static.txt"), ("hello", "/hello.py"), ("buffered", "/buffered.py"))


def main():
    args = wrk_bench.arg_parser(__doc__).parse_args()
    files = {"hello.py": HELLO, "buffered.py": "", "static.txt": "Hello, world\n"}
    with wrk_bench.apache(CONFIG, files, args.mpm) as srv:
        results = {name: wrk_bench.measure(srv, path, args) for name, path in PATHS}
    wrk_bench.report(results)


if __name__ == "__main__":
    main()
