"""FieldStorage on query strings and urlencoded bodies; the mapping
interface; Field, StringField and FieldList."""

import io

import pytest

from mod_python import apache, util

from .test_util_support import FormRequest

URLENCODED = "application/x-www-form-urlencoded"


def form(body=b"spam=1&spam=2&eggs=3&bacon=4", **kw):
    kw.setdefault("ctype", URLENCODED)
    return util.FieldStorage(FormRequest(body, **kw))


def test_urlencoded_post():
    fs = form()
    assert [(f.name, f.value) for f in fs.list] == [
        ("spam", "1"), ("spam", "2"), ("eggs", "3"), ("bacon", "4")]
    assert fs["spam"] == ["1", "2"]
    assert fs.getfirst("eggs") == "3"
    assert fs.getlist("bacon") == ["4"]
    assert fs.getlist("none") == []


def test_query_string_fields_come_first_also_for_post():
    fs = form(b"b=2", args="a=1&b=0")
    assert [(f.name, f.value) for f in fs.list] == [("a", "1"), ("b", "0"), ("b", "2")]


def test_get_request_reads_no_body():
    req = FormRequest(b"x=1", method="GET", args="q=%C3%A9")
    fs = util.FieldStorage(req)
    assert fs.keys() == ["q"] and fs["q"] == "\u00e9"
    assert req.read_sizes == []


def test_default_content_type_is_urlencoded():
    assert form(ctype=None)["bacon"] == "4"


def test_keep_blank_values():
    req = FormRequest(b"a=&b=1", ctype=URLENCODED)
    assert util.FieldStorage(req).keys() == ["b"]
    req = FormRequest(b"a=&b=1", ctype=URLENCODED)
    assert util.FieldStorage(req, keep_blank_values=1)["a"] == ""


def test_body_is_read_in_blocks():
    body = b"&".join(b"f%d=%s" % (i, b"v" * 100) for i in range(2000))
    req = FormRequest(body, ctype=URLENCODED)
    fs = util.FieldStorage(req)
    assert len(fs) == 2000 and fs["f1999"] == "v" * 100
    assert max(req.read_sizes) <= 65536 and len(req.read_sizes) > 1


def test_missing_content_length_is_411(fake_apache):
    with pytest.raises(apache.SERVER_RETURN) as info:
        form(length=None)
    assert info.value.args == (apache.HTTP_LENGTH_REQUIRED,)


def test_unsupported_type_is_501_and_logged():
    req = FormRequest(b"<x/>", ctype="text/xml")
    with pytest.raises(apache.SERVER_RETURN) as info:
        util.FieldStorage(req)
    assert info.value.args == (apache.HTTP_NOT_IMPLEMENTED,)
    assert len(req.logged) == 1 and "text/xml" in req.logged[0][0]


def test_field_types():
    fs = form(b"a=%C3%A9")
    field = fs["a"]
    assert isinstance(field, util.StringField) and isinstance(field, str)
    assert field == "\u00e9" and field.value == "\u00e9"
    assert type(field.name) is not bytes and field.name == "a"
    assert field.file.read() == b"\xc3\xa9"
    assert repr(field) == "Field('a', '\u00e9')"
    assert (field.filename, field.disposition, field.type_options) == (None, None, {})


def test_decode_keeps_3_5_port_code_working():
    fs = form(b"name=%E9t%E9&key=%C3%A9")
    # 3.5's port gave bytes: value.decode(...) decoded the bytes received
    assert fs.getfirst("name").decode("latin-1") == "\u00e9t\u00e9"
    assert fs["key"].value.decode() == "\u00e9"
    assert fs["key"].decode("utf-8") == "\u00e9"
    assert [name.decode() for name in fs.keys()] == ["name", "key"]
    # ... and looked fields up by bytes names
    assert fs.getfirst(b"key") == "\u00e9" and b"name" in fs
    fs[b"new"] = b"\xc3\xa9"
    assert fs["new"] == "\u00e9"


