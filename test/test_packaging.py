"""Packaging: `make install` writes Debian's python.load (a2enmod), and
`pip install` of the source tree into a virtualenv builds a module that
Apache loads, that serves a handler from the venv's package, and whose
`mod_python serve` runs the example application."""

import glob
import os
import runpy
import shutil
import signal
import subprocess
import tarfile

import pytest

from conftest import LIBDIR, REPO
from helpers import (ServeCommand, child_pids, code, mapped_files,
                     process_gone, python_children_cannot_read)

BUILD = runpy.run_path(os.path.join(LIBDIR, "mod_python", "version.py"))
MODS_AVAILABLE = "/etc/apache2/mods-available"
SYSTEM_PYTHON = "/usr/bin/python3"


@pytest.mark.skipif(not os.path.isdir(MODS_AVAILABLE),
                    reason="no %s on this machine (not a Debian-style Apache)"
                    % MODS_AVAILABLE)
def test_make_install_writes_debian_python_load(world_readable_dir):
    dest = os.path.join(world_readable_dir, "dest")
    subprocess.run(["make", "-s", "install", "DESTDIR=%s" % dest], cwd=REPO,
                   check=True, capture_output=True)
    mods = dest + MODS_AVAILABLE
    with open(os.path.join(mods, "python.load")) as f:
        lines = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    assert lines == ["LoadModule python_module %s/mod_python.so" % BUILD["LIBEXECDIR"]]
    assert os.path.isfile(os.path.join(mods, "python.conf"))
    # nothing enabled
    assert not os.path.exists(dest + "/etc/apache2/mods-enabled")

    # a local python.conf survives a reinstall
    with open(os.path.join(mods, "python.conf"), "a") as f:
        f.write("# local edit\n")
    subprocess.run(["make", "-s", "install-modconf", "DESTDIR=%s" % dest], cwd=REPO,
                   check=True, capture_output=True)
    with open(os.path.join(mods, "python.conf")) as f:
        assert "# local edit" in f.read()

    subprocess.run(["make", "-s", "uninstall", "DESTDIR=%s" % dest], cwd=REPO,
                   check=True, capture_output=True)
    assert os.listdir(mods) == []
    assert not os.path.exists("%s%s/mod_python.so" % (dest, BUILD["LIBEXECDIR"]))


def _source_copy(dest):
    """The files of the checkout (tracked, plus new ones not ignored), as a
    fresh clone would have them: no configure, no build outputs."""
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                          "--exclude-standard"], cwd=REPO, check=True,
                         capture_output=True).stdout.decode()
    for rel in filter(None, out.split("\0")):
        src = os.path.join(REPO, rel)
        if not os.path.isfile(src):
            continue   # deleted in the work tree
        dst = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(src, dst)


def _make_venv(path, python=SYSTEM_PYTHON):
    if not os.path.exists(python):
        pytest.skip("no %s" % python)
    p = subprocess.run([python, "-m", "venv", path], capture_output=True, text=True)
    if p.returncode != 0 and os.getuid() == 0 and shutil.which("apt-get"):
        # Debian splits ensurepip into python3-venv
        subprocess.run(["apt-get", "install", "-y", "python3-venv"],
                       capture_output=True, timeout=300)
        shutil.rmtree(path, ignore_errors=True)
        p = subprocess.run([python, "-m", "venv", path], capture_output=True,
                           text=True)
    if p.returncode != 0:
        pytest.skip("cannot create a virtualenv with %s (install python3-venv): %s"
                    % (SYSTEM_PYTHON, p.stderr.strip()[-300:]))


def _source_and_venv(top, python=SYSTEM_PYTHON):
    """A fresh copy of the source tree and an empty virtualenv under top,
    made from `python`: (source dir, venv dir, the venv's python, an
    environment for it)."""
    src = os.path.join(top, "src")
    venv = os.path.join(top, "venv")
    _source_copy(src)
    _make_venv(venv, python)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PYTHON") and k != "VIRTUAL_ENV"}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return src, venv, os.path.join(venv, "bin", "python"), env


