"""I. Python input and output filters (behaviours.md items 214-224) and D-104
(an exception in an output filter with PythonDebug On).

The filter callables live in DOCROOT/i_filters.py; the PythonInputFilter /
PythonOutputFilter registrations are made at <Directory DOCROOT> level and
activated per file (AddOutputFilter / SetOutputFilter / AddInputFilter inside
the file's <Files> section) or from the handler.  The site runs under both the
prefork and the event MPM.
"""

import hashlib
import json
import random
import time

import pytest

from helpers import Site, child_pids, cpu_seconds

SITE = Site(dir_directives="""SetHandler mod_python
PythonDebug On
PythonOutputFilter i_filters::upper MP_TEST_FILTER
PythonOutputFilter i_filters::props MP_PROPS_OUT
PythonOutputFilter i_filters::closer MP_CLOSER
PythonOutputFilter i_filters::noclose MP_NOCLOSE
PythonOutputFilter i_filters::passer MP_PASS_OUT
PythonOutputFilter i_filters::disabler MP_DISABLER
PythonOutputFilter i_filters::junk_return MP_JUNK_RETURN
PythonOutputFilter i_filters::raiser MP_RAISER
PythonInputFilter i_filters::upper MP_IN_UPPER
PythonInputFilter i_filters::props MP_PROPS_IN
PythonInputFilter i_filters::passer MP_PASS_IN
PythonInputFilter i_filters_once::upper_once MP_IN_ONCE
PythonInputFilter i_filters_once::upper_one_line MP_IN_LINE
PythonInputFilter i_filters_once::upper_at_the_end MP_IN_AT_END
PythonInputFilter i_filters_once::footer_at_the_end MP_IN_FOOTER
PythonInputFilter i_filters_once::idle MP_IN_IDLE
PythonInputFilter i_filters_once::raise_at_once MP_IN_RAISE
PythonInputFilter i_filters_once::read_then_raise MP_IN_READ_RAISE
PythonInputFilter i_filters_once::disable_only MP_IN_DISABLE
PythonInputFilter i_filters_once::drop_comments MP_IN_DROP
PythonInputFilter i_filters_once::close_at_once MP_IN_CLOSE
PythonInputFilter i_filters_once::read_error_swallowed MP_IN_READ_ERROR
PythonInputFilter i_filters_once::close_then_raise MP_IN_CLOSE_RAISE
PythonOutputFilter i_filters_once::upper_and_close MP_OUT_CLOSE_EACH""")

SITE.module("i_filters.py", """
    def upper(filter):
        s = filter.read()
        while s:
            filter.write(s.upper())
            s = filter.read()
        if s is None:
            filter.close()


    def props(filter):
        # swallows the data; at EOS writes a description of itself instead
        s = filter.read()
        while s:
            s = filter.read()
        if s is None:
            filter.softspace = 1
            filter.write(json.dumps({
                "is_input": filter.is_input, "name": filter.name,
                "handler": filter.handler, "dir": filter.dir,
                "closed": filter.closed, "softspace": filter.softspace,
                "has_non_existent": hasattr(filter, "non_existent"),
                "marker": getattr(filter.req, "i_marker", None),
                "same_req": getattr(filter.req, "i_self", None) is filter.req,
                "uri": filter.req.uri}))
            filter.close()


    def closer(filter):
        s = filter.read()
        while s:
            filter.write(s)
            s = filter.read()
        if s is None:
            before = filter.closed
            filter.close()
            filter.req.log_error(
                "i217 eos before=%r after=%r read=%s write=%s close_again=%s" % (
                    before, filter.closed, capture(filter.read),
                    capture(lambda: filter.write("x")), capture(filter.close)),
                apache.APLOG_NOTICE)


    def noclose(filter):
        s = filter.read()
        while s:
            filter.write(s.upper())
            s = filter.read()


    def passer(filter):
        filter.pass_on()


    def disabler(filter):
        filter.req.log_error("i223 python called", apache.APLOG_NOTICE)
        s = filter.read()
        while s:
            filter.write(s.upper())
            s = filter.read()
        filter.disable()


    def junk_return(filter):
        s = filter.read()
        while s:
            filter.write(s.upper())
            s = filter.read()
        if s is None:
            filter.close()
        return "junk"


    def raiser(filter):
        # first invocation upper-cases; the second one fails before reading
        calls = getattr(filter.req, "i104_calls", 0) + 1
        filter.req.i104_calls = calls
        if calls == 2:
            raise ValueError("i104 filter boom")
        s = filter.read()
        while s:
            filter.write(s.upper())
            s = filter.read()
        if s is None:
            filter.close()
""")

