/* Reading the request body: req.read(), readline(), readlines(),
 * discard_request_body().  readline() looks ahead into a buffer that
 * read() drains first, so the two can be mixed.  Each method runs holding
 * the connection's I/O lock from start to end (request.c), not only while
 * Apache reads: threads reading the body at once get whole lines and
 * blocks, one after the other, and never move the look-ahead buffer under
 * one another. */
#include "request.h"

enum { BODY_UNREAD, BODY_READING, BODY_DONE };

#define READ_BLOCK 8192

/* Sets up Apache's body reading on first use; raises SERVER_RETURN with
 * Apache's status when the body cannot be read (413 beyond
 * LimitRequestBody, 400 for a bad Content-Length).  A chunked body is
 * read de-chunked, as WSGI applications and mod_wsgi expect. */
static int start_body(mp_request *self)
{
    request_rec *r = self->rec;
    int rc;

    if (!r) {
        PyErr_SetString(PyExc_RuntimeError, "request object used after its request ended");
        return -1;
    }
    if (self->body_state != BODY_UNREAD)
        return 0;
    rc = ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK);
    if (rc != OK) {
        mp_raise_server_return(rc);
        return -1;
    }
    self->body_state = ap_should_client_block(r) ? BODY_READING : BODY_DONE;
    return 0;
}

/* After a failed read: when an input filter has already answered the
 * request (400 for a broken chunk, 413 beyond LimitRequestBody), the
 * handler must stop without adding to that answer: SERVER_RETURN(DONE).
 * Otherwise the client went away or timed out: OSError. */
static void raise_read_error(mp_request *self)
{
    const request_rec *main = self->rec;

    while (main->main)                  /* the answer is the main request's */
        main = main->main;
    self->body_state = BODY_DONE;
    if (main->eos_sent)
        mp_raise_server_return(DONE);
    else
        PyErr_SetString(PyExc_OSError, "Client read error (Timeout?)");
}

/* Reads up to n bytes from the client into buf; -1 with an exception set. */
static long read_client(mp_request *self, char *buf, apr_size_t n)
{
    request_rec *r = self->rec;
    apr_size_t got = 0;
    long rc = 0;

    if (self->body_state != BODY_READING)
        return 0;
    MP_BEGIN_ALLOW_THREADS
    while (got < n) {
        rc = ap_get_client_block(r, buf + got, n - got);
        if (rc <= 0)
            break;
        got += rc;
    }
    MP_END_ALLOW_THREADS
    if (rc < 0) {
        raise_read_error(self);
        return -1;
    }
    if (rc == 0)
        self->body_state = BODY_DONE;
    return (long)got;
}

static apr_size_t buffered(const mp_request *self)
{
    return self->rbuf_len - self->rbuf_pos;
}

/* Moves up to n buffered bytes to dst. */
static apr_size_t take_buffered(mp_request *self, char *dst, apr_size_t n)
{
    apr_size_t k = buffered(self) < n ? buffered(self) : n;
    memcpy(dst, self->rbuf + self->rbuf_pos, k);
    self->rbuf_pos += k;
    return k;
}

/* Memory is committed as data arrives, not as the client announces it:
 * a lying Content-Length costs nothing. */
#define READ_GROWTH (1024 * 1024)

/* First allocation for a whole-body read: the announced length (up to
 * READ_GROWTH), at least one block. */
static apr_size_t initial_size(const request_rec *r)
{
    apr_size_t announced = r->remaining > 0 ? (apr_size_t)r->remaining : 0;
    if (announced > READ_GROWTH)
        return READ_GROWTH;
    return announced < READ_BLOCK ? READ_BLOCK : announced;
}

PyObject *mp_request_read(mp_request *self, PyObject *args)
{
    Py_ssize_t len = -1;
    apr_size_t want, got, size;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "|n:read", &len) || start_body(self) < 0)
        return NULL;
    if (len == 0)
        return PyBytes_FromStringAndSize("", 0);
    /* Without a length, until the end of the body: an input filter may
     * have made it longer or shorter than the Content-Length. */
    want = len > 0 ? (apr_size_t)len : (apr_size_t)-1;
    size = len > 0 ? (want < READ_GROWTH ? want : READ_GROWTH)
                   : buffered(self) + (self->body_state == BODY_READING
                                       ? initial_size(self->rec) : 0);
    if (!(result = PyBytes_FromStringAndSize(NULL, size)))
        return NULL;
    got = take_buffered(self, PyBytes_AS_STRING(result), size);
    while (got < want && self->body_state == BODY_READING) {
        long n;
        if (got == size) {
            size = want - size < size ? want : size * 2;
            if (_PyBytes_Resize(&result, size) < 0)
                return NULL;
        }
        if ((n = read_client(self, PyBytes_AS_STRING(result) + got, size - got)) < 0) {
            Py_DECREF(result);
            return NULL;
        }
        got += n;
    }
    if (got != size && _PyBytes_Resize(&result, got) < 0)
        return NULL;
    return result;
}

