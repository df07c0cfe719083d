/* Shared declarations of the mod_python C module. */
#ifndef MP_MOD_PYTHON_H
#define MP_MOD_PYTHON_H

/* Python.h must come first: it sets feature macros the C library reads. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "apr_strings.h"
#include "apr_tables.h"
#include "apr_hash.h"
#include "apr_lib.h"
#include <stddef.h>

#include "mp_build.h"

/* mod_python.c declares the module itself (which implies this). */
#ifndef MP_DECLARING_MODULE
APLOG_USE_MODULE(python);
#endif

#if PY_VERSION_HEX < 0x03090000
#define PyThreadState_GetInterpreter(ts) ((ts)->interp)
#endif

#if PY_VERSION_HEX < 0x03090000
#define PyObject_CallNoArgs(f) PyObject_CallObject((f), NULL)
#define PyObject_CallOneArg(f, a) PyObject_CallFunctionObjArgs((f), (a), NULL)
#endif

#if PY_VERSION_HEX < 0x030A0000
static inline PyObject *Py_NewRef(PyObject *o) { Py_INCREF(o); return o; }
static inline PyObject *Py_XNewRef(PyObject *o) { Py_XINCREF(o); return o; }
#endif

/* Name of the first interpreter of every child. */
#define MP_MAIN_INTERPRETER "main_interpreter"

#endif