SITE.handler("i214", """
    def handler(req):
        req.write("test ok")
        return apache.OK
""", directives="AddOutputFilter MP_TEST_FILTER .py")

SITE.handler("i214set", """
    def handler(req):
        req.write("test ok")
        return apache.OK
""", directives="SetOutputFilter MP_TEST_FILTER")

SITE.handler("i215", """
    def handler(req):
        req.add_output_filter("MP_TEST_FILTER")
        req.write("test ok")
        return apache.OK
""")

SITE.handler("i216", """
    def handler(req):
        req.register_output_filter("MP_REQ_UPPER", "i_filters::upper")
        req.add_output_filter("MP_REQ_UPPER")
        req.write("test ok")
        return apache.OK
""")

SITE.handler("i216props", """
    def handler(req):
        req.i_marker = "i216 marker"
        req.i_self = req
        req.register_output_filter("MP_REQ_PROPS", "i_filters::props")
        req.add_output_filter("MP_REQ_PROPS")
        req.write("swallowed")
        return apache.OK
""")

SITE.handler("i217", """
    def handler(req):
        req.write("i217 body")
        return apache.OK
""", directives="AddOutputFilter MP_CLOSER .py")

SITE.handler("i218", """
    def handler(req):
        req.write("test ")
        req.write("ok")
        return apache.OK
""", directives="AddOutputFilter MP_NOCLOSE .py")

SITE.handler("i219out", """
    def handler(req):
        req.i_marker = "i219 out marker"
        req.i_self = req
        req.write("swallowed")
        return apache.OK
""", directives="AddOutputFilter MP_PROPS_OUT .py")

SITE.handler("i219in", """
    def handler(req):
        req.i_marker = "i219 in marker"
        req.i_self = req
        req.content_type = "application/octet-stream"
        req.write(req.read())
        return apache.OK
""", directives="AddInputFilter MP_PROPS_IN .py")

SITE.handler("i221", """
    def handler(req):
        req.write(req.read())
        return apache.OK
""", directives="AddInputFilter MP_IN_UPPER .py")

SITE.handler("i221big", """
    import hashlib
    def handler(req):
        data = req.read()
        return reply(req, {"len": len(data), "sha256": hashlib.sha256(data).hexdigest()})
""", directives="AddInputFilter MP_IN_UPPER .py")

SITE.module("i_filters_once.py", """
    def upper_once(filter):
        # One read per call: the reader gets pieces over several calls.
        s = filter.read()
        if s is None:
            filter.close()
        else:
            filter.write(s.upper())

    def upper_one_line(filter):
        # Reads a single line per call, leaving fetched data unread.
        s = filter.readline()
        if s is None:
            filter.close()
        else:
            filter.write(s.upper())

    def footer_at_the_end(filter):
        # Writes a footer when told the end, without close().
        s = filter.read()
        filter.write(b"[end]" if s is None else s)

    def idle(filter):
        # Neither reads nor writes.
        pass

    def raise_at_once(filter):
        raise ValueError("filter failed at once")

    def read_then_raise(filter):
        filter.read(3)
        raise ValueError("filter failed after reading")

    def disable_only(filter):
        filter.disable()

    def keeper(filter):
        # keeps itself on the request, a cycle through an object that the
        # collector does not track
        filter.req.kept = filter
        s = filter.read()
        while s:
            filter.write(s)
            s = filter.read()
        if s is None:
            filter.close()

    def close_at_once(filter):
        filter.close()

    def read_error_swallowed(filter):
        # a filter that hides read errors: it must not be called forever
        try:
            s = filter.read()
        except IOError:
            return
        if s is None:
            filter.close()
        else:
            filter.write(s)

    def close_then_raise(filter):
        filter.write(filter.read(3))
        filter.close()
        raise ValueError("after close")

    def upper_and_close(filter):
        # closes at every call: nothing may follow the first close()
        s = filter.read()
        if s:
            filter.write(s.upper())
        filter.close()

    def drop_comments(filter):
        # One line per call; comment lines give nothing for that call.
        s = filter.readline()
        if s is None:
            filter.close()
        elif not s.startswith(b"#"):
            filter.write(s)

    def upper_at_the_end(filter):
        # One read per call, and nothing produced until the end of the
        # body: the calls that only collect must not look like the end of
        # the body to the reader.
        if not hasattr(filter.req, "collected"):
            filter.req.collected = []
        s = filter.read()
        if s is None:
            filter.write(b"".join(filter.req.collected).upper())
            filter.close()
        else:
            filter.req.collected.append(s)
""")

SITE.handler("iecho", """
    def handler(req):
        req.add_input_filter(req.args)
        req.write(req.read())
        return apache.OK
""")

