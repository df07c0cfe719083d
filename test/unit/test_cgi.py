"""mod_python.cgi_emulation: build_cgi_env, setup_cgi/restore_nocgi and
the CGI stream objects."""

import io
import os
import sys

from mod_python import apache, cgi_emulation


class CGIRequest:
    def __init__(self, body=b"", path_info="/extra"):
        self.uri = "/cgi/script.py" + path_info
        self.path_info = path_info
        self.subprocess_env = apache.table({"REQUEST_METHOD": "GET"})
        self.headers_in = apache.table({"Authorization": "Basic eDp5"})
        self.headers_out = apache.table()
        self.status = 200
        self.content_type = None
        self.written = []
        self.cgi_vars_added = False
        self._body = io.BytesIO(body)
        self.read_sizes = []

    def add_cgi_vars(self):
        self.cgi_vars_added = True
        self.subprocess_env["GATEWAY_INTERFACE"] = "CGI/1.1"

    def write(self, data, flush=1):
        self.written.append(data)

    def read(self, n=-1):
        self.read_sizes.append(n)
        return self._body.read(n)

    def readline(self, n=-1):
        return self._body.readline(n)


def test_build_cgi_env():
    req = CGIRequest()
    env = cgi_emulation.build_cgi_env(req)
    assert req.cgi_vars_added
    assert env["GATEWAY_INTERFACE"] == "Python-CGI/1.1"
    assert env["SCRIPT_NAME"] == "/cgi/script.py"
    assert env["REQUEST_METHOD"] == "GET"
    assert env["HTTP_AUTHORIZATION"] == "Basic eDp5"
    assert req.subprocess_env["GATEWAY_INTERFACE"] == "CGI/1.1"  # a copy


def test_build_cgi_env_without_path_info():
    env = cgi_emulation.build_cgi_env(CGIRequest(path_info=""))
    assert env["SCRIPT_NAME"] == "/cgi/script.py"


def test_stdout_applies_headers_then_writes_body():
    req = CGIRequest()
    out = cgi_emulation.CGIStdout(req)
    out.write("Status: 404 Not Found\r\nContent-Type: text/plain\r\n")
    out.write("X-One: 1\r\nX-One: 2\r\n")
    assert req.written == []
    out.write("\r\nbody")
    out.write(" more")
    out.buffer.write(b"\xff")
    assert req.status == 404
    assert req.content_type == "text/plain"
    assert req.headers_out["X-One"] == ["1", "2"]
    assert req.written == [b"body", b" more", b"\xff"]


def test_stdout_lf_separator_and_print():
    req = CGIRequest()
    out = cgi_emulation.CGIStdout(req)
    print("Content-Type: text/html", file=out)
    print(file=out)
    print("hi", file=out)
    assert req.content_type == "text/html"
    assert b"".join(req.written) == b"hi\n"


def test_stdin_reads_body_in_blocks():
    body = b"line1\nline2\n" + b"x" * 70000
    req = CGIRequest(body)
    stdin = cgi_emulation.CGIStdin(req)
    assert stdin.readline() == b"line1\n"
    assert stdin.read(3) == b"lin"
    assert stdin.readlines()[0] == b"e2\n"
    req = CGIRequest(body)
    assert cgi_emulation.CGIStdin(req).buffer.read() == body
    assert set(req.read_sizes) == {65536}


def test_null_io():
    null = cgi_emulation.NullIO()
    assert null.read() == "" and null.readline() == ""
    assert null.readlines() == [] and null.tell() == 0
    assert not null.isatty()
    null.write("x")
    null.writelines(["a", "b"])
    null.flush()
    null.close()


def test_setup_and_restore(monkeypatch):
    monkeypatch.setattr(os, "environ", {"KEEP": "1"})
    monkeypatch.setattr(sys, "argv", ["x"])
    stdin, stdout = sys.stdin, sys.stdout
    req = CGIRequest()
    saved = cgi_emulation.setup_cgi(req)
    try:
        assert os.environ["GATEWAY_INTERFACE"] == "Python-CGI/1.1"
        assert os.environ["KEEP"] == "1"
        assert isinstance(sys.stdout, cgi_emulation.CGIStdout)
        assert isinstance(sys.stdin, cgi_emulation.CGIStdin)
        assert sys.argv == []
    finally:
        cgi_emulation.restore_nocgi(*saved)
    assert os.environ == {"KEEP": "1"}
    assert sys.stdin is stdin and sys.stdout is stdout


def test_apache_reexports_the_cgi_emulation():
    assert len(cgi_emulation.__all__) == 6
    for name in cgi_emulation.__all__:
        assert getattr(apache, name) is getattr(cgi_emulation, name)
