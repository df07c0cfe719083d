/* mp_hlist: a cursor on the handler list of the running phase: the
 * configured list first, then what req.add_handler() appended, so
 * handlers added during the phase still run in it. */
#include "hlist.h"
#include "exclusive.h"
#include "apachemodule.h"
#include "context.h"
#include "convert.h"
#include "table.h"

PyObject *mp_hlist_new(PyObject *owner, request_rec *r,
                       const apr_array_header_t *configured,
                       const char *phase)
{
    mp_hlist *self = PyObject_New(mp_hlist, mp_types_running()->hlist);
    if (!self)
        return NULL;
    Py_XINCREF(owner);
    self->owner = owner;
    self->r = r;
    self->configured = configured;
    self->phase = phase;
    self->pos = 0;
    return (PyObject *)self;
}

static void hlist_dealloc(mp_hlist *self)
{
    Py_XDECREF(self->owner);
    mp_free_object((PyObject *)self);
}

/* What req.add_handler() appended for the phase so far: looked up only
 * once the configured handlers are behind, so a phase that adds none
 * costs nothing here. */
static const apr_array_header_t *added_handlers(const mp_hlist *h)
{
    mp_context *ctx = h->phase ? mp_context_get(h->r, 0) : NULL;
    return ctx ? mp_context_added(ctx, h->phase, 0) : NULL;
}

const mp_handler *mp_hlist_current(const mp_hlist *h)
{
    int n = h->configured ? h->configured->nelts : 0;
    const apr_array_header_t *added;
    if (h->owner && !((mp_record_object *)h->owner)->rec)
        return NULL;
    if (h->pos < n)
        return &APR_ARRAY_IDX(h->configured, h->pos, mp_handler);
    added = added_handlers(h);
    if (added && h->pos - n < added->nelts)
        return &APR_ARRAY_IDX(added, h->pos - n, mp_handler);
    return NULL;
}

static PyObject *hlist_next(mp_hlist *self, PyObject *unused)
{
    if (mp_hlist_current(self))
        self->pos++;
    Py_RETURN_NONE;
}

/* Each method and attribute holds the critical section of the list's
 * owner (exclusive.h), which req.add_handler() holds while it appends. */
#define OWNER(o) (((mp_hlist *)(o))->owner)

MP_EXCLUSIVE_METHOD_ON(OWNER(self), hlist_next)

static PyMethodDef hlist_methods[] = {
    {"next", (PyCFunction)hlist_next_x, METH_NOARGS, "advance to the next handler"},
    {NULL}
};

#define CURRENT(o) mp_hlist_current((mp_hlist *)(o))

static PyObject *get_handler(PyObject *o, void *c)
{
    const mp_handler *h = CURRENT(o);
    return h ? mp_str(h->handler) : (Py_INCREF(Py_None), Py_None);
}

static PyObject *get_directory(PyObject *o, void *c)
{
    const mp_handler *h = CURRENT(o);
    return h ? mp_str(mp_handler_directory(h, ((mp_hlist *)o)->r))
             : (Py_INCREF(Py_None), Py_None);
}

static PyObject *get_is_location(PyObject *o, void *c)
{
    const mp_handler *h = CURRENT(o);
    return h ? PyBool_FromLong(h->is_location) : (Py_INCREF(Py_None), Py_None);
}

static PyObject *get_silent(PyObject *o, void *c)
{
    const mp_handler *h = CURRENT(o);
    return h ? PyLong_FromLong(h->silent) : (Py_INCREF(Py_None), Py_None);
}

MP_EXCLUSIVE_GETTER_ON(OWNER(self), get_handler)
MP_EXCLUSIVE_GETTER_ON(OWNER(self), get_directory)
MP_EXCLUSIVE_GETTER_ON(OWNER(self), get_is_location)
MP_EXCLUSIVE_GETTER_ON(OWNER(self), get_silent)

static PyGetSetDef hlist_getset[] = {
    {"handler", get_handler_x, NULL, NULL, NULL},
    {"directory", get_directory_x, NULL, NULL, NULL},
    {"is_location", get_is_location_x, NULL, NULL, NULL},
    {"silent", get_silent_x, NULL, NULL, NULL},
    {NULL}
};

static PyObject *hlist_repr(PyObject *o)
{
    PyObject *h = get_handler(o, NULL), *d = get_directory(o, NULL);
    PyObject *l = get_is_location(o, NULL), *s = get_silent(o, NULL), *r = NULL;
    if (h && d && l && s)
        r = PyUnicode_FromFormat("{'handler':%R,'directory':%R,'is_location':%R,'silent':%R}",
                                 h, d, l, s);
    Py_XDECREF(h);
    Py_XDECREF(d);
    Py_XDECREF(l);
    Py_XDECREF(s);
    return r;
}

static PyType_Slot mp_hlist_slots[] = {
    {Py_tp_dealloc, (void *)(destructor)hlist_dealloc},
    {Py_tp_repr, (void *)hlist_repr},
    {Py_tp_doc, (void *)"Cursor on the handlers of the running phase"},
    {Py_tp_methods, (void *)hlist_methods},
    {Py_tp_getset, (void *)hlist_getset},
    {0, NULL}
};

PyType_Spec mp_hlist_spec = {
    .name = "_apache.mp_hlist",
    .basicsize = sizeof(mp_hlist),
    .flags = Py_TPFLAGS_DEFAULT | MP_TPFLAGS_NO_NEW,
    .slots = mp_hlist_slots,
};
