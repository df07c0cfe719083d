"""The `mod_python` command-line tool (python -m mod_python), with a real
Apache for `serve`."""

import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest

from helpers import ServeCommand, basic_auth, free_port, process_gone

REPO = os.path.realpath(os.path.join(os.path.dirname(__file__), ".."))
LIB = os.path.join(REPO, "lib", "python")

HANDLER = '''\
from mod_python import apache

def handler(req):
    req.content_type = "text/plain"
    req.write("hello from handler")
    return apache.OK

def other(req):
    req.content_type = "text/plain"
    req.write("hello from other")
    return apache.OK
'''

PUBLISHED = '''\
def hi(req, name="nobody"):
    return "hi " + name
'''

WSGI_APP = '''\
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [("wsgi " + environ["PATH_INFO"]).encode()]
'''


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = LIB
    return env


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "mod_python"] + list(args),
                          capture_output=True, text=True, env=_env(),
                          cwd=cwd, timeout=60)


@pytest.fixture
def workdir():
    """A world-readable directory (Apache's children may be www-data)."""
    path = tempfile.mkdtemp(prefix="mp-cli-")
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def write(directory, name, text):
    path = os.path.join(directory, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return path


@pytest.fixture
def serve(workdir):
    started = []

    def start(*args):
        served = ServeCommand(args, cwd=workdir)
        started.append(served)
        return served

    yield start
    for served in started:
        served.stop()


def test_create(workdir):
    target = os.path.join(workdir, "x")
    out = run_cli("create", target, "--pythonhandler=mod_python.wsgi",
                  "--pythonoption=mod_python.wsgi.application "
                  "app::application")
    assert out.returncode == 0, out.stderr
    conf = os.path.join(target, "conf", "httpd_conf.py")
    assert out.stdout.splitlines()[0] == conf
    assert os.path.isfile(conf)
    for sub in ("logs", "public"):
        assert os.path.isdir(os.path.join(target, sub))


#
def test_create_without_pythonhandler(workdir):
    out = run_cli("create", os.path.join(workdir, "y"))
    assert out.returncode == 2
    assert "Must specify a --pythonhandler" in out.stderr
    assert not os.path.exists(os.path.join(workdir, "y"))


#
def test_genconfig(workdir):
    target = os.path.join(workdir, "x")
    run_cli("create", target, "--pythonhandler=mod_python.wsgi",
            "--pythonoption=mod_python.wsgi.application app::application")
    out = run_cli("genconfig", os.path.join(target, "conf", "httpd_conf.py"))
    assert out.returncode == 0, out.stderr
    assert "ServerRoot %s" % target in out.stdout
    assert "PythonHandler mod_python.wsgi" in out.stdout
    assert ("PythonOption mod_python.wsgi.application app::application"
            in out.stdout)


def test_create_genconfig_start_restart_stop(workdir):
    # R-361..R-363 end to end: the generated configuration runs a server
    # that start, restart and stop control
    target = os.path.join(workdir, "srv")
    port = free_port()
    assert run_cli("create", target, "--listen", "127.0.0.1:%d" % port,
                   "--pythonhandler=mod_python.publisher").returncode == 0
    write(target, "public/pub.py", PUBLISHED)
    conf = os.path.join(target, "conf", "httpd.conf")
    out = run_cli("genconfig", os.path.join(target, "conf", "httpd_conf.py"))
    assert out.returncode == 0, out.stderr
    with open(conf, "w") as f:
        f.write(out.stdout)
    assert run_cli("start", conf).returncode == 0
    pidfile = os.path.join(target, "logs", "httpd.pid")
    try:
        url = "http://127.0.0.1:%d/pub.py/hi?name=cli" % port
        assert _get_when_up(url) == "hi cli"
        pid = int(open(pidfile).read())
        assert run_cli("restart", conf).returncode == 0
        assert _get_when_up(url) == "hi cli"
        assert int(open(pidfile).read()) == pid      # graceful: same parent
    finally:
        assert run_cli("stop", conf).returncode == 0
    deadline = time.time() + 15
    while not process_gone(pid) and time.time() < deadline:
        time.sleep(0.1)
    assert process_gone(pid)


def _get_when_up(url):
    deadline = time.time() + 15
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return r.read().decode()
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.2)


