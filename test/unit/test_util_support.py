"""A request stand-in for the mod_python.util unit tests (no tests here)."""

import io

from mod_python import apache


class FormRequest:
    """Just enough of a request for FieldStorage and redirect: a body read
    through read()/readline() like the C object (readline(n) returns at
    most n bytes), options, a log."""

    def __init__(self, body=b"", method="POST", args=None, ctype=None,
                 length="auto", options=None):
        self.method = method
        self.args = args
        self.headers_in = apache.table()
        if ctype is not None:
            self.headers_in["Content-Type"] = ctype
        if length == "auto":
            length = len(body)
        if length is not None:
            self.headers_in["Content-Length"] = str(length)
        self._body = io.BytesIO(body)
        self.options = dict(options or {})
        self.logged = []
        self.read_sizes = []
        self.err_headers_out = apache.table()
        self.status = 200
        self.sent_bodyct = 0
        self.written = []

    @property
    def read_length(self):
        return self._body.tell()

    @property
    def remaining(self):
        return len(self._body.getvalue()) - self._body.tell()

    def read(self, n=-1):
        self.read_sizes.append(n)
        return self._body.read(n)

    def readline(self, n=-1):
        return self._body.readline(n)

    def get_options(self):
        return self.options

    def log_error(self, message, level=apache.APLOG_ERR):
        self.logged.append((message, level))

    def write(self, data, flush=1):
        self.written.append(data)
        self.sent_bodyct = 1


def multipart(parts, boundary="BOUNDARY", newline=b"\r\n", close=True):
    """A multipart/form-data body.  parts: (headers dict, data bytes)."""
    out = []
    delimiter = b"--" + boundary.encode()
    for headers, data in parts:
        out.append(delimiter + newline)
        for key, value in headers.items():
            out.append(("%s: %s" % (key, value)).encode("latin-1") + newline)
        out.append(newline + data + newline)
    if close:
        out.append(delimiter + b"--" + newline)
    return b"".join(out)


def text_part(name, data):
    return {"Content-Disposition": 'form-data; name="%s"' % name}, data


def file_part(name, filename, data, ctype="application/octet-stream"):
    return ({"Content-Disposition": 'form-data; name="%s"; filename="%s"' % (name, filename),
             "Content-Type": ctype}, data)


def multipart_request(parts, boundary="BOUNDARY", **kw):
    body = kw.pop("body", None)
    if body is None:
        body = multipart(parts, boundary)
    return FormRequest(body, ctype="multipart/form-data; boundary=%s" % boundary, **kw)
