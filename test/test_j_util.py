"""J. mod_python.util (behaviours.md items 225-244).

The site runs under both the prefork and the event MPM.
"""

import hashlib
import random

import pytest

from helpers import Site, code

SITE = Site()

BLOCK = 65368   # util.readBlockSize


def multipart(parts, boundary="testboundary"):
    """(body, content type) of a multipart/form-data request.
    parts: (name, filename or None, data bytes)."""
    out = b""
    for name, filename, data in parts:
        disposition = 'form-data; name="%s"' % name
        if filename is not None:
            disposition += '; filename="%s"' % filename
        out += (b"--%s\r\nContent-Disposition: %s\r\n" % (boundary.encode(), disposition.encode())
                + (b"Content-Type: application/octet-stream\r\n" if filename is not None else b"")
                + b"\r\n" + data + b"\r\n")
    out += b"--%s--\r\n" % boundary.encode()
    return out, "multipart/form-data; boundary=%s" % boundary


SITE.handler("j_qs", """
    from mod_python import util

    def handler(req):
        return reply(req, {
            "225": util.parse_qsl("a=1&b=2;c=3"),
            "226": util.parse_qs("a=1&a=2"),
            "227": [util.parse_qsl("a=&b=1"), util.parse_qsl("a=&b=1", keep_blank_values=1)],
            "228": util.parse_qsl("x=a+b%2Bc"),
            "229": [repr(util.parse_qsl(b"a=1")), util.parse_qsl("e=%C3%A9"),
                    [type(x).__name__ for x in util.parse_qsl("a=1")[0]]],
        })
""")


def test_parse_qsl_separators(site):
    # J-225
    assert site.get("/j_qs.py").json()["225"] == [["a", "1"], ["b", "2"], ["c", "3"]]


def test_parse_qs_lists(site):
    # J-226
    assert site.get("/j_qs.py").json()["226"] == {"a": ["1", "2"]}


def test_parse_qsl_blank_values(site):
    # J-227
    assert site.get("/j_qs.py").json()["227"] == [[["b", "1"]], [["a", ""], ["b", "1"]]]


def test_parse_qsl_plus_and_escapes(site):
    # J-228
    assert site.get("/j_qs.py").json()["228"] == [["x", "a b+c"]]


def test_parse_qsl_types_follow_input(site):
    # J-229
    assert site.get("/j_qs.py").json()["229"] == ["[(b'a', b'1')]", [["e", "\u00e9"]],
                                                  ["str", "str"]]


SITE.handler("j_form", """
    from mod_python import util

    def describe(field):
        return {"class": type(field).__name__, "name": field.name,
                "value": field.value if isinstance(field, str) else repr(field.value),
                "filename": field.filename, "is_str": isinstance(field, str)}

    def handler(req):
        fs = util.FieldStorage(req)
        spam = fs.get("spam", None)
        return reply(req, {
            "list": [describe(f) for f in fs.list],
            "spam": [describe(f) for f in spam] if isinstance(spam, list) else None,
            "eggs": fs.getfirst("eggs"),
            "bacon": fs.getlist("bacon"),
            "none": fs.getlist("none"),
        })
""")


def test_field_storage_urlencoded(site):
    # J-230
    d = site.post("/j_form.py", "spam=1&spam=2&eggs=3&bacon=4").json()
    assert [(f["name"], f["value"]) for f in d["list"]] == [
        ("spam", "1"), ("spam", "2"), ("eggs", "3"), ("bacon", "4")]
    assert [f["value"] for f in d["spam"]] == ["1", "2"]
    assert (d["eggs"], d["bacon"], d["none"]) == ("3", ["4"], [])


def test_field_storage_includes_query_string(site):
    # J-231
    d = site.post("/j_form.py?q=%C3%A9&spam=0", "spam=1").json()
    assert [(f["name"], f["value"]) for f in d["list"]] == [
        ("q", "\u00e9"), ("spam", "0"), ("spam", "1")]
    d = site.get("/j_form.py?eggs=3").json()
    assert d["eggs"] == "3"


def test_post_without_content_length_is_411(site):
    # J-232
    r = site.raw_response("POST /j_form.py HTTP/1.0\r\nHost: x\r\n"
                          "Content-Type: application/x-www-form-urlencoded\r\n\r\n")
    assert r.status == 411
    # a chunked body has no Content-Length and is read (3.5 refused it with 411)
    r = site.raw_response("POST /j_form.py HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n5\r\na=1&b\r\n0\r\n\r\n")
    assert [(f["name"], f["value"]) for f in r.json()["list"]] == [("a", "1")]


