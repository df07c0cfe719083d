/* Logging the pending Python exception. */
#include "errors.h"

/* The pending exception as one object (NULL if none), cleared. */
static PyObject *take_exception(void)
{
#if PY_VERSION_HEX >= 0x030C0000
    return PyErr_GetRaisedException();
#else
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (value && tb)
        PyException_SetTraceback(value, tb);
    Py_XDECREF(type);
    Py_XDECREF(tb);
    return value;
#endif
}

static void restore_exception(PyObject *exc)
{
#if PY_VERSION_HEX >= 0x030C0000
    PyErr_SetRaisedException(exc);
#else
    PyErr_Restore(Py_NewRef((PyObject *)Py_TYPE(exc)), exc, PyException_GetTraceback(exc));
#endif
}

/* "Type: message" of an exception, in pool p. */
static const char *describe(apr_pool_t *p, PyObject *exc)
{
    PyObject *text = exc ? PyObject_Str(exc) : NULL;
    const char *msg = text ? PyUnicode_AsUTF8(text) : NULL;
    const char *result = apr_psprintf(p, "%s: %s",
                                      exc ? Py_TYPE(exc)->tp_name : "error",
                                      msg ? msg : "?");
    if (!msg)
        PyErr_Clear();
    Py_XDECREF(text);
    return result;
}

void mp_log_python_error(server_rec *s, const char *context)
{
    PyObject *exc = take_exception();
    apr_pool_t *p;

    apr_pool_create(&p, NULL);
    ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, "mod_python: %s: %s", context,
                 describe(p, exc));
    apr_pool_destroy(p);
    if (exc) {
        /* The traceback goes to stderr, which Apache sends to the log;
         * 0: keep no traceback alive in sys.last_*. */
        restore_exception(exc);
        PyErr_PrintEx(0);
    }
}

static void log_cleanup_error(server_rec *s, PyObject *callable)
{
    PyObject *exc = take_exception(), *repr = PyObject_Repr(callable);
    const char *name = repr ? PyUnicode_AsUTF8(repr) : NULL;
    apr_pool_t *p;

    apr_pool_create(&p, NULL);
    ap_log_error(APLOG_MARK, APLOG_ERR, 0, s,
                 "python_cleanup: Error calling cleanup object %s", name ? name : "?");
    ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, "    %s", describe(p, exc));
    apr_pool_destroy(p);
    Py_XDECREF(repr);
    Py_XDECREF(exc);
    PyErr_Clear();
}

void mp_call_cleanups(PyObject *list, server_rec *s)
{
    Py_ssize_t i;
    Py_INCREF(list);
    for (i = 0; i < PyList_GET_SIZE(list); i++) {
        PyObject *entry = PyList_GET_ITEM(list, i);
        PyObject *callable = PyTuple_GET_ITEM(entry, 0);
        PyObject *result = PyObject_CallOneArg(callable, PyTuple_GET_ITEM(entry, 1));
        if (!result)
            log_cleanup_error(s, callable);
        Py_XDECREF(result);
    }
    Py_DECREF(list);
}
