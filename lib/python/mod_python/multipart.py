"""mod_python.multipart: a multipart/form-data decoder that does no I/O.

Bytes go in through Decoder.feed(), in pieces of any size; what they
complete comes out as events:

    PartStart()           a delimiter line began a part; its headers follow
    PartHeaders(headers)  the part's headers: (name, value) str pairs
    PartData(data)        the next piece of the part's data (bytes)
    PartEnd()             the current part's data is complete
    BodyEnd()             the closing delimiter was read; whatever follows
                          it (the epilogue) is ignored

Decoder.close() says the input is over and gives the last events.
Malformed or incomplete input raises MultipartError, the one exception
of the module.  Reading the body, limits on fields and where their data
is kept are the caller's business (mod_python.util.FieldStorage).

A delimiter line (RFC 2046) is "--" + the boundary at the start of a line
(the start of the body, of a part's data, or after CRLF, LF or a lone
CR), then "--" on the closing one, then blanks (transport padding), then
the LF that ends the line, or the end of the input.  The newline before
a delimiter belongs to it, not to the data.  Header lines may end in LF
alone, too.
"""

__all__ = ["Decoder", "MultipartError", "PartStart", "PartHeaders", "PartData",
           "PartEnd", "BodyEnd", "MAX_PADDING", "MAX_HEADER_LINE",
           "NO_DELIMITER", "UNCLOSED_BODY", "UNFINISHED_HEADERS",
           "HEADERS_TOO_LARGE", "HEADER_LINE_TOO_LONG", "NUL_IN_HEADER"]

# Bytes after a boundary, before the LF of its line ("--" and blanks),
# are fewer than this: a longer line is data.
MAX_PADDING = 256
# One header line, LF included, when a part's headers have no size limit.
MAX_HEADER_LINE = 65536

# MultipartError.reason values
NO_DELIMITER = "no delimiter"
UNCLOSED_BODY = "unclosed body"
UNFINISHED_HEADERS = "unfinished headers"
HEADERS_TOO_LARGE = "headers too large"
HEADER_LINE_TOO_LONG = "header line too long"
NUL_IN_HEADER = "NUL in header"

_BLANKS = b" \t\r"
_PREAMBLE, _HEADERS, _DATA, _DONE = "preamble", "headers", "data", "done"
_UNDECIDED = "undecided"    # a delimiter line or not: the input so far cannot tell


class MultipartError(ValueError):
    """Malformed or incomplete multipart input.  `reason` is one of the
    module's reason constants (NO_DELIMITER, UNCLOSED_BODY, ...); the
    message says the same in words."""

    def __init__(self, reason, message):
        ValueError.__init__(self, message)
        self.reason = reason


# ---------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------

class Event:
    """Base of the decoder's events: equal when of the same type with
    equal fields."""

    __slots__ = ()

    def _fields(self):
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other):
        return type(self) is type(other) and self._fields() == other._fields()

    def __repr__(self):
        return "%s(%s)" % (type(self).__name__, ", ".join(map(repr, self._fields())))


class PartStart(Event):
    """A delimiter line began a part: its PartHeaders, then its PartData
    events and its PartEnd follow."""

    __slots__ = ()


class PartHeaders(Event):
    """The headers of the part: (name, value) pairs of stripped Latin-1
    text, in order; continuation lines are joined to the line before,
    lines without a colon are left out.  A part cut short by a delimiter
    line inside its headers has an empty list (and no data)."""

    __slots__ = ("headers",)

    def __init__(self, headers):
        self.headers = headers


class PartData(Event):
    """The next piece (non-empty bytes) of the current part's data."""

    __slots__ = ("data",)

    def __init__(self, data):
        self.data = data


class PartEnd(Event):
    """The current part's data is complete."""

    __slots__ = ()


class BodyEnd(Event):
    """The closing delimiter was read: no more events follow."""

    __slots__ = ()


# Events without fields are immutable: one of each does (and spares the
# garbage collector thousands of objects on a body of many small parts).
_PART_START, _PART_END, _BODY_END = PartStart(), PartEnd(), BodyEnd()


# ---------------------------------------------------------------------------
# Decoder
# ---------------------------------------------------------------------------