def test_unsupported_content_type_is_501(site):
    # J-233
    mark = site.log_mark()
    r = site.post("/j_form.py", "<a/>", headers={"Content-Type": "text/xml"})
    assert r.status == 501
    site.wait_log("text/xml", since=mark)


def test_multipart_without_boundary_is_400(site):
    # J-234
    body, _ = multipart([("a", None, b"1")])
    r = site.post("/j_form.py", body, headers={"Content-Type": "multipart/form-data"})
    assert r.status == 400


SITE.handler("j_upload", """
    import hashlib
    from mod_python import util

    def handler(req):
        fs = util.FieldStorage(req)
        out = {}
        for field in fs.list:
            data = field.file.read()
            out[field.name] = {"md5": hashlib.md5(data).hexdigest(), "size": len(data),
                               "filename": field.filename,
                               "class": type(field).__name__}
        return reply(req, out)
""")


def test_one_mib_binary_upload(site):
    # J-235
    data = random.Random(235).randbytes(1 << 20)
    body, ctype = multipart([("testfile", "test.txt", data)])
    d = site.post("/j_upload.py", body, headers={"Content-Type": ctype}).json()
    assert d["testfile"]["md5"] == hashlib.md5(data).hexdigest()
    assert d["testfile"]["filename"] == "test.txt"


def test_cr_at_block_boundaries(site):
    # J-236
    datas = {
        "line_block_minus_1": b"a" * (BLOCK - 1) + b"\r\n" + b"b" * 100,
        "trailing_cr": b"c" * 1000 + b"\r",
        "cr_at_block": b"d" * (BLOCK - 1) + b"\r" + b"e" * 100,
        "cr_at_block_end": b"f" * (BLOCK - 1) + b"\r",
        "last_line_block_minus_1": b"g\n" + b"h" * (BLOCK - 1),
        "crlf_runs": b"\r\n" * BLOCK + b"\r\r\n\n",
    }
    body, ctype = multipart([(name, name + ".bin", data) for name, data in datas.items()])
    d = site.post("/j_upload.py", body, headers={"Content-Type": ctype}).json()
    for name, data in datas.items():
        assert (d[name]["size"], d[name]["md5"]) == (len(data), hashlib.md5(data).hexdigest()), name


def test_field_classes(site):
    # J-237
    body, ctype = multipart([("up", "u.txt", b"bytes"), ("text", None, b"caf\xc3\xa9")])
    d = site.post("/j_form.py", body, headers={"Content-Type": ctype}).json()
    up, text = d["list"]
    assert (up["class"], up["filename"], up["is_str"], up["value"]) == (
        "Field", "u.txt", False, "b'bytes'")
    assert (text["class"], text["filename"], text["is_str"], text["value"]) == (
        "StringField", None, True, "caf\u00e9")


SITE.handler("j_mapping", """
    from mod_python import util

    def handler(req):
        fs = util.FieldStorage(req)
        result = {"get": fs.get("missing", "dflt"), "in": "x" in fs,
                  "has_key": fs.has_key("x"), "in_missing": "nope" in fs,
                  "has_key_missing": fs.has_key("nope"), "len": len(fs)}
        fs.add_field("n", "v")
        result["after_add"] = fs.getlist("n")
        fs["n"] = "w"
        result["after_set"] = [fs["n"], isinstance(fs["n"], list)]
        del fs["n"]
        result["after_del"] = "n" in fs
        return reply(req, result)
""")


def test_mapping_members(site):
    # J-238
    d = site.get("/j_mapping.py?x=1&x=2&y=3").json()
    assert (d["get"], d["in"], d["has_key"], d["in_missing"], d["has_key_missing"]) == (
        "dflt", True, True, False, False)
    assert d["len"] == 2


def test_add_set_delete(site):
    # J-239
    d = site.get("/j_mapping.py?n=old").json()
    assert d["after_add"] == ["old", "v"]
    assert d["after_set"] == ["w", False]
    assert d["after_del"] is False


SITE.handler("j_callbacks", """
    import io
    from mod_python import util

    class Named(io.BytesIO):
        pass

    def handler(req):
        calls = []

        def file_callback(filename):
            calls.append(["file", filename])
            return Named()

        def field_callback():
            calls.append(["field"])
            return Named()

        fs = util.FieldStorage(req, file_callback=file_callback,
                               field_callback=field_callback)
        return reply(req, {"calls": calls,
                           "files": {f.name: [type(f.file).__name__, f.file.read().decode()]
                                     for f in fs.list}})
""")


def test_file_and_field_callbacks(site):
    # J-240
    body, ctype = multipart([("t", None, b"text"), ("f", "f.txt", b"data")])
    d = site.post("/j_callbacks.py", body, headers={"Content-Type": ctype}).json()
    assert d["calls"] == [["field"], ["file", "f.txt"]]
    assert d["files"] == {"t": ["Named", "text"], "f": ["Named", "data"]}


