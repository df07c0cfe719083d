"""A new user's first steps on a machine like theirs: an older mod_python
already in Apache's module directory (Debian's libapache2-mod-python 3.5 or
an earlier `make install`), its package in /usr/lib/python3/dist-packages,
and a python3 on PATH that Apache's children may not be able to read.

`mod_python serve` must load the module built with its package, check
before starting Apache what would turn every request into a 500, say it in
one line with the fix (exit status 2), and show the Python errors of the
error log on the terminal while it serves."""

import os
import runpy
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

import pytest

from helpers import (LIBDIR, MOD_SO, REPO, ServeCommand, child_pids,
                     free_port, mapped_files, python_children_cannot_read)

BUILD = runpy.run_path(os.path.join(LIBDIR, "mod_python", "version.py"))
APACHE_MODULES = BUILD["APACHE_LIBEXECDIR"]
DEBIAN_PACKAGE_DIR = "/usr/lib/python3/dist-packages/mod_python"
DECOY_MARK = "decoy-imported"
ERROR = "mod_python serve: error: "

HELLO = '''\
import mod_python
from mod_python import apache

def handler(req):
    req.content_type = "text/plain"
    req.write("hello|" + mod_python.__file__)
    return apache.OK
'''


def run_serve(*args, cwd=None, env=None):
    env = env or dict(os.environ, PYTHONPATH=LIBDIR)
    return subprocess.run([sys.executable, "-m", "mod_python", "serve"]
                          + list(args), capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=120)


def write(directory, name, text):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o644)
    return path


@pytest.fixture(scope="module")
def decoys():
    """Debian's 3.5 files where the package puts them: its mod_python.so in
    Apache's module directory and its package in dist-packages.  The real
    ones when libapache2-mod-python is installed; otherwise stand-ins that
    fail loudly if loaded or imported, removed afterwards."""
    if os.geteuid() != 0:
        pytest.skip("placing decoys in system directories needs root")
    made = []
    so = os.path.join(APACHE_MODULES, "mod_python.so")
    if not os.path.exists(so):
        with open(so, "wb") as f:   # not an ELF file: Apache cannot load it
            f.write(b"decoy: mod_python/3.5.0 (not a shared object)\n")
        made.append(so)
    if not os.path.exists(DEBIAN_PACKAGE_DIR):
        os.makedirs(DEBIAN_PACKAGE_DIR)
        write(DEBIAN_PACKAGE_DIR, "__init__.py",
              "raise ImportError(%r)\n" % DECOY_MARK)
        made.append(DEBIAN_PACKAGE_DIR)
    yield so
    for path in made:
        if os.path.isdir(path):
            shutil.rmtree(path)
        else:
            os.remove(path)


@pytest.fixture
def workdir(world_readable_dir):
    return world_readable_dir


def package_copy(top, **version):
    """A copy of the package (as pip or make install would leave it)
    under top/site, with version.py's values replaced by `version`;
    the path of its site directory."""
    site = os.path.join(top, "site")
    shutil.copytree(os.path.join(LIBDIR, "mod_python"),
                    os.path.join(site, "mod_python"),
                    ignore=shutil.ignore_patterns("__pycache__", "*.in"))
    path = os.path.join(site, "mod_python", "version.py")
    with open(path) as f:
        lines = f.read().splitlines()
    for i, line in enumerate(lines):
        name = line.split(" = ")[0]
        if name in version:
            lines[i] = "%s = %r" % (name, version.pop(name))
    assert not version, "no such names in version.py: %s" % version
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    subprocess.run(["chmod", "-R", "a+rX", top], check=True)
    return site


# -------------------------------------------------------- the right module

def test_serve_from_the_tree_loads_the_tree_module_despite_decoys(decoys,
                                                                  workdir):
    write(workdir, "hello.py", HELLO)
    served = ServeCommand(["hello.py"], cwd=workdir)
    try:
        r = served.get("/")
        assert r.status == 200, served.error_log()
        assert r.text == "hello|%s/mod_python/__init__.py" % LIBDIR
        maps = set().union(*(mapped_files(p)
                             for p in child_pids(served.pid())))
        assert MOD_SO in maps and decoys not in maps
        assert DECOY_MARK not in served.error_log()
    finally:
        assert served.stop() == 0