/* Appends one block from the client to the look-ahead buffer. */
static long fill_buffer(mp_request *self)
{
    request_rec *r = self->rec;
    long n;
    if (self->rbuf_pos) {
        memmove(self->rbuf, self->rbuf + self->rbuf_pos, buffered(self));
        self->rbuf_len -= self->rbuf_pos;
        self->rbuf_pos = 0;
    }
    if (self->rbuf_size - self->rbuf_len < READ_BLOCK) {
        char *grown = PyMem_Realloc(self->rbuf, self->rbuf_size + READ_BLOCK * 2);
        if (!grown) {
            PyErr_NoMemory();
            return -1;
        }
        self->rbuf = grown;
        self->rbuf_size += READ_BLOCK * 2;
    }
    /* One block at most: readline() must not wait for more than a line. */
    MP_BEGIN_ALLOW_THREADS
    n = ap_get_client_block(r, self->rbuf + self->rbuf_len, READ_BLOCK);
    MP_END_ALLOW_THREADS
    if (n < 0) {
        raise_read_error(self);
        return -1;
    }
    if (n == 0)
        self->body_state = BODY_DONE;
    self->rbuf_len += n;
    return n;
}

static PyObject *readline(mp_request *self, Py_ssize_t limit)
{
    apr_size_t scanned = 0;

    for (;;) {
        const char *start = self->rbuf + self->rbuf_pos;
        apr_size_t avail = buffered(self), take = avail;
        const char *nl = avail > scanned
                         ? memchr(start + scanned, '\n', avail - scanned) : NULL;
        if (nl)
            take = nl - start + 1;
        if (limit > 0 && take > (apr_size_t)limit)
            take = limit;
        if (nl || (limit > 0 && avail >= (apr_size_t)limit)
            || self->body_state != BODY_READING) {
            PyObject *line = PyBytes_FromStringAndSize(start, take);
            if (line)
                self->rbuf_pos += take;
            return line;
        }
        scanned = avail;
        if (fill_buffer(self) < 0)
            return NULL;
    }
}

PyObject *mp_request_readline(mp_request *self, PyObject *args)
{
    Py_ssize_t limit = -1;
    if (!PyArg_ParseTuple(args, "|n:readline", &limit) || start_body(self) < 0)
        return NULL;
    if (limit == 0)
        return PyBytes_FromStringAndSize("", 0);
    return readline(self, limit);
}

/* The first line whole, later ones limited to sizehint, until the lines
 * read add up to sizehint. */
PyObject *mp_request_readlines(mp_request *self, PyObject *args)
{
    Py_ssize_t hint = -1, total = 0;
    PyObject *lines;

    if (!PyArg_ParseTuple(args, "|n:readlines", &hint) || start_body(self) < 0)
        return NULL;
    if (!(lines = PyList_New(0)))
        return NULL;
    for (;;) {
        PyObject *line = readline(self, PyList_GET_SIZE(lines) && hint > 0 ? hint : -1);
        int rc;
        if (!line) {
            Py_DECREF(lines);
            return NULL;
        }
        if (!PyBytes_GET_SIZE(line)) {
            Py_DECREF(line);
            return lines;
        }
        total += PyBytes_GET_SIZE(line);
        rc = PyList_Append(lines, line);
        Py_DECREF(line);
        if (rc < 0) {
            Py_DECREF(lines);
            return NULL;
        }
        if (hint > 0 && total >= hint)
            return lines;
    }
}

PyObject *mp_request_discard_request_body(mp_request *self, PyObject *unused)
{
    request_rec *r = self->rec;
    int rc;
    if (!r) {
        PyErr_SetString(PyExc_RuntimeError, "request object used after its request ended");
        return NULL;
    }
    MP_BEGIN_ALLOW_THREADS
    rc = ap_discard_request_body(r);
    MP_END_ALLOW_THREADS
    self->body_state = BODY_DONE;
    self->rbuf_pos = self->rbuf_len = 0;
    return PyLong_FromLong(rc);
}

/* for line in req: the body line by line (what PEP 3333 asks of wsgi.input). */
PyObject *mp_request_iternext(mp_request *self)
{
    PyObject *line;
    if (start_body(self) < 0)
        return NULL;
    line = readline(self, -1);
    if (line && !PyBytes_GET_SIZE(line))
        Py_CLEAR(line);         /* end of body: StopIteration */
    return line;
}
