"""setuptools glue for `pip install .`, `pip wheel .` and `python -m build`.

The Apache module is not a Python extension, so it is not built with
setuptools' compiler machinery.  Instead the build step copies the sources
into a scratch directory, runs the project's own ./configure there (with
--with-python set to the interpreter running the build, so the module embeds
the Python pip installs into) and `make`, then puts mod_python.so and the
generated version.py into the package.  The source tree itself (its
Makefile, version.py, objects) is never touched.

Environment variables:
    APXS          apxs of the Apache to build for (configure --with-apxs)
    MAKEFLAGS     passed through to make (default here: -j<ncpu>)

An sdist carries a generated ./configure; a git checkout has none, and then
autoconf must be installed.
"""

import os
import re
import shutil
import subprocess
import sys

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist
from setuptools.dist import Distribution

HERE = os.path.dirname(os.path.abspath(__file__))

# What the configure + make step needs (relative to the source root).
BUILD_INPUTS = ("configure.ac", "configure", "VERSION", "Makefile.in", "src",
                "lib/python/mod_python/version.py.in")


def read_version():
    with open(os.path.join(HERE, "VERSION")) as f:
        return f.readline().strip()


class BinaryDistribution(Distribution):
    """The wheel holds a compiled module: platform-specific, never pure."""

    def has_ext_modules(self):
        return True


def _copy_build_inputs(dest):
    for rel in BUILD_INPUTS:
        src = os.path.join(HERE, rel)
        dst = os.path.join(dest, rel)
        if os.path.isdir(src):
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns(
                "*.o", "*.d", "*.so", "mp_build.h", "__pycache__"))
        elif os.path.isfile(src):
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy2(src, dst)


def _run(cmd, cwd):
    print("mod_python build: %s  (in %s)" % (" ".join(cmd), cwd), flush=True)
    subprocess.run(cmd, cwd=cwd, check=True)


def _package_version_py(configured):
    """version.py for the installed package: configure's values, except that
    the module lives inside the package (LIBEXECDIR), and the Apache module
    directory moves to APACHE_LIBEXECDIR."""
    with open(configured) as f:
        text = f.read()
    m = re.search(r'^LIBEXECDIR = (".*")$', text, re.M)
    apache_libexecdir = m.group(1) if m else '""'
    text = re.sub(r'^APACHE_LIBEXECDIR = .*\n', "", text, flags=re.M)
    text = re.sub(
        r'^LIBEXECDIR = .*$',
        "# Installed with pip: mod_python.so is inside this package.\n"
        "LIBEXECDIR = _os.path.dirname(_os.path.abspath(__file__))\n"
        "# Apache's own module directory (apxs -q LIBEXECDIR).\n"
        "APACHE_LIBEXECDIR = %s" % apache_libexecdir.replace("\\", "\\\\"),
        text, count=1, flags=re.M)
    text = re.sub(r'^SOURCE_TREE = .*$', 'SOURCE_TREE = ""', text, count=1,
                  flags=re.M)
    # after the docstring
    text = re.sub(r'^(""".*?"""\n)', r'\1\nimport os as _os\n', text, count=1,
                  flags=re.S)
    return text


class build_py_with_module(build_py):
    """build_py, then configure + make the Apache module into the package."""

    def run(self):
        super().run()
        self.build_apache_module()

    def build_apache_module(self):
        build_temp = os.path.abspath(self.get_finalized_command("build").build_temp)
        work = os.path.join(build_temp, "mod_python-src")
        if os.path.exists(work):
            shutil.rmtree(work)
        os.makedirs(work)
        _copy_build_inputs(work)
        if not os.path.exists(os.path.join(work, "configure")):
            if shutil.which("autoconf") is None:
                sys.exit("mod_python: no ./configure in the source tree and autoconf "
                         "is not installed (install autoconf, or build from an sdist)")
            _run(["autoconf"], work)
        # Who will run the children is not known here (a system Apache,
        # or `mod_python serve` as oneself): serve checks at start-up.
        configure = ["/bin/sh", "./configure", "--with-python=%s" % sys.executable,
                     "--without-apache-user"]
        if os.environ.get("APXS"):
            configure.append("--with-apxs=%s" % os.environ["APXS"])
        _run(configure, work)
        make = ["make"]
        if "MAKEFLAGS" not in os.environ:
            make.append("-j%d" % (os.cpu_count() or 1))
        _run(make + ["src/mod_python.so", "lib/python/mod_python/version.py"], work)

        pkg = os.path.join(self.build_lib, "mod_python")
        os.makedirs(pkg, exist_ok=True)
        so = os.path.join(pkg, "mod_python.so")
        shutil.copyfile(os.path.join(work, "src", "mod_python.so"), so)
        os.chmod(so, 0o755)
        text = _package_version_py(os.path.join(work, "lib", "python", "mod_python",
                                                "version.py"))
        with open(os.path.join(pkg, "version.py"), "w") as f:
            f.write(text)


class sdist_with_configure(sdist):
    """sdist that always carries a generated ./configure."""

    def make_release_tree(self, base_dir, files):
        super().make_release_tree(base_dir, files)
        # Always regenerated, so it matches the configure.ac shipped.
        if shutil.which("autoconf") is None:
            sys.exit("mod_python: autoconf is needed to put ./configure in the sdist")
        _run(["autoconf", "--force"], base_dir)
        shutil.rmtree(os.path.join(base_dir, "autom4te.cache"), ignore_errors=True)


setup(
    version=read_version(),
    package_dir={"": "lib/python"},
    packages=["mod_python"],
    # version.py is generated by the build step; a configured one lying in
    # the source tree is overwritten in build/.
    # the configure template is no part of the installed package
    exclude_package_data={"mod_python": ["*.in"]},
    distclass=BinaryDistribution,
    cmdclass={"build_py": build_py_with_module, "sdist": sdist_with_configure},
    zip_safe=False,
)