def test_module_config_from_the_tree_names_the_tree_module(decoys):
    out = subprocess.run([sys.executable, "-m", "mod_python",
                          "module-config"], capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=LIBDIR))
    assert out.stdout.splitlines()[0] == "LoadModule python_module %s" % MOD_SO


def test_serve_refuses_a_module_that_is_not_its_own(workdir):
    modules = os.path.join(workdir, "modules")
    os.makedirs(modules)
    decoy = os.path.join(modules, "mod_python.so")
    with open(decoy, "wb") as f:
        f.write(b"\x7fELF...mod_python/3.5.0+git20211031\x00...")
    site = package_copy(workdir, SOURCE_TREE="", LIBEXECDIR=modules)
    write(workdir, "hello.py", HELLO)
    out = run_serve("hello.py", "--port", str(free_port()), cwd=workdir,
                    env=dict(os.environ, PYTHONPATH=site))
    assert out.returncode == 2
    assert out.stdout == ""
    assert out.stderr == (
        "%s%s is not this mod_python (%s) but another one (version "
        "3.5.0+git20211031); reinstall mod_python so that the module and its "
        "Python package match\n" % (ERROR, decoy, BUILD["version"]))


def test_serve_refuses_a_module_built_for_another_python(workdir):
    modules = os.path.join(workdir, "modules")
    os.makedirs(modules)
    shutil.copy(MOD_SO, modules)
    site = package_copy(workdir, SOURCE_TREE="", LIBEXECDIR=modules,
                        PYTHON_BIN="/opt/other/bin/python3")
    write(workdir, "hello.py", HELLO)
    out = run_serve("hello.py", "--port", str(free_port()), cwd=workdir,
                    env=dict(os.environ, PYTHONPATH=site))
    assert out.returncode == 2
    assert out.stderr == (
        "%s%s/mod_python.so embeds %s, but this package was built for "
        "/opt/other/bin/python3; reinstall mod_python so that the module and "
        "its Python package match\n"
        % (ERROR, modules, os.path.realpath(BUILD["PYTHON_BIN"])))


# ------------------------------------- a Python the children cannot read

def fake_private_python(top):
    """A "python" that reports its standard library in a directory only
    root can enter, as a pyenv Python under /root does."""
    private = os.path.join(top, "private")
    stdlib = os.path.join(private, "lib", "python3")
    os.makedirs(os.path.join(stdlib, "encodings"))
    os.makedirs(os.path.join(stdlib, "lib-dynload"))
    write(os.path.join(stdlib, "encodings"), "__init__.py", "")
    python = os.path.join(private, "bin", "python3")
    os.makedirs(os.path.dirname(python))
    write(os.path.dirname(python), "python3",
          "#!/bin/sh\necho %s/encodings/__init__.py\necho %s/lib-dynload\n"
          % (stdlib, stdlib))
    os.chmod(python, 0o755)
    return private, python


def test_serve_as_root_refuses_a_python_the_children_cannot_read(workdir):
    if os.geteuid() != 0:
        pytest.skip("the children run as another user only when root starts "
                    "Apache")
    site = package_copy(workdir, SOURCE_TREE="",
                        LIBEXECDIR=os.path.dirname(MOD_SO))
    private, python = fake_private_python(workdir)
    os.chmod(private, 0o700)
    # (version.py is rewritten after the copy opened everything up)
    path = os.path.join(site, "mod_python", "version.py")
    with open(path) as f:
        text = f.read().replace('PYTHON_BIN = "%s"' % BUILD["PYTHON_BIN"],
                                'PYTHON_BIN = "%s"' % python)
    with open(path, "w") as f:
        f.write(text)
    write(workdir, "hello.py", HELLO)
    out = run_serve("hello.py", "--port", str(free_port()), cwd=workdir,
                    env=dict(os.environ, PYTHONPATH=site))
    assert out.returncode == 2
    assert out.stderr == (
        "%sApache's children run as www-data, who cannot enter %s (on the "
        "way to %s/lib/python3/encodings, the standard library of %s): "
        "Python cannot start in them.  Fix: configure mod_python with a "
        "Python that user can read (./configure "
        "--with-python=/usr/bin/python3), or make the directory readable by "
        "it, or run serve as a normal user (not root).\n"
        % (ERROR, private, private, python))


