"""P. mod_python.cgihandler (behaviours.md items 339-343, library.md section 6).

DOCROOT/cgi runs every file through mod_python.cgihandler; DOCROOT/plain has
ordinary handlers that look at the interpreter after a CGI request.  The site
runs under both the prefork and the event MPM.
"""

import os
import threading
import time
from contextlib import closing

import pytest

from helpers import Site

SITE = Site()
SITE.config("""
    <Directory @DOCROOT@/cgi>
        SetHandler mod_python
        PythonHandler mod_python.cgihandler
        PythonDebug On
    </Directory>
""")

SITE.module("cgi/p339.py", """
    print("Content-type: text/plain")
    print()
    print("test ok")
""", prelude=False)

SITE.module("cgi/p340.py", """
    print("Status: 404 Not Found")
    print()
    print("no such record")
""", prelude=False)

SITE.module("cgi/p341.py", """
    import json, os, sys
    print("Content-Type: application/json\\n")
    print(json.dumps({"env": dict(os.environ), "argv": sys.argv,
                      "name": __name__}))
""", prelude=False)

SITE.module("cgi/sub/p342.py", """
    import os
    print("Content-Type: text/plain")
    print("")
    with open("p342.txt") as f:
        print(os.getcwd() + "|" + f.read())
""", prelude=False)
SITE.file("cgi/sub/p342.txt", "next to the script")

# Concurrent requests: each must see only its own environment and output.
SITE.module("cgi/pconc.py", """
    import os, sys, time
    tag = os.environ["QUERY_STRING"]
    sys.stdout.write("Content-Type: text/plain\\r\\n\\r\\n")
    print(tag)
    time.sleep(0.2)
    print(os.environ["QUERY_STRING"] + "|" + os.getcwd())
""", prelude=False)

# Imports made by a script run afresh on every request.
SITE.module("cgi/p_helper.py", """
    import time
    loaded = time.time()
""", prelude=False)
SITE.module("cgi/pimport.py", """
    import p_helper
    print("Content-Type: text/plain\\n")
    print(p_helper.loaded)
""", prelude=False)

SITE.module("cgi/ppost.py", """
    import os, sys
    body = sys.stdin.buffer.read()
    print("Content-Type: text/plain")
    print("X-Method: " + os.environ["REQUEST_METHOD"])
    print()
    print(body.decode() + "|" + os.environ.get("CONTENT_LENGTH", ""))
""", prelude=False)

SITE.module("cgi/pexit.py", """
    import sys
    print("Content-Type: text/plain\\n\\nbefore exit")
    sys.exit(0)
    print("after exit")
""", prelude=False)

SITE.module("cgi/praise.py", """
    raise RuntimeError("praise failed")
""", prelude=False)

SITE.module("cgi/pheaders.py", """
    print("Location: /elsewhere")
    print("Status: 302 Found")
""", prelude=False)

# What the interpreter looks like to an ordinary handler afterwards.
SITE.handler("p_after", """
    def handler(req):
        return reply(req, {"cgi_vars": [k for k in ("GATEWAY_INTERFACE",
                                                    "REQUEST_METHOD",
                                                    "QUERY_STRING")
                                        if k in os.environ],
                           "stdout": type(sys.stdout).__name__,
                           "cwd": os.getcwd(),
                           "helper_loaded": "p_helper" in sys.modules})
""")


@pytest.fixture(scope="module")
def site(module_mpm):
    with SITE.serve(mpm=module_mpm) as srv:
        yield srv


def test_headers_and_body(site):
    # P-339
    r = site.get("/cgi/p339.py")
    assert (r.status, r.body) == (200, b"test ok\n")
    assert r.header("Content-Type") == "text/plain"


def test_status_header(site):
    # P-340: the script's own 404 (its body), not a missing script's
    r = site.get("/cgi/p340.py")
    assert (r.status, r.text) == (404, "no such record\n")