def test_pip_install_into_venv_serves_hello(world_readable_dir, apache):
    # (fixture order: Apache stops before the venv goes)
    src, venv, vpython, env = _source_and_venv(world_readable_dir)
    p = subprocess.run([vpython, "-m", "pip", "install", "-q", src], env=env,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-5000:]

    site = subprocess.run([vpython, "-c", "import sysconfig; "
                           "print(sysconfig.get_paths()['platlib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    pkg = os.path.join(site, "mod_python")
    so = os.path.join(pkg, "mod_python.so")
    assert os.path.isfile(so)
    assert os.path.isfile(os.path.join(venv, "bin", "mod_python"))   # console script
    # module-config points at this .so and at the virtualenv's packages
    lines = subprocess.run([os.path.join(venv, "bin", "mod_python"),
                            "module-config"], env=env, capture_output=True,
                           text=True, check=True).stdout.splitlines()
    assert lines == ["LoadModule python_module %s" % so,
                     'PythonOption mod_python.site_dirs "%s"' % site]
    version = runpy.run_path(os.path.join(pkg, "version.py"))
    assert version["LIBEXECDIR"] == pkg
    assert version["PYTHON_BIN"] == vpython or \
        os.path.realpath(version["PYTHON_BIN"]) == os.path.realpath(vpython)
    assert version["APACHE_LIBEXECDIR"] == BUILD["LIBEXECDIR"]
    assert version["HTTPD"] == BUILD["HTTPD"]
    assert version["version"] == BUILD["version"]
    # nothing compiled in the copied source tree itself
    assert not glob.glob(os.path.join(src, "src", "*.o"))
    assert not os.path.exists(os.path.join(src, "configure"))
    subprocess.run(["chmod", "-R", "a+rX", world_readable_dir], check=True)

    srv = apache(module_so=so, site_dirs=site, files={"hello.py": code("""
        import mod_python, sys
        def handler(req):
            req.write("Hello|%s|%s" % (mod_python.__file__, sys.executable))
            return apache.OK
    """)}, config="""
<Directory @DOCROOT@>
  SetHandler mod_python
  PythonHandler hello
</Directory>
""")
    r = srv.get("/hello.py")
    assert r.status == 200, r.text
    # the children run the module that was installed, not the build tree's
    assert so in mapped_files(child_pids(srv.pid)[0])
    hello, init, executable = r.text.split("|")
    assert hello == "Hello"
    assert init == os.path.join(pkg, "__init__.py")
    assert os.path.realpath(executable) == os.path.realpath(SYSTEM_PYTHON)
    assert "mod_python version mismatch" not in srv.error_log()
    srv.stop()

    # the venv's command serves the example application; Ctrl-C stops it
    served = ServeCommand([os.path.join(src, "examples", "notes")],
                          command=[os.path.join(venv, "bin", "mod_python")],
                          env=env)
    try:
        assert served.url.startswith("http://127.0.0.1:")
        page = served.get("/login")
        assert page.status == 200 and 'name="password"' in page.text
        login = served.post("/login", "user=demo&password=demo", headers={
            "Content-Type": "application/x-www-form-urlencoded"})
        assert login.status == 302 and login.header("Location") == "/"
        pid = served.pid()
    finally:
        status = served.stop(signal.SIGINT)
    assert status == 0 and process_gone(pid)


def test_pip_install_from_a_python_the_children_cannot_read(
        world_readable_dir):
    """pip install works (who runs the children is not known then), and
    serve, as root, refuses in one line instead of serving 500s."""
    python = python_children_cannot_read()
    src, venv, vpython, env = _source_and_venv(world_readable_dir, python)
    p = subprocess.run([vpython, "-m", "pip", "install", "-q", src], env=env,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-5000:]
    with open(os.path.join(world_readable_dir, "hello.py"), "w") as f:
        f.write("def handler(req):\n    return 0\n")
    out = subprocess.run([os.path.join(venv, "bin", "mod_python"), "serve",
                          "hello.py"], cwd=world_readable_dir, env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.startswith("mod_python serve: error: Apache's children "
                                 "run as www-data, who cannot enter ")
    assert out.stderr.endswith(
        "Fix: install mod_python into a virtualenv made from a Python that "
        "user can read (/usr/bin/python3 -m venv ENV; ENV/bin/pip install "
        "SOURCE, the same source tree or sdist), or run serve as a normal "
        "user (not root).\n")


def test_sdist_carries_configure_and_installs(world_readable_dir):
    """An sdist (made from a clean source tree) has ./configure and no
    build products, and pip builds the module from it."""
    src, venv, vpython, env = _source_and_venv(world_readable_dir)
    dist = os.path.join(world_readable_dir, "dist")
    p = subprocess.run([vpython, "setup.py", "-q", "sdist", "-d", dist],
                       cwd=src, env=env, capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-3000:]
    tarballs = glob.glob(os.path.join(dist, "*.tar.gz"))
    assert len(tarballs) == 1
    with tarfile.open(tarballs[0]) as tar:
        names = [n.split("/", 1)[1] for n in tar.getnames() if "/" in n]
    assert "configure" in names and "src/mod_python.c" in names
    assert not [n for n in names if n.endswith((".o", ".so", ".lo"))]
    p = subprocess.run([vpython, "-m", "pip", "install", "-q", tarballs[0]],
                       env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-5000:]
    out = subprocess.run([os.path.join(venv, "bin", "mod_python"), "version"],
                         env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    so = out.stdout.splitlines()[0].split()[-1]
    assert so.startswith(venv) and os.path.isfile(so)
