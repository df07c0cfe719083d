/* mp_filter: what a Python filter callable (or SSI code) works with.
 *
 * Reading takes data from bb_in (for input filters, fetched from the next
 * filter on demand); writing appends to bb_out, which flush() and close()
 * hand to the next output filter.  read() returns None at end of stream. */
#include "filter.h"
#include "exclusive.h"
#include "apachemodule.h"
#include "context.h"
#include "request.h"
#include "thread_gate.h"

PyObject *mp_filter_object(ap_filter_t *f, mp_filter_ctx *ctx, apr_bucket_brigade *bb_in,
                           apr_bucket_brigade *bb_out, int is_input)
{
    mp_filter *self;
    PyObject *req = mp_context_request(f->r);

    if (!req || !(self = PyObject_New(mp_filter, mp_types_running()->filter)))
        return NULL;
    self->f = f;
    self->ctx = ctx;
    self->bb_in = bb_in;
    self->bb_out = bb_out;
    self->mode = AP_MODE_READBYTES;
    self->block = APR_BLOCK_READ;
    self->readbytes = 0;
    self->req = Py_NewRef(req);
    self->name = ctx ? ctx->name : f->frec->name;
    self->is_input = is_input;
    self->closed = self->eos_seen = self->end_told = self->progressed = 0;
    self->read_failed = 0;
    self->softspace = 0;
    return (PyObject *)self;
}

void mp_filter_invalidate(mp_filter *self)
{
    /* ctx lives in the request's pool; the request may hold this object
     * (filter.req.f = filter), a cycle the collector cannot see */
    MP_BEGIN_EXCLUSIVE((PyObject *)self)
    self->f = NULL;
    self->ctx = NULL;
    Py_CLEAR(self->req);
    MP_END_EXCLUSIVE()
}

static void filter_dealloc(mp_filter *self)
{
    Py_XDECREF(self->req);
    mp_free_object((PyObject *)self);
}

/* The filter during its invocation, or NULL with RuntimeError.  Only
 * the thread that runs the filter may use it (thread_gate.h): a thread
 * the filter started would move the filter's brigades under it, and pass
 * them on beside Apache. */
static ap_filter_t *live(mp_filter *self)
{
    if (!self->f)
        PyErr_SetString(PyExc_RuntimeError, "filter used after its invocation ended");
    else if (mp_serving() != self->f->c) {
        PyErr_SetString(PyExc_RuntimeError, "a filter object can only be used in the "
                        "thread that runs the filter, not in a thread it started");
        return NULL;
    }
    return self->f;
}

/* The live filter if it is not closed, or NULL with an exception set. */
static ap_filter_t *usable(mp_filter *self)
{
    if (!live(self))
        return NULL;
    if (self->closed) {
        PyErr_SetString(PyExc_ValueError, "I/O operation on closed filter");
        return NULL;
    }
    return self->f;
}

/* Passes bb_out to the next output filter (without the GIL). */
static apr_status_t pass_out(mp_filter *self)
{
    apr_status_t rc;
    if (self->is_input || !self->ctx)
        return APR_SUCCESS;     /* input and SSI output is returned, not passed */
    MP_BEGIN_ALLOW_THREADS
    rc = ap_pass_brigade(self->f->next, self->bb_out);
    apr_brigade_cleanup(self->bb_out);
    MP_END_ALLOW_THREADS
    return rc;
}

/* ---------------------------------------------------------------------
 * Reading
 */

/* Input filters: fetch a brigade from upstream when ours is empty. */
static int fetch_input(mp_filter *self)
{
    apr_status_t rc;
    if (!self->is_input || self->eos_seen || !APR_BRIGADE_EMPTY(self->bb_in))
        return 0;
    MP_BEGIN_ALLOW_THREADS
    rc = ap_get_brigade(self->f->next, self->bb_in, self->mode, self->block,
                        self->readbytes);
    MP_END_ALLOW_THREADS
    if (rc != APR_SUCCESS && !APR_STATUS_IS_EAGAIN(rc)) {
        self->read_failed = 1;
        PyErr_SetString(PyExc_OSError, "Input filter read error");
        return -1;
    }
    if (!APR_BRIGADE_EMPTY(self->bb_in))
        self->progressed = 1;
    return 0;
}

