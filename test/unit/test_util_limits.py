"""The mod_python.util.* limits on form data."""

import pytest

from mod_python import apache, util

from .test_util_support import FormRequest, file_part, multipart_request, text_part

URLENCODED = "application/x-www-form-urlencoded"
TOO_LARGE = apache.HTTP_REQUEST_ENTITY_TOO_LARGE


def refusal(req, **kw):
    with pytest.raises(apache.SERVER_RETURN) as info:
        util.FieldStorage(req, **kw)
    assert len(req.logged) == 1, req.logged
    return info.value.args[0], req.logged[0][0]


def opts(**limits):
    return {"mod_python.util." + key: value for key, value in limits.items()}


def test_body_size_is_checked_before_reading():
    req = FormRequest(b"a=1", ctype=URLENCODED, length=101 * 1024 * 1024)
    status, line = refusal(req)
    assert status == TOO_LARGE and "max_body_size" in line
    assert req.read_sizes == []


def test_body_size_option_with_unit():
    req = FormRequest(b"a=" + b"1" * 2048, ctype=URLENCODED, options=opts(max_body_size="2k"))
    assert refusal(req)[0] == TOO_LARGE
    req = FormRequest(b"a=1", ctype=URLENCODED, options=opts(max_body_size="2K"))
    assert util.FieldStorage(req)["a"] == "1"


def test_zero_disables_a_limit():
    req = FormRequest(b"a=" + b"1" * 100, ctype=URLENCODED,
                      options=opts(max_field_size="0", max_body_size="0"))
    assert len(util.FieldStorage(req)["a"]) == 100


def test_bad_option_value_is_logged_and_default_used():
    req = FormRequest(b"a=1", ctype=URLENCODED, options=opts(max_fields="lots"))
    assert util.FieldStorage(req)["a"] == "1"
    assert "max_fields" in req.logged[0][0]


def test_urlencoded_field_size():
    options = opts(max_field_size="10")
    ok = FormRequest(b"a=123456789", ctype=URLENCODED, options=options)
    assert util.FieldStorage(ok)["a"] == "123456789"
    req = FormRequest(b"a=1234567890", ctype=URLENCODED, options=options)
    status, line = refusal(req)
    assert status == TOO_LARGE and "max_field_size" in line


def test_huge_urlencoded_field_is_refused_while_reading():
    body = b"a=" + b"x" * (4 << 20)
    req = FormRequest(body, ctype=URLENCODED)
    assert refusal(req)[0] == TOO_LARGE
    assert len(req.read_sizes) < 60          # stopped after ~3 MiB


def test_query_string_counts_too():
    req = FormRequest(method="GET", args="a=1&b=2&c=3", options=opts(max_fields="2"))
    status, line = refusal(req)
    assert status == TOO_LARGE and "max_fields" in line


def test_field_count_urlencoded():
    body = b"&".join(b"f=%d" % i for i in range(10001))
    status, line = refusal(FormRequest(body, ctype=URLENCODED))
    assert status == TOO_LARGE and "max_fields" in line
    body = b"&".join(b"f=%d" % i for i in range(10000))
    assert len(util.FieldStorage(FormRequest(body, ctype=URLENCODED)).list) == 10000


def test_field_count_multipart():
    req = multipart_request([text_part("a", b"1")] * 4, options=opts(max_fields="3"))
    assert refusal(req)[0] == TOO_LARGE


def test_multipart_text_field_size_but_not_uploads():
    options = opts(max_field_size="1k")
    req = multipart_request([text_part("t", b"x" * 1025)], options=options)
    status, line = refusal(req)
    assert status == TOO_LARGE and "max_field_size" in line
    req = multipart_request([file_part("f", "f", b"x" * 5000), text_part("t", b"y" * 1024)],
                            options=options)
    fs = util.FieldStorage(req)
    assert len(fs["f"].value) == 5000 and len(fs["t"]) == 1024


def test_part_header_size():
    long_name = "n" * 9000
    req = multipart_request([text_part(long_name, b"v")])
    status, line = refusal(req)
    assert status == apache.HTTP_BAD_REQUEST and "max_part_header_size" in line
    req = multipart_request([text_part(long_name, b"v")],
                            options=opts(max_part_header_size="16k"))
    assert util.FieldStorage(req)[long_name] == "v"


def test_many_part_header_lines():
    headers = {"X-%d" % i: "y" * 50 for i in range(200)}
    headers["Content-Disposition"] = 'form-data; name="a"'
    req = multipart_request([(headers, b"v")])
    assert refusal(req)[0] == apache.HTTP_BAD_REQUEST


def test_long_boundary_is_400():
    req = FormRequest(b"", ctype="multipart/form-data; boundary=" + "b" * 300)
    assert refusal(req)[0] == apache.HTTP_BAD_REQUEST


def test_negative_content_length_is_400():
    req = FormRequest(b"", ctype=URLENCODED, length=-5)
    assert refusal(req)[0] == apache.HTTP_BAD_REQUEST


def test_client_read_error_is_400():
    req = FormRequest(b"a=1", ctype=URLENCODED)

    def failing_read(n=-1):
        raise IOError("Client read error (Timeout?)")
    req.read = failing_read
    assert refusal(req)[0] == apache.HTTP_BAD_REQUEST
