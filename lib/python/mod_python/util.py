"""mod_python.util: query strings, form data, redirects.

Form data is parsed by FieldStorage under limits that an administrator
sets with PythonOption (see docs/util.md); a request that breaks one is
refused with apache.SERVER_RETURN(<4xx>) after one line in the error log.
"""

import html
import inspect
import io
import re
import tempfile
import types
import urllib.parse

import _apache
from mod_python import apache, multipart, options

# Bytes read at a time while parsing a multipart body (the name is 3.5's).
readBlockSize = 65368

_BODY_BLOCK = 65536          # req.read() size for urlencoded bodies
_TEXT_ERRORS = "replace"     # how invalid UTF-8 in form text is decoded
_MAX_BOUNDARY = 256          # RFC 2046 allows 70; leave room for odd clients

_LIMIT_DEFAULTS = {
    "max_body_size": 100 * 1024 * 1024,
    "max_field_size": 1024 * 1024,
    "max_fields": 10000,
    "max_part_header_size": 8192,
    # multipart parts: each upload costs a file (or memory) until the end
    "max_parts": 1000,
    # text fields are held in memory (as str, and bytes while decoded)
    "max_form_memory_size": 8 * 1024 * 1024,
}
# Uploads stay in memory up to this size, then go to a temporary file: a
# body of thousands of tiny uploads must not use a descriptor each.
_SPOOL_SIZE = 512 * 1024
_OPTION_PREFIX = "mod_python.util."


# ---------------------------------------------------------------------------
# Text that remembers the bytes it came from
# ---------------------------------------------------------------------------

class _Text(str):
    """A str that also answers decode(), for code written against 3.5's
    Python 3 port, where form names and values were bytes.  decode()
    decodes the original bytes again, so decode("latin-1") gives what such
    code got before."""

    @classmethod
    def _from_bytes(cls, raw, encoding="utf-8"):
        if raw.isascii():            # re-encodes to the same bytes
            return str.__new__(cls, raw.decode("ascii"))
        self = str.__new__(cls, raw.decode(encoding, _TEXT_ERRORS))
        self._raw = raw
        return self

    def _bytes(self):
        raw = self.__dict__.get("_raw")
        if raw is None:
            raw = self.encode("utf-8", "surrogateescape")
        return raw

    def decode(self, encoding="utf-8", errors="strict"):
        return self._bytes().decode(encoding, errors)

    def _copy(self):
        copy = _Text(self)
        if "_raw" in self.__dict__:
            copy._raw = self._raw
        return copy


def _name(name):
    """A field name as FieldStorage keeps it (bytes are decoded as UTF-8)."""
    if isinstance(name, _Text):
        return name
    if isinstance(name, (bytes, bytearray)):
        return _Text._from_bytes(bytes(name))
    return _Text(name)


def _key(name):
    """A name to look fields up with: bytes are decoded as UTF-8."""
    if isinstance(name, (bytes, bytearray)):
        return bytes(name).decode("utf-8", _TEXT_ERRORS)
    return name


# ---------------------------------------------------------------------------
# Query strings
# ---------------------------------------------------------------------------

_SEPARATORS = re.compile(b"[&;]")


def _unquote(raw):
    """Decode %XX escapes; a malformed one stays as it is."""
    return urllib.parse.unquote_to_bytes(raw)


def _qs_bytes(qs):
    if isinstance(qs, str):
        try:
            return qs.encode("latin-1")
        except UnicodeEncodeError:
            return qs.encode("utf-8", "surrogateescape")
    if isinstance(qs, (bytes, bytearray, memoryview)):
        return bytes(qs)
    raise TypeError("query string must be str or bytes, not %s" % type(qs).__name__)


def _pairs(data, keep_blank_values):
    """List of (name, value) bytes pairs of an urlencoded bytes string."""
    if b"+" in data:
        data = data.replace(b"+", b" ")
    pairs = []
    for piece in _SEPARATORS.split(data):
        name, _, value = piece.partition(b"=")
        if value or (keep_blank_values and piece):
            if b"%" in name:
                name = _unquote(name)
            if b"%" in value:
                value = _unquote(value)
            pairs.append((name, value))
    return pairs


def _decoded(raw):
    return raw.decode("utf-8", _TEXT_ERRORS)


