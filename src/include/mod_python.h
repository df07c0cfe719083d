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
#include "compat.h"

/* mod_python.c declares the module itself (which implies this). */
#ifndef MP_DECLARING_MODULE
APLOG_USE_MODULE(python);
#endif

/* Name of the first interpreter of every child. */
#define MP_MAIN_INTERPRETER "main_interpreter"

#endif
