/* mp_conn: a client connection (conn_rec). */
#include "connection.h"
#include "exclusive.h"
#include "apachemodule.h"
#include "interpreters.h"
#include "convert.h"
#include "server.h"
#include "table.h"

PyObject *mp_conn_object(conn_rec *c, mp_gate *gate)
{
    mp_conn *self = PyObject_New(mp_conn, mp_types_running()->conn);
    if (self) {
        self->rec = c;
        mp_gate_init(&self->threads, c);
        /* A request's gate lives in the request object, which cuts this
         * object off (rec) before it can go (mp_request_invalidate). */
        self->gate = gate ? gate : &self->threads;
        self->notes = NULL;
        self->hlist = NULL;
        self->bb = NULL;
        self->pending = NULL;
    }
    return (PyObject *)self;
}

void mp_conn_invalidate(mp_conn *self)
{
    /* not while another thread is in one of its methods */
    MP_BEGIN_EXCLUSIVE((PyObject *)self)
    self->rec = NULL;
    Py_CLEAR(self->notes);      /* the notes table refers back to us */
    Py_CLEAR(self->hlist);
    Py_CLEAR(self->pending);
    MP_END_EXCLUSIVE()
}

static void conn_dealloc(mp_conn *self)
{
    Py_XDECREF(self->notes);
    Py_XDECREF(self->hlist);
    Py_XDECREF(self->pending);
    mp_free_object((PyObject *)self);
}

static int alive(mp_conn *self)
{
    if (!self->rec) {
        PyErr_SetString(PyExc_RuntimeError, "connection object used after its request ended");
        return 0;
    }
    return mp_gate_allows(self->gate, "connection object");
}

static PyObject *conn_log_error(mp_conn *self, PyObject *args)
{
    const char *message = NULL;
    int level = 0;
    if (!PyArg_ParseTuple(args, "z|i:log_error", &message, &level) || !alive(self))
        return NULL;
    if (message)
        ap_log_cerror(APLOG_MARK, mp_log_level(level), 0, self->rec, "%s", message);
    Py_RETURN_NONE;
}

/* ---------------------------------------------------------------------
 * Raw I/O, for connection handlers
 */

static apr_bucket_brigade *brigade(mp_conn *self)
{
    if (!self->bb)
        self->bb = apr_brigade_create(self->rec->pool, self->rec->bucket_alloc);
    return self->bb;
}

/* One ap_get_brigade() into the bytes gathered so far; 1 at end of
 * stream, 0 otherwise, -1 on error (OSError set). */
static int fetch(mp_conn *self, ap_input_mode_t mode, apr_off_t want, PyObject *chunks)
{
    apr_bucket_brigade *bb = brigade(self);
    apr_status_t rc;
    apr_bucket *b;
    int eos = 0;

    MP_BEGIN_ALLOW_THREADS
    rc = ap_get_brigade(self->rec->input_filters, bb, mode, APR_BLOCK_READ, want);
    MP_END_ALLOW_THREADS
    if (APR_STATUS_IS_EOF(rc)) {
        apr_brigade_cleanup(bb);
        return 1;
    }
    if (rc != APR_SUCCESS) {
        apr_brigade_cleanup(bb);
        PyErr_SetString(PyExc_OSError, "Connection read error");
        return -1;
    }
    eos = APR_BRIGADE_EMPTY(bb);
    for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb); b = APR_BUCKET_NEXT(b)) {
        const char *data;
        apr_size_t n;
        PyObject *chunk;
        if (APR_BUCKET_IS_EOS(b)) {
            eos = 1;
            break;
        }
        if (APR_BUCKET_IS_METADATA(b))
            continue;
        if (apr_bucket_read(b, &data, &n, APR_BLOCK_READ) != APR_SUCCESS) {
            apr_brigade_cleanup(bb);
            PyErr_SetString(PyExc_OSError, "Connection read error");
            return -1;
        }
        chunk = PyBytes_FromStringAndSize(data, n);
        if (!chunk || PyList_Append(chunks, chunk) < 0) {
            Py_XDECREF(chunk);
            apr_brigade_cleanup(bb);
            return -1;
        }
        Py_DECREF(chunk);
    }
    apr_brigade_cleanup(bb);
    return eos;
}

/* bytes of the gathered chunks, or None when nothing came before EOF. */
static PyObject *joined(PyObject *chunks)
{
    PyObject *empty, *result;
    if (!PyList_GET_SIZE(chunks))
        Py_RETURN_NONE;
    if (!(empty = PyBytes_FromStringAndSize("", 0)))
        return NULL;
    result = PyObject_CallMethod(empty, "join", "O", chunks);
    Py_DECREF(empty);
    return result;
}