def test_configure_stops_on_a_python_the_children_cannot_read(workdir):
    private, python = fake_private_python(workdir)
    os.chmod(private, 0o700)
    check = os.path.join(LIBDIR, "mod_python", "childaccess.py")
    out = subprocess.run([sys.executable, check, "www-data", python],
                         capture_output=True, text=True)
    assert out.returncode == 1
    assert out.stdout.startswith(
        "Apache's children run as www-data, who cannot enter %s " % private)
    assert "--with-python=/usr/bin/python3" in out.stdout
    os.chmod(private, 0o755)
    out = subprocess.run([sys.executable, check, "www-data", python],
                         capture_output=True, text=True)
    assert (out.returncode, out.stdout) == (0, "")


def test_configure_refuses_the_path_python_children_cannot_read(workdir):
    python = python_children_cannot_read()
    tree = os.path.join(workdir, "tree")
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", REPO, tree],
                   check=True)
    for rel in ("configure.ac", "lib/python/mod_python/childaccess.py"):
        shutil.copy(os.path.join(REPO, rel), os.path.join(tree, rel))
    subprocess.run(["autoconf"], cwd=tree, check=True)
    out = subprocess.run(["./configure", "--with-python=" + python,
                          "--with-apache-user=www-data"], cwd=tree,
                         capture_output=True, text=True)
    assert out.returncode == 1
    assert "configure: error: Apache's children run as www-data, who cannot " \
        "enter" in out.stderr
    assert "--with-python=/usr/bin/python3" in out.stderr
    assert not os.path.exists(os.path.join(tree, "Makefile"))


# ------------------------------------------------ mistakes, said in a line

def test_serve_on_a_busy_port_suggests_another(workdir):
    write(workdir, "hello.py", HELLO)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        out = run_serve("hello.py", "--port", str(port), cwd=workdir)
    assert out.returncode == 2
    assert out.stderr == ("%scannot listen on 127.0.0.1:%d: Address already "
                          "in use; choose another port with --port N\n"
                          % (ERROR, port))


@pytest.mark.parametrize("port", ["0", "65536", "-5"])
def test_serve_refuses_a_port_out_of_range(workdir, port):
    write(workdir, "hello.py", HELLO)
    out = run_serve("hello.py", "--port", port, cwd=workdir)
    assert out.returncode == 2
    assert out.stderr.splitlines()[-1] == (
        "mod_python serve: error: --port must be from 1 to 65535")


def test_serve_on_an_address_not_of_this_machine(workdir):
    write(workdir, "hello.py", HELLO)
    out = run_serve("hello.py", "--host", "192.0.2.1", "--port",
                    str(free_port()), cwd=workdir)
    assert out.returncode == 2
    assert out.stderr.startswith("%scannot listen on 192.0.2.1:" % ERROR)
    assert out.stderr.endswith("; check --host (an address of this machine, "
                               "such as 127.0.0.1)\n")


def test_a_broken_htaccess_is_shown_on_the_terminal(workdir):
    site = os.path.join(workdir, "site")
    os.makedirs(site)
    os.chmod(site, 0o755)
    write(site, "hello.py", HELLO)
    write(site, ".htaccess", "PythonHandlr hello\n")
    served = ServeCommand([site], cwd=workdir)
    try:
        assert served.get("/hello.py").status == 500
        text = served.stderr(wait_for="PythonHandlr")
    finally:
        served.stop()
    assert "%s/.htaccess: Invalid command 'PythonHandlr'" % site in text


def test_serve_a_handler_with_a_syntax_error(workdir):
    path = write(workdir, "app.py", "def handler(req)\n    return 0\n")
    with pytest.raises(SyntaxError) as caught:
        compile(open(path).read(), path, "exec")
    out = run_serve("app.py", "--port", str(free_port()), cwd=workdir)
    assert out.returncode == 2
    assert out.stderr == "%ssyntax error in %s, line 1: %s\n" % (
        ERROR, path, caught.value.msg)


