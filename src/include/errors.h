/* Logging the pending Python exception. */
#ifndef MP_ERRORS_H
#define MP_ERRORS_H

#include "mod_python.h"

/* Logs the pending exception (summary and traceback) and clears it. */
void mp_log_python_error(server_rec *s, const char *context);

/* Calls callable(data) for each (callable, data, ...) tuple of list,
 * logging failures as "python_cleanup: Error calling cleanup object";
 * used for request and child-exit cleanups. */
void mp_call_cleanups(PyObject *list, server_rec *s);

#endif