/* Reads a bucket; one that may block (pipe, socket, file) without the GIL. */
static apr_status_t read_bucket(apr_bucket *b, const char **data, apr_size_t *n)
{
    apr_status_t rc;
    if (APR_BUCKET_IS_HEAP(b) || APR_BUCKET_IS_TRANSIENT(b) || APR_BUCKET_IS_IMMORTAL(b)
        || APR_BUCKET_IS_POOL(b))
        return apr_bucket_read(b, data, n, APR_BLOCK_READ);
    MP_BEGIN_ALLOW_THREADS
    rc = apr_bucket_read(b, data, n, APR_BLOCK_READ);
    MP_END_ALLOW_THREADS
    return rc;
}

/* Moves up to limit bytes (all if limit < 0), stopping after a newline
 * when line is set, from bb_in into a bytes object; None at EOS. */
static PyObject *gather(mp_filter *self, Py_ssize_t limit, int line)
{
    PyObject *chunks = PyList_New(0), *sep, *result;
    Py_ssize_t total = 0;
    int done = 0;

    if (!chunks)
        return NULL;
    while (!done && !APR_BRIGADE_EMPTY(self->bb_in) && (limit < 0 || total < limit)) {
        apr_bucket *b = APR_BRIGADE_FIRST(self->bb_in);
        const char *data;
        apr_size_t n;
        PyObject *chunk;

        if (APR_BUCKET_IS_EOS(b)) {
            self->eos_seen = 1;
            apr_bucket_delete(b);
            break;
        }
        if (APR_BUCKET_IS_METADATA(b)) {
            apr_bucket_delete(b);       /* flushes are ours to make */
            continue;
        }
        if (read_bucket(b, &data, &n) != APR_SUCCESS) {
            Py_DECREF(chunks);
            PyErr_SetString(PyExc_OSError, "Filter read error");
            return NULL;
        }
        if (line) {
            const char *nl = memchr(data, '\n', n);
            if (nl) {
                n = nl - data + 1;
                done = 1;
            }
        }
        if (limit >= 0 && (Py_ssize_t)n > limit - total) {
            n = limit - total;
            done = 1;
        }
        if (n < b->length && apr_bucket_split(b, n) != APR_SUCCESS) {
            Py_DECREF(chunks);
            return PyErr_NoMemory();
        }
        chunk = PyBytes_FromStringAndSize(data, n);
        if (!chunk || PyList_Append(chunks, chunk) < 0) {
            Py_XDECREF(chunk);
            Py_DECREF(chunks);
            return NULL;
        }
        Py_DECREF(chunk);
        total += n;
        apr_bucket_delete(b);
    }
    if (!total && self->eos_seen) {
        Py_DECREF(chunks);
        self->end_told = 1;
        Py_RETURN_NONE;
    }
    if (total)
        self->progressed = 1;
    sep = PyBytes_FromStringAndSize("", 0);
    result = sep ? PyObject_CallMethod(sep, "join", "O", chunks) : NULL;
    Py_XDECREF(sep);
    Py_DECREF(chunks);
    return result;
}

static PyObject *read_common(mp_filter *self, PyObject *args, int line)
{
    Py_ssize_t limit = -1;
    if (!PyArg_ParseTuple(args, line ? "|n:readline" : "|n:read", &limit) || !usable(self))
        return NULL;
    if (fetch_input(self) < 0)
        return NULL;
    return gather(self, limit, line);
}

static PyObject *filter_read(mp_filter *self, PyObject *args)
{
    return read_common(self, args, 0);
}

static PyObject *filter_readline(mp_filter *self, PyObject *args)
{
    return read_common(self, args, 1);
}

/* ---------------------------------------------------------------------
 * Writing
 */

