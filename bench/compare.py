#!/usr/bin/env python3
"""Benchmark: every kind of mod_python page next to a static file, on one
Apache, and the same pages on Debian's mod_python 3.5 when it is installed.

Pages: a hello handler (flushing, as req.write() does by default, and
unflushed), a publisher hello, a PSP hello, a page reading and
saving a FileSession, a DbmSession and a MemorySession, and a 20-field
urlencoded POST through FieldStorage.  Each module runs its own private
Apache (same binary, same MPM), both up at once and measured in turn,
round after round; the ratio is requests/s over the static file's on that
same server.  3.5's module is copied aside to build/bench/
and loaded only here (the tests never load it); its Python package is
Debian's, in /usr/lib/python3/dist-packages.

Run after `make`:  python3 bench/compare.py --mpm event
"""

import contextlib
import os
import shutil

import form_post
import psp_page
import wrk_bench

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEBIAN_35 = "/usr/lib/apache2/modules/mod_python.so"
COPY_35 = os.path.join(REPO, "build", "bench", "mod_python-3.5.so")

BODY = wrk_bench.HELLO_BODY

# hello.py's handler (flushing) and buffered (unflushed) are wrk_bench's.
HANDLERS = wrk_bench.HELLO_MODULE + """
from mod_python import util, Session

# The session and form pages write unflushed, as publisher and PSP pages
# do: their rows then measure the session or the form, not the second
# network write that a flushing req.write() costs (the hello row has it).
def session(req):
    s = Session.Session(req)
    s["n"] = s.get("n", 0) + 1
    s.save()
    req.content_type = "text/plain"
    req.write("Hello, world\\n", 0)
    return apache.OK

def form(req):
    fs = util.FieldStorage(req)
    req.content_type = "text/plain"
    req.write("%d fields\\n" % len(fs.list), 0)
    return apache.OK
"""

PAGE = """\
def hello(req):
    return "Hello, world\\n"
"""

PSP = "Hello, <%= 'world' %>\n"

SESSION_TYPES = ("FileSession", "DbmSession", "MemorySession")

CONFIG = """
<Directory @DOCROOT@>
  Require all granted
  PythonOption mod_python.session.database_directory @ROOT@/tmp
  <Files "hello.py">
    SetHandler mod_python
    PythonHandler handlers
  </Files>
  <Files "unflushed.py">
    SetHandler mod_python
    PythonHandler handlers::buffered
  </Files>
  <Files "page.py">
    SetHandler mod_python
    PythonHandler mod_python.publisher
  </Files>
  <Files "hello.psp">
    SetHandler mod_python
    PythonHandler mod_python.psp
  </Files>
  <Files "form.py">
    SetHandler mod_python
    PythonHandler handlers::form
  </Files>
%(sessions)s
</Directory>
KeepAlive On
MaxKeepAliveRequests 0
"""

SESSION_FILES = """\
  <Files "%(type)s.py">
    SetHandler mod_python
    PythonHandler handlers::session
    PythonOption mod_python.session.session_type %(type)s
  </Files>"""

FILES = dict({"static.txt": BODY, "handlers.py": HANDLERS, "hello.py": "",
              "unflushed.py": "",
              "page.py": PAGE, "hello.psp": PSP, "form.py": ""},
             **{"%s.py" % t: "" for t in SESSION_TYPES})

# The form of form_post.py; the session cookies go round as in psp_page.py.
FORM_BODY, POST_LUA = form_post.BODY, form_post.POST_SCRIPT

PAGES = (("static", "/static.txt"), ("hello handler", "/hello.py"),
         ("hello, unflushed", "/unflushed.py"),
         ("publisher hello", "/page.py/hello"), ("PSP hello", "/hello.psp")) + tuple(
    (t, "/%s.py" % t) for t in SESSION_TYPES) + (("form POST (20 fields)", "/form.py"),)


def session_cookies(srv, path, count=32):
    cookies = []
    for _ in range(count):
        r = srv.get(path)
        if r.status != 200 or not r.header("Set-Cookie"):
            raise SystemExit("%s answered %r\n%s" % (path, r, srv.error_log()[-2000:]))
        cookies.append(r.header("Set-Cookie").split(";")[0])
    return cookies


def check(srv, label):
    for name, path in PAGES:
        r = srv.post(path, FORM_BODY) if "POST" in name else srv.get(path)
        expected = "20 fields\n" if "POST" in name else BODY
        if (r.status, r.text) != (200, expected):
            raise SystemExit("%s: %s (%s) answered %r\n%s"
                             % (label, name, path, r, srv.error_log()[-2000:]))