def test_serve_a_wsgi_file_as_a_handler_suggests_wsgi(workdir):
    write(workdir, "app.py", "def application(environ, start_response):\n"
          "    start_response('200 OK', [])\n    return [b'hi']\n")
    out = run_serve("app.py", "--port", str(free_port()), cwd=workdir)
    assert out.returncode == 2
    assert out.stderr == ("%sapp.py defines no handler, but application looks "
                          "like a WSGI application: serve it with --wsgi "
                          "app.py:application\n" % ERROR)
    served = ServeCommand(["--wsgi", "app.py:application"], cwd=workdir)
    try:
        assert served.get("/").text == "hi"
    finally:
        served.stop()


def test_serve_help_gives_every_option_a_line_and_its_default():
    out = subprocess.run([sys.executable, "-m", "mod_python", "serve",
                          "--help"], capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=LIBDIR))
    assert out.returncode == 0
    text = " ".join(out.stdout.split())
    for option, default in (("--port PORT", "(default: 8000)"),
                            ("--host HOST", "(default: 127.0.0.1)"),
                            ("--mpm {event,prefork,worker}",
                             "(default: event)"),
                            ("--processes N", "(default: 1)"),
                            ("--threads N", "(default: 16)"),
                            ("--root DIR", "(default: a new temporary "
                             "directory, removed on exit)"),
                            ("--keep-root", "(default: off)"),
                            ("--reload", "(default: off)"),
                            ("--debug", "(default: off)")):
        start = text.index(" " + option + " ")
        assert default in text[start:start + 200], option
    assert "--wsgi MODULE:CALLABLE serve a WSGI application" in text


# ---------------------------------------------------- while it serves

RAISING = '''\
import helper

def handler(req):
    return helper.fail()
'''


def test_python_errors_are_copied_to_the_terminal_trimmed(workdir):
    write(workdir, "app.py", RAISING)
    write(workdir, "helper.py", "def fail():\n    raise ValueError('bad "
          "thing')\n")
    served = ServeCommand(["app.py"], cwd=workdir)
    try:
        assert served.error_log_path == os.path.join(served.root, "logs",
                                                     "error_log")
        assert served.get("/").status == 500
        text = served.stderr(wait_for="the error log has them all")
        assert "mod_python/apache.py" in served.error_log()
    finally:
        served.stop()
    # (the caret lines under the source lines vary with Python's version)
    shown = [l for l in text.splitlines() if l.strip(" ^~")]
    assert shown == [
        "PythonHandler app::handler: Traceback (most recent call last):",
        '  File "%s/app.py", line 4, in handler' % workdir,
        "    return helper.fail()",
        '  File "%s/helper.py", line 2, in fail' % workdir,
        "    raise ValueError('bad thing')",
        "ValueError: bad thing",
        "  (3 frames of mod_python and importlib not shown; the error log "
        "has them all)"]


def test_debug_shows_every_frame(workdir):
    write(workdir, "app.py", RAISING)
    write(workdir, "helper.py", "def fail():\n    raise ValueError('bad')\n")
    served = ServeCommand(["app.py", "--debug"], cwd=workdir)
    try:
        assert served.error_log_path is None
        r = served.get("/")
        assert r.status == 500 and "ValueError: bad" in r.text
        text = served.stderr(wait_for="ValueError: bad")
    finally:
        served.stop()
    assert "mod_python/apache.py" in text and "not shown" not in text


def test_a_missing_handler_module_names_where_it_looked(workdir):
    site = os.path.join(workdir, "site")
    os.makedirs(site)
    os.chmod(site, 0o755)
    write(site, "hello.py", HELLO)
    write(site, ".htaccess", "SetHandler mod_python\nPythonHandler hellp\n")
    served = ServeCommand([site], cwd=workdir)
    try:
        assert served.get("/anything").status == 500
        text = served.stderr(wait_for="did you mean")
    finally:
        served.stop()
    line = [l for l in text.splitlines()
            if l.startswith("ModuleNotFoundError")][0]
    assert line.startswith("ModuleNotFoundError: No module named 'hellp'; "
                           "searched: %s/, " % site)
    assert line.endswith("; did you mean 'hello'?")


# ------------------------------------------------------ the server root

def test_temporary_root_is_removed_on_exit(workdir):
    write(workdir, "hello.py", HELLO)
    served = ServeCommand(["hello.py"], cwd=workdir)
    assert os.path.isdir(served.root)
    assert served.stop(signal.SIGINT) == 0
    assert not os.path.exists(served.root)