def parse_qsl(qs, keep_blank_values=0, strict_parsing=0):
    """List of (name, value) pairs of a query string; str in, str out
    (escapes decoded as UTF-8), bytes in, bytes out."""
    pairs = _pairs(_qs_bytes(qs), keep_blank_values)
    if isinstance(qs, str):
        return [(_decoded(name), _decoded(value)) for name, value in pairs]
    return list(pairs)


def parse_qs(qs, keep_blank_values=0, strict_parsing=0):
    """Dict name -> list of values of a query string (see parse_qsl)."""
    result = {}
    for name, value in parse_qsl(qs, keep_blank_values):
        result.setdefault(name, []).append(value)
    return result


# Inside Apache the C module's versions (same contract, C speed) are used.
parse_qs = getattr(_apache, "parse_qs", parse_qs)
parse_qsl = getattr(_apache, "parse_qsl", parse_qsl)


# ---------------------------------------------------------------------------
# Header values
# ---------------------------------------------------------------------------

_QUOTED_PAIR = re.compile(r'\\(["\\])')


def _closing_quote(text, start):
    """Index of the double quote that closes a quoted string whose text
    starts at `start` (len(text) if there is none)."""
    while True:
        quote = text.find('"', start)
        if quote == -1:
            return len(text)
        escapes = 0
        while text[quote - 1 - escapes] == "\\":
            escapes += 1
        if not escapes % 2:
            return quote
        start = quote + 1


def _split_params(text):
    """Split text at the semicolons that are not inside double quotes (in
    linear time, whatever the input)."""
    parts, start, pos = [], 0, 0
    semi = text.find(";")
    while semi != -1:
        quote = text.find('"', pos, semi)
        if quote == -1:
            parts.append(text[start:semi])
            start = pos = semi + 1
            semi = text.find(";", pos)
        else:
            pos = _closing_quote(text, quote + 1) + 1
            if pos > semi:
                semi = text.find(";", pos)
    parts.append(text[start:])
    return parts


def _param_value(value):
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return _QUOTED_PAIR.sub(r"\1", value[1:-1])
    return value


def parse_header(line):
    """Split 'main; key=value; ...' into (main lower-cased, {key: value}).
    str in: the main value is str; bytes in (as in 3.5): it is bytes.
    Parameter names are lower-cased, values unquoted str (Latin-1 for
    bytes input)."""
    as_bytes = isinstance(line, (bytes, bytearray))
    text = bytes(line).decode("latin-1") if as_bytes else line
    main, *parts = _split_params(text)
    params = {}
    for part in parts:
        name, _, value = part.partition("=")
        name = name.strip().lower()
        if name:
            params[name] = _param_value(value)
    main = main.strip().lower()
    return (main.encode("latin-1") if as_bytes else main), params


# ---------------------------------------------------------------------------
# Fields
# ---------------------------------------------------------------------------

class Field:
    """A file upload (or, through the legacy constructor, any field)."""

    filename = None
    headers = {}

    def __init__(self, name, file=None, ctype=None, type_options=None,
                 disp=None, disp_options=None, headers=None):
        self.name = _name(name)
        self.file = file
        self.type = ctype
        self.type_options = type_options if type_options is not None else {}
        self.disposition = disp
        self.disposition_options = disp_options if disp_options is not None else {}
        if headers is not None:
            self.headers = headers
        if "filename" in self.disposition_options:
            self.filename = self.disposition_options["filename"]

    @property
    def value(self):
        """The whole content (bytes), read from the start of the file."""
        if self.file is None:
            return None
        self.file.seek(0)
        data = self.file.read()
        self.file.seek(0)
        return data

    def __repr__(self):
        return "Field(%r, %r)" % (self.name, self.value)

    def __del__(self):
        file = self.__dict__.get("file")
        if file is not None:
            try:
                file.close()
            except Exception:
                pass