def test_cgi_environment(site):
    # P-341
    res = site.get("/cgi/p341.py?a=1").json()
    env = res["env"]
    assert env["REQUEST_METHOD"] == "GET"
    assert env["GATEWAY_INTERFACE"] == "Python-CGI/1.1"
    assert env["QUERY_STRING"] == "a=1"
    assert env["SCRIPT_NAME"] == "/cgi/p341.py"
    assert res["argv"] == []
    assert res["name"] == "p341"  # a module named after the file


def test_cgi_request_uri_is_raw(site):
    # G-196 refined on purpose (issue 13): as Apache's own CGI gives it,
    # %-encoded, with the query string; P-341's environment otherwise
    env = site.get("/cgi/p341.py/x%20y?a=%2F").json()["env"]
    assert env["REQUEST_URI"] == "/cgi/p341.py/x%20y?a=%2F"
    assert (env["SCRIPT_NAME"], env["PATH_INFO"]) == ("/cgi/p341.py", "/x y")


def test_current_directory_is_the_scripts(site):
    # P-342
    r = site.get("/cgi/sub/p342.py")
    assert r.text == site.path("cgi/sub") + "|next to the script\n"


def test_missing_script(site):
    # P-343
    assert site.get("/cgi/nonexistent.py").status == 404
    assert site.get("/cgi/sub").status in (301, 404)  # a directory is no script


def test_script_linked_from_elsewhere(site):
    # library.md 6: a script resolving outside its directory is not run
    outside = site.path("@ROOT@/elsewhere/p_out.py")
    os.makedirs(os.path.dirname(outside), exist_ok=True)
    with open(outside, "w") as f:
        f.write('print("Content-Type: text/plain\\n")\nprint("ran")\n')
    os.chmod(outside, 0o644)
    os.chmod(os.path.dirname(outside), 0o755)
    for name, target in (("p_out_link.py", outside),
                         ("p_in_link.py", site.path("cgi/p339.py"))):
        link = site.path("cgi/" + name)
        if not os.path.islink(link):
            os.symlink(target, link)
    mark = site.log_mark()
    assert site.get("/cgi/p_out_link.py").status == 404
    site.wait_log("p_out_link.py leads out of its directory", since=mark)
    assert site.get("/cgi/p_in_link.py").text == "test ok\n"


def test_concurrent_requests_are_isolated(site):
    # P-341/P-342 under load: environment, output and cwd stay per request
    results = {}

    def fetch(i):
        results[i] = site.get("/cgi/pconc.py?req%d" % i).text

    threads = [threading.Thread(target=fetch, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    cgi_dir = site.path("cgi")
    assert results == {i: "req%d\nreq%d|%s\n" % (i, i, cgi_dir) for i in range(6)}


def test_nothing_leaks_into_the_interpreter(site):
    with closing(site.conn()) as conn:  # one keep-alive child
        assert conn.get("/cgi/pimport.py?x=1").status == 200
        after = conn.get("/p_after.py").json()
    assert after["cgi_vars"] == []
    assert after["stdout"] != "CGIStdout"
    assert after["cwd"] != site.path("cgi")
    assert after["helper_loaded"] is False


def test_imports_run_afresh(site):
    with closing(site.conn()) as conn:
        first = conn.get("/cgi/pimport.py").text
        time.sleep(0.01)
        second = conn.get("/cgi/pimport.py").text
    assert first != second


def test_request_body_on_stdin(site):
    r = site.post("/cgi/ppost.py", "a=1&b=2")
    assert (r.status, r.text) == (200, "a=1&b=2|7\n")
    assert r.header("X-Method") == "POST"


def test_sys_exit_ends_the_script(site):
    r = site.get("/cgi/pexit.py")
    assert (r.status, r.text) == (200, "before exit\n")


def test_script_error_is_500(site):
    mark = site.log_mark()
    assert site.get("/cgi/praise.py").status == 500
    site.wait_log("RuntimeError: praise failed", since=mark)


def test_headers_without_blank_line(site):
    r = site.get("/cgi/pheaders.py")
    assert (r.status, r.header("Location")) == (302, "/elsewhere")

