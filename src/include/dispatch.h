/* Running one phase: handler list, interpreter, the call into Python. */
#ifndef MP_DISPATCH_H
#define MP_DISPATCH_H

#include "config.h"
#include "context.h"

#define MP_PHASE_POST_READ_REQUEST "PythonPostReadRequestHandler"
#define MP_PHASE_TRANS             "PythonTransHandler"
#define MP_PHASE_HEADER_PARSER     "PythonHeaderParserHandler"
#define MP_PHASE_INIT              "PythonInitHandler"
#define MP_PHASE_ACCESS            "PythonAccessHandler"
#define MP_PHASE_AUTHEN            "PythonAuthenHandler"
#define MP_PHASE_AUTHZ             "PythonAuthzHandler"
#define MP_PHASE_TYPE              "PythonTypeHandler"
#define MP_PHASE_FIXUP             "PythonFixupHandler"
#define MP_PHASE_HANDLER           "PythonHandler"
#define MP_PHASE_LOG               "PythonLogHandler"
#define MP_PHASE_CLEANUP           "PythonCleanupHandler"

/* Whether an Apache handler name (SetHandler, AddHandler) is mod_python's:
 * "mod_python", or 3.5's "python-program". */
int mp_is_python_handler(const char *handler);

/* Runs the Python handlers of a phase for r; DECLINED when it has none. */
int mp_run_phase(request_rec *r, const char *phase);

/* directives.md 5.1: the interpreter for handlers led by `first`
 * (NULL for SSI code, which has no directive). */
const char *mp_interpreter_name(request_rec *r, const mp_dir_config *conf,
                                const mp_handler *first);

/* Runs the PythonConnectionHandler of c's server; DECLINED without one. */
int mp_run_connection_handler(conn_rec *c);

/* The end of a request (register_cleanup callbacks, PythonCleanupHandler,
 * then the request objects let go): given to mp_context_child_init. */
void mp_end_request(mp_context *ctx);

/* True when r has handlers for the phase (configured or added). */
int mp_phase_has_handlers(request_rec *r, const char *phase);

#endif
