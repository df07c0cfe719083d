"""FieldStorage on multipart/form-data bodies."""

import hashlib
import io
import random

import pytest

from mod_python import apache, util

from .test_util_support import (FormRequest, file_part, multipart, multipart_request,
                                text_part)


def parse(parts, **kw):
    return util.FieldStorage(multipart_request(parts, **kw))


def refused(req):
    with pytest.raises(apache.SERVER_RETURN) as info:
        util.FieldStorage(req)
    assert len(req.logged) == 1, req.logged
    return info.value.args[0]


def test_text_and_file_fields():
    fs = parse([text_part("title", b"caf\xc3\xa9"),
                file_part("up", "test.txt", b"line1\r\nline2\n", "text/plain; charset=x")])
    title, up = fs.list
    assert isinstance(title, util.StringField) and title == "caf\u00e9"
    assert title.disposition == "form-data" and title.type == "text/plain"
    assert title.disposition_options == {"name": "title"}
    assert isinstance(up, util.Field) and not isinstance(up, str)
    assert (up.name, up.filename, up.type, up.type_options) == (
        "up", "test.txt", "text/plain", {"charset": "x"})
    assert up.file.tell() == 0 and up.file.read() == b"line1\r\nline2\n"
    assert up.value == b"line1\r\nline2\n"
    assert up.headers["Content-Type"] == "text/plain; charset=x"
    assert fs.getfirst("up") is up


def test_query_fields_come_first():
    fs = parse([text_part("b", b"2")], args="a=1")
    assert [f.name for f in fs.list] == ["a", "b"]


def test_small_uploads_stay_in_memory_large_ones_go_to_files():
    # thousands of tiny uploads must not hold a descriptor each
    small = util._SPOOL_SIZE
    fs = parse([file_part("up", "a.bin", b"\0\1\2"),
                file_part("big", "b.bin", b"x" * (small + 1))])
    assert fs["up"].file._rolled is False and fs["up"].value == b"\0\1\2"
    assert fs["big"].file._rolled is True
    assert fs["big"].file.fileno() >= 0 and len(fs["big"].value) == small + 1


def test_callbacks():
    made = []

    def file_callback(filename):
        made.append(("file", filename))
        return io.BytesIO()

    def field_callback():
        made.append(("field",))
        return io.BytesIO()

    req = multipart_request([text_part("t", b"text"), file_part("f", "x.txt", b"data")])
    fs = util.FieldStorage(req, file_callback=file_callback, field_callback=field_callback)
    assert made == [("field",), ("file", "x.txt")]
    assert fs["t"] == "text" and fs["t"].file.read() == b"text"
    assert fs["f"].file.getvalue() == b"data"


def test_part_type_defaults():
    fs = parse([({"Content-Disposition": 'form-data; name="a"'}, b"1"),
                ({"Content-Disposition": 'form-data; name="b"; filename="b"',
                  "Content-Type": "garbage"}, b"2")])
    assert fs["a"].type == "text/plain"
    assert fs["b"].type == "application/octet-stream"


def test_an_empty_file_input_is_a_false_empty_string_field():
    # J-237
    # what a browser sends for <input type=file> left empty; 3.5 gave a
    # StringField, so `if form["f"]:` does not take the upload branch
    fs = parse([file_part("f", "", b"")])
    assert isinstance(fs["f"], util.StringField) and not fs["f"]
    assert fs["f"] == "" and fs["f"].filename is None


def test_a_named_file_is_a_file_field_even_when_empty():
    fs = parse([file_part("f", "empty.txt", b"")])
    assert isinstance(fs["f"], util.Field) and fs["f"].filename == "empty.txt"
    assert fs["f"].value == b""


def test_names_are_latin1_and_decode_to_utf8():
    name = "\u00e9".encode("utf-8").decode("latin-1")
    fs = parse([text_part(name, b"v")])
    (key,) = fs.keys()
    assert key == "\u00c3\u00a9" and key.decode() == "\u00e9"


