"""A client that is slow to send its body must not hold a session lock.

PSP pages using both `session` and `form`, and publisher pages whose
__auth__ opens a session, read the request body before they take the
session's lock: otherwise the lock (and every session sharing its mutex)
waits for the slowest uploader.
"""

import re
import socket
import time

import pytest

from helpers import Site, basic_auth, parse_response

SITE = Site(dir_directives="PythonDebug On\n"
                           "PythonOption mod_python.session.session_type FileSession\n"
                           "PythonOption mod_python.session.database_directory @ROOT@/tmp")
SITE.config("""
    <Directory @DOCROOT@/psp>
        AddHandler mod_python .psp
        PythonHandler mod_python.psp
    </Directory>
    <Directory @DOCROOT@/pub>
        SetHandler mod_python
        PythonHandler mod_python.publisher
    </Directory>
""")
SITE.file("psp/counter.psp", '<% session["n"] = session.get("n", 0) + 1 %>'
                             'n=<%= session["n"] %> a=<%= len(form.getfirst("a", "")) %>')
SITE.module("pub/counter.py", """
    from mod_python import Session

    def __auth__(req, user, password):
        req.session = Session.Session(req)
        return user == "alice"

    def index(req, a=""):
        session = req.session
        session["n"] = session.get("n", 0) + 1
        session.save()
        return "n=%d a=%d" % (session["n"], len(a))
""", prelude=False)

AUTH = {"Authorization": basic_auth("alice", "pw")}
BODY = b"a=" + b"x" * 998


def session_id(response):
    return re.search(r"pysid=([0-9a-f]{32})", response.header("Set-Cookie")).group(1)


def stalled_post(site, path, sid, headers):
    """A POST of BODY whose last 998 bytes are not sent yet."""
    lines = ["POST %s HTTP/1.1" % path, "Host: 127.0.0.1",
             "Cookie: pysid=%s" % sid, "Connection: close",
             "Content-Type: application/x-www-form-urlencoded",
             "Content-Length: %d" % len(BODY)]
    lines += ["%s: %s" % item for item in headers.items()]
    s = socket.create_connection(("127.0.0.1", site.port), timeout=30)
    s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + BODY[:2])
    return s


def finish(s):
    s.sendall(BODY[2:])
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return parse_response(data)


def check_not_blocked(site, path, headers):
    first = site.get(path, headers=headers)
    assert first.status == 200 and first.text.startswith("n=1 ")
    sid = session_id(first)
    cookie = dict(headers, Cookie="pysid=" + sid)
    s = stalled_post(site, path, sid, headers)
    try:
        time.sleep(0.5)           # the POST is being handled by now
        started = time.time()
        second = site.get(path, headers=cookie, timeout=8)
        assert time.time() - started < 5
        assert (second.status, second.text) == (200, "n=2 a=0")
    finally:
        third = finish(s)
    assert (third.status, third.text) == (200, "n=3 a=998")


def test_psp_page_reads_the_form_before_locking_the_session(site):
    check_not_blocked(site, "/psp/counter.psp", {})


def test_publisher_reads_the_form_before_auth_opens_a_session(site):
    check_not_blocked(site, "/pub/counter.py", AUTH)


@pytest.fixture(scope="module")
def site(module_mpm):
    with SITE.serve(mpm=module_mpm) as srv:
        yield srv
