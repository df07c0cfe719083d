"""mod_python.wsgi: serve a WSGI (PEP 3333) application.

    PythonHandler mod_python.wsgi
    PythonOption mod_python.wsgi.application module[::callable]
    PythonOption mod_python.wsgi.base_uri /prefix        (optional)

The callable defaults to ``application``.  Inside ``<Location /prefix>`` the
Location path is the base URI (SCRIPT_NAME) unless base_uri is given;
elsewhere the base URI is ``''``.  See docs/wsgi.md.
"""

import io
import os
import stat
import sys

from mod_python import apache, options, version

APPLICATION_OPTION = "mod_python.wsgi.application"
BASE_URI_OPTION = "mod_python.wsgi.base_uri"


def handler(req):
    """Serve the WSGI application PythonOption mod_python.wsgi.application
    names, for the requests under its base URI."""
    app, script = _find_application(req)
    if app is None:
        return apache.DECLINED
    env = build_environ(req)
    if env is None:
        _warn(req, "req.uri (%s) does not start with %s (%s), declining."
              % (req.uri, BASE_URI_OPTION, _base_uri(req)))
        return apache.DECLINED
    if script:
        env["SCRIPT_FILENAME"] = script     # as mod_wsgi: the application's file
    try:
        _serve(req, app, env)
    finally:
        _end_request(env)
    return apache.OK


def _warn(req, message):
    req.log_error("WSGI handler: " + message, apache.APLOG_WARNING)


# ---------------------------------------------------------------------------
# The application

def _find_application(req):
    """(the configured callable, its module's file); the callable is None
    (logged) when it does not exist."""
    spec = options.text(req, APPLICATION_OPTION)
    if not spec:
        # Declining here would let the default handler serve the source of
        # whatever the URI maps to; a configuration error is safer.
        req.log_error("WSGI handler: PythonOption %s is not set"
                      % APPLICATION_OPTION)
        raise apache.SERVER_RETURN(apache.HTTP_INTERNAL_SERVER_ERROR)
    module_name, _, name = spec.partition("::")
    config = req.get_config()
    module = apache.import_module(module_name,
                                  autoreload=options.autoreload_in(config),
                                  log=options.debug_in(config))
    app = _lookup(module, name or "application")
    if app is None:
        _warn(req, "%s (%r) not found, declining."
              % (APPLICATION_OPTION, spec))
    return app, getattr(module, "__file__", None)


def _lookup(module, dotted):
    obj = module
    for name in dotted.split("."):
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return obj


# ---------------------------------------------------------------------------
# The environ

def build_environ(req):
    """The PEP 3333 environ for `req`; None when req.uri is outside the
    base URI.  Sets req.path_info and the CGI variables as a side effect."""
    base = _base_uri(req)
    uri = req.uri
    if not _within(uri, base):
        return None
    req.path_info = uri[len(base):]
    req.add_cgi_vars()
    env = req.subprocess_env._as_dict()
    # req.uri is UTF-8 text; PEP 3333 wants the raw bytes as Latin-1, as
    # the tables (subprocess_env) already give them.
    env["SCRIPT_NAME"] = _native(base)
    env["PATH_INFO"] = _native(uri[len(base):])
    authorization = req.headers_in.get("Authorization")
    if authorization is not None:
        env["HTTP_AUTHORIZATION"] = authorization
    if env["PATH_INFO"]:
        env["PATH_TRANSLATED"] = req.document_root() + env["PATH_INFO"]
    env.update(_wsgi_keys(req, env))
    return env


def _base_uri(req):
    base = options.text(req, BASE_URI_OPTION)
    if base:
        if base.endswith("/"):
            raise ValueError("PythonOption '%s' ('%s') must not end with '/'"
                             % (BASE_URI_OPTION, base))
        return base
    hlist = req.hlist
    if hlist.is_location:
        location = hlist.directory or ""
        return location[:-1] if location.endswith("/") else location
    return ""


def _within(uri, base):
    # A path-segment boundary: base /app must not claim /application.
    return not base or uri == base or uri.startswith(base + "/")


def _native(text):
    if text.isascii():
        return text
    return text.encode("utf-8", "surrogateescape").decode("latin-1")


# The MPM does not change in a process.
_MPM_THREADED = bool(apache.mpm_query(apache.AP_MPMQ_IS_THREADED))
_MPM_FORKED = bool(apache.mpm_query(apache.AP_MPMQ_IS_FORKED))


def _wsgi_keys(req, env):
    https = (req.is_https()
             or env.get("HTTPS", "off").lower() not in ("off", ""))
    return {
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "https" if https else "http",
        "wsgi.input": req,  # the request object reads the body
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": _MPM_THREADED,
        "wsgi.multiprocess": _MPM_FORKED,
        "wsgi.run_once": False,
        "wsgi.input_terminated": True,      # read() ends at the body's end
        "wsgi.file_wrapper": FileWrapper,
        "mod_python.version": version.version,
        "mod_python.request": req,
    }


def _end_request(env):
    errors = env.get("wsgi.errors")
    try:
        errors.flush()  # so the log has what the application wrote
    except Exception:
        pass


# ---------------------------------------------------------------------------
# Running the application

def _serve(req, app, env):
    response = Response(req)
    result = app(env, response.start_response)
    try:
        if not (isinstance(result, FileWrapper) and response.send_file(result)):
            for data in result:
                response.write(data)
        response.finish()
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()


