/* The built-in _apache module: what mod_python.apache needs from C. */
#include "apachemodule.h"
#include "config.h"
#include "convert.h"
#include "filter.h"
#include "files.h"
#include "finfo.h"
#include "mutex.h"
#include "querystring.h"
#include "hlist.h"
#include "interpreters.h"
#include "connection.h"
#include "request.h"
#include "server.h"
#include "table.h"
#include "ap_mpm.h"
#include "util_cfgtree.h"
#include "http_main.h"

static PyObject *apache_log_error(PyObject *m, PyObject *args, PyObject *kw)
{
    static char *names[] = { "message", "level", "server", NULL };
    const char *message = NULL;
    int level = 0;
    PyObject *server = Py_None;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "z|iO:log_error", names,
                                     &message, &level, &server))
        return NULL;
    if (server != Py_None && !PyObject_TypeCheck(server, mp_types_of_module(m)->server)) {
        PyErr_SetString(PyExc_TypeError, "server must be a server object or None");
        return NULL;
    }
    if (message)
        ap_log_error(APLOG_MARK, mp_log_level(level), 0,
                     server == Py_None ? NULL : ((mp_server *)server)->rec,
                     "%s", message);
    Py_RETURN_NONE;
}

/* One level of the configuration tree: [(directive, args), [children], ...] */
static PyObject *tree_list(const ap_directive_t *d)
{
    PyObject *list = PyList_New(0);
    for (; list && d; d = d->next) {
        PyObject *item = Py_BuildValue("(NN)", mp_str(d->directive), mp_str(d->args));
        int rc = item ? PyList_Append(list, item) : -1;
        Py_XDECREF(item);
        if (rc == 0 && d->first_child) {
            PyObject *children = tree_list(d->first_child);
            rc = children ? PyList_Append(list, children) : -1;
            Py_XDECREF(children);
        }
        if (rc < 0)
            Py_CLEAR(list);
    }
    return list;
}

static PyObject *apache_config_tree(PyObject *m, PyObject *unused)
{
    return tree_list(ap_conftree);
}

static PyObject *apache_server_root(PyObject *m, PyObject *unused)
{
    return mp_str(ap_server_root);
}

static PyObject *apache_mpm_query(PyObject *m, PyObject *arg)
{
    int result = 0;
    if (!PyLong_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "The argument must be an integer");
        return NULL;
    }
    ap_mpm_query((int)PyLong_AsLong(arg), &result);
    return PyLong_FromLong(result);
}

static PyObject *apache_exists_config_define(PyObject *m, PyObject *args)
{
    const char *name;
    if (!PyArg_ParseTuple(args, "s:exists_config_define", &name))
        return NULL;
    return PyBool_FromLong(ap_exists_config_define(name));
}

static PyObject *apache_stat(PyObject *m, PyObject *args)
{
    const char *fname;
    int wanted;
    apr_finfo_t finfo;
    apr_pool_t *p;
    apr_status_t rc;
    PyObject *result = NULL;

    if (!PyArg_ParseTuple(args, "si:stat", &fname, &wanted))
        return NULL;
    apr_pool_create(&p, NULL);
    memset(&finfo, 0, sizeof(finfo));
    MP_BEGIN_ALLOW_THREADS
    rc = apr_stat(&finfo, fname, wanted, p);
    MP_END_ALLOW_THREADS
    if (rc == APR_SUCCESS || APR_STATUS_IS_INCOMPLETE(rc)) {
        result = mp_finfo_object(&finfo);
    }
    else if (APR_STATUS_IS_ENOENT(rc) || APR_STATUS_IS_ENOTDIR(rc)) {
        memset(&finfo, 0, sizeof(finfo));
        finfo.filetype = APR_NOFILE;
        finfo.fname = fname;
        result = mp_finfo_object(&finfo);
    }
    else {
        PyObject *exc_args = Py_BuildValue("(is)", (int)rc, "apr_stat() failed");
        if (exc_args) {
            PyErr_SetObject(PyExc_OSError, exc_args);
            Py_DECREF(exc_args);
        }
    }
    apr_pool_destroy(p);
    return result;
}

/* ---------------------------------------------------------------------
 * Callbacks at child shutdown, kept by the interpreter they belong to
 */