def test_quoted_parameters():
    fs = parse([({"Content-Disposition":
                  'form-data; name="f"; filename="a;b \\"q\\".txt"'}, b"x")])
    assert fs["f"].filename == 'a;b "q".txt'


def test_header_continuation_lines():
    body = (b"--B\r\nContent-Disposition: form-data;\r\n\tname=\"c\"\r\n\r\nv\r\n--B--\r\n")
    fs = util.FieldStorage(FormRequest(body, ctype="multipart/form-data; boundary=B"))
    assert fs["c"] == "v"


def test_lf_only_newlines():
    body = multipart([text_part("a", b"1"), file_part("f", "f", b"x\ny\n")],
                     newline=b"\n")
    fs = util.FieldStorage(FormRequest(body, ctype="multipart/form-data; boundary=BOUNDARY"))
    assert (fs["a"], fs["f"].value) == ("1", b"x\ny\n")


def test_quoted_boundary_and_later_parameters():
    body = multipart([text_part("a", b"1")], boundary="a b")
    req = FormRequest(body, ctype='multipart/form-data; BOUNDARY="a b"; charset=utf-8')
    assert util.FieldStorage(req)["a"] == "1"


def test_preamble_epilogue_and_unnamed_parts_are_skipped():
    body = (b"preamble --BOUNDARY\r\nmore\r\n" +
            multipart([({"Content-Type": "text/plain"}, b"no name"), text_part("a", b"1"),
                       ({}, b"")]) + b"epilogue")
    fs = util.FieldStorage(multipart_request([], body=body))
    assert fs.keys() == ["a"]


def test_similar_lines_in_data_are_data():
    data = b"--BOUNDARYX\r\n--BOUNDARY-\r\n x--BOUNDARY\r\n--BOUNDAR\r\n"
    fs = parse([file_part("f", "f", data)])
    assert fs["f"].value == data


def test_part_without_headers_or_data():
    body = b"--B\r\n--B\r\nContent-Disposition: form-data; name=a\r\n\r\n\r\n--B--\r\n"
    fs = util.FieldStorage(FormRequest(body, ctype="multipart/form-data; boundary=B"))
    assert fs.list[0] == "" and fs.keys() == ["a"]


def test_only_closing_delimiter():
    fs = util.FieldStorage(FormRequest(b"--B--\r\n", ctype="multipart/form-data; boundary=B"))
    assert len(fs) == 0


def edge_data(rnd, block):
    """Lines whose length falls around the block size, ending in every kind
    of newline (or none), with CRs and dashes inside."""
    out = b""
    for _ in range(rnd.randrange(4)):
        size = rnd.choice([0, 1, block - 2, block - 1, block, block + 1, 2 * block])
        body = bytes(rnd.choice(b"aa-\r\0") for _ in range(max(size, 0)))
        out += body + rnd.choice([b"", b"\r", b"\n", b"\r\n", b"\n\r", b"\r\r\n"])
    return out


@pytest.mark.parametrize("block", [1, 2, 3, 5, 7, 8, 9, 64, 65, 67, 100])
def test_data_exact_at_every_block_size(monkeypatch, block):
    monkeypatch.setattr(util, "readBlockSize", block)
    rnd = random.Random(block)
    datas = [edge_data(rnd, block) for _ in range(60)]
    datas += [b"", b"\r", b"\n", b"\r\n", b"\r\r\n\n", b"x\r", b"-" * block + b"\r"]
    parts = [file_part("f%d" % i, "n", d) for i, d in enumerate(datas)]
    fs = parse(parts, boundary="B")
    assert [fs["f%d" % i].value for i in range(len(datas))] == datas


