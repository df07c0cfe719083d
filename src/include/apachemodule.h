/* The built-in _apache module. */
#ifndef MP_APACHEMODULE_H
#define MP_APACHEMODULE_H

#include "mod_python.h"

PyObject *mp_init_apache_module(void);

/* Runs the callbacks of _apache.register_cleanup() registered in the
 * current interpreter (child shutdown). */
void mp_run_child_cleanups(void);

#endif