class Decoder:
    """Decodes one multipart body fed to it in pieces.

    boundary: the boundary parameter of the Content-Type (bytes).
    max_header_size: bytes (newlines included) that the header lines of
    one part may take; 0 or None: no limit, but MAX_HEADER_LINE bytes a
    line.  The decoder buffers at most that much of a part's headers, and
    len(boundary) + MAX_PADDING bytes or so of other input.
    in_part: the input starts inside a part's data (its first line),
    for a caller that has read the delimiter and the headers itself.
    After a MultipartError the decoder is of no further use.
    """

    def __init__(self, boundary, max_header_size=0, in_part=False):
        if not boundary:
            raise ValueError("empty multipart boundary")
        # The delimiter is "--" + boundary even when the boundary itself
        # starts with "--" (as curl's and Firefox's do).
        self._delimiter = b"--" + bytes(boundary)
        self._max_header_size = max_header_size or 0
        self._state = _DATA if in_part else _PREAMBLE
        self._buffer = b""
        self._pos = 0                 # where the undecoded input starts
        self._at_line_start = True    # _pos starts the body or a part's data
        self._header_lines = []
        self._header_size = 0

    @property
    def done(self):
        """True once the closing delimiter has been decoded."""
        return self._state is _DONE

    def feed(self, data):
        """Decode the next piece of the body.  Returns an iterable of the
        events it completes; for malformed input, one that raises
        MultipartError when iterated, after the events before the fault.
        Input after the closing delimiter is ignored."""
        if self._state is _DONE:
            return []
        if self._pos < len(self._buffer):
            self._buffer = self._buffer[self._pos:] + data
        else:
            self._buffer = bytes(data)
        self._pos = 0
        return self._decode(at_end=False)

    def close(self):
        """End of input: returns an iterable of the last events, which
        raises MultipartError when iterated unless the body ended with its
        closing delimiter."""
        if self._state is _DONE:
            return []
        return self._decode(at_end=True)

    def _decode(self, at_end):
        events = []
        try:
            while self._state is not _DONE:
                if self._state is _HEADERS:
                    progressed = self._read_headers(events, at_end)
                else:
                    progressed = self._read_data(events, at_end)
                if not progressed:
                    break
        except MultipartError as error:
            return _then_raise(events, error)
        return events

    # ---- delimiter lines, data and preamble

    def _read_data(self, events, at_end):
        """Pass on the data (none in the preamble) up to the next delimiter
        line and consume that line: True.  Without a whole delimiter line
        in the buffer, pass on what cannot belong to one: False."""
        buf, delimiter = self._buffer, self._delimiter
        found = buf.find(delimiter, self._pos)
        while found != -1:
            line = self._delimiter_line(found, at_end)
            if line is _UNDECIDED:
                # keep the newline before it, in case it ends the data
                self._pass_data(events, found - 2)
                return False
            if line is not None:
                data_end, line_end, closing = line
                self._pass_data(events, data_end)
                self._pos = line_end
                self._after_delimiter(events, closing)
                return True
            found = buf.find(delimiter, found + 1)
        if at_end:
            raise self._unexpected_end()
        # keep what may be a newline and the start of a delimiter
        self._pass_data(events, len(buf) - len(delimiter) - 1)
        return False

    def _delimiter_line(self, found, at_end):
        """(data end, line end, closing?) if the delimiter at `found` starts
        a delimiter line, _UNDECIDED if the input so far cannot tell, else
        None."""
        newline = self._newline_before(found)
        if newline is None:
            return None
        buf = self._buffer
        after = found + len(self._delimiter)
        lf = buf.find(b"\n", after, after + MAX_PADDING)
        if lf != -1:
            rest, line_end = buf[after:lf], lf + 1
        elif len(buf) - after >= MAX_PADDING:
            return None
        elif at_end:
            rest, line_end = buf[after:], len(buf)
        elif _may_end_delimiter_line(buf[after:]):
            return _UNDECIDED
        else:
            return None
        closing = _closing(rest)
        if closing is None:
            return None
        return found - newline, line_end, closing

    def _newline_before(self, found):
        """Length of the newline (CRLF, LF or CR) before a delimiter at
        `found`; 0 at the start of the body or of a part's data; None if
        the delimiter is not at a line start."""
        buf, pos = self._buffer, self._pos
        if found == pos:
            return 0 if self._at_line_start else None
        last = buf[found - 1]
        if last == 10:
            return 2 if found - 2 >= pos and buf[found - 2] == 13 else 1
        return 1 if last == 13 else None

    def _pass_data(self, events, end):
        """Consume the input up to `end`: a PartData event in a part."""
        if end > self._pos:
            if self._state is _DATA:
                events.append(PartData(self._buffer[self._pos:end]))
            self._pos = end
            self._at_line_start = False

    def _after_delimiter(self, events, closing):
        if self._state is not _PREAMBLE:
            events.append(_PART_END)
        if closing:
            events.append(_BODY_END)
            self._state = _DONE
            self._buffer, self._pos = b"", 0
        else:
            events.append(_PART_START)
            self._state = _HEADERS
            self._header_lines = []
            self._header_size = 0

    def _unexpected_end(self):
        if self._state is _PREAMBLE:
            return MultipartError(NO_DELIMITER, "multipart body has no boundary line")
        return MultipartError(UNCLOSED_BODY,
                              "multipart body ends without its closing boundary")

    # ---- part headers

    def _read_headers(self, events, at_end):
        """Consume the part's header lines up to the blank line that ends
        them: True.  Short of that, consume the whole lines there are:
        False."""
        while True:
            line = self._header_line(at_end)
            if line is None:
                return False
            if not line:
                events.append(PartHeaders(_header_pairs(self._header_lines)))
                self._state = _DATA
                self._at_line_start = True
                return True
            if line.startswith(self._delimiter):
                closing = _closing(line[len(self._delimiter):])
                if closing is not None:
                    # the part is cut short: it has no headers and no data
                    events.append(PartHeaders([]))
                    self._after_delimiter(events, closing)
                    return True
            lines = self._header_lines
            if line[:1] in (b" ", b"\t") and lines:
                lines[-1] += b" " + line.strip()      # a continuation line
            else:
                lines.append(line)

    def _header_line(self, at_end):
        """The next header line without its newline and trailing CRs, or
        None until all of it is in the buffer."""
        buf, pos = self._buffer, self._pos
        # bytes the line may take, its LF included
        room = (self._max_header_size - self._header_size if self._max_header_size
                else MAX_HEADER_LINE)
        lf = buf.find(b"\n", pos, pos + room)
        if lf == -1:
            available = len(buf) - pos
            if available >= max(room, 1):     # no LF where one had to be
                raise self._headers_overflow()
            if at_end:
                raise MultipartError(UNFINISHED_HEADERS,
                                     "multipart body ends inside the headers of a part")
            return None
        line = buf[pos:lf]
        if b"\0" in line:
            raise MultipartError(NUL_IN_HEADER, "NUL byte in a multipart part header")
        self._pos = lf + 1
        self._header_size += lf + 1 - pos
        return line.rstrip(b"\r")

    def _headers_overflow(self):
        if self._max_header_size:
            return MultipartError(HEADERS_TOO_LARGE,
                                  "the headers of a multipart part exceed %d bytes"
                                  % self._max_header_size)
        return MultipartError(HEADER_LINE_TOO_LONG, "a multipart part header line is "
                              "longer than %d bytes" % MAX_HEADER_LINE)


def _then_raise(events, error):
    # The events before the fault come first, so that a limit of the
    # consumer's that they break is reported first, as it would be if the
    # input had been fed in smaller pieces.
    yield from events
    raise error


def _closing(rest):
    """What follows the boundary on a delimiter line: True for the closing
    delimiter ("--" and blanks), False for another (blanks), else None."""
    rest = rest.rstrip(_BLANKS)
    if not rest:
        return False
    return True if rest == b"--" else None


def _may_end_delimiter_line(partial):
    """Whether the start of the rest of a line, after a boundary, may still
    turn out to be "--" and blanks (or blanks alone)."""
    if partial == b"-":
        return True
    if partial.startswith(b"--"):
        partial = partial[2:]
    return not partial.translate(None, _BLANKS)


def _header_pairs(lines):
    """Header lines (bytes) as (name, value) str pairs; lines without a
    colon are left out."""
    pairs = []
    for line in lines:
        name, colon, value = line.decode("latin-1").partition(":")
        if colon:
            pairs.append((name.strip(), value.strip()))
    return pairs
