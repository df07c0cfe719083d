/* Shims for the C API of the Python versions mod_python supports (3.9 and
 * newer): newer functions defined in terms of older ones, so that the rest
 * of the code uses the current API only. */
#ifndef MP_COMPAT_H
#define MP_COMPAT_H

#if PY_VERSION_HEX < 0x03090000
#error "mod_python needs Python 3.9 or newer"
#endif

#if PY_VERSION_HEX < 0x030A0000
static inline PyObject *Py_NewRef(PyObject *o) { Py_INCREF(o); return o; }
static inline PyObject *Py_XNewRef(PyObject *o) { Py_XINCREF(o); return o; }
#endif

#if PY_VERSION_HEX < 0x030C0000
#include "structmember.h"
#define Py_T_PYSSIZET T_PYSSIZET
#define Py_READONLY READONLY
#endif

/* Types that Python code may not instantiate (3.10 has a flag for it;
 * before, mp_make_type clears tp_new). */
#ifdef Py_TPFLAGS_DISALLOW_INSTANTIATION
#define MP_TPFLAGS_NO_NEW Py_TPFLAGS_DISALLOW_INSTANTIATION
#else
#define MP_TPFLAGS_NO_NEW (1UL << 31)
#endif

#if PY_VERSION_HEX < 0x030C0000
/* The pending exception as one object (NULL if none), cleared. */
static inline PyObject *PyErr_GetRaisedException(void)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (value && tb)
        PyException_SetTraceback(value, tb);
    Py_XDECREF(type);
    Py_XDECREF(tb);
    return value;
}
#endif

#endif