def test_keep_root_keeps_it_and_says_where(workdir):
    write(workdir, "hello.py", HELLO)
    served = ServeCommand(["hello.py", "--keep-root"], cwd=workdir)
    try:
        assert served.stop(signal.SIGINT) == 0
        assert os.path.isfile(os.path.join(served.root, "logs", "error_log"))
        assert served.proc.stdout.read() == ("Server root kept: %s\n"
                                             % served.root)
    finally:
        shutil.rmtree(served.root, ignore_errors=True)


def test_a_given_root_is_kept(workdir):
    write(workdir, "hello.py", HELLO)
    root = os.path.join(workdir, "root")
    served = ServeCommand(["hello.py", "--root", root], cwd=workdir)
    assert served.stop(signal.SIGINT) == 0
    assert os.path.isfile(os.path.join(root, "conf", "httpd.conf"))


def test_a_refused_start_leaves_no_temporary_root(workdir):
    write(workdir, "hello.py", HELLO)
    before = set(os.listdir(tempfile.gettempdir()))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        out = run_serve("hello.py", "--port", str(busy.getsockname()[1]),
                        cwd=workdir)
    assert out.returncode == 2
    made = {n for n in set(os.listdir(tempfile.gettempdir())) - before
            if n.startswith("mod_python-serve-")}
    assert made == set()


# ---------------------------------------------------------- make install

def test_make_install_refuses_files_of_a_debian_package():
    owned = shutil.which("apache2") or "/usr/sbin/apache2"
    owner = subprocess.run(["dpkg-query", "-S", owned], capture_output=True,
                           text=True)
    if owner.returncode != 0:
        pytest.skip("dpkg does not know %s here" % owned)
    package = owner.stdout.split(":")[0]
    out = subprocess.run(["make", "-s", "install-check",
                          "INSTALLED_FILES=%s" % owned], cwd=REPO,
                         capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.splitlines()[:3] == [
        "make install-check: %s belongs to the Debian package %s." % (owned,
                                                                    package),
        "  Remove that package first (apt-get remove %s), or overwrite its "
        "files anyway:" % package,
        "  make install-check OVERWRITE_PACKAGE_FILES=1"]
    out = subprocess.run(["make", "-s", "install-check",
                          "INSTALLED_FILES=%s" % owned,
                          "OVERWRITE_PACKAGE_FILES=1"], cwd=REPO,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


# ------------------------------------------------------------- the README

def readme_blocks(language):
    with open(os.path.join(REPO, "README.md")) as f:
        text = f.read()
    return [block.split("\n", 1)[1] for block in text.split("```")[1::2]
            if block.startswith(language + "\n")]


def test_readme_quick_start_from_a_fresh_clone_with_decoys(decoys, workdir):
    """The README's first command, run as written in a fresh clone of what
    is committed: it builds that clone and serves the example with the
    module built there, whatever older mod_python is installed."""
    assert readme_blocks("sh")[0].startswith("scripts/serve-examples ")
    clone = os.path.join(workdir, "clone")
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", REPO, clone],
                   check=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    served = ServeCommand([], port=port, ready=300, env=dict(env, PORT=str(port)),
                          argv=[os.path.join(clone, "scripts",
                                             "serve-examples")])
    try:
        r = served.get("/login")
        assert r.status == 200 and "password" in r.text.lower()
        maps = set().union(*(mapped_files(p)
                             for p in child_pids(served.pid())))
        assert os.path.join(clone, "src", "mod_python.so") in maps
        assert decoys not in maps and MOD_SO not in maps
        assert DECOY_MARK not in served.error_log()
    finally:
        assert served.stop(signal.SIGINT) == 0


def test_readme_apache_example_is_reachable(apache, world_readable_dir):
    """The README's handler and <Directory> block, on a server whose
    DocumentRoot is elsewhere (Debian's is /var/www/html)."""
    handler, = readme_blocks("python")
    config, = readme_blocks("apache")
    app = os.path.join(world_readable_dir, "app")
    os.makedirs(app)
    write(app, "myapp.py", handler)
    os.chmod(app, 0o755)
    srv = apache(config=config.replace("/var/www/app", app))
    r = srv.get("/app/")
    assert (r.status, r.text) == (200, "Hello from mod_python\n")
    assert "curl http://localhost/app/" in readme_blocks("sh")[-1]