class StringField(_Text):
    """A text field: the str itself, with field attributes.  bytes given to
    the constructor are decoded as UTF-8."""

    name = None
    filename = None
    headers = {}
    ctype = type = "text/plain"
    type_options = {}
    disposition = None
    disp_options = disposition_options = None

    def __new__(cls, value=""):
        if isinstance(value, (bytes, bytearray)):
            return cls._from_bytes(bytes(value))
        self = str.__new__(cls, value)
        if isinstance(value, _Text) and "_raw" in value.__dict__:
            self._raw = value._raw
        return self

    @property
    def value(self):
        """The text as a str (that also answers decode())."""
        return self._copy()

    @property
    def file(self):
        """A binary file with the UTF-8 text, made on first use."""
        file = self.__dict__.get("_file")
        if file is None:
            file = self._file = io.BytesIO(self._bytes())
        return file

    @file.setter
    def file(self, file):
        self._file = file

    def __repr__(self):
        return "Field(%r, %r)" % (self.name, str(self))


def _string_field(name, value):
    field = StringField(value)
    field.name = _name(name)
    return field


class FieldList(list):
    """The fields of a FieldStorage in input order, with a name index that
    every mutating list operation invalidates."""

    _index = None

    def table(self):
        """Dict name -> list of fields."""
        if self._index is None:
            index = {}
            for field in self:
                index.setdefault(field.name, []).append(field)
            self._index = index
        return self._index

    def append(self, field):
        """Append a field, keeping the by-name index current."""
        list.append(self, field)
        if self._index is not None:
            self._index.setdefault(field.name, []).append(field)


def _invalidating(name):
    method = getattr(list, name)

    def mutate(self, *args, **kwargs):
        self._index = None
        return method(self, *args, **kwargs)
    mutate.__name__ = name
    return mutate


for _method in ("extend", "insert", "remove", "pop", "clear", "sort", "reverse",
                "__setitem__", "__delitem__", "__iadd__", "__imul__"):
    setattr(FieldList, _method, _invalidating(_method))
del _method


# ---------------------------------------------------------------------------
# Limits and refusals
# ---------------------------------------------------------------------------

class _Refusal(Exception):
    """Form data that FieldStorage refuses: an HTTP status and a log line."""

    def __init__(self, status, message):
        Exception.__init__(self, message)
        self.status = status
        self.message = message


class _Limits:
    """The effective mod_python.util.* limits of a request (0: no limit)."""

    def __init__(self, req):
        self.__dict__.update(_LIMIT_DEFAULTS)
        # one look at the options when none is set, as is usual
        if options.any_with_prefix(req, _OPTION_PREFIX):
            for key, default in _LIMIT_DEFAULTS.items():
                setattr(self, key, options.size(req, default, _OPTION_PREFIX + key))

    def exceeds(self, key, value):
        limit = getattr(self, key)
        return bool(limit) and value > limit

    def refusal(self, what, key):
        return _Refusal(apache.HTTP_REQUEST_ENTITY_TOO_LARGE, "%s exceeds %s%s (%d)"
                        % (what, _OPTION_PREFIX, key, getattr(self, key)))


def _read_body(read, size):
    """read(size), a client read error refused with 400."""
    try:
        data = read(size)
    except OSError:
        raise _Refusal(apache.HTTP_BAD_REQUEST, "client read error in request body")
    return data


def _truncated():
    return _Refusal(apache.HTTP_BAD_REQUEST,
                    "request body ends before its Content-Length")


# ---------------------------------------------------------------------------
# urlencoded bodies
# ---------------------------------------------------------------------------

def _body_chunks(read, length, max_field_size):
    """An urlencoded body of `length` bytes (None: up to its end, for a
    chunked body), read in blocks with read(n) and passed on in chunks that
    end at a field separator; a field too long to decode to max_field_size
    bytes (if set) is refused while it is read."""
    max_piece = 3 * max_field_size + 1
    pending, pending_size = [], 0
    remaining = length
    while remaining is None or remaining > 0:
        block = _read_body(read, _BODY_BLOCK if remaining is None
                           else min(_BODY_BLOCK, remaining))
        if not block:
            if remaining is None:
                break
            raise _truncated()
        if remaining is not None:
            remaining -= len(block)
        cut = max(block.rfind(b"&"), block.rfind(b";")) + 1
        if cut:
            yield b"".join(pending) + block[:cut]
            pending, pending_size = [], 0
        pending.append(block[cut:])
        pending_size += len(block) - cut
        if max_field_size and pending_size > max_piece:
            raise _Refusal(apache.HTTP_REQUEST_ENTITY_TOO_LARGE,
                           "an urlencoded field exceeds %smax_field_size (%d)"
                           % (_OPTION_PREFIX, max_field_size))
    yield b"".join(pending)