/* Where a result of `length` bytes (0: no limit) ends in `data`: after the
 * first newline for a line, at `length` at most; -1 when it does not end
 * there yet. */
static Py_ssize_t result_end(PyObject *data, long length, int line)
{
    Py_ssize_t size = PyBytes_GET_SIZE(data), end = size;
    if (line) {
        const char *nl = memchr(PyBytes_AS_STRING(data), '\n', size);
        end = nl ? nl - PyBytes_AS_STRING(data) + 1 : -1;
    }
    if (length > 0 && size >= length && (end < 0 || end > length))
        end = length;
    return end;
}

/* Returns data[:end] and keeps data[end:] for the next read. */
static PyObject *take(mp_conn *self, PyObject *data, Py_ssize_t end)
{
    Py_ssize_t size = PyBytes_GET_SIZE(data);
    Py_CLEAR(self->pending);
    if (end >= size)
        return Py_NewRef(data);
    self->pending = PyBytes_FromStringAndSize(PyBytes_AS_STRING(data) + end,
                                              size - end);
    if (!self->pending)
        return NULL;
    return PyBytes_FromStringAndSize(PyBytes_AS_STRING(data), end);
}

/* read(-1): everything until the client closes. */
static PyObject *read_all(mp_conn *self, PyObject *chunks)
{
    int rc;
    while ((rc = fetch(self, AP_MODE_READBYTES, HUGE_STRING_LEN, chunks)) == 0)
        ;
    return rc < 0 ? NULL : joined(chunks);
}

/* Whether the chunks from index `from` on hold a newline; adds their
 * sizes to *total. */
static int scan_chunks(PyObject *chunks, Py_ssize_t from, Py_ssize_t *total)
{
    int newline = 0;
    for (; from < PyList_GET_SIZE(chunks); from++) {
        PyObject *chunk = PyList_GET_ITEM(chunks, from);
        newline |= memchr(PyBytes_AS_STRING(chunk), '\n', PyBytes_GET_SIZE(chunk)) != NULL;
        *total += PyBytes_GET_SIZE(chunk);
    }
    return newline;
}

/* Bytes left over by a shorter readline() come first, then blocks from the
 * connection until the result is complete: one block for read(0) and
 * read(n); for readline(), a line, `length` bytes, or, without a length,
 * what one read of Apache's line buffer gave (an over-long line comes in
 * pieces, so a client cannot make us hold an unbounded line).  The chunks
 * are joined once, at the end. */
static PyObject *read_common(mp_conn *self, PyObject *args, int line)
{
    long length = 0;
    PyObject *chunks, *data = NULL, *result = NULL;
    Py_ssize_t end, scanned = 0, total = 0;
    int rc = 0, fetched = 0, newline;

    if (!PyArg_ParseTuple(args, line ? "|l:readline" : "|l:read", &length))
        return NULL;
    if (!(chunks = PyList_New(0)))
        return NULL;
    if (self->pending && PyList_Append(chunks, self->pending) < 0)
        goto done;
    Py_CLEAR(self->pending);
    if (length == -1 && !line) {
        result = read_all(self, chunks);
        goto done;
    }
    for (;;) {
        newline = scan_chunks(chunks, scanned, &total);
        scanned = PyList_GET_SIZE(chunks);
        if (total && ((line && newline) || (length > 0 && total >= length) || !line
                      || (fetched && length <= 0)))
            break;
        if (rc == 1)
            break;      /* end of stream: whatever came */
        rc = fetch(self, line ? AP_MODE_GETLINE : AP_MODE_READBYTES,
                   length > 0 ? length : HUGE_STRING_LEN, chunks);
        fetched = 1;
        if (rc < 0)
            goto done;
    }
    if (!(data = joined(chunks)))
        goto done;
    if (data == Py_None) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    end = result_end(data, length, line);
    result = take(self, data, end >= 0 ? end : PyBytes_GET_SIZE(data));
done:
    Py_XDECREF(data);
    Py_DECREF(chunks);
    return result;
}

