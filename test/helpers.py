"""Harness for the Apache-level tests: real Debian apache2 instances with
mod_python loaded (used by conftest.py and the test_*.py files).

Every server lives in its own temporary ServerRoot under /tmp (made
world-readable, because the Apache children run as www-data when the suite
runs as root).  Configuration text given by tests may use these placeholders:

    @ROOT@      ServerRoot (conf/, logs/, htdocs/, tmp/ live there)
    @DOCROOT@   DocumentRoot (= @ROOT@/htdocs)
    @PORT@      main Listen port; @PORT2@, @PORT3@ ... extra Listen ports
    @LIB@       <repo>/lib/python (where the mod_python package lives)
    @REPO@      the repository root

The server object offers get()/post()/request() (http.client, one connection
per call), conn() (one keep-alive connection: same Apache child for every
request made through it), raw() for hand-made requests, error_log(),
wait_log(), write() into the docroot, and config_test() (apache2 -t).
"""

import base64
import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time

REPO = os.path.realpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
MOD_SO = os.path.join(REPO, "src", "mod_python.so")
# MP_TEST_LIBDIR runs the suite against another copy of the package
LIBDIR = os.environ.get("MP_TEST_LIBDIR") or os.path.join(REPO, "lib", "python")
HTTPD = os.environ.get("MP_TEST_HTTPD", "/usr/sbin/apache2")
MODULE_DIR = os.environ.get("MP_TEST_MODULE_DIR", "/usr/lib/apache2/modules")
KEEP = os.environ.get("MP_TEST_KEEP") == "1"
# MP_TEST_INTERPRETER_GIL=own runs the suite with PythonInterpreterGIL own
# at server level: every sub-interpreter gets a GIL of its own (3.12+)
INTERPRETER_GIL = os.environ.get("MP_TEST_INTERPRETER_GIL", "")

BASE_MODULES = ["authz_core", "authn_core", "auth_basic", "authz_user", "mime",
                "dir", "alias", "env", "log_config", "unixd", "headers",
                "include", "filter"]

MPM_SETTINGS = {
    "prefork": """
StartServers 2
MinSpareServers 1
MaxSpareServers 3
ServerLimit 10
MaxRequestWorkers 10
MaxConnectionsPerChild 0
""",
    "event": """
StartServers 1
ServerLimit 2
ThreadLimit 8
ThreadsPerChild 8
MinSpareThreads 1
MaxSpareThreads 16
MaxRequestWorkers 16
MaxConnectionsPerChild 0
""",
}
# worker is sized like event: both run threads in a few processes
MPM_SETTINGS["worker"] = MPM_SETTINGS["event"]

# every server currently running, so failure reports can show their logs
ACTIVE = []


# --------------------------------------------------------------------------
# small utilities

def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def basic_auth(user, password, encoding="latin-1"):
    raw = ("%s:%s" % (user, password)).encode(encoding)
    return "Basic " + base64.b64encode(raw).decode("ascii")


class Response:
    """A finished HTTP response: status, reason, header list, body bytes."""

    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = list(headers)
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def header(self, name, default=None):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return default

    def header_list(self, name):
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    def json(self):
        try:
            return json.loads(self.text)
        except ValueError:
            raise AssertionError("response is not JSON (status %s): %r"
                                 % (self.status, self.text[:3000]))

    def __repr__(self):
        return "<Response %s %r %r>" % (self.status, self.headers, self.body[:300])