# ---------------------------------------------------------------------------
# multipart bodies: mod_python.multipart decodes them; here they are read,
# checked against the limits and stored
# ---------------------------------------------------------------------------

def _multipart_events(read, decoder):
    """The decoder's events for a body read through read(n) (req.read, or
    req.readline to read no further than a delimiter line), an iterable
    per block read, up to the closing delimiter: the epilogue is left
    unread."""
    while not decoder.done:
        block = _read_body(read, readBlockSize)
        yield decoder.feed(block) if block else decoder.close()


def _multipart_refusal(error, limits):
    """The refusal (400) of a body the decoder found malformed; the part
    header limit is named by its option."""
    if error.reason == multipart.HEADERS_TOO_LARGE:
        return _Refusal(apache.HTTP_BAD_REQUEST, "the headers of a multipart part "
                        "exceed %smax_part_header_size (%d)"
                        % (_OPTION_PREFIX, limits.max_part_header_size))
    return _Refusal(apache.HTTP_BAD_REQUEST, str(error))


_UNLIMITED = float("inf")     # the size limit of data that has none


def _drop(data=None):
    """write() and finish() of a part without a name: no field is made."""


def _multipart_boundary(ctype):
    boundary = parse_header(ctype)[1].get("boundary", "")
    if not boundary:
        raise _Refusal(apache.HTTP_BAD_REQUEST, "multipart request without a boundary")
    if len(boundary) > _MAX_BOUNDARY:
        raise _Refusal(apache.HTTP_BAD_REQUEST,
                       "multipart boundary longer than %d bytes" % _MAX_BOUNDARY)
    return boundary.encode("latin-1", "replace")


class _Part:
    """What the headers of one multipart part say."""

    def __init__(self, pairs):
        self.headers = apache.table()
        first = {}
        for key, value in pairs:
            self.headers.add(key, value)
            first.setdefault(key.lower(), value)
        self.disposition, self.disposition_options = parse_header(
            first.get("content-disposition", ""))
        ctype = first.get("content-type")
        if ctype is None:       # as text fields are sent: spare parsing
            self.type, self.type_options = "text/plain", {}
        else:
            self.type, self.type_options = parse_header(ctype)
        if "/" not in self.type:
            self.type = "application/octet-stream"
        name = self.disposition_options.get("name")
        self.name = None if name is None else _Text._from_bytes(name.encode("latin-1"),
                                                                "latin-1")

    def is_file(self):
        # An empty <input type=file> sends filename="": as in 3.5 that is
        # no upload but an (empty, so false) text field.
        return bool(self.disposition_options.get("filename"))

    def describe(self, field):
        """Copy the part's attributes onto field."""
        field.name = self.name
        field.type = self.type
        field.type_options = self.type_options
        field.disposition = self.disposition
        field.disposition_options = self.disposition_options
        field.headers = self.headers
        return field


# ---------------------------------------------------------------------------
# FieldStorage
# ---------------------------------------------------------------------------