static PyObject *write_bytes(mp_conn *self, PyObject *args)
{
    Py_buffer data;
    apr_bucket_brigade *bb;
    apr_status_t rc;

    if (!PyArg_ParseTuple(args, "s*:write", &data))
        return NULL;
    bb = brigade(self);
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_heap_create(data.buf, data.len, NULL,
                                                       self->rec->bucket_alloc));
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_flush_create(self->rec->bucket_alloc));
    PyBuffer_Release(&data);
    MP_BEGIN_ALLOW_THREADS
    rc = ap_pass_brigade(self->rec->output_filters, bb);
    apr_brigade_cleanup(bb);
    MP_END_ALLOW_THREADS
    if (rc != APR_SUCCESS) {
        PyErr_SetString(PyExc_OSError, "Write failed, client closed connection.");
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *read_bytes(mp_conn *self, PyObject *args)
{
    return read_common(self, args, 0);
}

static PyObject *read_line(mp_conn *self, PyObject *args)
{
    return read_common(self, args, 1);
}

/* Reads and writes hold the connection's I/O lock from start to end: the
 * threads of a connection handler share the object's brigade and
 * look-ahead, and Apache's filters of the connection.  (A read that
 * waits for the client keeps writes from other threads waiting too.) */
static PyObject *one_at_a_time(mp_conn *self, PyObject *(*op)(mp_conn *, PyObject *),
                               PyObject *args)
{
    PyObject *result;
    int pass;
    if (!alive(self) || !(pass = mp_gate_enter(self->gate, "connection object")))
        return NULL;
    result = alive(self) ? op(self, args) : NULL;   /* it may end while waiting */
    mp_gate_leave(self->gate, pass);
    return result;
}

static PyObject *conn_read(mp_conn *self, PyObject *args)
{
    return one_at_a_time(self, read_bytes, args);
}

static PyObject *conn_readline(mp_conn *self, PyObject *args)
{
    return one_at_a_time(self, read_line, args);
}

static PyObject *conn_write(mp_conn *self, PyObject *args)
{
    return one_at_a_time(self, write_bytes, args);
}

/* Each method holds the connection (exclusive.h). */
MP_EXCLUSIVE_METHOD(conn_log_error)
MP_EXCLUSIVE_METHOD(conn_read)
MP_EXCLUSIVE_METHOD(conn_readline)
MP_EXCLUSIVE_METHOD(conn_write)

static PyMethodDef conn_methods[] = {
    {"log_error", (PyCFunction)conn_log_error_x, METH_VARARGS, NULL},
    {"read", (PyCFunction)conn_read_x, METH_VARARGS, "read(length=0) -> bytes or None"},
    {"readline", (PyCFunction)conn_readline_x, METH_VARARGS, NULL},
    {"write", (PyCFunction)conn_write_x, METH_VARARGS, NULL},
    {NULL}
};

/* ---------------------------------------------------------------------
 * Attributes
 */

#define C(o) (((mp_conn *)(o))->rec)
#define GETTER(name, expr) \
    static PyObject *get_##name(PyObject *o, void *c) \
    { return alive((mp_conn *)o) ? (expr) : NULL; }

static void deprecated(mp_conn *self, const char *old, const char *new)
{
    ap_log_cerror(APLOG_MARK, APLOG_WARNING, 0, self->rec,
                  "mod_python: connection.%s is deprecated, use connection.%s",
                  old, new);
}

GETTER(base_server, mp_server_object(C(o)->base_server))
GETTER(local_addr, mp_sockaddr(C(o)->local_addr))
GETTER(client_addr, mp_sockaddr(C(o)->client_addr))
GETTER(client_ip, mp_str(C(o)->client_ip))
GETTER(remote_addr, (deprecated((mp_conn *)o, "remote_addr", "client_addr"),
                     mp_sockaddr(C(o)->client_addr)))
GETTER(remote_ip, (deprecated((mp_conn *)o, "remote_ip", "client_ip"),
                   mp_str(C(o)->client_ip)))
GETTER(remote_host, mp_str(C(o)->remote_host))
GETTER(remote_logname, mp_str(C(o)->remote_logname))
GETTER(aborted, PyLong_FromLong(C(o)->aborted))
GETTER(keepalive, PyLong_FromLong(C(o)->keepalive))
GETTER(double_reverse, PyLong_FromLong(C(o)->double_reverse))
GETTER(keepalives, PyLong_FromLong(C(o)->keepalives))
GETTER(local_ip, mp_str(C(o)->local_ip))
GETTER(local_host, mp_str(C(o)->local_host))
GETTER(id, PyLong_FromLong(C(o)->id))
GETTER(_conn_rec, PyCapsule_New(C(o), "mod_python._conn_rec", NULL))

static PyObject *get_notes(PyObject *o, void *c)
{
    mp_conn *self = (mp_conn *)o;
    if (!alive(self))
        return NULL;
    if (!self->notes && !(self->notes = mp_table_wrap(self->rec->notes, o)))
        return NULL;
    Py_INCREF(self->notes);
    return self->notes;
}

static PyObject *get_hlist(PyObject *o, void *c)
{
    PyObject *h = ((mp_conn *)o)->hlist ? ((mp_conn *)o)->hlist : Py_None;
    Py_INCREF(h);
    return h;
}

static int set_keepalive(PyObject *o, PyObject *value, void *c)
{
    long v;

    if (!value) {
        PyErr_SetString(PyExc_AttributeError, "can't delete connection attributes");
        return -1;
    }
    if (!PyLong_Check(value)) {
        PyErr_SetString(PyExc_TypeError, "keepalive must be an integer");
        return -1;
    }
    if (!alive((mp_conn *)o))
        return -1;
    v = PyLong_AsLong(value);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (v != AP_CONN_UNKNOWN && v != AP_CONN_CLOSE && v != AP_CONN_KEEPALIVE) {
        /* anything else would be an enum value Apache does not know */
        PyErr_Format(PyExc_ValueError, "keepalive must be AP_CONN_UNKNOWN, "
                     "AP_CONN_CLOSE or AP_CONN_KEEPALIVE, not %ld", v);
        return -1;
    }
    C(o)->keepalive = (ap_conn_keepalive_e)v;
    return 0;
}

/* Each attribute holds the connection (exclusive.h). */
MP_EXCLUSIVE_GETTER(get_base_server)
MP_EXCLUSIVE_GETTER(get_local_addr)
MP_EXCLUSIVE_GETTER(get_client_addr)
MP_EXCLUSIVE_GETTER(get_client_ip)
MP_EXCLUSIVE_GETTER(get_remote_addr)
MP_EXCLUSIVE_GETTER(get_remote_ip)
MP_EXCLUSIVE_GETTER(get_remote_host)
MP_EXCLUSIVE_GETTER(get_remote_logname)
MP_EXCLUSIVE_GETTER(get_aborted)
MP_EXCLUSIVE_GETTER(get_double_reverse)
MP_EXCLUSIVE_GETTER(get_keepalives)
MP_EXCLUSIVE_GETTER(get_local_ip)
MP_EXCLUSIVE_GETTER(get_local_host)
MP_EXCLUSIVE_GETTER(get_id)
MP_EXCLUSIVE_GETTER(get_notes)
MP_EXCLUSIVE_GETTER(get_hlist)
MP_EXCLUSIVE_GETTER(get__conn_rec)
MP_EXCLUSIVE_GETTER(get_keepalive)
MP_EXCLUSIVE_SETTER(set_keepalive)

#define RO(name) {#name, get_##name##_x, NULL, NULL, NULL}

static PyGetSetDef conn_getset[] = {
    RO(base_server), RO(local_addr), RO(client_addr), RO(client_ip),
    RO(remote_addr), RO(remote_ip), RO(remote_host), RO(remote_logname),
    RO(aborted), RO(double_reverse), RO(keepalives), RO(local_ip),
    RO(local_host), RO(id), RO(notes), RO(hlist), RO(_conn_rec),
    {"keepalive", get_keepalive_x, set_keepalive_x, NULL, NULL},
    {NULL}
};

static int conn_setattr(PyObject *o, PyObject *name, PyObject *value)
{
    if (!value) {
        PyErr_SetString(PyExc_AttributeError, "can't delete connection attributes");
        return -1;
    }
    return PyObject_GenericSetAttr(o, name, value);
}

static PyType_Slot mp_conn_slots[] = {
    {Py_tp_dealloc, (void *)(destructor)conn_dealloc},
    {Py_tp_getattro, (void *)PyObject_GenericGetAttr},
    {Py_tp_setattro, (void *)conn_setattr},
    {Py_tp_doc, (void *)"An Apache client connection"},
    {Py_tp_methods, (void *)conn_methods},
    {Py_tp_getset, (void *)conn_getset},
    {0, NULL}
};

PyType_Spec mp_conn_spec = {
    .name = "_apache.mp_conn",
    .basicsize = sizeof(mp_conn),
    .flags = Py_TPFLAGS_DEFAULT | MP_TPFLAGS_NO_NEW,
    .slots = mp_conn_slots,
};
