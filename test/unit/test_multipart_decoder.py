"""mod_python.multipart.Decoder on its own: bytes in, events out."""

import random

import pytest

from mod_python import multipart
from mod_python.multipart import (BodyEnd, Decoder, MultipartError, PartData, PartEnd,
                                  PartHeaders, PartStart)

DISPOSITION = ("Content-Disposition", 'form-data; name="a"')

SAMPLE = (b"preamble, ignored\r\n--BOUNDARY-not-a-delimiter\r\n"
          b"--BOUNDARY\r\n"
          b'Content-Disposition: form-data; name="a"\r\n'
          b"\r\n"
          b"text\r\n"
          b"--BOUNDARY  \t\r\n"                     # transport padding
          b'Content-Disposition: form-data; name="f"; filename="f.bin"\r\n'
          b"Content-Type: application/octet-stream\r\n"
          b"\r\n"
          b"\r\n--BOUNDARYX\r\n x--BOUNDARY\r\n--BOUNDARY-\r\n\r\r\n"
          b"\r\n"
          b"--BOUNDARY\r\n"
          b"\r\n"                                   # no headers, no data
          b"\r\n"
          b"--BOUNDARY-- \r\n"
          b"epilogue, ignored\r\n--BOUNDARY\r\n")

SAMPLE_EVENTS = [
    PartStart(), PartHeaders([DISPOSITION]), PartData(b"text"), PartEnd(),
    PartStart(),
    PartHeaders([("Content-Disposition", 'form-data; name="f"; filename="f.bin"'),
                 ("Content-Type", "application/octet-stream")]),
    PartData(b"\r\n--BOUNDARYX\r\n x--BOUNDARY\r\n--BOUNDARY-\r\n\r\r\n"), PartEnd(),
    PartStart(), PartHeaders([]), PartEnd(),
    BodyEnd(),
]


def merged(events):
    """The events with consecutive PartData joined: how the data is cut
    depends on how the input was."""
    out = []
    for event in events:
        if type(event) is PartData and out and type(out[-1]) is PartData:
            out[-1] = PartData(out[-1].data + event.data)
        else:
            out.append(event)
    return out


def decode(pieces, boundary=b"BOUNDARY", **kw):
    """All events of a body fed in the given pieces, then closed."""
    decoder = Decoder(boundary, **kw)
    events = []
    for piece in pieces:
        events.extend(decoder.feed(piece))
    events.extend(decoder.close())
    assert decoder.done
    return events


def decode_body(body, **kw):
    return merged(decode([body], **kw))


def error_of(pieces, **kw):
    with pytest.raises(MultipartError) as info:
        decode(pieces, **kw)
    return info.value


def body_of(*parts, newline=b"\r\n", close=b"--BOUNDARY--\r\n"):
    """A body of (header lines, data) parts."""
    out = b""
    for headers, data in parts:
        out += b"--BOUNDARY" + newline
        out += b"".join(line + newline for line in headers) + newline
        out += data + newline
    return out + close


TEXT_HEADER = b'Content-Disposition: form-data; name="a"'


# ---- the same events however the input is cut

def test_sample_events():
    assert decode_body(SAMPLE) == SAMPLE_EVENTS


def test_every_two_way_split_gives_the_same_events():
    for cut in range(len(SAMPLE) + 1):
        assert merged(decode([SAMPLE[:cut], SAMPLE[cut:]])) == SAMPLE_EVENTS, cut


def test_one_byte_pieces_give_the_same_events():
    pieces = [SAMPLE[i:i + 1] for i in range(len(SAMPLE))]
    assert merged(decode(pieces)) == SAMPLE_EVENTS


def test_random_pieces_give_the_same_events():
    rnd = random.Random(7)
    for _ in range(200):
        cuts = sorted(rnd.sample(range(len(SAMPLE)), rnd.randrange(1, 12)))
        pieces = [SAMPLE[a:b] for a, b in zip([0] + cuts, cuts + [len(SAMPLE)])]
        assert merged(decode(pieces)) == SAMPLE_EVENTS, cuts


@pytest.mark.parametrize("within", [1, 5, len(b"--BOUNDARY-")])
def test_boundary_split_across_pieces(within):
    data = b"x" * 100 + b"\r"
    body = body_of(([TEXT_HEADER], data))
    cut = body.index(b"--BOUNDARY--") + within
    decoder = Decoder(b"BOUNDARY")
    first = list(decoder.feed(body[:cut]))
    assert PartEnd() not in first and not decoder.done
    rest = list(decoder.feed(body[cut:]))
    assert rest[-2:] == [PartEnd(), BodyEnd()] and decoder.done
    assert b"".join(e.data for e in first + rest if type(e) is PartData) == data


def test_the_newline_before_a_possible_delimiter_is_held_back():
    decoder = Decoder(b"BOUNDARY")
    events = list(decoder.feed(b"--BOUNDARY\r\n" + TEXT_HEADER + b"\r\n\r\n"
                               b"v\r\r\n--BOUNDARY-"))
    assert events[-1] == PartData(b"v\r")
    assert list(decoder.feed(b"-\r\n")) == [PartEnd(), BodyEnd()]