SITE.handler("j_redirect", """
    from mod_python import util

    def fixup(req):
        if req.args == "go":
            util.redirect(req, "/dummy", text="test ok")
        return apache.OK

    def handler(req):
        if req.args == "permanent":
            util.redirect(req, "/elsewhere", permanent=1)
        if req.args == "errors":
            first = capture(lambda: util.redirect(req, 123))
            req.write("started ")
            second = capture(lambda: util.redirect(req, "/x"))
            req.write(first + " | " + second)
            return apache.OK
        req.write("content handler ran")
        return apache.OK
""", directives="PythonFixupHandler j_redirect::fixup")


def test_redirect_from_fixup(site):
    # J-241
    r = site.get("/j_redirect.py?go")
    assert r.status == 302
    assert r.header("Location") == "/dummy"
    assert r.body == b"test ok"
    assert site.get("/j_redirect.py").text == "content handler ran"


def test_permanent_redirect(site):
    # J-242
    r = site.get("/j_redirect.py?permanent")
    assert (r.status, r.header("Location")) == (301, "/elsewhere")
    assert b'<a href="/elsewhere">here</a>' in r.body


def test_redirect_errors(site):
    # J-243
    r = site.get("/j_redirect.py?errors")
    assert r.status == 200
    assert r.text == ("started EXC:TypeError:location must be of type str | "
                      "EXC:OSError:Cannot redirect after headers have already been sent.")


SITE.handler("j_apply", """
    from mod_python import util

    def declared(a, req):
        return {"a": a, "req": type(req).__name__}

    def anything(**kw):
        return {k: (type(v).__name__ if k == "req" else v) for k, v in kw.items()}

    def handler(req):
        fs = util.FieldStorage(req)
        return reply(req, [util.apply_fs_data(declared, fs, req=req),
                           util.apply_fs_data(anything, fs, req=req)])
""")


def test_apply_fs_data(site):
    # J-244
    declared, anything = site.get("/j_apply.py?a=1&b=2&b=3&req=evil").json()
    assert declared == {"a": "1", "req": "mp_request"}
    assert anything == {"a": "1", "b": ["2", "3"], "req": "mp_request"}


@pytest.fixture(scope="module")
def site(module_mpm):
    with SITE.serve(mpm=module_mpm) as srv:
        yield srv


def test_c_and_python_query_parsers_agree(apache):
    # J-225..229 hold for the C parser used inside Apache; this checks it
    # against the pure-Python one (used outside Apache) on awkward inputs.
    srv = apache(files={"qsdiff.py": code("""
        import _apache
        from mod_python import util
        CASES = [b"a=1&b=2;c=3", b"a=&b", b"x=a+b%2Bc", b"%", b"%4", b"%zz=1",
                 b"a=%C3%A9", b"=v", b"&&;;", b"k=v=w", b"a=%ff%fe", b"+=+"]
        def handler(req):
            out = []
            for case in CASES:
                for keep in (0, 1):
                    for qs in (case, case.decode("latin-1")):
                        c = _apache.parse_qsl(qs, keep)
                        py = util._pairs(util._qs_bytes(qs), keep)
                        if isinstance(qs, str):
                            py = [(util._decoded(n), util._decoded(v)) for n, v in py]
                        if c != py:
                            out.append(repr((qs, keep, c, py)))
            req.write("\\n".join(out) or "same")
            return apache.OK
    """)}, config="""
<Directory @DOCROOT@>
  SetHandler mod_python
  PythonHandler qsdiff
</Directory>
""")
    assert srv.get("/qsdiff.py").text == "same"


def test_an_empty_file_input_reads_as_false(apache):
    # J-237: a file field needs a file name; an empty one is a StringField
    """A browser sends filename="" for a file input left empty: the
    field is a false, empty StringField (as in 3.5), not an upload."""
    srv = apache(files={"form.py": """
from mod_python import util

def upload(req, f=None, note=None):
    return "%s|%r|%s" % (isinstance(f, util.Field), str(f),
                         "upload" if f else "none")
"""}, config="""
<Directory @DOCROOT@>
    SetHandler mod_python
    PythonHandler mod_python.publisher
</Directory>
""")
    body = (b'--B\r\nContent-Disposition: form-data; name="f"; filename=""\r\n'
            b'Content-Type: application/octet-stream\r\n\r\n\r\n'
            b'--B\r\nContent-Disposition: form-data; name="note"\r\n\r\nhi\r\n'
            b'--B--\r\n')
    r = srv.post("/form.py/upload", body,
                 headers={"Content-Type": "multipart/form-data; boundary=B"})
    assert r.text == "False|''|none"
