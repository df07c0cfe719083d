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

/* Logs prefix + "Type: message" of exc (any error while reading the
 * message is dropped: nothing may stay pending). */
static void log_exception_line(server_rec *s, const char *prefix, PyObject *exc)
{
    PyObject *text = exc ? PyObject_Str(exc) : NULL;
    const char *msg = text ? PyUnicode_AsUTF8(text) : NULL;

    if (!msg)
        PyErr_Clear();
    ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, "%s%s: %s", prefix,
                 exc ? Py_TYPE(exc)->tp_name : "error", msg ? msg : "?");
    Py_XDECREF(text);
}

void mp_log_python_error(server_rec *s, const char *context)
{
    PyObject *exc = take_exception();
    char prefix[256];

    apr_snprintf(prefix, sizeof(prefix), "mod_python: %s: ", context);
    log_exception_line(s, prefix, exc);
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

    if (!name)
        PyErr_Clear();
    ap_log_error(APLOG_MARK, APLOG_ERR, 0, s,
                 "python_cleanup: Error calling cleanup object %s", name ? name : "?");
    log_exception_line(s, "    ", exc);
    Py_XDECREF(repr);
    Py_XDECREF(exc);
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
