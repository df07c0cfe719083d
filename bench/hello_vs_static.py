#!/usr/bin/env python3
"""Benchmark: a mod_python hello handler next to a static file of the same
body, on one private Apache (event MPM by default), loaded with wrk over
loopback.  Reports requests/s and server CPU time per request for both,
and the ratios.  Run after `make`:  python3 bench/hello_vs_static.py
"""

import wrk_bench

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
    files = {"hello.py": wrk_bench.HELLO_MODULE, "buffered.py": "", "static.txt": wrk_bench.HELLO_BODY}
    with wrk_bench.apache(CONFIG, files, args.mpm) as srv:
        results = {name: wrk_bench.measure(srv, path, args) for name, path in PATHS}
    wrk_bench.report(results)


if __name__ == "__main__":
    main()