static PyObject *filter_write(mp_filter *self, PyObject *args)
{
    Py_buffer data;
    ap_filter_t *f;
    if (!PyArg_ParseTuple(args, "s*:write", &data))
        return NULL;
    if ((f = usable(self)) && data.len) {
        apr_bucket *b = apr_bucket_heap_create(data.buf, data.len, NULL,
                                               f->c->bucket_alloc);
        APR_BRIGADE_INSERT_TAIL(self->bb_out, b);
    }
    PyBuffer_Release(&data);
    if (!f)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *filter_flush(mp_filter *self, PyObject *unused)
{
    ap_filter_t *f = usable(self);
    if (!f)
        return NULL;
    /* An input filter's output is returned to its reader, who would take
     * a lone FLUSH bucket for the end of the body: nothing to do there. */
    if (self->is_input)
        Py_RETURN_NONE;
    APR_BRIGADE_INSERT_TAIL(self->bb_out, apr_bucket_flush_create(f->c->bucket_alloc));
    if (pass_out(self) != APR_SUCCESS) {
        PyErr_SetString(PyExc_OSError, "Flush failed.");
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *filter_close(mp_filter *self, PyObject *unused)
{
    apr_status_t rc;
    if (self->closed)
        Py_RETURN_NONE;
    if (!usable(self))
        return NULL;
    APR_BRIGADE_INSERT_TAIL(self->bb_out, apr_bucket_eos_create(self->f->c->bucket_alloc));
    self->closed = 1;
    rc = pass_out(self);
    if (rc != APR_SUCCESS) {
        PyErr_SetString(PyExc_OSError, "Flush failed.");
        return NULL;
    }
    Py_RETURN_NONE;
}

/* True if the brigade ends the stream. */
static int has_eos(apr_bucket_brigade *bb)
{
    return !APR_BRIGADE_EMPTY(bb) && APR_BUCKET_IS_EOS(APR_BRIGADE_LAST(bb));
}

/* Everything from upstream goes on unchanged: an output filter hands
 * the brigade it was given to the next filter; an input filter fetches
 * straight into the brigade it returns. */
static PyObject *filter_pass_on(mp_filter *self, PyObject *unused)
{
    apr_status_t rc;
    if (!usable(self))
        return NULL;
    APR_BRIGADE_CONCAT(self->bb_out, self->bb_in);
    if (self->is_input) {
        MP_BEGIN_ALLOW_THREADS
        rc = ap_get_brigade(self->f->next, self->bb_out, self->mode, self->block,
                            self->readbytes);
        MP_END_ALLOW_THREADS
    }
    self->closed = has_eos(self->bb_out);
    if (!self->is_input)
        rc = pass_out(self);
    if (rc != APR_SUCCESS) {
        PyErr_SetString(PyExc_OSError, self->is_input ? "Input filter read error"
                                                      : "Flush failed.");
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *filter_disable(mp_filter *self, PyObject *unused)
{
    if (self->f && !live(self))
        return NULL;
    if (self->ctx)
        self->ctx->disabled = 1;
    else if (self->f)
        apr_table_setn(self->f->r->notes, MP_SSI_DISABLED_NOTE, "1");
    Py_RETURN_NONE;
}

/* Each method holds the filter (exclusive.h). */
MP_EXCLUSIVE_METHOD(filter_read)
MP_EXCLUSIVE_METHOD(filter_readline)
MP_EXCLUSIVE_METHOD(filter_write)
MP_EXCLUSIVE_METHOD(filter_flush)
MP_EXCLUSIVE_METHOD(filter_close)
MP_EXCLUSIVE_METHOD(filter_pass_on)
MP_EXCLUSIVE_METHOD(filter_disable)

static PyMethodDef filter_methods[] = {
    {"read", (PyCFunction)filter_read_x, METH_VARARGS, "read(length=-1) -> bytes or None"},
    {"readline", (PyCFunction)filter_readline_x, METH_VARARGS, NULL},
    {"write", (PyCFunction)filter_write_x, METH_VARARGS, NULL},
    {"flush", (PyCFunction)filter_flush_x, METH_NOARGS, NULL},
    {"close", (PyCFunction)filter_close_x, METH_NOARGS, NULL},
    {"pass_on", (PyCFunction)filter_pass_on_x, METH_NOARGS, NULL},
    {"disable", (PyCFunction)filter_disable_x, METH_NOARGS, NULL},
    {NULL}
};

/* ---------------------------------------------------------------------
 * Attributes
 */

#define F(o) ((mp_filter *)(o))

static PyObject *get_closed(PyObject *o, void *c) { return PyLong_FromLong(F(o)->closed); }
static PyObject *get_is_input(PyObject *o, void *c) { return PyLong_FromLong(F(o)->is_input); }
static PyObject *get_req(PyObject *o, void *c)
{
    return live(F(o)) ? Py_NewRef(F(o)->req) : NULL;
}
static PyObject *get_name(PyObject *o, void *c) { return PyUnicode_FromString(F(o)->name); }
static PyObject *get_handler(PyObject *o, void *c)
{
    if (!live(F(o)))
        return NULL;
    return F(o)->ctx ? PyUnicode_FromString(F(o)->ctx->reg->handler) : Py_NewRef(Py_None);
}
static PyObject *get_dir(PyObject *o, void *c)
{
    const char *dir;
    if (!live(F(o)))
        return NULL;
    dir = F(o)->ctx ? mp_handler_directory(F(o)->ctx->reg, F(o)->f->r) : NULL;
    return dir ? PyUnicode_FromString(dir) : Py_NewRef(Py_None);
}
static PyObject *get_softspace(PyObject *o, void *c) { return PyLong_FromLong(F(o)->softspace); }
static int set_softspace(PyObject *o, PyObject *value, void *c)
{
    if (!value) {
        PyErr_SetString(PyExc_AttributeError, "can't delete filter attributes");
        return -1;
    }
    F(o)->softspace = PyObject_IsTrue(value);
    return F(o)->softspace < 0 ? -1 : 0;
}

/* Each attribute holds the filter (exclusive.h). */
MP_EXCLUSIVE_GETTER(get_closed)
MP_EXCLUSIVE_GETTER(get_is_input)
MP_EXCLUSIVE_GETTER(get_req)
MP_EXCLUSIVE_GETTER(get_name)
MP_EXCLUSIVE_GETTER(get_handler)
MP_EXCLUSIVE_GETTER(get_dir)
MP_EXCLUSIVE_GETTER(get_softspace)
MP_EXCLUSIVE_SETTER(set_softspace)

static PyGetSetDef filter_getset[] = {
    {"closed", get_closed_x, NULL, NULL, NULL},
    {"is_input", get_is_input_x, NULL, NULL, NULL},
    {"req", get_req_x, NULL, NULL, NULL},
    {"name", get_name_x, NULL, NULL, NULL},
    {"handler", get_handler_x, NULL, NULL, NULL},
    {"dir", get_dir_x, NULL, NULL, NULL},
    {"softspace", get_softspace_x, set_softspace_x, NULL, NULL},
    {NULL}
};

static int filter_setattr(PyObject *o, PyObject *name, PyObject *value)
{
    if (!value) {
        PyErr_SetString(PyExc_AttributeError, "can't delete filter attributes");
        return -1;
    }
    return PyObject_GenericSetAttr(o, name, value);
}

static PyType_Slot mp_filter_slots[] = {
    {Py_tp_dealloc, (void *)(destructor)filter_dealloc},
    {Py_tp_getattro, (void *)PyObject_GenericGetAttr},
    {Py_tp_setattro, (void *)filter_setattr},
    {Py_tp_doc, (void *)"A Python filter's view of its data"},
    {Py_tp_methods, (void *)filter_methods},
    {Py_tp_getset, (void *)filter_getset},
    {0, NULL}
};

PyType_Spec mp_filter_spec = {
    .name = "_apache.mp_filter",
    .basicsize = sizeof(mp_filter),
    .flags = Py_TPFLAGS_DEFAULT | MP_TPFLAGS_NO_NEW,
    .slots = mp_filter_slots,
};
