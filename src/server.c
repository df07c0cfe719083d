/* mp_server: the server_rec of a (virtual) server. */
#include "server.h"
#include "apachemodule.h"
#include "config.h"
#include "convert.h"
#include "interpreters.h"
#include "table.h"
#include "ap_mpm.h"
#include "scoreboard.h"

static mp_server *new_server_object(server_rec *s)
{
    mp_server *obj = PyObject_GC_New(mp_server, mp_types_running()->server);
    if (!obj)
        return NULL;
    obj->rec = s;
    obj->dict = NULL;
    PyObject_GC_Track(obj);
    return obj;
}

/* One object per server_rec and interpreter, kept for the life of the
 * child (the cache holds a reference).  Without a GIL, the threads of
 * the interpreter take turns on its cache. */
PyObject *mp_server_object(server_rec *s)
{
    mp_interp *in = mp_interp_running();
    mp_server *obj;

    if (!in)
        return (PyObject *)new_server_object(s);
    MP_INTERP_CACHE_LOCK(in);
    obj = apr_hash_get(in->servers, &s, sizeof(s));
    if (!obj && (obj = new_server_object(s))) {
        server_rec **key = apr_pmemdup(apr_hash_pool_get(in->servers), &s, sizeof(s));
        apr_hash_set(in->servers, key, sizeof(s), obj);
    }
    Py_XINCREF(obj);
    MP_INTERP_CACHE_UNLOCK(in);
    return (PyObject *)obj;
}

static PyObject *server_get_config(mp_server *self, PyObject *unused)
{
    return mp_config_table_wrap(mp_server_config_of(self->rec)->directives, NULL);
}

static PyObject *server_get_options(mp_server *self, PyObject *unused)
{
    return mp_config_table_wrap(mp_server_config_of(self->rec)->options, NULL);
}

static PyObject *server_log_error(mp_server *self, PyObject *args)
{
    const char *message = NULL;
    int level = 0;
    if (!PyArg_ParseTuple(args, "z|i:log_error", &message, &level))
        return NULL;
    if (message)
        ap_log_error(APLOG_MARK, mp_log_level(level), 0, self->rec, "%s", message);
    Py_RETURN_NONE;
}

static PyObject *server_register_cleanup(mp_server *self, PyObject *args)
{
    PyObject *req, *callable, *data = Py_None;
    if (!PyArg_ParseTuple(args, "OO|O:register_cleanup", &req, &callable, &data))
        return NULL;
    if (!PyObject_TypeCheck(req, mp_types_running()->request)) {
        PyErr_SetString(PyExc_ValueError, "first argument must be a request object");
        return NULL;
    }
    if (!PyCallable_Check(callable)) {
        PyErr_SetString(PyExc_ValueError, "second argument must be a callable object");
        return NULL;
    }
    return mp_register_child_cleanup(callable, data, (PyObject *)self);
}

static PyMethodDef server_methods[] = {
    {"get_config", (PyCFunction)server_get_config, METH_NOARGS, NULL},
    {"get_options", (PyCFunction)server_get_options, METH_NOARGS, NULL},
    {"log_error", (PyCFunction)server_log_error, METH_VARARGS, NULL},
    {"register_cleanup", (PyCFunction)server_register_cleanup, METH_VARARGS, NULL},
    {NULL}
};

/* ---------------------------------------------------------------------
 * Attributes
 */

#define S(self) (((mp_server *)(self))->rec)

static PyObject *names_tuple(apr_array_header_t *names)
{
    PyObject *t;
    int i;
    if (!names)
        return PyTuple_New(0);
    if (!(t = PyTuple_New(names->nelts)))
        return NULL;
    for (i = 0; i < names->nelts; i++) {
        PyObject *s = mp_str(APR_ARRAY_IDX(names, i, const char *));
        if (!s) {
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, i, s);
    }
    return t;
}

