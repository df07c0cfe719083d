/* Running one phase: picks the handler list and the interpreter, hands
 * the request to the interpreter's HandlerDispatch, and maps the result. */
#include "dispatch.h"
#include "config.h"
#include "connection.h"
#include "context.h"
#include "errors.h"
#include "hlist.h"
#include "interpreters.h"
#include "io_lock.h"
#include "request.h"

/* Parent directory of a file, or the directory itself, '/'-terminated. */
static const char *directory_of_filename(request_rec *r)
{
    size_t n = strlen(r->filename);
    if (r->finfo.filetype == APR_DIR)
        return (n && r->filename[n - 1] == '/')
               ? r->filename : apr_pstrcat(r->pool, r->filename, "/", NULL);
    return ap_make_dirstr_parent(r->pool, r->filename);
}

int mp_is_python_handler(const char *handler)
{
    return handler && (!strcmp(handler, "mod_python")
                       || !strcmp(handler, "python-program"));
}

/* The interpreter rules (directives.md 5.1) for server s; r is NULL for a
 * connection handler, which has no file and no handler directory. */
static const char *interpreter_name(server_rec *s, request_rec *r,
                                    const mp_dir_config *conf, const mp_handler *first)
{
    if (conf->interpreter)
        return conf->interpreter;
    if (MP_FLAG(conf->per_directory, 0))
        return r && r->filename ? directory_of_filename(r) : MP_MAIN_INTERPRETER;
    if (MP_FLAG(conf->per_directive, 0)) {
        const char *dir = r && first ? mp_handler_directory(first, r) : NULL;
        return dir ? dir : MP_MAIN_INTERPRETER;
    }
    return s->server_hostname ? s->server_hostname : MP_MAIN_INTERPRETER;
}

const char *mp_interpreter_name(request_rec *r, const mp_dir_config *conf,
                                const mp_handler *first)
{
    return interpreter_name(r->server, r, conf, first);
}

int mp_phase_has_handlers(request_rec *r, const char *phase)
{
    const char *ext;
    mp_context *ctx;
    const apr_array_header_t *added;

    if (mp_config_handlers(mp_dir_config_of(r), phase, r, &ext))
        return 1;
    ctx = mp_context_get(r, 0);
    added = ctx ? mp_context_added(ctx, phase, 0) : NULL;
    return added && added->nelts;
}