PyObject *mp_register_child_cleanup(PyObject *callable, PyObject *data,
                                    PyObject *server)
{
    mp_interp *in = mp_interp_running();
    PyObject *entry;
    int rc;

    if (!PyCallable_Check(callable)) {
        PyErr_SetString(PyExc_ValueError, "cleanup must be callable");
        return NULL;
    }
    if (!in || !in->child_cleanups) {
        PyErr_SetString(PyExc_RuntimeError, "no mod_python interpreter runs this code");
        return NULL;
    }
    entry = PyTuple_Pack(3, callable, data, server);
    rc = entry ? PyList_Append(in->child_cleanups, entry) : -1;
    Py_XDECREF(entry);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* _apache.register_cleanup(interpreter, server, callable, data=None): the
 * interpreter argument is 3.5's; the running interpreter keeps the entry. */
static PyObject *apache_register_cleanup(PyObject *m, PyObject *args)
{
    const char *interpreter;
    PyObject *server, *callable, *data = Py_None;

    if (!PyArg_ParseTuple(args, "sOO|O:register_cleanup", &interpreter, &server,
                          &callable, &data))
        return NULL;
    return mp_register_child_cleanup(callable, data, server);
}

static PyMethodDef apache_functions[] = {
    {"log_error", (PyCFunction)(void (*)(void))apache_log_error,
     METH_VARARGS | METH_KEYWORDS, "log_error(message, level=APLOG_ERR, server=None)"},
    {"config_tree", apache_config_tree, METH_NOARGS, NULL},
    {"server_root", apache_server_root, METH_NOARGS, NULL},
    {"mpm_query", apache_mpm_query, METH_O, NULL},
    {"exists_config_define", apache_exists_config_define, METH_VARARGS, NULL},
    {"stat", apache_stat, METH_VARARGS, "stat(fname, wanted) -> finfo"},
    {"register_cleanup", apache_register_cleanup, METH_VARARGS, NULL},
    {"parse_qsl", (PyCFunction)(void (*)(void))mp_parse_qsl, METH_VARARGS | METH_KEYWORDS,
     "parse_qsl(qs, keep_blank_values=0, strict_parsing=0)"},
    {"parse_qs", (PyCFunction)(void (*)(void))mp_parse_qs, METH_VARARGS | METH_KEYWORDS,
     "parse_qs(qs, keep_blank_values=0, strict_parsing=0)"},
    {"_exchange_files", mp_exchange_files, METH_VARARGS, "_exchange_files(a, b)"},
    {"_global_lock", mp_global_lock, METH_VARARGS, "_global_lock(server, key, index=-1)"},
    {"_global_trylock", mp_global_trylock, METH_VARARGS, NULL},
    {"_global_unlock", mp_global_unlock, METH_VARARGS, NULL},
    {"_global_lock_index", mp_global_lock_index, METH_O,
     "_global_lock_index(key): the mutex _global_lock(server, key) takes"},
    {NULL}
};

static int add_constants(PyObject *m)
{
    static const struct { const char *name; long value; } constants[] = {
        {"AP_CONN_UNKNOWN", AP_CONN_UNKNOWN}, {"AP_CONN_CLOSE", AP_CONN_CLOSE},
        {"AP_CONN_KEEPALIVE", AP_CONN_KEEPALIVE},
        {"APR_NOFILE", APR_NOFILE}, {"APR_REG", APR_REG}, {"APR_DIR", APR_DIR},
        {"APR_CHR", APR_CHR}, {"APR_BLK", APR_BLK}, {"APR_PIPE", APR_PIPE},
        {"APR_LNK", APR_LNK}, {"APR_SOCK", APR_SOCK}, {"APR_UNKFILE", APR_UNKFILE},
        {"MODULE_MAGIC_NUMBER_MAJOR", MODULE_MAGIC_NUMBER_MAJOR},
        {"MODULE_MAGIC_NUMBER_MINOR", MODULE_MAGIC_NUMBER_MINOR},
        {NULL, 0}
    };
    int i;
    for (i = 0; constants[i].name; i++)
        if (PyModule_AddIntConstant(m, constants[i].name, constants[i].value) < 0)
            return -1;
    return PyModule_AddStringConstant(m, "mp_version", MP_VERSION);
}

/* Adds obj (a new reference, may be NULL) to the module. */
static int add_object(PyObject *m, const char *name, PyObject *obj)
{
    if (!obj || PyModule_AddObject(m, name, obj) < 0) {
        Py_XDECREF(obj);
        return -1;
    }
    return 0;
}

/* Makes the type of `spec` for module m, keeps it in *slot and adds it
 * to the module as `name`; -1 on error. */
static int add_type(PyObject *m, const char *name, PyType_Spec *spec,
                    PyTypeObject **slot)
{
    PyObject *type;

#ifdef Py_TPFLAGS_DISALLOW_INSTANTIATION
    type = PyType_FromModuleAndSpec(m, spec, NULL);
#else
    /* 3.9: no such flag; the type gets no tp_new instead */
    PyType_Spec local = *spec;
    local.flags &= ~(unsigned long)MP_TPFLAGS_NO_NEW;
    type = PyType_FromModuleAndSpec(m, &local, NULL);
    if (type && (spec->flags & MP_TPFLAGS_NO_NEW))
        ((PyTypeObject *)type)->tp_new = NULL;
#endif
    if (!type)
        return -1;
    *slot = (PyTypeObject *)Py_NewRef(type);
    return add_object(m, name, type);
}

const mp_types *mp_types_of_module(PyObject *module)
{
    return PyModule_GetState(module);
}

void mp_free_object(PyObject *obj)
{
    PyTypeObject *type = Py_TYPE(obj);
    type->tp_free(obj);
    Py_DECREF(type);
}

/* Py_mod_exec: the module's contents, in each interpreter anew. */
static int apache_exec(PyObject *m)
{
    mp_types *types = PyModule_GetState(m);
    const mp_interp *in = mp_interp_running();

    /* Only in mod_python's own interpreters: one that Python code made
     * itself has no record, so nothing could make objects of its types. */
    if (!in || in->state != PyInterpreterState_Get()) {
        PyErr_SetString(PyExc_ImportError, "_apache can only be imported in "
                        "the interpreters mod_python runs handlers in");
        return -1;
    }

    types->server_return = PyErr_NewException("_apache.SERVER_RETURN", NULL, NULL);
    if (add_object(m, "SERVER_RETURN", Py_XNewRef(types->server_return)) < 0
        || PyModule_AddIntConstant(m, "_own_gil", in->own_gil) < 0
        || add_constants(m) < 0
        || add_type(m, "table", &mp_table_spec, &types->table) < 0
        || add_type(m, "mp_table_iterator", &mp_table_iter_spec,
                    &types->table_iter) < 0
        || add_type(m, "mp_request", &mp_request_spec, &types->request) < 0
        || add_type(m, "mp_server", &mp_server_spec, &types->server) < 0
        || add_type(m, "mp_conn", &mp_conn_spec, &types->conn) < 0
        || add_type(m, "mp_finfo", &mp_finfo_spec, &types->finfo) < 0
        || add_type(m, "mp_hlist", &mp_hlist_spec, &types->hlist) < 0
        || add_type(m, "mp_filter", &mp_filter_spec, &types->filter) < 0)
        return -1;
    return 0;
}

static int apache_traverse(PyObject *m, visitproc visit, void *arg)
{
    mp_types *types = PyModule_GetState(m);
    if (!types)
        return 0;
    Py_VISIT(types->table);
    Py_VISIT(types->table_iter);
    Py_VISIT(types->request);
    Py_VISIT(types->server);
    Py_VISIT(types->conn);
    Py_VISIT(types->filter);
    Py_VISIT(types->hlist);
    Py_VISIT(types->finfo);
    Py_VISIT(types->server_return);
    return 0;
}

static int apache_clear(PyObject *m)
{
    mp_types *types = PyModule_GetState(m);
    if (!types)
        return 0;
    Py_CLEAR(types->table);
    Py_CLEAR(types->table_iter);
    Py_CLEAR(types->request);
    Py_CLEAR(types->server);
    Py_CLEAR(types->conn);
    Py_CLEAR(types->filter);
    Py_CLEAR(types->hlist);
    Py_CLEAR(types->finfo);
    Py_CLEAR(types->server_return);
    return 0;
}

static PyModuleDef_Slot apache_slots[] = {
    {Py_mod_exec, (void *)apache_exec},
#if PY_VERSION_HEX >= 0x030C0000
    /* module state and heap types only; the C side's shared records are
     * locked (interpreters.c, table.c) or per interpreter */
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
#ifdef Py_GIL_DISABLED
    /* the objects over Apache records let one thread at a time into their
     * C code (exclusive.h); per-interpreter caches take turns */
    {Py_mod_gil, Py_MOD_GIL_NOT_USED},
#endif
    {0, NULL}
};

static struct PyModuleDef apache_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_apache",
    .m_doc = "mod_python's interface to Apache",
    .m_size = sizeof(mp_types),
    .m_methods = apache_functions,
    .m_slots = apache_slots,
    .m_traverse = apache_traverse,
    .m_clear = apache_clear,
};

PyObject *mp_init_apache_module(void)
{
    return PyModuleDef_Init(&apache_module);
}