#
def test_version():
    out = run_cli("version")
    assert out.returncode == 0, out.stderr
    prefixes = [line.split(":")[0] + ":" for line in out.stdout.splitlines()]
    assert prefixes == ["mod_python:", "python:", "httpd:", "apr:",
                        "platform:"]


#
def test_bogus_command():
    out = run_cli("bogus")
    assert out.returncode != 0
    assert "Invalid command" in out.stderr


def test_missing_positional():
    for command, what in (("genconfig", "<src>"), ("start", "<httpd.conf>"),
                          ("create", "<directory>")):
        out = run_cli(command)
        assert out.returncode == 2
        assert "Must specify %s" % what in out.stderr


def test_module_config():
    out = run_cli("module-config")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("LoadModule python_module ")
    assert os.path.isfile(lines[0].split(None, 2)[2].strip('"'))
    assert 'PythonOption mod_python.site_dirs "%s"' % LIB in lines


def test_serve_handler_file_then_sigint(serve, workdir):
    write(workdir, "app.py", HANDLER)
    served = serve("app.py")
    assert served.banner.endswith("(Ctrl-C stops)")
    assert served.url.startswith("http://127.0.0.1:")
    assert served.get("/").text == "hello from handler"
    pid = served.pid()
    assert not process_gone(pid)
    assert served.stop(signal.SIGINT) == 0
    assert process_gone(pid)


def test_serve_named_handler_and_sigterm(serve, workdir):
    write(workdir, "app.py", HANDLER)
    served = serve("app.py::other", "--mpm", "prefork", "--processes", "2")
    assert served.get("/anything").text == "hello from other"
    pid = served.pid()
    assert served.stop(signal.SIGTERM) == 0
    assert process_gone(pid)


def test_serve_directory(serve, workdir):
    write(workdir, "site/pub.py", PUBLISHED)
    write(workdir, "site/static.txt", "just a file\n")
    served = serve("site")
    assert served.get("/pub.py/hi?name=bob").text == "hi bob"
    assert served.get("/static.txt").text == "just a file\n"


def test_serve_wsgi(serve, workdir):
    write(workdir, "wapp.py", WSGI_APP)
    served = serve("--wsgi", "wapp:app")
    assert served.get("/some/path").text == "wsgi /some/path"


@pytest.mark.parametrize("args, message", [
    (["missing.py"], "no such file"),
    (["broken.py"], "syntax error in"),
    (["app.py::nothere"], "defines no nothere"),
    (["--wsgi", "wapp:nothere"], "defines no nothere"),
    (["--wsgi", "wapp:"], "bad --wsgi"),
    (["--wsgi", "nomodule:app"], "nomodule not found"),
])
def test_serve_target_errors(workdir, args, message):
    write(workdir, "app.py", HANDLER)
    write(workdir, "wapp.py", WSGI_APP)
    write(workdir, "broken.py", "def handler(req:\n")
    out = run_cli("serve", *args, "--port", str(free_port()), cwd=workdir)
    assert out.returncode == 2
    assert "Serving" not in out.stdout
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], out.stderr


@pytest.mark.parametrize("args, answer", [
    (["my site"], "hi nobody"),
    (['say "hi"'], "hi nobody"),
    (['say "hi"/app.py'], "hello from handler"),
    (["--wsgi", 'say "hi"/wapp.py:app'], "wsgi /pub.py/hi"),
    (["both\"'quotes"], "hi nobody"),
    (["back\\slash\\"], "hi nobody"),
])
def test_serve_paths_with_spaces_and_quotes(serve, workdir, args, answer):
    # Apache reads them back exactly (escapes included), and so does
    # mod_python's <Directory>
    for name in ("my site", 'say "hi"', "both\"'quotes", "back\\slash\\"):
        write(workdir, name + "/pub.py", PUBLISHED)
        write(workdir, name + "/app.py", HANDLER)
        write(workdir, name + "/wapp.py", WSGI_APP)
    served = serve(*args)
    assert served.get("/pub.py/hi").text == answer


HTACCESS_APP = '''\
from mod_python import apache

def handler(req):
    req.content_type = "text/plain"
    req.write("user %s, option %s" % (req.user,
                                      req.get_options().get("greeting")))
    return apache.OK

def authenhandler(req):
    password = req.get_basic_auth_pw()
    if req.user == "ann" and password == "secret":
        return apache.OK
    return apache.HTTP_UNAUTHORIZED
'''