def scripts_for(srv):
    """{page name: wrk Lua script text or None} for one server (its own
    session cookies)."""
    scripts = {}
    for name, path in PAGES:
        if name in SESSION_TYPES:
            cookies = session_cookies(srv, path)
            scripts[name] = psp_page.lua_text(cookies)
        else:
            scripts[name] = POST_LUA if "POST" in name else None
    return scripts


def measure(srv, path, args, lua):
    if not lua:
        return wrk_bench.measure(srv, path, args)
    with wrk_bench.lua_script(lua) as script:
        return wrk_bench.measure(srv, path, args, script)


def measure_interleaved(servers, args):
    """{label: {page: median (rate, CPU, errors)}} over args.rounds rounds,
    each page measured on every server in turn, so that drift in the
    machine's speed (a shared VM) hits every column alike."""
    scripts = {label: scripts_for(srv) for label, srv in servers.items()}
    runs = {label: {} for label in servers}
    for _ in range(args.rounds):
        for name, path in PAGES:
            for label, srv in servers.items():
                runs[label].setdefault(name, []).append(
                    measure(srv, path, args, scripts[label][name]))
    return {label: {name: sorted(values)[len(values) // 2]
                    for name, values in pages.items()}
            for label, pages in runs.items()}


def server_config():
    return CONFIG % {"sessions": "\n".join(SESSION_FILES % {"type": t}
                                           for t in SESSION_TYPES)}


@contextlib.contextmanager
def apache_35(args, module):
    """A server with 3.5's module.  3.5 finds its Python through PATH (ours
    is built for one), so Apache starts with the system's PATH only."""
    path = os.environ["PATH"]
    os.environ["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin"
    try:
        server = wrk_bench.apache(server_config(), FILES, args.mpm, python=False,
                                  main_config='LoadModule python_module "%s"' % module)
        srv = server.__enter__()
    finally:
        os.environ["PATH"] = path
    try:
        yield srv
    finally:
        server.__exit__(None, None, None)


def module_35():
    """The copy of Debian's 3.5 module, made on first use; None without it."""
    if not os.path.exists(DEBIAN_35):
        return None
    if not os.path.exists(COPY_35):
        os.makedirs(os.path.dirname(COPY_35), exist_ok=True)
        shutil.copy(DEBIAN_35, COPY_35)
    return COPY_35


def report(columns):
    labels = list(columns)
    print("%-24s" % "" + "".join("%28s" % label for label in labels))
    print("%-24s" % "page" + "  req/s  ratio  CPU us/req " * len(labels))
    for name, _ in PAGES:
        row = "%-24s" % name
        for label in labels:
            rate, cpu, errors = columns[label][name]
            ratio = rate / columns[label]["static"][0]
            row += " %7.0f  %5.2f  %8.1f%s  " % (rate, ratio, cpu, "!" if errors else " ")
        print(row)
    print("(ratio: requests/s over the static file's on the same server; "
          "! marks non-2xx answers)")


def main():
    parser = wrk_bench.arg_parser(__doc__)
    parser.add_argument("--rounds", type=int, default=3,
                        help="measurements of each page on each server, "
                             "interleaved (the median is shown)")
    parser.add_argument("--pages", default="",
                        help="comma-separated words: measure only the pages "
                             "whose name contains one (static always runs)")
    args = parser.parse_args()
    if args.pages:
        global PAGES
        words = args.pages.split(",")
        PAGES = tuple(p for p in PAGES
                      if p[0] == "static" or any(w in p[0] for w in words))
    old = module_35()
    with contextlib.ExitStack() as stack:
        servers = {"mod_python (this)": stack.enter_context(
            wrk_bench.apache(server_config(), FILES, args.mpm))}
        if old:
            servers["mod_python 3.5"] = stack.enter_context(apache_35(args, old))
        else:
            print("(no %s: Debian's libapache2-mod-python is not installed)" % DEBIAN_35)
        for label, srv in servers.items():
            check(srv, label)
        columns = measure_interleaved(servers, args)
    print("MPM: %s, wrk -t%d -c%d, %d s a page, median of %d rounds"
          % (args.mpm, args.threads, args.connections, args.seconds, args.rounds))
    report(columns)


if __name__ == "__main__":
    main()