class FieldStorage:
    """All form data of a request: query string fields, then the fields
    of an urlencoded or multipart/form-data POST body."""

    def __init__(self, req, keep_blank_values=0, strict_parsing=0,
                 file_callback=None, field_callback=None):
        self.list = FieldList()
        self._keep_blank_values = keep_blank_values
        self._parsed = 0
        self._text_size = 0
        try:
            self._parse(req, file_callback, field_callback)
        except _Refusal as refusal:
            self._close_files()
            req.log_error("mod_python.util: %s; refused with %d"
                          % (refusal.message, refusal.status), apache.APLOG_WARNING)
            raise apache.SERVER_RETURN(refusal.status) from None

    # ---- parsing

    def _parse(self, req, file_callback, field_callback):
        if not req.args and req.method != "POST":
            return  # nothing to parse: spare reading the limits
        self._limits = _Limits(req)
        if req.args:
            self._add_pairs(parse_qsl(_qs_bytes(req.args), self._keep_blank_values))
        if req.method != "POST":
            return
        length = self._content_length(req)
        ctype = (req.headers_in.get("content-type")
                 or "application/x-www-form-urlencoded")
        lowered = ctype.lower()
        if lowered.startswith("application/x-www-form-urlencoded"):
            self._read_urlencoded(req, length)
        elif lowered.startswith("multipart/"):
            self._read_multipart(req, length, ctype, file_callback, field_callback)
        else:
            raise _Refusal(apache.HTTP_NOT_IMPLEMENTED,
                           "unsupported form content type %r" % ctype[:100])

    def _content_length(self, req):
        """The body's announced length; None for a chunked body, whose
        size is checked as it is read."""
        if _is_chunked(req) and "content-length" not in req.headers_in:
            return None
        try:
            length = int(req.headers_in.get("content-length"))
        except (TypeError, ValueError):
            raise _Refusal(apache.HTTP_LENGTH_REQUIRED, "POST without a Content-Length")
        if length < 0:
            raise _Refusal(apache.HTTP_BAD_REQUEST, "negative Content-Length")
        if self._limits.exceeds("max_body_size", length):
            raise self._limits.refusal("request body of %d bytes" % length,
                                       "max_body_size")
        return length

    def _body_reader(self, req, length):
        """req.read; for a chunked body (length None), one that refuses the
        body once it grows past max_body_size."""
        if length is not None or not self._limits.max_body_size:
            return req.read
        total = 0

        def read(size):
            nonlocal total
            data = req.read(size)
            total += len(data)
            if self._limits.exceeds("max_body_size", total):
                raise self._limits.refusal("the chunked request body", "max_body_size")
            return data
        return read

    def _count_fields(self, number=1):
        self._parsed += number
        if self._limits.exceeds("max_fields", self._parsed):
            raise self._limits.refusal("number of form fields", "max_fields")

    def _count_text(self, size):
        self._text_size += size
        if self._limits.exceeds("max_form_memory_size", self._text_size):
            raise self._limits.refusal("the text fields of the form",
                                       "max_form_memory_size")

    def _add_pairs(self, pairs, new=str.__new__):
        """Add (name, value) bytes pairs as StringFields, within limits."""
        max_size = self._limits.max_field_size or _UNLIMITED
        fields, total = [], 0
        for name, value in pairs:
            size = len(name) + len(value)
            if size > max_size:
                raise self._limits.refusal("a form field", "max_field_size")
            total += size
            # _Text._from_bytes() with its common ASCII case inline: forms
            # are made of many short fields, and each call counts
            field = (new(StringField, value.decode("ascii")) if value.isascii()
                     else StringField._from_bytes(value))
            field.name = (new(_Text, name.decode("ascii")) if name.isascii()
                          else _Text._from_bytes(name))
            fields.append(field)
        self._count_text(total)
        self._count_fields(len(fields))
        self.list.extend(fields)

    def _read_urlencoded(self, req, length):
        if _body_was_read(req, length):
            return
        read = self._body_reader(req, length)
        for chunk in _body_chunks(read, length, self._limits.max_field_size):
            self._add_pairs(parse_qsl(chunk, self._keep_blank_values))

    def _read_multipart(self, req, length, ctype, file_callback, field_callback):
        decoder = multipart.Decoder(_multipart_boundary(ctype),
                                    self._limits.max_part_header_size)
        if _body_was_read(req, length):
            return
        try:
            self._add_parts(_multipart_events(self._body_reader(req, length), decoder),
                            file_callback, field_callback)
        except multipart.MultipartError as error:
            raise _multipart_refusal(error, self._limits) from None

    def _add_parts(self, batches, file_callback, field_callback):
        """Make the fields of the parts that the batches of events describe."""
        parts = 0
        # the current part: where its data goes, its size and size limit
        write = finish = _drop
        size, max_size = 0, _UNLIMITED
        for events in batches:
            for event in events:
                kind = type(event)
                if kind is multipart.PartData:
                    size += len(event.data)
                    if size > max_size:
                        raise self._limits.refusal("a multipart text field",
                                                   "max_field_size")
                    write(event.data)
                elif kind is multipart.PartStart:
                    self._count_fields()
                    parts += 1
                    if self._limits.exceeds("max_parts", parts):
                        raise self._limits.refusal("number of multipart parts",
                                                   "max_parts")
                elif kind is multipart.PartHeaders:
                    write, finish, max_size = self._start_part(
                        _Part(event.headers), file_callback, field_callback)
                    size = 0
                elif kind is multipart.PartEnd:
                    finish()

    def _start_part(self, part, file_callback, field_callback):
        """(write, finish, max_size) for a new part: write(data) takes each
        piece of its data, finish() completes its field, which may hold
        max_size bytes (uploads are limited by max_body_size only)."""
        if part.name is None:
            return _drop, _drop, _UNLIMITED
        if part.is_file():
            return self._start_upload(part, file_callback)
        return self._start_text(part, field_callback)

    def _start_upload(self, part, file_callback):
        # listed at once, so that a refusal closes its file
        field = part.describe(Field(part.name))
        field.filename = part.disposition_options["filename"]
        field.file = (file_callback(field.filename) if file_callback
                      else tempfile.SpooledTemporaryFile(_SPOOL_SIZE, "w+b"))
        self.list.append(field)
        return field.file.write, lambda: field.file.seek(0), _UNLIMITED

    def _start_text(self, part, field_callback):
        sink = field_callback() if field_callback else io.BytesIO()
        return (sink.write, lambda: self._add_text_part(part, sink, field_callback),
                self._limits.max_field_size or _UNLIMITED)

    def _add_text_part(self, part, sink, field_callback):
        self._count_text(sink.tell())
        if field_callback:
            sink.seek(0)
            field = StringField(sink.read())
            sink.seek(0)
            field.file = sink
        else:
            field = StringField(sink.getvalue())
        self.list.append(part.describe(field))

    def _close_files(self):
        for field in self.list:
            if isinstance(field, Field) and field.file is not None:
                try:
                    field.file.close()
                except Exception:
                    pass

    # ---- helpers kept from 3.5

    def parse_qsl_safely(self, qs, keep_blank_values=0):
        """parse_qsl, falling back to urllib's parser if it fails."""
        try:
            return parse_qsl(qs, keep_blank_values)
        except Exception:
            return urllib.parse.parse_qsl(qs, keep_blank_values)

    def read_to_boundary(self, req, boundary, file):
        """Copy multipart data from req to file up to the next delimiter
        line `boundary` (bytes, the "--"-prefixed delimiter as 3.5 passed
        it) and consume that line; True if it was the closing one.  Reads
        line by line, so nothing after the delimiter line is consumed."""
        if boundary.startswith(b"--"):
            boundary = boundary[2:]
        decoder = multipart.Decoder(boundary, in_part=True)
        try:
            for events in _multipart_events(req.readline, decoder):
                for event in events:
                    if type(event) is multipart.PartData:
                        file.write(event.data)
                    elif type(event) is multipart.PartEnd:
                        return decoder.done
        except multipart.MultipartError as error:
            if error.reason == multipart.UNFINISHED_HEADERS:
                return False    # the input ended with a (not closing) delimiter line
            raise _Refusal(apache.HTTP_BAD_REQUEST, str(error)) from None

    # ---- mapping interface

    def __getitem__(self, name):
        found = self.list.table()[_key(name)]
        return found[0] if len(found) == 1 else list(found)

    def __setitem__(self, name, value):
        name = _name(name)
        if name in self.list.table():
            del self[name]
        self.add_field(name, value)

    def __delitem__(self, name):
        name = _key(name)
        if name not in self.list.table():
            raise KeyError(name)
        self.list[:] = [field for field in self.list if field.name != name]

    def get(self, name, default=None):
        """form[name] (a field, or a list of fields when the name repeats), or
        default."""
        try:
            return self[name]
        except KeyError:
            return default

    def getfirst(self, name, default=None):
        """The first field named `name`, or default."""
        found = self.list.table().get(_key(name))
        return found[0] if found else default

    def getlist(self, name):
        """Every field named `name`, in order ([] when none)."""
        return list(self.list.table().get(_key(name), ()))

    def has_key(self, name):
        """Whether a field named `name` was sent."""
        return _key(name) in self.list.table()

    __contains__ = has_key

    def keys(self):
        """The field names, each once, in the order first sent."""
        return list(self.list.table())

    def __iter__(self):
        return iter(self.keys())

    def __len__(self):
        return len(self.list.table())

    def items(self):
        """(name, field) for every field, repeats included, in order."""
        return [(field.name, field) for field in self.list]

    def add_field(self, name, value):
        """Append a field; value is text, or a Field/StringField."""
        if isinstance(value, (Field, StringField)):
            value.name = _name(name)
            self.list.append(value)
        else:
            self.list.append(_string_field(name, value))

    def clear(self):
        """Remove every field."""
        self.list.clear()

    def __repr__(self):
        return repr(self.list.table())