SITE.handler("iecho_safe", """
    def handler(req):
        req.add_input_filter(req.args)
        try:
            body = req.read()
        except OSError as exc:
            body = ("read failed: %s" % exc).encode()
        req.write(body)
        return apache.OK
""")

SITE.handler("ikept", """
    def handler(req):
        req.register_output_filter("MP_KEEPER", "i_filters_once::keeper")
        req.add_output_filter("MP_KEEPER")
        req.write("body|")
        kept = req.kept
        req.write(json.dumps([capture(lambda: kept.req), capture(lambda: kept.handler),
                              kept.name]))
        return apache.OK
""")

SITE.handler("itwo_writes", """
    def handler(req):
        req.write("first ")
        req.write("second")
        return apache.OK
""", directives="SetOutputFilter MP_OUT_CLOSE_EACH")

SITE.handler("i221small", """
    import hashlib
    def handler(req):
        req.add_input_filter(req.args)
        h, total = hashlib.sha256(), 0
        chunk = req.read(100)
        while chunk:
            h.update(chunk)
            total += len(chunk)
            chunk = req.read(100)
        return reply(req, {"len": total, "sha256": h.hexdigest()})
""")

SITE.handler("i221lines", """
    import hashlib
    def handler(req):
        h = hashlib.sha256()
        n = total = 0
        line = req.readline()
        while line:
            h.update(line)
            n += 1
            total += len(line)
            line = req.readline()
        return reply(req, {"lines": n, "len": total, "sha256": h.hexdigest()})
""", directives="AddInputFilter MP_IN_UPPER .py")

SITE.handler("i214big", """
    import random
    def handler(req):
        data = random.Random(214).randbytes(5 * 1024 * 1024)
        rnd = random.Random(1)
        pos = 0
        while pos < len(data):
            n = rnd.randint(1, 200000)
            req.write(data[pos:pos + n])
            pos += n
        return apache.OK
""", directives="AddOutputFilter MP_TEST_FILTER .py")

SITE.handler("i222out", """
    def handler(req):
        req.write("Mixed Case ")
        req.write("passes")
        return apache.OK
""", directives="AddOutputFilter MP_PASS_OUT .py")

SITE.handler("i222in", """
    def handler(req):
        req.write(req.read())
        return apache.OK
""", directives="AddInputFilter MP_PASS_IN .py")

SITE.handler("i223", """
    def handler(req):
        req.write("abc")
        req.write("def")
        req.write("ghi")
        return apache.OK
""", directives="AddOutputFilter MP_DISABLER .py")

SITE.handler("i224", """
    def handler(req):
        req.write("test ok")
        return apache.OK
""", directives="AddOutputFilter MP_JUNK_RETURN .py")

SITE.handler("i104", """
    def handler(req):
        req.write("first part|")
        req.write("second part|")
        req.write("third part")
        return apache.OK
""", directives="AddOutputFilter MP_RAISER .py")


@pytest.fixture(scope="module")
def site(module_mpm):
    with SITE.serve(mpm=module_mpm) as srv:
        yield srv


def test_output_filter_directive(site):
    # I-214
    r = site.get("/i214.py", timeout=10)
    assert (r.status, r.text) == (200, "TEST OK")
    r = site.get("/i214set.py", timeout=10)
    assert (r.status, r.text) == (200, "TEST OK")


def test_output_filter_large_body(site):
    # I-214, large body: 5 MB of varied bytes written in uneven pieces through
    # the upper-casing output filter arrive intact and in order
    expected = random.Random(214).randbytes(5 * 1024 * 1024).upper()
    r = site.get("/i214big.py", timeout=60)
    assert r.status == 200
    assert len(r.body) == len(expected)
    assert hashlib.sha256(r.body).hexdigest() == hashlib.sha256(expected).hexdigest()


def test_add_output_filter_from_handler(site):
    # I-215
    r = site.get("/i215.py", timeout=10)
    assert (r.status, r.text) == (200, "TEST OK")


def test_register_output_filter(site):
    # I-216
    r = site.get("/i216.py", timeout=10)
    assert (r.status, r.text) == (200, "TEST OK")
    d = site.get("/i216props.py", timeout=10).json()
    assert d["name"] == "mod_python"
    assert d["handler"] == "i_filters::props"
    assert d["is_input"] == 0
    assert d["marker"] == "i216 marker"