static PyObject *get_defn_name(PyObject *o, void *c) { return mp_str(S(o)->defn_name); }
static PyObject *get_defn_line_number(PyObject *o, void *c) { return PyLong_FromLong(S(o)->defn_line_number); }
static PyObject *get_server_admin(PyObject *o, void *c) { return mp_str(S(o)->server_admin); }
static PyObject *get_server_hostname(PyObject *o, void *c) { return mp_str(S(o)->server_hostname); }
static PyObject *get_port(PyObject *o, void *c) { return PyLong_FromLong(S(o)->port); }
static PyObject *get_error_fname(PyObject *o, void *c) { return mp_str(S(o)->error_fname); }
static PyObject *get_loglevel(PyObject *o, void *c) { return PyLong_FromLong(S(o)->log.level); }
static PyObject *get_is_virtual(PyObject *o, void *c) { return PyLong_FromLong(S(o)->is_virtual); }
static PyObject *get_timeout(PyObject *o, void *c) { return mp_time(S(o)->timeout); }
static PyObject *get_keep_alive_timeout(PyObject *o, void *c) { return mp_time(S(o)->keep_alive_timeout); }
static PyObject *get_keep_alive_max(PyObject *o, void *c) { return PyLong_FromLong(S(o)->keep_alive_max); }
static PyObject *get_keep_alive(PyObject *o, void *c) { return PyLong_FromLong(S(o)->keep_alive); }
static PyObject *get_path(PyObject *o, void *c) { return mp_str(S(o)->path); }
static PyObject *get_pathlen(PyObject *o, void *c) { return PyLong_FromLong(S(o)->pathlen); }
static PyObject *get_names(PyObject *o, void *c) { return names_tuple(S(o)->names); }
static PyObject *get_wild_names(PyObject *o, void *c) { return names_tuple(S(o)->wild_names); }
static PyObject *get_limit_req_line(PyObject *o, void *c) { return PyLong_FromLong(S(o)->limit_req_line); }
static PyObject *get_limit_req_fieldsize(PyObject *o, void *c) { return PyLong_FromLong(S(o)->limit_req_fieldsize); }
static PyObject *get_limit_req_fields(PyObject *o, void *c) { return PyLong_FromLong(S(o)->limit_req_fields); }
static PyObject *get_my_generation(PyObject *o, void *c)
{
    int generation = 0;
    ap_mpm_query(AP_MPMQ_GENERATION, &generation);
    return PyLong_FromLong(generation);
}
static PyObject *get_restart_time(PyObject *o, void *c)
{
    return mp_time(ap_scoreboard_image ? ap_scoreboard_image->global->restart_time : 0);
}
static PyObject *get_next(PyObject *o, void *c)
{
    if (!S(o)->next)
        Py_RETURN_NONE;
    return mp_server_object(S(o)->next);
}
static PyObject *get_capsule(PyObject *o, void *c)
{
    return PyCapsule_New(S(o), "mod_python._server_rec", NULL);
}

#define RO(name) {#name, get_##name, NULL, NULL, NULL}
static PyGetSetDef server_getset[] = {
    RO(defn_name), RO(defn_line_number), RO(server_admin), RO(server_hostname),
    RO(port), RO(error_fname), RO(loglevel), RO(is_virtual), RO(timeout),
    RO(keep_alive_timeout), RO(keep_alive_max), RO(keep_alive), RO(path),
    RO(pathlen), RO(names), RO(wild_names), RO(limit_req_line),
    RO(limit_req_fieldsize), RO(limit_req_fields), RO(next), RO(my_generation),
    RO(restart_time),
    {"_server_rec", get_capsule, NULL, NULL, NULL},
    {NULL}
};

static int server_traverse(mp_server *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->dict);
    return 0;
}

static int server_clear(mp_server *self)
{
    Py_CLEAR(self->dict);
    return 0;
}

static void server_dealloc(mp_server *self)
{
    PyObject_GC_UnTrack(self);
    server_clear(self);
    mp_free_object((PyObject *)self);
}

static PyMemberDef mp_server_members[] = {
    {"__dictoffset__", Py_T_PYSSIZET, offsetof(mp_server, dict), Py_READONLY, NULL},
    {NULL}
};

static PyType_Slot mp_server_slots[] = {
    {Py_tp_dealloc, (void *)(destructor)server_dealloc},
    {Py_tp_getattro, (void *)PyObject_GenericGetAttr},
    {Py_tp_setattro, (void *)PyObject_GenericSetAttr},
    {Py_tp_doc, (void *)"An Apache (virtual) server"},
    {Py_tp_traverse, (void *)(traverseproc)server_traverse},
    {Py_tp_clear, (void *)(inquiry)server_clear},
    {Py_tp_methods, (void *)server_methods},
    {Py_tp_getset, (void *)server_getset},
    {Py_tp_members, mp_server_members},
    {0, NULL}
};

PyType_Spec mp_server_spec = {
    .name = "_apache.mp_server",
    .basicsize = sizeof(mp_server),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | MP_TPFLAGS_NO_NEW,
    .slots = mp_server_slots,
};
