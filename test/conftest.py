"""pytest fixtures and hooks for the Apache-level tests (see helpers.py for
the harness itself: ApacheServer, Response, Site...)."""

import os
import shutil
import tempfile

import pytest

# re-exported: some test modules import these names from conftest
from helpers import (ACTIVE, LIBDIR, MOD_SO, REPO, ApacheServer, Client, Response,
                     basic_auth, free_port, parse_response)


# --------------------------------------------------------------------------
# fixtures

class _Factory:
    def __init__(self):
        self.servers = []

    def __call__(self, start=True, **kw):
        srv = ApacheServer(**kw)
        self.servers.append(srv)
        if start:
            srv.start()
        return srv

    def close(self):
        for srv in self.servers:
            srv.cleanup()
        self.servers = []


@pytest.fixture
def apache():
    """Factory: apache(config=..., files={...}, mpm=..., loglevel=...,
    defines=[...], start=True) -> started ApacheServer (stopped at teardown)."""
    f = _Factory()
    yield f
    f.close()


@pytest.fixture(scope="module")
def module_apache():
    """Module-scoped variant of the `apache` factory."""
    f = _Factory()
    yield f
    f.close()


@pytest.fixture(params=["prefork", "event"])
def mpm(request):
    """Function-scoped MPM parameter."""
    return request.param


@pytest.fixture(scope="module", params=["prefork", "event"])
def module_mpm(request):
    """Module-scoped MPM parameter for shared sites: every test using a site
    built with it runs under both MPMs."""
    return request.param


@pytest.fixture(autouse=True)
def _log_marks(request):
    request.node._mp_marks = {id(s): s.log_mark() for s in ACTIVE}
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.when == "call" and rep.failed:
        marks = getattr(item, "_mp_marks", {})
        for srv in list(ACTIVE):
            text = srv.error_log(marks.get(id(srv), 0))
            if len(text) > 8000:
                text = "...\n" + text[-8000:]
            rep.sections.append(("apache error_log %s (%s)" % (srv.root, srv.mpm), text))


def pytest_collection_finish(session):
    if session.config.option.collectonly:
        return
    here = os.path.dirname(os.path.abspath(__file__))
    needs_httpd = any(os.path.dirname(str(getattr(item, "path", item.fspath))) == here
                      for item in session.items)
    if needs_httpd and not os.path.exists(MOD_SO):
        pytest.exit("%s does not exist: build the module first "
                    "(run scripts/run-tests, which builds before testing)" % MOD_SO,
                    returncode=1)


@pytest.fixture
def world_readable_dir():
    """A scratch directory under /tmp that Apache's children (www-data when
    the suite runs as root) can enter, unlike pytest's private tmp_path."""
    path = tempfile.mkdtemp(prefix="mptest-scratch-", dir="/tmp")
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)