/* The int a handler list produced; anything else is a 500. */
static int status_of(PyObject *result, server_rec *s, const char *phase)
{
    int status;
    if (!result) {
        mp_log_python_error(s, phase);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    status = PyLong_Check(result) ? (int)PyLong_AsLong(result)
                                  : HTTP_INTERNAL_SERVER_ERROR;
    if (PyErr_Occurred()) {
        PyErr_Clear();
        status = HTTP_INTERNAL_SERVER_ERROR;
    }
    Py_DECREF(result);
    return status;
}

static int call_dispatcher(request_rec *r, mp_interp *in, const char *phase,
                           const char *ext, const apr_array_header_t *configured)
{
    mp_request *req = (mp_request *)mp_context_request(r);
    PyObject *hlist, *saved_hlist, *result;
    const char *saved_phase, *saved_ext;

    if (!req) {
        mp_log_python_error(r->server, "creating the request object");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (!(hlist = mp_hlist_new((PyObject *)req, r, configured, phase))) {
        mp_log_python_error(r->server, "creating the handler list");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    /* Saved and restored: a handler may run a nested phase (redirects).
     * req->hlist owns its reference; the saved one is owned here meanwhile. */
    saved_phase = req->phase;
    saved_ext = req->extension;
    saved_hlist = req->hlist;
    req->phase = phase;
    req->extension = ext;
    req->hlist = hlist;
    Py_INCREF(req);
    mp_request_open(req, phase);
    result = PyObject_CallOneArg(in->handler_dispatch, (PyObject *)req);
    if (!saved_phase)
        mp_request_close(req);
    req->phase = saved_phase;
    req->extension = saved_ext;
    hlist = req->hlist;
    req->hlist = saved_hlist;
    Py_XDECREF(hlist);
    Py_DECREF(req);
    return status_of(result, r->server, phase);
}

int mp_run_phase(request_rec *r, const char *phase)
{
    const mp_dir_config *conf = mp_dir_config_of(r);
    const char *ext;
    const apr_array_header_t *configured = mp_config_handlers(conf, phase, r, &ext);
    mp_context *ctx = mp_context_get(r, configured != NULL);
    apr_array_header_t *added = ctx ? mp_context_added(ctx, phase, 0) : NULL;
    const mp_handler *first;
    mp_interp *in;
    conn_rec *served;
    int status;

    if (!configured && !(added && added->nelts))
        return DECLINED;
    first = configured ? &APR_ARRAY_IDX(configured, 0, mp_handler)
                       : &APR_ARRAY_IDX(added, 0, mp_handler);
    if (!(in = mp_interp_acquire(mp_interpreter_name(r, conf, first),
                                 conf->interpreter_gil))) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "mod_python: no usable Python interpreter for %s", phase);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    served = mp_serving_swap(r->connection);
    status = call_dispatcher(r, in, phase, ext, configured);
    mp_serving_swap(served);
    mp_interp_release(in);
    return status;
}

/* A connection handler's interpreter: the rules for requests, with the
 * server-level configuration of the server the connection arrived on. */
static mp_interp *connection_interpreter(conn_rec *c)
{
    const mp_dir_config *conf = ap_get_module_config(c->base_server->lookup_defaults,
                                                     &python_module);
    return mp_interp_acquire(interpreter_name(c->base_server, NULL, conf, NULL),
                             conf->interpreter_gil);
}

int mp_run_connection_handler(conn_rec *c)
{
    const mp_handler *h = mp_server_config_of(c->base_server)->connection_handler;
    apr_array_header_t *list;
    mp_interp *in;
    mp_conn *conn;
    conn_rec *served;
    int status = HTTP_INTERNAL_SERVER_ERROR;

    if (!h)
        return DECLINED;
    if (!(in = connection_interpreter(c))) {
        ap_log_cerror(APLOG_MARK, APLOG_ERR, 0, c,
                      "mod_python: no usable Python interpreter for PythonConnectionHandler");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    list = apr_array_make(c->pool, 1, sizeof(mp_handler));
    *(mp_handler *)apr_array_push(list) = *h;
    mp_io_lock_make(c);         /* for the threads the handler may start */
    served = mp_serving_swap(c);
    conn = (mp_conn *)mp_conn_object(c, NULL);
    if (conn)
        conn->hlist = mp_hlist_new((PyObject *)conn, NULL, list, NULL);
    if (conn && conn->hlist) {
        mp_gate_open(conn->gate);
        status = status_of(PyObject_CallOneArg(in->connection_dispatch, (PyObject *)conn),
                           c->base_server, "PythonConnectionHandler");
        mp_gate_close(conn->gate);
    }
    else
        mp_log_python_error(c->base_server, "PythonConnectionHandler");
    if (conn) {
        mp_conn_invalidate(conn);
        Py_DECREF(conn);
    }
    mp_serving_swap(served);
    mp_interp_release(in);
    return status;
}

/* The end of a request: the callbacks registered with req.register_cleanup()
 * in each interpreter, then PythonCleanupHandler, then the request objects
 * are cut off the request_rec that is about to go.  Without a
 * PythonCleanupHandler the last two steps share one visit to each
 * interpreter. */
void mp_end_request(mp_context *ctx)
{
    mp_object_node *node;
    conn_rec *served;
    int cleanup_phase;

    if (mp_interp_current()) {
        /* Only reachable if Apache frees a request from inside Python. */
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, ctx->r,
                      "mod_python: request ended inside Python; cleanups skipped");
        return;
    }
    served = mp_serving_swap(ctx->r->connection);
    cleanup_phase = mp_phase_has_handlers(ctx->r, MP_PHASE_CLEANUP);
    for (node = ctx->objects; node; node = node->next) {
        mp_interp *in = mp_interp_acquire(node->interp->name, MP_GIL_ANY);
        if (!in)
            continue;
        mp_request_run_cleanups((mp_request *)node->request);
        if (!cleanup_phase)
            mp_context_release_object(node);
        mp_interp_release(in);
    }
    if (cleanup_phase) {
        mp_run_phase(ctx->r, MP_PHASE_CLEANUP);
        mp_context_release_objects(ctx);
    }
    mp_serving_swap(served);
}
