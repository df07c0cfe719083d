"""mod_python.cgi_emulation: make the interpreter look like a CGI run.

``setup_cgi(req)`` fills os.environ with the request's CGI variables and
replaces sys.stdin and sys.stdout with objects that read the request body
and parse CGI output; ``restore_nocgi()`` undoes it.  mod_python.cgihandler
runs scripts this way.  mod_python.apache re-exports every public name
here, where mod_python 3.5 had them.
"""

import os
import sys
import threading

__all__ = ["build_cgi_env", "NullIO", "CGIStdout", "CGIStdin",
           "setup_cgi", "restore_nocgi"]


def build_cgi_env(req):
    """CGI environment for `req`, as an mp_table."""
    req.add_cgi_vars()
    env = req.subprocess_env.copy()
    uri, path_info = req.uri, req.path_info
    if path_info and uri.endswith(path_info):
        env["SCRIPT_NAME"] = uri[:-len(path_info)]
    else:
        env["SCRIPT_NAME"] = uri
    env["GATEWAY_INTERFACE"] = "Python-CGI/1.1"
    authorization = req.headers_in.get("Authorization")
    if authorization is not None:
        env["HTTP_AUTHORIZATION"] = authorization
    return env


class NullIO:
    """A file-like object that holds nothing and swallows writes; the base
    of the CGI streams, which override what they support."""

    def tell(self):
        """Always 0: nothing is held."""
        return 0

    def read(self, n=-1):
        """Nothing to read: ''."""
        return ""

    def readline(self, n=-1):
        """Nothing to read: ''."""
        return ""

    def readlines(self, hint=-1):
        """Nothing to read: []."""
        return []

    def write(self, s):
        """Discard `s`."""
        pass

    def writelines(self, lines):
        """write() each of `lines`."""
        for line in lines:
            self.write(line)

    def isatty(self):
        """Never a terminal."""
        return False

    def flush(self):
        """Nothing to flush."""
        pass

    def close(self):
        """Nothing to close."""
        pass

    def detach(self):
        """The stream itself (there is no underlying buffer to give away)."""
        return self

    def seek(self, pos, whence=0):
        """Ignored: the stream has no position."""
        pass


class _ScriptThreadOnly:
    """Makes a CGI stream serve the thread that set it up.  sys.stdin and
    sys.stdout belong to the whole interpreter: other handlers, running in
    other threads meanwhile, go on using the stream that was there before,
    so nothing they print reaches the script's client and nothing they
    read comes from its request body."""

    def _serve_thread(self, previous):
        self._thread = threading.get_ident()
        self._previous = previous

    def _other_threads_stream(self):
        """The previous stream, when a thread other than the script's
        calls; None for the script's own."""
        if self._previous is not None and threading.get_ident() != self._thread:
            return self._previous
        return None


class CGIStdout(_ScriptThreadOnly, NullIO):
    """sys.stdout for CGI scripts: parses the CGI header block, applies it
    to the request, and sends everything after it with req.write().
    `previous`: the stream other threads keep writing to."""

    encoding = "utf-8"

    def __init__(self, req, previous=None):
        self.req = req
        self.headers_done = False
        self._pending = b""
        self._serve_thread(previous)

    @property
    def buffer(self):
        """This object: write() takes bytes too."""
        return self

    def write(self, s):
        """Take str (sent as UTF-8) or bytes.  Output is held back until
        the blank line that ends the headers has been written."""
        other = self._other_threads_stream()
        if other is not None:
            return other.write(s)
        if isinstance(s, str):
            s = s.encode("utf-8")
        if self.headers_done:
            if s:
                self.req.write(s)
            return
        self._pending += s
        end, sep_len = self._header_end(self._pending)
        if end < 0:
            return
        head, body = self._pending[:end], self._pending[end + sep_len:]
        self._pending = b""
        self.headers_done = True
        self._apply_headers(head.decode("latin-1"))
        if body:
            self.req.write(body)

    @staticmethod
    def _header_end(data):
        """Offset and length of the earliest blank-line separator."""
        found = [(data.find(sep), len(sep)) for sep in (b"\r\n\r\n", b"\n\n")]
        found = [f for f in found if f[0] >= 0]
        return min(found) if found else (-1, 0)

    def flush(self):
        """Nothing held for the script; other threads' stream flushed."""
        other = self._other_threads_stream()
        if other is not None:
            other.flush()

    def finish(self):
        """End of the script's output: headers it printed without the blank
        line that ends them still apply."""
        if self._pending and not self.headers_done:
            self.headers_done = True
            self._apply_headers(self._pending.decode("latin-1"))
            self._pending = b""

    def _apply_headers(self, head):
        for line in head.splitlines():
            name, colon, value = line.partition(":")
            if colon:
                self._apply_header(name.strip(), value.strip())

    def _apply_header(self, name, value):
        """Status and Content-Type set the request's fields; any other
        header is added to headers_out."""
        key = name.lower()
        if key == "status":
            digits = value.split()[0] if value.split() else ""
            if digits.isdigit():
                self.req.status = int(digits)
        elif key == "content-type":
            self.req.content_type = value
        else:
            self.req.headers_out.add(name, value)


class CGIStdin(_ScriptThreadOnly, NullIO):
    """sys.stdin for CGI scripts: the request body, as bytes.  `previous`:
    the stream other threads keep reading from."""

    BLOCK = 65536

    def __init__(self, req, previous=None):
        self.req = req
        self._serve_thread(previous)

    @property
    def buffer(self):
        """This object: it already reads bytes."""
        return self

    def read(self, n=-1):
        """Up to `n` bytes of the body; all the rest without `n`."""
        other = self._other_threads_stream()
        if other is not None:
            return other.read(n)
        if n is not None and n >= 0:
            return self.req.read(n)
        chunks = []
        while True:
            chunk = self.req.read(self.BLOCK)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)

    def readline(self, n=-1):
        """The next line of the body (at most `n` bytes if given)."""
        other = self._other_threads_stream()
        if other is not None:
            return other.readline(n)
        if n is not None and n >= 0:
            return self.req.readline(n)
        return self.req.readline()

    def readlines(self, hint=-1):
        """The remaining lines of the body."""
        lines = []
        while True:
            line = self.readline()
            if not line:
                return lines
            lines.append(line)


def setup_cgi(req):
    """Make os.environ and the standard streams look like CGI for `req`;
    returns what restore_nocgi() needs to undo it."""
    saved = (dict(os.environ), sys.stdin, sys.stdout)
    for key, value in build_cgi_env(req).items():
        os.environ[key] = value
    sys.stdout = CGIStdout(req, sys.stdout)
    sys.stdin = CGIStdin(req, sys.stdin)
    sys.argv = []
    return saved


def restore_nocgi(saved_env, si, so):
    """Undo setup_cgi()."""
    os.environ.clear()
    os.environ.update(saved_env)
    sys.stdout = so
    sys.stdin = si