def test_read_none_at_eos_and_close(site):
    # I-217
    mark = site.log_mark()
    r = site.get("/i217.py", timeout=10)
    assert (r.status, r.text) == (200, "i217 body")
    log = site.wait_log("i217 eos", since=mark)
    line = [l for l in log.splitlines() if "i217 eos" in l][0]
    assert "before=0 after=1 " in line, line
    assert "read=EXC:ValueError:I/O operation on closed filter" in line, line
    assert "write=EXC:ValueError:I/O operation on closed filter" in line, line
    assert "close_again=None" in line, line


def test_filter_without_close_delivers(site):
    # I-218: the response still ends properly; a second request on the same
    # keep-alive connection works
    c = site.conn(timeout=10)
    try:
        for _ in range(2):
            r = c.get("/i218.py")
            assert (r.status, r.text) == (200, "TEST OK")
    finally:
        c.close()


def test_is_input_and_req(site):
    # I-219
    d = site.get("/i219out.py", timeout=10).json()
    assert d["is_input"] == 0
    assert d["marker"] == "i219 out marker"
    assert d["same_req"] is True
    assert d["uri"] == "/i219out.py"
    assert d["name"] == "mp_props_out"
    assert d["handler"] == "i_filters::props"
    assert d["dir"] == site.docroot + "/"
    assert d["closed"] == 0
    assert d["softspace"] == 1
    r = site.post("/i219in.py", "x" * 2000, timeout=10)
    assert r.status == 200
    d = r.json()
    assert d["is_input"] == 1
    assert d["marker"] == "i219 in marker"
    assert d["same_req"] is True
    assert d["name"] == "mp_props_in"


def test_no_unknown_attribute(site):
    # I-220
    d = site.get("/i219out.py", timeout=10).json()
    assert d["has_non_existent"] is False
    d = site.post("/i219in.py", "x" * 2000, timeout=10).json()
    assert d["has_non_existent"] is False


def test_input_filter_upper(site):
    # I-221
    r = site.post("/i221.py", "hello input filter", timeout=10)
    assert (r.status, r.text) == (200, "HELLO INPUT FILTER")


def test_input_filter_large_body(site):
    # I-221, large body: 5 MB of varied bytes through the upper-casing input
    # filter reach req.read() intact and in order
    data = random.Random(221).randbytes(5 * 1024 * 1024)
    r = site.post("/i221big.py", data, headers={"Content-Type": "application/octet-stream"},
                  timeout=60)
    assert r.status == 200
    assert r.json() == {"len": len(data), "sha256": hashlib.sha256(data.upper()).hexdigest()}


@pytest.mark.parametrize("name", ["MP_IN_ONCE", "MP_IN_LINE", "MP_IN_AT_END"])
def test_input_filter_read_in_small_pieces(site, name):
    # I-221 and filters.md, "Once per brigade": filters that read once (or
    # one line) per call, a handler that
    # reads 100 bytes at a time: nothing is lost or reordered, whatever the
    # sizes the filter produces and the reader asks for.
    data = b"".join(b"line %d of the body\n" % i for i in range(5000))
    r = site.post("/i221small.py?" + name, data, timeout=60,
                  headers={"Content-Type": "text/plain"})
    assert r.status == 200, r.text
    assert r.json() == {"len": len(data), "sha256": hashlib.sha256(data.upper()).hexdigest()}


def test_input_filter_large_body_readline(site):
    # I-221, large body: ~600 kB of text lines read back with req.readline()
    # through the upper-casing input filter arrive intact and in order
    rnd = random.Random(2211)
    lines = [("line %d " % i + "abcxyz" * rnd.randint(0, 12) + "\n").encode()
             for i in range(20000)]
    data = b"".join(lines)
    r = site.post("/i221lines.py", data, headers={"Content-Type": "text/plain"}, timeout=60)
    assert r.status == 200
    assert r.json() == {"lines": len(lines), "len": len(data),
                        "sha256": hashlib.sha256(data.upper()).hexdigest()}


def test_pass_on(site):
    # I-222
    r = site.get("/i222out.py", timeout=10)
    assert (r.status, r.text) == (200, "Mixed Case passes")
    r = site.post("/i222in.py", "Mixed Case Input", timeout=10)
    assert (r.status, r.text) == (200, "Mixed Case Input")


def test_disable(site):
    # I-223: the first invocation upper-cases and disables itself; the later
    # brigades pass unchanged and Python is not called again
    mark = site.log_mark()
    r = site.get("/i223.py", timeout=10)
    assert (r.status, r.text) == (200, "ABCdefghi")
    log = site.wait_log("i223 python called", since=mark)
    assert log.count("i223 python called") == 1, log


def test_return_value_ignored(site):
    # I-224 (upper() returns None; junk_return() returns a string)
    assert site.get("/i214.py", timeout=10).text == "TEST OK"
    r = site.get("/i224.py", timeout=10)
    assert (r.status, r.text) == (200, "TEST OK")