def _is_chunked(req):
    return "chunked" in req.headers_in.get("transfer-encoding", "").lower()


def _body_was_read(req, length):
    """True (and a warning logged) if the body had been read before this
    FieldStorage was made: FieldStorage then sees no body fields, as in 3.5.
    (A chunked body, length None, counts as read once any of it was.)"""
    read_length = getattr(req, "read_length", 0)
    if length is None:
        if not read_length:
            return False
    elif not length or read_length < length or getattr(req, "remaining", 0):
        return False
    req.log_error("mod_python.util: the request body was read before FieldStorage "
                  "was created; only query string fields are available (reuse "
                  "req.form)", apache.APLOG_WARNING)
    return True


def request_form(req):
    """req.form, the request's FieldStorage (blank values kept), made on
    first use: the body can be read only once, so the publisher, PSP and
    handlers of earlier phases share it."""
    form = getattr(req, "form", None)
    if form is None:
        form = req.form = FieldStorage(req, keep_blank_values=1)
    return form


# ---------------------------------------------------------------------------
# apply_fs_data
# ---------------------------------------------------------------------------

def _code_parameters(code, skip):
    """(keyword-passable parameter names, accepts **kwargs) of a code object;
    `skip` leading positional parameters (self) are left out."""
    start = max(skip, code.co_posonlyargcount)
    names = code.co_varnames[start:code.co_argcount + code.co_kwonlyargcount]
    return names, bool(code.co_flags & inspect.CO_VARKEYWORDS)