HTACCESS = '''\
SetHandler mod_python
PythonHandler guarded
PythonAuthenHandler guarded
PythonOption greeting hello
AuthType Basic
AuthName "guarded"
Require valid-user
'''


def test_serve_directory_honours_htaccess(serve, workdir):
    write(workdir, "site/index.html", "open\n")
    write(workdir, "site/private/guarded.py", HTACCESS_APP)
    write(workdir, "site/private/.htaccess", HTACCESS)
    served = serve("site")
    assert served.get("/index.html").text == "open\n"
    assert served.get("/private/x").status == 401
    ok = served.get("/private/x",
                    headers={"Authorization": basic_auth("ann", "secret")})
    assert ok.text == "user ann, option hello"


def test_serve_directory_hides_dot_files_and_bytecode(serve, workdir):
    write(workdir, "site/pub.py", PUBLISHED)
    write(workdir, "site/.env", "SECRET=1\n")
    write(workdir, "site/.git/config", "[core]\n")
    write(workdir, "site/__pycache__/pub.cpython-311.pyc", "bytecode")
    served = serve("site")
    assert served.get("/pub.py/hi").text == "hi nobody"
    for path in ("/.env", "/.git/config", "/__pycache__/pub.cpython-311.pyc",
                 "/.htaccess"):
        assert served.get(path).status in (403, 404), path


def test_serve_root_has_a_data_directory_the_children_can_write(serve,
                                                                 workdir):
    write(workdir, "site/store.py", '''\
import os
from mod_python import apache

def put(req, name="x"):
    path = os.path.join(apache.server_root(), "data", name)
    with open(path, "w") as f:
        f.write("stored")
    return "ok"
''')
    served = serve("site")
    assert served.get("/store.py/put?name=probe").text == "ok"
    with open(os.path.join(served.root, "data", "probe")) as f:
        assert f.read() == "stored"


def test_serve_reload_restarts_apache_on_change(serve, workdir):
    write(workdir, "app.py", HANDLER)
    served = serve("app.py", "--reload")
    assert served.get("/").text == "hello from handler"
    time.sleep(1.1)         # a later mtime than the one first seen
    write(workdir, "app.py", HANDLER.replace("from handler", "after reload"))
    ready = select.select([served.proc.stdout], [], [], 15)[0]
    assert ready, "no restart announced"
    assert served.proc.stdout.readline().strip() == \
        "Change detected, restarting Apache"
    deadline = time.time() + 15
    while served.get("/").text != "hello after reload":
        assert time.time() < deadline
        time.sleep(0.2)


@pytest.mark.skipif(os.geteuid() != 0, reason="serve opens files up only as root")
def test_serve_opens_up_the_tree_but_not_links_or_secrets(serve, workdir):
    outside = write(workdir, "outside/secret.txt", "not for www-data\n")
    os.chmod(outside, 0o600)
    write(workdir, "site/pub.py", PUBLISHED)
    os.chmod(os.path.join(workdir, "site", "pub.py"), 0o600)
    env = write(workdir, "site/.env", "SECRET=1\n")
    os.chmod(env, 0o600)
    os.symlink(outside, os.path.join(workdir, "site", "link.txt"))
    served = serve("site")
    assert served.get("/pub.py/hi").text == "hi nobody"     # opened up
    assert os.stat(outside).st_mode & 0o777 == 0o600        # link not followed
    assert os.stat(env).st_mode & 0o777 == 0o600            # never served


@pytest.mark.parametrize("planted", ["data", "conf/httpd.conf", "logs"])
def test_serve_refuses_planted_links_in_its_root(workdir, planted):
    # the command writes, chmods and (as root) chowns its root's contents:
    # a --root in a shared place must not make it touch a link's target
    root = os.path.join(workdir, "root")
    os.makedirs(os.path.join(root, "conf"))
    target = write(workdir, "elsewhere/victim", "precious\n")
    os.symlink(target if planted.endswith(".conf") else os.path.dirname(target),
               os.path.join(root, planted))
    write(workdir, "app.py", HANDLER)
    out = run_cli("serve", "app.py", "--root", root, "--port",
                  str(free_port()), cwd=workdir)
    assert out.returncode == 2
    assert "is a symbolic link" in out.stderr
    with open(target) as f:
        assert f.read() == "precious\n"
    assert os.stat(os.path.dirname(target)).st_uid == os.geteuid()