def test_data_is_passed_on_while_it_streams():
    decoder = Decoder(b"BOUNDARY")
    list(decoder.feed(b"--BOUNDARY\r\n" + TEXT_HEADER + b"\r\n\r\n"))
    events = list(decoder.feed(b"y" * 10000))
    # all but what could start "\r\n--BOUNDARY"
    assert sum(len(e.data) for e in events) >= 10000 - len(b"\r\n--BOUNDARY")


# ---- what is and is not a delimiter line

@pytest.mark.parametrize("data", [
    b"--BOUNDARYX", b"--BOUNDARY-", b"--BOUNDARY---", b"x--BOUNDARY", b" --BOUNDARY",
    b"--BOUNDAR", b"--BOUNDARY x", b"--BOUNDARY-- x", b"-- BOUNDARY", b"--boundary",
    b"--BOUNDARY" + b" " * multipart.MAX_PADDING,
])
def test_boundary_like_lines_in_data_are_data(data):
    body = body_of(([TEXT_HEADER], data + b"\r\n" + data))
    assert decode_body(body)[2] == PartData(data + b"\r\n" + data)


@pytest.mark.parametrize("padding", [b" ", b"\t", b"\r", b" \t \r\r",
                                     b" " * (multipart.MAX_PADDING - 4)])
def test_transport_padding_after_a_delimiter(padding):
    body = (b"--BOUNDARY" + padding + b"\r\n" + TEXT_HEADER + b"\r\n\r\nv\r\n"
            b"--BOUNDARY--" + padding + b"\r\n")
    assert decode_body(body) == [PartStart(), PartHeaders([DISPOSITION]), PartData(b"v"),
                                 PartEnd(), BodyEnd()]


def test_padding_of_max_padding_bytes_makes_a_line_data():
    # "--", blanks and CR: MAX_PADDING bytes
    line = b"--BOUNDARY--" + b" " * (multipart.MAX_PADDING - 3) + b"\r\n"
    body = body_of(([TEXT_HEADER], b"v"), close=line)
    assert error_of([body]).reason == multipart.UNCLOSED_BODY


@pytest.mark.parametrize("newline", [b"\n", b"\r"])
def test_lf_or_cr_before_a_delimiter(newline):
    body = b"--BOUNDARY\n" + TEXT_HEADER + b"\n\nv" + newline + b"--BOUNDARY--\n"
    assert decode_body(body)[2:] == [PartData(b"v"), PartEnd(), BodyEnd()]


def test_lf_only_line_ends():
    body = body_of(([TEXT_HEADER, b"X-Other: 1"], b"a\nb"), newline=b"\n",
                   close=b"--BOUNDARY--\n")
    assert decode_body(body) == [PartStart(),
                                 PartHeaders([DISPOSITION, ("X-Other", "1")]),
                                 PartData(b"a\nb"), PartEnd(), BodyEnd()]


def test_only_the_last_newline_before_a_delimiter_is_not_data():
    body = body_of(([TEXT_HEADER], b"v\r\n\n\r"))
    assert decode_body(body)[2] == PartData(b"v\r\n\n\r")


def test_a_delimiter_right_after_the_headers_means_empty_data():
    body = b"--BOUNDARY\r\n" + TEXT_HEADER + b"\r\n\r\n--BOUNDARY--\r\n"
    assert decode_body(body) == [PartStart(), PartHeaders([DISPOSITION]), PartEnd(),
                                 BodyEnd()]


def test_closing_delimiter_may_end_the_input_without_newline():
    body = body_of(([TEXT_HEADER], b"v"), close=b"--BOUNDARY-- ")
    assert decode_body(body)[-3:] == [PartData(b"v"), PartEnd(), BodyEnd()]


def test_boundary_that_starts_with_dashes():
    body = b"----x\r\n" + TEXT_HEADER + b"\r\n\r\nv\r\n----x--\r\n"
    assert decode_body(body, boundary=b"--x")[2] == PartData(b"v")


# ---- preamble and epilogue

def test_preamble_and_epilogue_are_ignored():
    body = (b"preamble --BOUNDARY\r\n--BOUNDARYX\r\n"
            + body_of(([TEXT_HEADER], b"v")) + b"epilogue\r\n--BOUNDARY\r\n")
    assert decode_body(body) == [PartStart(), PartHeaders([DISPOSITION]), PartData(b"v"),
                                 PartEnd(), BodyEnd()]


def test_input_after_the_closing_delimiter_is_not_decoded():
    decoder = Decoder(b"BOUNDARY")
    assert list(decoder.feed(b"--BOUNDARY--\r\n")) == [BodyEnd()]
    assert decoder.done
    assert list(decoder.feed(b"\0 anything --BOUNDARY\r\n")) == []
    assert list(decoder.close()) == []


def test_only_a_closing_delimiter():
    assert decode_body(b"--BOUNDARY--") == [BodyEnd()]