def test_block_edge_cases_of_the_spec():
    b = util.readBlockSize
    datas = [b"x" * (b - 1) + b"\r\n" + b"y" * 10,     # line of readBlockSize-1 chars
             b"z" * 100 + b"\r",                         # trailing CR
             b"c" * (b - 1) + b"\r" + b"d" * 10,         # CR at position readBlockSize
             b"e" * (b - 1) + b"\r",                     # CR at the edge, then boundary
             b"f" * (3 * b + 7)]                         # longer than a block
    fs = parse([file_part("f%d" % i, "n", d) for i, d in enumerate(datas)])
    assert [fs["f%d" % i].value for i in range(len(datas))] == datas


def test_one_mib_binary_upload():
    data = random.Random(1).randbytes(1 << 20)
    fs = parse([file_part("testfile", "test.txt", data)])
    field = fs.getfirst("testfile")
    assert field.filename == "test.txt"
    assert hashlib.md5(field.file.read()).digest() == hashlib.md5(data).digest()


def test_read_to_boundary_helper():
    req = FormRequest(b"abc\r\ndef\r\n--B\r\nrest", ctype="x")
    out = io.BytesIO()
    fs = util.FieldStorage(FormRequest(b"", method="GET"))
    assert fs.read_to_boundary(req, b"--B", out) is False
    assert out.getvalue() == b"abc\r\ndef"
    assert req.read() == b"rest"                # nothing read past the line


@pytest.mark.parametrize("body, why", [
    (b"no boundary here\r\n", "no boundary"),
    (b"--B\r\nContent-Disposition: form-data; name=a\r\n\r\nvalue\r\n", "closing"),
    (b"--B\r\nContent-Disposition: form-data; name=a\r\n", "headers"),
    (b"--B\r\nContent-Disposition: form-data; name=a\0\r\n\r\nv\r\n--B--\r\n", "NUL"),
])
def test_malformed_bodies_are_400(body, why):
    req = FormRequest(body, ctype="multipart/form-data; boundary=B")
    assert refused(req) == apache.HTTP_BAD_REQUEST
    assert why in req.logged[0][0]


def test_missing_boundary_is_400():
    req = FormRequest(b"x", ctype="multipart/form-data")
    assert refused(req) == apache.HTTP_BAD_REQUEST
    req = FormRequest(b"x", ctype='multipart/form-data; boundary=""')
    assert refused(req) == apache.HTTP_BAD_REQUEST


def test_temporary_files_are_closed_on_refusal():
    body = multipart([file_part("f", "f", b"data")], boundary="B", close=False)
    files = []

    def file_callback(name):
        files.append(io.BytesIO())
        return files[-1]

    req = FormRequest(body, ctype="multipart/form-data; boundary=B")
    with pytest.raises(apache.SERVER_RETURN):
        util.FieldStorage(req, file_callback=file_callback)
    assert files[0].closed


@pytest.mark.parametrize("body, value", [
    (b"--B  \t\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--B-- \r\n", "v"),
    (b"--B\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--B--", "v"),
    (b"--B\r\nContent-Disposition: form-data; name=a\r\n\r\nabc\r--B--\r\n", "abc"),
    (b"--B\r\nContent-Disposition: form-data; name=a\r\n\r\nabc\n--B--\n", "abc"),
    (b"--B\r\nContent-Disposition: form-data; name=a\r\n\r\n--B--\r\n", ""),
    (b"--B\r\nContent-Disposition: form-data; name=a\r\n\r\n--BB\r\n--B-x\r\n--B--\r\n",
     "--BB\r\n--B-x"),
])
def test_delimiter_line_forms(monkeypatch, body, value):
    for block in (1, 3, 4096):
        monkeypatch.setattr(util, "readBlockSize", block)
        req = FormRequest(body, ctype="multipart/form-data; boundary=B")
        assert util.FieldStorage(req)["a"] == value


def test_many_short_lines_are_cheap():
    import time
    data = b"\n" * (8 << 20)
    started = time.process_time()
    fs = parse([file_part("f", "f", data)])
    assert fs["f"].file.seek(0, 2) == len(data)
    assert time.process_time() - started < 2