class Response:
    """start_response() and write() for one request.

    Status and headers are kept until the first non-empty body data (or the
    end of the response), so that an application may still replace them by
    calling start_response() again with exc_info."""

    def __init__(self, req):
        self.req = req
        self.status = None      # (code, status line)
        self.headers = None
        self.headers_sent = False
        self.remaining = None   # bytes still allowed by Content-Length

    def start_response(self, status, headers, exc_info=None):
        """PEP 3333's start_response: keep status and headers (sent with
        the first data); with exc_info, replace them, or re-raise once sent."""
        if exc_info:
            try:
                if self.headers_sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None  # PEP 3333: no traceback reference cycle
        elif self.status is not None:
            raise RuntimeError("start_response() called again "
                               "without exc_info")
        _check_headers(headers)
        self.status = (_status_code(status), status)
        self.headers = list(headers)
        return self.write

    def write(self, data):
        """Send body data (headers first), never more than a Content-Length
        the application promised."""
        if self.status is None:
            raise RuntimeError("WSGI application wrote data before calling "
                               "start_response()")
        data = _as_bytes(data)
        if not data:
            return
        if not self.headers_sent:
            self._send_headers()
        if self.remaining is not None:
            # never send more than the Content-Length promised
            data = data[:self.remaining]
            self.remaining -= len(data)
        if data:
            self.req.write(data)

    def finish(self):
        """After the application returned: send the headers if no data did."""
        if self.status is None:
            raise RuntimeError("WSGI application returned without calling "
                               "start_response()")
        if not self.headers_sent:
            self._send_headers()

    def send_file(self, wrapper):
        """Send what is left of a FileWrapper's regular file with
        req.sendfile(); False (nothing sent) when it is not one."""
        path = wrapper.regular_file_path()
        if path is None or self.status is None:
            return False
        offset = wrapper.filelike.tell()
        length = os.fstat(wrapper.filelike.fileno()).st_size - offset
        if not self.headers_sent:
            self._send_headers()
        if self.remaining is not None:
            length = min(length, self.remaining)
            self.remaining -= length
        if length > 0:
            self.req.sendfile(path, offset, length)
        return True

    def _send_headers(self):
        req = self.req
        req.status, req.status_line = self.status
        for name, value in self.headers:
            key = name.lower()
            if key == "content-type":
                # Apache takes the type from req.content_type, not headers_out
                req.content_type = value
            elif key == "content-length":
                self.remaining = _content_length(value)
                req.set_content_length(self.remaining)
            else:
                req.headers_out.add(name, value)
        self.headers_sent = True


_RAW_FILES = (io.BufferedReader, io.BufferedRandom, io.FileIO)
# Linux names every open descriptor here; elsewhere files are read in blocks.
_FD_DIR = "/proc/self/fd" if os.path.isdir("/proc/self/fd") else None


class FileWrapper:
    """wsgi.file_wrapper (PEP 3333): iterates over a file-like object in
    blocks; for a regular file the bridge sends it with sendfile instead."""

    def __init__(self, filelike, block_size=8192):
        self.filelike = filelike
        self.block_size = block_size
        if hasattr(filelike, "close"):
            self.close = filelike.close

    def __iter__(self):
        read = self.filelike.read
        while True:
            data = read(self.block_size)
            if not data:
                return
            yield data

    def regular_file_path(self):
        """A path that opens the very file being read, when it is a regular
        file read as raw bytes (not, say, a GzipFile, whose position is in
        the uncompressed data); else None."""
        if _FD_DIR is None or not isinstance(self.filelike, _RAW_FILES):
            return None
        try:
            self.filelike.flush()     # what was written goes to the file first
            fd = self.filelike.fileno()
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
        except (OSError, ValueError):
            return None
        # the open descriptor, not its name: the name may lead elsewhere
        # by now (replaced, renamed, relative to another directory)
        return "%s/%d" % (_FD_DIR, fd)


def request_start_response(req, status, headers, exc_info=None):
    """req.wsgi_start_response(): 3.5's semi-private start_response, kept
    for code that drives a WSGI application itself.  Headers go straight
    into req.headers_out; mod_python.wsgi's handler uses Response instead,
    which holds them until the first body data (PEP 3333)."""
    _check_headers(headers)
    if exc_info:
        raise exc_info[1].with_traceback(exc_info[2])
    code = _status_code(status)
    for name, value in headers:
        req.headers_out.add(name, value)
    req.status_line = status
    req.status = code
    return req.write


def _status_code(status):
    if not isinstance(status, str):
        raise TypeError("status must be a str, not a '%s'"
                        % type(status).__name__)
    head = status.split(None, 1)[0] if status.strip() else ""
    if not (head.isdigit() and 100 <= int(head) <= 599):
        raise ValueError("Invalid status line: %s" % status)
    return int(head)


def _content_length(value):
    length = int(value)
    if length < 0:
        raise ValueError("negative Content-Length: %s" % value)
    return length


def _check_headers(headers):
    if not isinstance(headers, list):
        raise TypeError("headers argument must be a list, not a '%s'"
                        % type(headers).__name__)
    for header in headers:
        if not isinstance(header, tuple) or len(header) != 2:
            raise TypeError("each header must be a tuple of two strings, "
                            "not a '%s'" % type(header).__name__)
        name, value = header
        if not isinstance(name, str):
            raise TypeError("header names must be strings, not a '%s'"
                            % type(name).__name__)
        if not isinstance(value, str):
            raise TypeError("header values must be strings, not a '%s'"
                            % type(value).__name__)
        if any(c in name or c in value for c in "\r\n\0"):
            # a line break would let the application forge more headers
            raise ValueError("header %r contains a line break" % (header,))


def _as_bytes(data):
    if isinstance(data, bytes):
        return data
    if isinstance(data, str):
        return data.encode("utf-8")  # lenient, as req.write() is
    return memoryview(data).tobytes()  # TypeError for non-buffers