def test_output_filter_exception_debug(site):
    # D-104
    mark = site.log_mark()
    r = site.get("/i104.py", timeout=10)
    assert r.status == 200
    text = r.text
    assert text.startswith("FIRST PART|"), text
    assert 'Mod_python error: "' in text, text
    assert "Traceback (most recent call last)" in text, text
    assert "i104 filter boom" in text, text
    assert text.endswith("second part|third part"), text
    assert text.index("i104 filter boom") < text.index("second part|")
    site.wait_log("i104 filter boom", since=mark)


def test_input_filter_told_the_end_once(site):
    # filters.md, "Once per brigade": the body and its end arrive in one
    # call; the callable is called again to be told the end (read()
    # returns None), once
    r = site.post("/iecho.py?MP_IN_FOOTER", "short body", timeout=10)
    assert (r.status, r.text) == (200, "short body[end]")


def test_input_filter_that_never_reads_does_not_hang(site):
    # the body ends where the filter stopped working, with a log line
    mark = site.log_mark()
    r = site.post("/iecho.py?MP_IN_IDLE", "ignored", timeout=10)
    assert (r.status, r.text) == (200, "")
    site.wait_log("input filter mp_in_idle neither read nor wrote", since=mark)


@pytest.mark.parametrize("name, body", [
    ("MP_IN_RAISE", "the whole body"),
    ("MP_IN_READ_RAISE", "</pre> whole body"),  # the 3 bytes it read are gone
    ("MP_IN_DISABLE", "the whole body")])
def test_failed_or_disabled_input_filter_passes_the_rest(site, name, body):
    # filters.md, "Errors": after an exception (or disable()) the filter is
    # pass-through: what it had fetched but not read, and the rest, reach
    # the reader
    r = site.post("/iecho.py?" + name, "the whole body", timeout=10)
    assert r.status == 200
    assert r.text.endswith(body), r.text
    assert ("Traceback" in r.text) == (name != "MP_IN_DISABLE")


def test_input_filter_that_skips_lines(site):
    # calls that read buffered data but write nothing are progress, not
    # the end of the body
    r = site.post("/iecho.py?MP_IN_DROP", "a=1\n#comment\nb=2\n#x\nc=3\n",
                  timeout=10)
    assert (r.status, r.text) == (200, "a=1\nb=2\nc=3\n")


def test_input_filter_closing_early_does_not_leave_the_body_as_a_request(site):
    # what the filter did not read stays on the connection: it must not be
    # parsed as the next request (keep-alive is dropped)
    hidden = b"GET /i214.py HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    request = (b"POST /iecho.py?MP_IN_CLOSE HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               b"Content-Length: %d\r\n\r\n" % len(hidden)) + hidden
    data = site.raw(request, timeout=10)
    assert data.count(b"HTTP/1.1 ") == 1, data


def test_input_filter_hiding_a_read_error_is_not_called_forever(site):
    # the client promises 100 bytes, sends 10 and goes: the read error ends
    # the body for the reader instead of a busy loop over the filter
    request = (b"POST /iecho_safe.py?MP_IN_READ_ERROR HTTP/1.1\r\n"
               b"Host: 127.0.0.1\r\nContent-Length: 100\r\n\r\n0123456789")
    site.raw(request, timeout=3, shutdown=True)
    before = cpu_seconds(child_pids(site.pid))
    time.sleep(1.5)
    assert cpu_seconds(child_pids(site.pid)) - before < 0.5
    assert site.get("/i214.py").text == "TEST OK"


def test_input_filter_closing_then_raising(site):
    # nothing of the body may follow the end close() made
    r = site.post("/iecho.py?MP_IN_CLOSE_RAISE", "abcdefgh", timeout=10)
    assert (r.status, r.text) == (200, "abc")


def test_output_filter_closing_at_every_call(site):
    # what comes after the first close() is dropped, and the connection
    # stays usable for the next request
    conn = site.conn()
    try:
        first = conn.get("/itwo_writes.py")
        second = conn.get("/itwo_writes.py")
    finally:
        conn.close()
    assert first.text == second.text == "FIRST "


def test_filter_object_after_its_invocation(site):
    # python-api: a filter object is for its invocation; afterwards it
    # holds nothing of the request (no cycle, no freed memory)
    r = site.get("/ikept.py", timeout=10)
    assert r.status == 200
    body, result = r.text.split("|", 1)
    assert json.loads(result) == [
        "EXC:RuntimeError:filter used after its invocation ended",
        "EXC:RuntimeError:filter used after its invocation ended", "mod_python"]
