#!/usr/bin/env python3
"""Benchmark: a 20-field urlencoded form POST parsed by util.FieldStorage,
next to a static GET and to a POST handler that only reads the body, on one
private Apache (event MPM by default), loaded with wrk over loopback.
Reports requests/s and server CPU time per request, and the ratios.
Run after `make`:  python3 bench/form_post.py
"""

import urllib.parse

import wrk_bench

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


def check(srv):
    r = srv.post("/form.py", BODY)
    expected = "20 fields, f7=value 7: caf\u00e9 & more\n"
    if (r.status, r.text) != (200, expected):
        raise SystemExit("form handler answered %s %r" % (r.status, r.text))


def main():
    args = wrk_bench.arg_parser(__doc__).parse_args()
    files = {"form.py": FORM, "raw.py": "", "static.txt": "20 fields\n"}
    with wrk_bench.lua_script(POST_SCRIPT) as script, \
            wrk_bench.apache(CONFIG, files, args.mpm) as srv:
        check(srv)
        results = {"static": wrk_bench.measure(srv, "/static.txt", args),
                   "raw_post": wrk_bench.measure(srv, "/raw.py", args, script),
                   "form_post": wrk_bench.measure(srv, "/form.py", args, script)}
    print("POST body: %d bytes, 20 fields" % len(BODY))
    wrk_bench.report(results)
    raw_cpu, form_cpu = results["raw_post"][1], results["form_post"][1]
    print("FieldStorage cost: about %.1f us of server CPU per request"
          % (form_cpu - raw_cpu))


if __name__ == "__main__":
    main()
