#!/usr/bin/env python3
"""Benchmark: Bottle and Falcon "hello" applications through mod_python.wsgi
and through Debian's mod_wsgi (embedded mode), next to a static file, on
the same Apache with the same Python, loaded with wrk over loopback.

Needs Debian's libapache2-mod-wsgi-py3 (built for /usr/bin/python3, so
mod_python must be built for that Python too).  The frameworks are pinned
in bench/requirements-wsgi.txt and installed into build/bench-deps on
first use.  Run after `make`:  python3 bench/wsgi_vs_mod_wsgi.py --mpm prefork
"""

import os
import subprocess
import sys

import wrk_bench

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEPS = os.path.join(REPO, "build", "bench-deps")
REQUIREMENTS = os.path.join(REPO, "bench", "requirements-wsgi.txt")
MOD_WSGI = "/usr/lib/apache2/modules/mod_wsgi.so"
EMBEDDED_PYTHON = "/usr/bin/python3"    # what Debian's mod_wsgi embeds

BOTTLE_APP = """\
import bottle

app = bottle.Bottle()


@app.route("/")
def hello():
    bottle.response.content_type = "text/plain"
    return "Hello, world\\n"


application = app
"""

FALCON_APP = """\
import falcon


class Hello:
    def on_get(self, req, resp):
        resp.content_type = "text/plain"
        resp.text = "Hello, world\\n"


application = falcon.App()
application.add_route("/", Hello())
"""

FILES = {"static.txt": wrk_bench.HELLO_BODY, "@ROOT@/apps/bottle_app.py": BOTTLE_APP,
         "@ROOT@/apps/falcon_app.py": FALCON_APP}

MOD_PYTHON_CONFIG = """
<Directory @DOCROOT@>
  Require all granted
</Directory>
<Location /bottle>
  SetHandler mod_python
  PythonHandler mod_python.wsgi
  PythonOption mod_python.wsgi.application bottle_app::application
</Location>
<Location /falcon>
  SetHandler mod_python
  PythonHandler mod_python.wsgi
  PythonOption mod_python.wsgi.application falcon_app::application
</Location>
KeepAlive On
MaxKeepAliveRequests 0
"""

MOD_WSGI_CONFIG = """
<Directory @DOCROOT@>
  Require all granted
</Directory>
<Directory @ROOT@/apps>
  Require all granted
</Directory>
WSGIPythonPath "@ROOT@/apps:%(deps)s"
WSGIScriptAlias /bottle @ROOT@/apps/bottle_app.py
WSGIScriptAlias /falcon @ROOT@/apps/falcon_app.py
WSGIApplicationGroup %%{GLOBAL}
KeepAlive On
MaxKeepAliveRequests 0
"""

PATHS = (("static", "/static.txt"), ("bottle", "/bottle/"), ("falcon", "/falcon/"))


def install_deps():
    """pip install the pinned frameworks into build/bench-deps, once."""
    stamp = os.path.join(DEPS, ".requirements")
    with open(REQUIREMENTS) as f:
        wanted = f.read()
    if os.path.exists(stamp) and open(stamp).read() == wanted:
        return
    subprocess.run([EMBEDDED_PYTHON, "-m", "pip", "install", "--quiet", "--upgrade",
                    "--target", DEPS, "-r", REQUIREMENTS], check=True)
    subprocess.run(["chmod", "-R", "a+rX", DEPS], check=True)
    with open(stamp, "w") as f:
        f.write(wanted)


def check_bodies(srv, label):
    for name, path in PATHS:
        r = srv.get(path)
        if (r.status, r.body) != (200, wrk_bench.HELLO_BODY.encode()):
            raise SystemExit("%s %s (%s) answered %r\n%s"
                             % (label, name, path, r, srv.error_log()[-3000:]))


def main():
    parser = wrk_bench.arg_parser(__doc__)
    parser.add_argument("--rounds", type=int, default=3,
                        help="measurements of each, interleaved (the median is shown)")
    args = parser.parse_args()
    if not os.path.exists(MOD_WSGI):
        raise SystemExit("%s is missing: apt-get install libapache2-mod-wsgi-py3" % MOD_WSGI)
    install_deps()
    site_dirs = os.pathsep.join([wrk_bench.LIBDIR, DEPS, "@ROOT@/apps"])
    with wrk_bench.apache(MOD_PYTHON_CONFIG, FILES, args.mpm, site_dirs=site_dirs) as ours, \
            wrk_bench.apache(MOD_WSGI_CONFIG % {"deps": DEPS}, FILES, args.mpm,
                             python=False, modules=["wsgi"]) as theirs:
        servers = {"mod_python": ours, "mod_wsgi": theirs}
        for label, srv in servers.items():
            check_bodies(srv, label)
        # Interleaved rounds, so that drift in the machine's speed (a shared
        # VM) hits both modules alike.
        runs = {}
        for _ in range(args.rounds):
            for name, path in PATHS:
                for label, srv in servers.items():
                    key = "static" if name == "static" else "%s %s" % (label, name)
                    if name == "static" and label != "mod_python":
                        continue
                    runs.setdefault(key, []).append(wrk_bench.measure(srv, path, args))
    results = {key: sorted(values)[len(values) // 2] for key, values in runs.items()}
    wrk_bench.report(results)
    for app in ("bottle", "falcon"):
        ours_rate, theirs_rate = results["mod_python " + app][0], results["mod_wsgi " + app][0]
        print("%s: mod_python.wsgi / mod_wsgi = %.2f" % (app, ours_rate / theirs_rate))


if __name__ == "__main__":
    sys.exit(main())
