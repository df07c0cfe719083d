"""Soak: what real applications do to a child, all at once, for a minute.

Event MPM, two children of eight threads.  Clients keep requesting pages
whose handlers start threads that read the request's relations and
register cleanups, and pages that count in a locked FileSession, while the
server restarts gracefully 20 times; then one child gets SIGTERM in the
middle of a request.  No child may crash or hang, every request must be
answered, every session counter must be exact, and the thread states must
stay bounded by the live threads."""

import http.client
import os
import signal
import subprocess
import threading
import time

import pytest

from helpers import HTTPD, THREAD_STATE_COUNTER, child_pids

pytestmark = pytest.mark.soak

APP = THREAD_STATE_COUNTER + """
import threading, time
from mod_python import apache, Session

def threads(req):
    mark_thread()
    seen = []
    def look():
        seen.append((req.main, req.prev, req.next, req.uri))
        apache.register_cleanup(lambda data: None)
    worker = threading.Thread(target=look)
    worker.start()
    worker.join()
    req.write("%s|%d" % (seen[0][3], live_thread_states()))
    return apache.OK

def count(req):
    session = Session.Session(req)
    session["n"] = session.get("n", 0) + 1
    session.save()
    req.write(str(session["n"]))
    return apache.OK

def slow(req):
    time.sleep(3)
    req.write("slow")
    return apache.OK
"""

CONFIG = """
PythonPath "['@DOCROOT@'] + sys.path"
PythonOption mod_python.session.session_type FileSession
PythonOption mod_python.session.database_directory @ROOT@/tmp/sessions
<Location /threads>
    SetHandler mod_python
    PythonHandler soakapp::threads
</Location>
<Location /count>
    SetHandler mod_python
    PythonHandler soakapp::count
</Location>
<Location /slow>
    SetHandler mod_python
    PythonHandler soakapp::slow
</Location>
"""

MPM = ("StartServers 2\nServerLimit 4\nThreadsPerChild 8\nThreadLimit 8\n"
       "MaxRequestWorkers 16\nMinSpareThreads 8\nMaxSpareThreads 16\n")

CLIENTS = 8
RESTARTS = 20
SECONDS = 60


class Client(threading.Thread):
    """Requests on a new connection each (a graceful restart closes idle
    keep-alive connections), alternating the two pages, with its own
    session cookie."""

    def __init__(self, port, stop):
        super().__init__(daemon=True)
        self.port, self.stop = port, stop
        self.cookie = None
        self.counted = 0
        self.last_count = None
        self.failures = []
        self.answered = 0
        self.most_states = 0

    def request(self, path):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            headers = {"Cookie": self.cookie} if self.cookie else {}
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            return response, response.read().decode()
        finally:
            conn.close()

    def run(self):
        n = 0
        while not self.stop.is_set():
            n += 1
            path = "/count" if n % 2 else "/threads"
            try:
                response, body = self.request(path)
            except (OSError, http.client.HTTPException) as exc:
                self.failures.append("%s: %r" % (path, exc))
                continue
            self.answered += 1
            if response.status != 200:
                self.failures.append("%s: %d" % (path, response.status))
            elif path == "/count":
                self.counted += 1
                self.last_count = int(body)
                cookie = response.getheader("Set-Cookie")
                if cookie:
                    self.cookie = cookie.split(";")[0]
            else:
                uri, states = body.split("|")
                assert uri == "/threads"
                self.most_states = max(self.most_states, int(states))


def test_soak_threads_sessions_and_graceful_restarts(apache):
    srv = apache(mpm="event", loglevel="warn", config=CONFIG,
                 files={"soakapp.py": APP}, main_config=MPM)
    sessions = os.path.join(srv.root, "tmp", "sessions")
    os.makedirs(sessions, exist_ok=True)
    os.chmod(sessions, 0o1777)
    stop = threading.Event()
    clients = [Client(srv.port, stop) for _ in range(CLIENTS)]
    for client in clients:
        client.start()
    for _ in range(RESTARTS):
        time.sleep(SECONDS / RESTARTS)
        subprocess.run([HTTPD, "-f", srv.conf_path, "-k", "graceful"],
                       check=True, capture_output=True, env=srv._env())
    stop.set()
    for client in clients:
        client.join(60)
        assert not client.is_alive(), "a client hangs"

    for client in clients:
        assert client.failures == [], client.failures[:5]
        assert client.answered > 20
        # the counter of each client's session is exact
        assert client.last_count == client.counted
        # one thread state per thread that ran Python, at most
        assert client.most_states <= 8
    assert sum(c.answered for c in clients) > 400

    # one SIGTERM in the middle of a request: cut, the server goes on
    outcome = []

    def slow():
        try:
            outcome.append(srv.get("/slow").text)
        except (OSError, http.client.HTTPException):
            outcome.append("cut")
    waiting = threading.Thread(target=slow)
    waiting.start()
    time.sleep(1)
    victims = child_pids(srv.pid)
    for pid in victims:
        os.kill(pid, signal.SIGTERM)
    waiting.join(30)
    assert outcome in (["slow"], ["cut"])
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            if srv.get("/threads").status == 200:
                break
        except (OSError, http.client.HTTPException):
            time.sleep(0.2)
    assert srv.get("/threads").status == 200

    log = srv.error_log()
    for bad in ("exit signal", "Segmentation fault", "Fatal Python error",
                "re-entered", "Failed to acquire global mutex",
                "python:error"):
        assert bad not in log, bad