def test_invalid_utf8_text_is_replaced():
    assert form(b"a=%FFx")["a"] == "\ufffdx"


def test_mapping_interface():
    fs = form()
    assert fs.get("missing", "dflt") == "dflt" and fs.get("missing") is None
    assert fs.get("eggs", None) == "3"
    assert ("spam" in fs, fs.has_key("spam"), "x" in fs, fs.has_key("x")) == (
        True, True, False, False)
    assert len(fs) == 3 and sorted(fs) == ["bacon", "eggs", "spam"]
    assert [(n, f) for n, f in fs.items()] == [("spam", "1"), ("spam", "2"),
                                               ("eggs", "3"), ("bacon", "4")]
    assert fs.getfirst("none", "d") == "d"
    with pytest.raises(KeyError):
        fs["missing"]
    assert repr(fs) == ("{'spam': [Field('spam', '1'), Field('spam', '2')], "
                        "'eggs': [Field('eggs', '3')], 'bacon': [Field('bacon', '4')]}")


def test_add_set_delete():
    fs = form()
    fs.add_field("n", "v")
    fs.add_field("n", "v2")
    assert fs.getlist("n") == ["v", "v2"]
    fs["n"] = "w"
    assert fs["n"] == "w" and isinstance(fs["n"], util.StringField)
    fs["spam"] = "only"
    assert fs["spam"] == "only" and fs.list[-1].name == "spam"
    del fs["n"]
    assert "n" not in fs
    with pytest.raises(KeyError):
        del fs["n"]
    fs.clear()
    assert len(fs) == 0 and fs.keys() == []


def test_add_field_takes_field_objects():
    fs = form()
    upload = util.Field("up", io.BytesIO(b"data"))
    fs.add_field("up", upload)
    assert fs["up"] is upload and fs["up"].value == b"data"


def test_field_list_index_follows_mutation():
    fs = form()
    assert fs.getfirst("spam") == "1"
    fs.list.pop(0)
    assert fs.getfirst("spam") == "2"
    fs.list.append(util.StringField("x"))
    fs.list[-1].name = "late"
    fs.list.reverse()
    assert fs.getfirst("late") == "x"
    fs.list.extend([fs.list[0]])
    assert fs.getlist("late") == ["x", "x"]
    del fs.list[:]
    assert fs.keys() == []
    assert isinstance(fs.list, util.FieldList) and isinstance(fs.list.table(), dict)


def test_string_field_from_bytes_and_defaults():
    field = util.StringField(b"caf\xc3\xa9")
    assert field == "caf\u00e9" and field.name is None
    assert (field.ctype, field.disp_options, field.headers) == ("text/plain", None, {})
    assert util.StringField("x").decode() == "x"


def test_field_value_and_legacy_constructor():
    data = io.BytesIO(b"content")
    field = util.Field("f", data, "text/plain", {"charset": "x"}, "form-data",
                       {"name": "f", "filename": "a.txt"}, {"X": "1"})
    data.read(3)
    assert field.value == b"content" and data.tell() == 0
    assert (field.filename, field.type, field.type_options["charset"]) == (
        "a.txt", "text/plain", "x")
    assert repr(field) == "Field('f', b'content')"
    assert util.Field("empty").value is None
    del field
    assert data.closed


def test_parse_qsl_safely_helper():
    fs = form(b"")
    assert fs.parse_qsl_safely("a=1&b=", 1) == [("a", "1"), ("b", "")]


def test_body_read_twice_gives_query_fields_only():
    req = FormRequest(b"a=1", ctype=URLENCODED, args="q=1")
    assert util.FieldStorage(req)["a"] == "1"
    second = util.FieldStorage(req)
    assert second.keys() == ["q"]
    assert "already" in req.logged[-1][0] or "was read" in req.logged[-1][0]


def test_truncated_body_is_400():
    req = FormRequest(b"a=1", ctype=URLENCODED, length=10)
    with pytest.raises(apache.SERVER_RETURN) as info:
        util.FieldStorage(req)
    assert info.value.args == (apache.HTTP_BAD_REQUEST,)
