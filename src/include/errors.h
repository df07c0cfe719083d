/* Logging the pending Python exception. */
#ifndef MP_ERRORS_H
#define MP_ERRORS_H

#include "mod_python.h"

/* Logs the pending exception (summary and traceback) and clears it. */
void mp_log_python_error(server_rec *s, const char *context);

/* Logs and clears the exception a cleanup callable raised, the way
 * mod_python always has: "python_cleanup: Error calling cleanup object". */
void mp_log_cleanup_error(server_rec *s, PyObject *callable);

/* Calls callable(data) for each (callable, data, ...) tuple of list,
 * logging failures; used for request and child-exit cleanups. */
void mp_call_cleanups(PyObject *list, server_rec *s);

#endif