def _dechunk(data):
    out = b""
    while True:
        line, sep, rest = data.partition(b"\r\n")
        if not sep:
            return out
        size = int(line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            return out
        out += rest[:size]
        data = rest[size + 2:]


def parse_response(data):
    """Parse raw bytes of one HTTP response (as read from a socket)."""
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        raise AssertionError("no complete HTTP response header in %r" % data[:500])
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    status = int(parts[1])
    reason = parts[2] if len(parts) > 2 else ""
    headers = []
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers.append((k.strip(), v.strip()))
    resp = Response(status, reason, headers, body)
    if (resp.header("Transfer-Encoding") or "").lower() == "chunked":
        resp.body = _dechunk(body)
    return resp


def _read_http_response(resp):
    body = resp.read()
    return Response(resp.status, resp.reason, resp.getheaders(), body)


class Client:
    """One persistent HTTP/1.1 connection (keep-alive): every request made
    through it is served by the same Apache child process."""

    def __init__(self, port, timeout=30):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.local = None

    def request(self, method, path, body=None, headers=None, host=None):
        headers = dict(headers or {})
        if host is not None:
            headers["Host"] = host
        self.conn.request(method, path, body=body, headers=headers)
        local = self.conn.sock.getsockname()
        if self.local is None:
            self.local = local
        elif local != self.local:
            raise AssertionError("keep-alive connection was re-opened by the client "
                                 "(server closed it); requests may have hit "
                                 "different children")
        return _read_http_response(self.conn.getresponse())

    def get(self, path, headers=None, host=None):
        return self.request("GET", path, headers=headers, host=host)

    def post(self, path, body, headers=None, host=None):
        return self.request("POST", path, body=body, headers=headers, host=host)

    def close(self):
        self.conn.close()


# --------------------------------------------------------------------------
# the server

def child_pids(pid):
    """Pids of the processes whose parent is pid (processes may come and
    go while /proc is read)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    if f.read().rsplit(")", 1)[1].split()[1] == str(pid):
                        found.append(int(entry))
            except OSError:
                pass
    return found


def cpu_seconds(pids):
    """utime+stime of these processes, as far as they still exist."""
    ticks = 0
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                # after the last ")": the command name may hold spaces or ")"
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:   # gone meanwhile
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def assert_healthy(server, path, body, since=0, also_absent=()):
    """The server still answers `path` with `body`, and no child crashed
    (nor did any of `also_absent` appear in the log) since `since`."""
    r = server.get(path, timeout=10)
    assert (r.status, r.text) == (200, body)
    log = server.error_log(since)
    for bad in ("Segmentation fault", "exit signal") + tuple(also_absent):
        assert bad not in log, log[-5000:]


def mapped_files(pid):
    """The files a process has mapped (its executable, shared objects)."""
    try:
        with open("/proc/%d/maps" % pid) as f:
            return {line.split(None, 5)[5].strip() for line in f
                    if len(line.split(None, 5)) == 6}
    except OSError:
        return set()


class ApacheServer:
    def __init__(self, config="", files=None, mpm="prefork", loglevel="info",
                 defines=(), timeout=20, nports=2, modules=(), site_dirs=None,
                 server_name="127.0.0.1", main_config="", python=True,
                 module_so=MOD_SO):
        if mpm not in MPM_SETTINGS:
            raise ValueError("unknown MPM %r" % mpm)
        self.mpm = mpm
        self.loglevel = loglevel
        self.defines = list(defines)
        self.timeout = timeout
        self.modules = list(modules)
        self.site_dirs = site_dirs if site_dirs is not None else LIBDIR
        self.server_name = server_name
        self.python = python
        self.module_so = module_so      # another build's (make install, pip)
        self.running = False
        self.pid = None

        self.root = os.path.realpath(tempfile.mkdtemp(prefix="mptest-", dir="/tmp"))
        os.chmod(self.root, 0o755)
        self.docroot = os.path.join(self.root, "htdocs")
        self.conf_path = os.path.join(self.root, "conf", "httpd.conf")
        self.log_path = os.path.join(self.root, "logs", "error_log")
        self.pid_path = os.path.join(self.root, "logs", "httpd.pid")
        for d in ("conf", "logs", "htdocs", "run", "tmp"):
            os.makedirs(os.path.join(self.root, d), exist_ok=True)
            os.chmod(os.path.join(self.root, d), 0o755)
        os.chmod(os.path.join(self.root, "tmp"), 0o1777)

        self.ports = self._pick_ports(max(1, nports))
        self.port = self.ports[0]
        self.port2 = self.ports[1] if len(self.ports) > 1 else None

        self.user_config = self.subst(config)
        self.main_config = self.subst(main_config)
        for rel, text in (files or {}).items():
            self.write(rel, text)
        self._write_config()

    def set_config(self, config):
        """Replace the test's configuration (used at the next start)."""
        self.user_config = self.subst(config)
        self._write_config()

    # ---- paths and placeholders

    def subst(self, text):
        if text is None:
            return ""
        text = text.replace("@DOCROOT@", self.docroot).replace("@ROOT@", self.root)
        text = text.replace("@LIB@", LIBDIR).replace("@REPO@", REPO)
        for i in range(len(self.ports), 0, -1):
            tag = "@PORT@" if i == 1 else "@PORT%d@" % i
            text = text.replace(tag, str(self.ports[i - 1]))
        return text

    def path(self, rel):
        """Absolute path for rel: relative to the docroot, or to the
        ServerRoot when it starts with '@ROOT@/' (absolute paths pass)."""
        rel = self.subst(rel)
        if os.path.isabs(rel):
            return rel
        return os.path.join(self.docroot, rel)

    def write(self, rel, text, mode=0o644):
        """Write a file (str or bytes; placeholders substituted in str)."""
        p = self.path(rel)
        d = os.path.dirname(p)
        if not os.path.isdir(d):
            os.makedirs(d)
        # make every directory between root and the file traversable
        cur = d
        while cur.startswith(self.root) and cur != self.root:
            os.chmod(cur, 0o755 if not cur.endswith("/tmp") else 0o1777)
            cur = os.path.dirname(cur)
        if isinstance(text, str):
            data = self.subst(text).encode("utf-8")
        else:
            data = text
        with open(p, "wb") as f:
            f.write(data)
        os.chmod(p, mode)
        return p

    def mkdir(self, rel):
        p = self.path(rel)
        os.makedirs(p, exist_ok=True)
        os.chmod(p, 0o755)
        return p

    # ---- configuration

    def _module_lines(self):
        lines = []
        mpm_so = os.path.join(MODULE_DIR, "mod_mpm_%s.so" % self.mpm)
        lines.append("LoadModule mpm_%s_module %s" % (self.mpm, mpm_so))
        for name in BASE_MODULES + self.modules:
            so = os.path.join(MODULE_DIR, "mod_%s.so" % name)
            if os.path.exists(so):   # some (log_config, unixd) are built in
                lines.append("LoadModule %s_module %s" % (name, so))
        return "\n".join(lines)

    def _write_config(self):
        listens = "\n".join("Listen 127.0.0.1:%d" % p for p in self.ports)
        user = ""
        if os.getuid() == 0:
            user = "User www-data\nGroup www-data\n"
        python = ""
        if self.python:
            python = ('LoadModule python_module "%s"\n'
                      'PythonOption mod_python.site_dirs "%s"\n'
                      % (self.module_so, self.subst(self.site_dirs)))
            if INTERPRETER_GIL:
                python += "PythonInterpreterGIL %s\n" % INTERPRETER_GIL
        conf = """# generated by test/conftest.py
ServerRoot "{root}"
DefaultRuntimeDir "{root}/run"
PidFile "{root}/logs/httpd.pid"
ErrorLog logs/error_log
LogLevel {loglevel}
{listens}
ServerName {server_name}
{modules}
{user}TypesConfig /etc/mime.types
DocumentRoot "{docroot}"
Timeout {timeout}
KeepAlive On
HostnameLookups Off
{mpm_settings}
LogFormat "%h %l %u %t \\"%r\\" %>s %b" common
CustomLog logs/access_log common
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory "{docroot}">
    AllowOverride None
    Require all granted
</Directory>
{python}
# ---- main config given by the test
{main_config}
# ---- config given by the test
{user_config}
""".format(root=self.root, loglevel=self.loglevel, listens=listens,
           server_name=self.server_name, modules=self._module_lines(), user=user,
           docroot=self.docroot, timeout=self.timeout,
           mpm_settings=MPM_SETTINGS[self.mpm], python=python,
           main_config=self.main_config, user_config=self.user_config)
        with open(self.conf_path, "w") as f:
            f.write(conf)
        os.chmod(self.conf_path, 0o644)

    def _env(self):
        env = dict(os.environ)
        for k in list(env):
            if k.startswith("PYTHON"):
                del env[k]
        return env

    def config_test(self, defines=()):
        """apache2 -t on the generated configuration: (returncode, output)."""
        cmd = [HTTPD, "-t", "-f", self.conf_path]
        for d in list(self.defines) + list(defines):
            cmd += ["-D", d]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           env=self._env(), timeout=60)
        return p.returncode, p.stdout.decode("utf-8", "replace")

    # ---- lifecycle

    @staticmethod
    def _pick_ports(n):
        ports = []
        while len(ports) < n:
            p = free_port()
            if p not in ports:
                ports.append(p)
        return ports

    def _move_ports(self):
        """Another process took one of our ports between free_port() and
        start: renumber them in the generated configuration."""
        new = self._pick_ports(len(self.ports))
        with open(self.conf_path) as f:
            conf = f.read()
        for old, port in zip(self.ports, new):
            conf = re.sub(r"(?<![0-9])%d(?![0-9])" % old, str(port), conf)
        with open(self.conf_path, "w") as f:
            f.write(conf)
        self.ports = new
        self.port = new[0]
        self.port2 = new[1] if len(new) > 1 else None

    def start(self, wait=10.0):
        cmd = [HTTPD, "-f", self.conf_path, "-k", "start"]
        for d in self.defines:
            cmd += ["-D", d]
        for attempt in range(3):
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               env=self._env(), timeout=60)
            out = p.stdout.decode("utf-8", "replace")
            if p.returncode == 0 or "Address already in use" not in out + self.error_log():
                break
            self._move_ports()
        if p.returncode != 0:
            raise AssertionError("apache2 failed to start (rc %d):\n%s\n--- error_log:\n%s"
                                 % (p.returncode, out, self.error_log()))
        self.running = True
        ACTIVE.append(self)
        deadline = time.time() + wait
        while time.time() < deadline:
            if self.pid is None:
                self.pid = self._read_pid()
            try:
                s = socket.create_connection(("127.0.0.1", self.port), timeout=1)
                s.close()
                # The port opens before the daemonised parent writes its pid.
                if self.pid is None:
                    self.pid = self._read_pid()
                if self.pid is not None:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        log = self.error_log()
        self.stop()
        raise AssertionError("apache2 did not answer on port %d within %.0f s;\n"
                             "--- error_log:\n%s" % (self.port, wait, log))

    def _read_pid(self):
        try:
            with open(self.pid_path) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    @staticmethod
    def _alive(pid):
        try:
            with open("/proc/%d/stat" % pid) as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
            return state not in ("Z", "X")
        except OSError:
            return False

    def stop(self, wait=15.0):
        if not self.running:
            return
        self.running = False
        if self in ACTIVE:
            ACTIVE.remove(self)
        pid = self.pid or self._read_pid()
        p = subprocess.run([HTTPD, "-f", self.conf_path, "-k", "stop"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           env=self._env(), timeout=60)
        if pid is None:
            return
        if p.returncode != 0 and self._alive(pid):
            # `-k stop` re-reads the configuration; when that fails (a test
            # removed a file it names) signal the parent directly, which
            # then stops its children itself
            try:
                os.kill(pid, signal.SIGTERM)
            except OSError:
                pass
        deadline = time.time() + wait
        while time.time() < deadline and self._alive(pid):
            time.sleep(0.05)
        if self._alive(pid):
            # last resort: this server's parent and its own children, by pid
            for victim in [pid] + child_pids(pid):
                try:
                    os.kill(victim, signal.SIGKILL)
                except OSError:
                    pass

    def restart(self):
        self.stop()
        self.pid = None
        return self.start()

    def cleanup(self):
        self.stop()
        if not KEEP:
            shutil.rmtree(self.root, ignore_errors=True)

    # ---- logs

    def error_log(self, since=0):
        try:
            with open(self.log_path, "rb") as f:
                f.seek(since)
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def log_mark(self):
        try:
            return os.path.getsize(self.log_path)
        except OSError:
            return 0

    def wait_log(self, pattern, since=0, timeout=10.0, regex=False):
        """Wait until pattern (substring, or regex) shows up in the error log
        after offset `since`; return the log text since that offset."""
        deadline = time.time() + timeout
        while True:
            text = self.error_log(since)
            if (re.search(pattern, text) if regex else pattern in text):
                return text
            if time.time() > deadline:
                raise AssertionError("%r not found in error_log within %.0f s; log since mark:\n%s"
                                     % (pattern, timeout, text[-6000:]))
            time.sleep(0.1)

    # ---- HTTP

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def request(self, method, path, body=None, headers=None, host=None, port=None,
                timeout=30):
        conn = http.client.HTTPConnection("127.0.0.1", port or self.port, timeout=timeout)
        try:
            headers = dict(headers or {})
            if host is not None:
                headers["Host"] = host
            conn.request(method, path, body=body, headers=headers)
            return _read_http_response(conn.getresponse())
        finally:
            conn.close()

    def get(self, path, headers=None, host=None, port=None, timeout=30):
        return self.request("GET", path, headers=headers, host=host, port=port,
                            timeout=timeout)

    def post(self, path, body, headers=None, host=None, port=None, timeout=30):
        if isinstance(body, str):
            body = body.encode("utf-8")
        headers = dict(headers or {})
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        return self.request("POST", path, body=body, headers=headers, host=host,
                            port=port, timeout=timeout)

    def conn(self, port=None, timeout=30):
        return Client(port or self.port, timeout=timeout)

    def raw(self, data, port=None, timeout=30, pause=None, more=b"",
            shutdown=False):
        """Send raw bytes, read until the server closes (or timeout) and
        return the bytes received.  With pause, sleep that long after the
        first part and then send `more`."""
        if isinstance(data, str):
            data = data.encode("latin-1")
        s = socket.create_connection(("127.0.0.1", port or self.port), timeout=timeout)
        try:
            s.sendall(data)
            if pause:
                time.sleep(pause)
            if more:
                s.sendall(more)
            if shutdown:
                s.shutdown(socket.SHUT_WR)
            chunks = []
            while True:
                try:
                    chunk = s.recv(65536)
                except socket.timeout:
                    break
                if not chunk:
                    break
                chunks.append(chunk)
            return b"".join(chunks)
        finally:
            s.close()

    def raw_response(self, data, **kw):
        return parse_response(self.raw(data, **kw))



# --------------------------------------------------------------------------
# the `mod_python serve` command

class ServeCommand:
    """A running `python -m mod_python serve ARGS` (the package from LIBDIR,
    or `command` with `env`): its process, printed URL, server root and
    error log, what it wrote to stderr, and HTTP requests to it.

    The constructor returns once the server answers.  stop() sends the
    signal a user would (Ctrl-C is SIGINT) and returns the exit status."""

    def __init__(self, args, cwd=None, port=None, ready=20.0, command=None,
                 env=None, argv=None):
        self.port = port or free_port()
        if argv is None:    # (argv: a script that runs serve itself)
            if command is None:
                command = [sys.executable, "-m", "mod_python"]
                env = dict(os.environ, PYTHONPATH=LIBDIR)
            argv = (list(command) + ["serve"] + list(args)
                    + ["--port", str(self.port)])
        self.proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=env, cwd=cwd)
        self._stderr = []
        self._drain = threading.Thread(target=self._read_stderr, daemon=True)
        self._drain.start()
        self.root = self._line("Server root: ").split(": ", 1)[1]
        line = self._line(("Error log: ", "Serving "))
        self.error_log_path = None
        if line.startswith("Error log: "):
            self.error_log_path = line.split(": ", 1)[1].split(" (")[0]
            line = self._line("Serving ")
        self.banner = line
        self.url = self.banner.split(" at ", 1)[1].split()[0].rstrip("/")
        self._wait_ready(ready)

    def _give_up(self):
        """Stop the command the way that lets it stop its Apache (SIGKILL
        would leave Apache running), then wait for what it wrote."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._drain.join(5)

    def _read_stderr(self):
        for line in self.proc.stderr:
            self._stderr.append(line)

    def stderr(self, wait_for=None, timeout=10):
        """What the command wrote to stderr so far; with `wait_for`, first
        wait until that text is in it."""
        deadline = time.time() + timeout
        while wait_for and wait_for not in "".join(self._stderr) \
                and time.time() < deadline:
            time.sleep(0.1)
        return "".join(self._stderr)

    def _line(self, prefix):
        """The next line of stdout starting with prefix (others, such as
        a script's own words, are passed over)."""
        line = self.proc.stdout.readline()
        while line and not line.startswith(prefix):
            line = self.proc.stdout.readline()
        line = line.strip()
        if not line.startswith(prefix):
            self._give_up()
            raise AssertionError("mod_python serve printed %r; stderr: %s"
                                 % (line, "".join(self._stderr)))
        return line

    def _wait_ready(self, timeout):
        deadline = time.time() + timeout
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), 1).close()
                return
            except OSError:
                if time.time() > deadline or self.proc.poll() is not None:
                    self._give_up()
                    raise AssertionError("mod_python serve did not answer; "
                                         "stderr: %s" % "".join(self._stderr))
                time.sleep(0.1)

    def request(self, method, path, body=None, headers=None, timeout=30):
        conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                          timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=dict(headers or {}))
            return _read_http_response(conn.getresponse())
        finally:
            conn.close()

    def get(self, path, headers=None):
        return self.request("GET", path, headers=headers)

    def post(self, path, body, headers=None):
        return self.request("POST", path, body=body, headers=headers)

    def error_log(self):
        try:
            with open(os.path.join(self.root, "logs", "error_log"),
                      errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def pid(self):
        with open(os.path.join(self.root, "logs", "httpd.pid")) as f:
            return int(f.read())

    def stop(self, signum=signal.SIGINT):
        """Stop it as a user would; its exit status.  The command removes
        its temporary server root itself."""
        if self.proc.poll() is None:
            self.proc.send_signal(signum)
        status = self.proc.wait(30)
        self._drain.join(5)
        return status


# Handler code that counts the live thread states of an interpreter: each
# thread that runs mark_thread() keeps a Marker in its threading.local
# data, which goes when the thread state is cleared.  live_thread_states()
# is the count.
THREAD_STATE_COUNTER = """
import threading

_local = threading.local()
_live = [0]

class _Marker:
    def __init__(self):
        _live[0] += 1
    def __del__(self):
        _live[0] -= 1

def mark_thread():
    if not hasattr(_local, "marker"):
        _local.marker = _Marker()

def live_thread_states():
    return _live[0]
"""


def python_children_cannot_read():
    """python3 on PATH, when the user Apache's children run as (www-data,
    the suite running as root) cannot read it: the real case of a pyenv
    Python under root's 0700 home.  Skips the test otherwise."""
    import pytest
    python = shutil.which("python3")
    check = os.path.join(LIBDIR, "mod_python", "childaccess.py")
    if os.geteuid() != 0 or not python or subprocess.run(
            [python, check, "www-data", python],
            capture_output=True).returncode != 1:
        pytest.skip("needs root and a python3 on PATH that www-data cannot "
                    "read (a pyenv Python under /root)")
    return python


def process_gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


# --------------------------------------------------------------------------
# shared sites
#
# A Site collects handler modules and configuration so that many behaviour
# items can share one running server: each handler module `<name>.py` lives in
# the DocumentRoot and gets its own `<Files "<name>.py">` section inside
# `<Directory @DOCROOT@>` (module names are global per interpreter, so every
# test uses a unique module name).

# Prepended to every handler module written through a Site.
PRELUDE = '''\
from mod_python import apache
import json, os, sys, time


def reply(req, obj):
    """Write obj as JSON (non-JSON values as their repr) and return OK."""
    req.write(json.dumps(obj, default=repr))
    return apache.OK


def capture(fn):
    """Call fn(); on an exception return 'EXC:<type>:<message>'."""
    try:
        return fn()
    except Exception as e:
        return "EXC:%s:%s" % (type(e).__name__, e)

'''


def code(text, prelude=True):
    text = textwrap.dedent(text).lstrip("\n")
    return (PRELUDE + text) if prelude else text


class Site:
    def __init__(self, dir_directives="SetHandler mod_python\nPythonDebug On"):
        self.files = {}
        self.sections = []      # inside <Directory @DOCROOT@>
        self.server_conf = []   # server level, after the docroot Directory
        self.dir_directives = dir_directives

    def handler(self, name, text, directives="", handler=None, prelude=True,
                pattern=None):
        """DOCROOT/<name>.py served by `PythonHandler <handler or name>` for
        requests whose file name matches `pattern` (default "<name>.py")."""
        self.files["%s.py" % name] = code(text, prelude)
        self.files_section(pattern or "%s.py" % name,
                           "PythonHandler %s\n%s" % (handler or name, directives))

    def files_section(self, pattern, directives):
        self.sections.append('<Files "%s">\n%s\n</Files>' % (pattern, directives.strip()))

    def module(self, rel, text, prelude=True):
        """Any Python file (relative to the docroot, or '@ROOT@/...')."""
        self.files[rel] = code(text, prelude)

    def file(self, rel, text):
        """A data file, written exactly as given (str or bytes)."""
        self.files[rel] = text

    def config(self, text):
        self.server_conf.append(textwrap.dedent(text))

    def render(self):
        return "<Directory @DOCROOT@>\n%s\n%s\n</Directory>\n%s\n" % (
            self.dir_directives, "\n".join(self.sections), "\n".join(self.server_conf))

    def start(self, factory, **kw):
        """Start the site through an `apache`/`module_apache` factory."""
        config = self.render() + kw.pop("config", "")
        files = dict(self.files)
        files.update(kw.pop("files", {}))
        return factory(config=config, files=files, **kw)

    @contextlib.contextmanager
    def serve(self, **kw):
        """Run the site for the duration of a with-block (for fixtures whose
        server must stop when their parameter changes)."""
        config = self.render() + kw.pop("config", "")
        files = dict(self.files)
        files.update(kw.pop("files", {}))
        srv = ApacheServer(config=config, files=files, **kw)
        try:
            srv.start()
            yield srv
        finally:
            srv.cleanup()