# ---- part headers

def test_header_continuation_lines_and_lines_without_colon():
    body = body_of(([b"Content-Disposition: form-data;", b'\t name="a"',
                     b"no colon here", b"X-Empty:"], b"v"))
    assert decode_body(body)[1] == PartHeaders([DISPOSITION, ("X-Empty", "")])


def test_header_values_are_latin1_text():
    body = body_of(([b"X-Name: caf\xc3\xa9"], b""))
    assert decode_body(body)[1] == PartHeaders([("X-Name", "caf\u00c3\u00a9")])


def test_a_delimiter_inside_the_headers_cuts_the_part_short():
    body = b"--BOUNDARY\r\n" + TEXT_HEADER + b"\r\n--BOUNDARY--\r\n"
    assert decode_body(body) == [PartStart(), PartHeaders([]), PartEnd(), BodyEnd()]


def test_header_size_limit_counts_every_line_and_newline():
    headers = b"X: " + b"y" * 94 + b"\r\n"              # 99 bytes
    body = b"--BOUNDARY\r\n" + headers + b"\r\n" + b"v\r\n--BOUNDARY--\r\n"
    assert decode_body(body, max_header_size=101)[2] == PartData(b"v")
    error = error_of([body], max_header_size=100)
    assert error.reason == multipart.HEADERS_TOO_LARGE
    assert str(error) == "the headers of a multipart part exceed 100 bytes"


def test_header_size_limit_is_found_before_a_line_ends():
    decoder = Decoder(b"BOUNDARY", max_header_size=100)
    list(decoder.feed(b"--BOUNDARY\r\n"))
    with pytest.raises(MultipartError) as info:
        list(decoder.feed(b"X: " + b"y" * 200))
    assert info.value.reason == multipart.HEADERS_TOO_LARGE


def test_header_line_too_long_without_a_header_size_limit():
    line = b"X: " + b"y" * (multipart.MAX_HEADER_LINE - 5) + b"\r\n"   # the most
    body = b"--BOUNDARY\r\n" + line + b"\r\nv\r\n--BOUNDARY--\r\n"
    assert decode_body(body)[2] == PartData(b"v")
    error = error_of([body.replace(b"X: ", b"X:  ")])
    assert error.reason == multipart.HEADER_LINE_TOO_LONG
    assert str(error) == "a multipart part header line is longer than 65536 bytes"


def test_nul_in_a_header_line():
    body = body_of(([b'Content-Disposition: form-data; name="a\0"'], b"v"))
    error = error_of([body])
    assert error.reason == multipart.NUL_IN_HEADER
    assert str(error) == "NUL byte in a multipart part header"


# ---- incomplete input

def test_no_delimiter_at_all():
    error = error_of([b"just some bytes\r\n--BOUNDARYX\r\n"])
    assert error.reason == multipart.NO_DELIMITER
    assert str(error) == "multipart body has no boundary line"


@pytest.mark.parametrize("cut", [b"v", b"v\r\n", b"v\r\n--BOUNDARY-", b"v\r\n--BOUN"])
def test_missing_final_delimiter(cut):
    body = body_of(([TEXT_HEADER], b"v"))
    error = error_of([body[:body.index(cut) + len(cut)]])
    assert error.reason == multipart.UNCLOSED_BODY
    assert str(error) == "multipart body ends without its closing boundary"


@pytest.mark.parametrize("body", [b"--BOUNDARY\r\n", b"--BOUNDARY",
                                  b"--BOUNDARY\r\n" + TEXT_HEADER,
                                  b"--BOUNDARY\r\n" + TEXT_HEADER + b"\r\n"])
def test_body_that_ends_inside_the_headers(body):
    error = error_of([body])
    assert error.reason == multipart.UNFINISHED_HEADERS
    assert str(error) == "multipart body ends inside the headers of a part"


def test_events_before_a_fault_come_before_the_error():
    body = body_of(([TEXT_HEADER], b"v"), ([b"X: \0"], b""))
    seen = []
    decoder = Decoder(b"BOUNDARY")
    with pytest.raises(MultipartError):
        for event in decoder.feed(body):
            seen.append(event)
    assert seen == [PartStart(), PartHeaders([DISPOSITION]), PartData(b"v"), PartEnd(),
                    PartStart()]


# ---- starting inside a part

def test_in_part_starts_with_the_data():
    decoder = Decoder(b"B", in_part=True)
    events = list(decoder.feed(b"--B-x\r\ndata\r\n--B\r\n"))
    assert merged(events) == [PartData(b"--B-x\r\ndata"), PartEnd(), PartStart()]
    assert not decoder.done


def test_empty_boundary_is_refused():
    with pytest.raises(ValueError):
        Decoder(b"")


def test_events_compare_and_print_by_value():
    assert PartData(b"x") == PartData(b"x") != PartData(b"y")
    assert PartEnd() != BodyEnd()
    assert repr(PartHeaders([("A", "b")])) == "PartHeaders([('A', 'b')])"