def _function_code(obj):
    return getattr(getattr(obj, "__func__", obj), "__code__", None)


def parameters(obj, depth=0):
    """What apply_fs_data may pass to obj: (names, accepts **kwargs)."""
    if inspect.isfunction(obj):
        return _code_parameters(obj.__code__, 0)
    if inspect.ismethod(obj) and _function_code(obj):
        return _code_parameters(_function_code(obj), 1)
    if inspect.isclass(obj):
        code = _function_code(getattr(obj, "__init__", None))
        return _code_parameters(code, 1) if code else ((), False)
    call = getattr(obj, "__call__", None)
    if call is None or inspect.isbuiltin(call) or depth > 4:
        return (), False
    if inspect.ismethod(call) and _function_code(call):
        return _code_parameters(_function_code(call), 1)
    if call is obj or isinstance(call, types.MethodWrapperType):
        return (), False
    return parameters(call, depth + 1)


def _form_values(fs):
    """name -> value (or list of values) of the fields of fs; file uploads
    are passed as their Field objects."""
    values = {}
    for field in fs.list:
        value = field if isinstance(field, Field) or field.filename else field.value
        values.setdefault(str(field.name), []).append(value)
    return {name: found[0] if len(found) == 1 else found
            for name, found in values.items()}


def apply_fs_data(object, fs, **args):
    """Call object with the fields of fs (and args) it declares."""
    values = _form_values(fs)
    values.update(args)
    names, takes_any = parameters(object)
    if not takes_any:
        values = {name: value for name, value in values.items() if name in names}
    return object(**values)


# ---------------------------------------------------------------------------
# redirect
# ---------------------------------------------------------------------------

def redirect(req, location, permanent=0, text=None):
    """Answer with a redirect to location and end the request
    (raises apache.SERVER_RETURN(apache.DONE))."""
    if not isinstance(location, str):
        raise TypeError("location must be of type str")
    if req.sent_bodyct:
        raise IOError("Cannot redirect after headers have already been sent.")
    req.err_headers_out["Location"] = location
    req.status = (apache.HTTP_MOVED_PERMANENTLY if permanent
                  else apache.HTTP_MOVED_TEMPORARILY)
    if text is None:
        text = ('<p>The document has moved <a href="%s">here</a></p>\n'
                % html.escape(location))
    req.write(text)
    raise apache.SERVER_RETURN(apache.DONE)
