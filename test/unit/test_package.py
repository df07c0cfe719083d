"""The mod_python package outside httpd (A-17) and its small modules."""

import os
import subprocess
import sys

LIB = os.path.abspath(os.path.join(os.path.dirname(__file__),
                                   os.pardir, os.pardir, "lib", "python"))


def run_plain_python(code):
    env = dict(os.environ, PYTHONPATH=LIB)
    return subprocess.run([sys.executable, "-c", code], env=env,
                          capture_output=True, text=True, check=True).stdout


def test_package_imports_without_apache():
    out = run_plain_python(
        "import mod_python, sys\n"
        "print(mod_python.mp_version)\n"
        "print('apache' in vars(mod_python), 'mod_python.apache' in sys.modules)\n")
    version, flags = out.splitlines()
    assert version and version != "unknown"
    assert flags == "False False"


def test_version_falls_back_to_source_tree():
    if os.path.exists(os.path.join(LIB, "mod_python", "version.py")):
        return  # a build generated version.py; that one wins
    with open(os.path.join(LIB, os.pardir, os.pardir, "VERSION")) as f:
        expected = f.readline().strip()
    assert run_plain_python(
        "import mod_python; print(mod_python.mp_version)").strip() == expected


def test_all_and_python22():
    import mod_python
    from mod_python import python22
    assert mod_python.__all__ == ["apache", "cgihandler", "psp", "publisher",
                                  "util", "python22", "version"]
    assert python22.__doc__
    assert hasattr(mod_python, "apache")  # the stub makes it importable
