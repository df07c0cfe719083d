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

import wrk_bench

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


def lua_text(cookies):
    """The wrk script, sending these Cookie headers in turn."""
    return LUA % ", ".join('"%s"' % c for c in cookies)


def main():
    parser = wrk_bench.arg_parser(__doc__)
    parser.add_argument("--sessions", type=int, default=64)
    parser.add_argument("--session-type", default="DbmSession",
                        choices=["DbmSession", "FileSession", "MemorySession"])
    args = parser.parse_args()

    config = CONFIG % {"session_type": args.session_type}
    files = {"session.psp": SESSION_PAGE, "plain.psp": PLAIN_PAGE,
             "start.psp": START_PAGE, "static.txt": STATIC}
    with wrk_bench.apache(config, files, args.mpm) as srv:
        cookies = make_sessions(srv, args.sessions)
        check_bodies(srv, cookies[0])
        with wrk_bench.lua_script(lua_text(cookies)) as script:
            results = {name: wrk_bench.measure(srv, path, args, script)
                       for name, path in PATHS}
    wrk_bench.report(results)


if __name__ == "__main__":
    main()
