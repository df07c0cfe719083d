/* Conversions between C strings from Apache and Python objects. */
#include "convert.h"

PyObject *mp_str(const char *s)
{
    if (!s)
        Py_RETURN_NONE;
    return PyUnicode_DecodeUTF8(s, strlen(s), "surrogateescape");
}

PyObject *mp_latin1_str(const char *s)
{
    if (!s)
        Py_RETURN_NONE;
    return PyUnicode_DecodeLatin1(s, strlen(s), NULL);
}

const char *mp_str_arg(PyObject *obj, apr_pool_t *p, int allow_none, int *failed)
{
    PyObject *bytes;
    const char *result = NULL;

    *failed = 0;
    if (obj == Py_None && allow_none)
        return NULL;
    if (PyUnicode_Check(obj))
        bytes = PyUnicode_AsEncodedString(obj, "utf-8", "surrogateescape");
    else if (PyBytes_Check(obj))
        bytes = (Py_INCREF(obj), obj);
    else {
        PyErr_Format(PyExc_TypeError, "expected str or bytes, not %s",
                     Py_TYPE(obj)->tp_name);
        bytes = NULL;
    }
    if (bytes && strlen(PyBytes_AS_STRING(bytes)) != (size_t)PyBytes_GET_SIZE(bytes))
        PyErr_SetString(PyExc_ValueError, "embedded null character");
    else if (bytes)
        result = apr_pstrmemdup(p, PyBytes_AS_STRING(bytes), PyBytes_GET_SIZE(bytes));
    Py_XDECREF(bytes);
    *failed = result == NULL;
    return result;
}

PyObject *mp_time(apr_time_t t)
{
    return PyFloat_FromDouble((double)t / APR_USEC_PER_SEC);
}

PyObject *mp_sockaddr(apr_sockaddr_t *sa)
{
    char *ip = NULL;
    if (!sa)
        Py_RETURN_NONE;
    apr_sockaddr_ip_get(&ip, sa);
    return Py_BuildValue("(Ni)", mp_str(ip), (int)sa->port);
}

int mp_log_level(int level)
{
    level &= APLOG_LEVELMASK;
    return level ? level : APLOG_ERR;
}
