"""`make install` lays out a working module and package (DESTDIR honoured),
and a hello handler answers through the installed copies."""

import os
import runpy
import subprocess

from conftest import LIBDIR, REPO
from helpers import child_pids, code, mapped_files

BUILD = runpy.run_path(os.path.join(LIBDIR, "mod_python", "version.py"))


def purelib():
    return subprocess.run([BUILD["PYTHON_BIN"], "-c",
                           "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()


def test_make_install_into_destdir_serves_hello(world_readable_dir, apache):
    # (fixture order: Apache stops before the installed files go)
    dest = os.path.join(world_readable_dir, "dest")
    subprocess.run(["make", "-s", "install", "DESTDIR=%s" % dest], cwd=REPO, check=True,
                   capture_output=True)
    so = "%s%s/mod_python.so" % (dest, BUILD["LIBEXECDIR"])
    package = "%s%s" % (dest, purelib())
    assert os.path.isfile(so)
    for name in ("__init__.py", "apache.py", "version.py"):
        assert os.path.isfile(os.path.join(package, "mod_python", name)), name
    subprocess.run(["chmod", "-R", "a+rX", world_readable_dir], check=True)

    srv = apache(module_so=so, site_dirs=package, files={"hello.py": code("""
        def handler(req):
            req.write("Hello from " + apache.__file__)
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
    assert r.text == "Hello from %s/mod_python/apache.py" % package
    assert "mod_python version mismatch" not in srv.error_log()
