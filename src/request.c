/* mp_request: the request object handed to handlers.
 *
 * One object per (request_rec, interpreter), kept in the request's
 * context so every phase, filter and req.prev/req.main sees the same
 * one.  When the request ends the object is cut off its request_rec:
 * using it later raises instead of touching freed memory. */
#include "request.h"
#include "exclusive.h"
#include "apachemodule.h"
#include <limits.h>
#include "config.h"
#include "context.h"
#include "connection.h"
#include "convert.h"
#include "dispatch.h"
#include "errors.h"
#include "filter.h"
#include "finfo.h"
#include "hlist.h"
#include "server.h"
#include "table.h"
#include "http_main.h"
#include "util_script.h"
#include "mod_ssl.h"

PyObject *mp_request_new(request_rec *r, mp_interp *interp)
{
    mp_request *self = PyObject_GC_New(mp_request, mp_types_running()->request);
    if (!self)
        return NULL;
    self->rec = r;
    self->gate = &self->threads;
    mp_gate_init(&self->threads, r->connection);
    self->dict = NULL;
    self->headers_in = self->headers_out = self->err_headers_out = NULL;
    self->subprocess_env = self->notes = self->connection = NULL;
    self->hlist = self->cleanups = self->options = NULL;
    self->options_of = NULL;
    self->phase = self->extension = NULL;
    self->interp = interp;
    self->body_state = 0;
    self->rbuf = NULL;
    self->rbuf_len = self->rbuf_pos = self->rbuf_size = 0;
    self->content_type_set = 0;
    self->bytes_queued = 0;
    PyObject_GC_Track(self);
    return (PyObject *)self;
}

/* The member objects; they refer back to the request (tables keep their
 * owner alive). */
static void clear_members(mp_request *self)
{
    Py_CLEAR(self->headers_in);
    Py_CLEAR(self->headers_out);
    Py_CLEAR(self->err_headers_out);
    Py_CLEAR(self->subprocess_env);
    Py_CLEAR(self->notes);
    Py_CLEAR(self->connection);
    Py_CLEAR(self->hlist);
    Py_CLEAR(self->cleanups);
    Py_CLEAR(self->options);
}

void mp_request_invalidate(mp_request *self)
{
    /* not while another thread is in one of its methods */
    MP_BEGIN_EXCLUSIVE((PyObject *)self)
    self->rec = NULL;
    if (self->connection)
        mp_conn_invalidate((mp_conn *)self->connection);
    clear_members(self);
    MP_END_EXCLUSIVE()
}

static int req_traverse(mp_request *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->dict);
    Py_VISIT(self->headers_in);
    Py_VISIT(self->headers_out);
    Py_VISIT(self->err_headers_out);
    Py_VISIT(self->subprocess_env);
    Py_VISIT(self->notes);
    Py_VISIT(self->connection);
    Py_VISIT(self->hlist);
    Py_VISIT(self->cleanups);
    Py_VISIT(self->options);
    return 0;
}

static int req_clear(mp_request *self)
{
    Py_CLEAR(self->dict);
    clear_members(self);
    return 0;
}

static void req_dealloc(mp_request *self)
{
    PyObject_GC_UnTrack(self);
    req_clear(self);
    PyMem_Free(self->rbuf);
    mp_free_object((PyObject *)self);
}

/* The live request_rec, if the calling thread may use it; else NULL
 * with RuntimeError set. */
static request_rec *live(mp_request *self)
{
    if (!self->rec) {
        PyErr_SetString(PyExc_RuntimeError, "request object used after its request ended");
        return NULL;
    }
    return mp_gate_allows(self->gate, "request object") ? self->rec : NULL;
}

/* The phases that run while Apache ends the response (the log handler
 * runs inside Apache's core output filter). */
static int ending_phase(const char *phase)
{
    return !strcmp(phase, MP_PHASE_LOG) || !strcmp(phase, MP_PHASE_CLEANUP);
}

/* Not in an ending phase: another thread's read or write there would
 * enter Apache's filters beside Apache. */
void mp_request_open(mp_request *self, const char *phase)
{
    if (!ending_phase(phase))
        mp_gate_open(self->gate);
}

void mp_request_close(mp_request *self)
{
    /* Under the section that the object's methods hold (3.13t), so a
     * thread's call that has passed the gate ends before it closes. */
    MP_BEGIN_EXCLUSIVE((PyObject *)self)
    mp_gate_close(self->gate);
    MP_END_EXCLUSIVE()
}

void mp_raise_server_return(int status)
{
    PyObject *value = PyLong_FromLong(status);
    if (value) {
        PyErr_SetObject(mp_types_running()->server_return, value);
        Py_DECREF(value);
    }
}

void mp_request_run_cleanups(mp_request *self)
{
    if (self->cleanups)
        mp_call_cleanups(self->cleanups, self->rec->server);
}

/* ---------------------------------------------------------------------
 * Output
 */

/* True once the response is over: its end was sent and no handler that
 * makes it is running (the log phase, cleanups).  (An output filter that
 * closes early also sends the end, while the handler goes on writing:
 * what it writes then is dropped by the filter, not refused.) */
static int response_over(mp_request *self, request_rec *r)
{
    return r->eos_sent && (!self->phase || ending_phase(self->phase));
}

/* The live request_rec whose response may still be written to, or NULL
 * with an exception set: bytes written after the response would land
 * between two responses of a keep-alive connection. */
static request_rec *writable(mp_request *self, const char *method)
{
    request_rec *r = live(self);
    if (r && response_over(self, r)) {
        PyErr_Format(PyExc_RuntimeError, "req.%s(): the response has already "
                     "been sent; nothing can be added to it now", method);
        return NULL;
    }
    return r;
}

/* ap_rwrite takes an int length: larger buffers go in pieces. */
static int write_all(request_rec *r, const char *buf, Py_ssize_t len)
{
    const Py_ssize_t piece = 1 << 30;
    int rc = 0;

    while (len > 0 && rc >= 0) {
        int n = (int)(len < piece ? len : piece);
        rc = ap_rwrite(buf, n, r);
        buf += n;
        len -= n;
    }
    return rc;
}

static PyObject *req_write(mp_request *self, PyObject *args)
{
    request_rec *r = writable(self, "write");
    Py_buffer data;
    int flush = 1, rc = 0;

    if (!r || !PyArg_ParseTuple(args, "s*|i:write", &data, &flush))
        return NULL;
    if (data.len) {
        MP_BEGIN_ALLOW_THREADS
        rc = write_all(r, data.buf, data.len);
        if (rc >= 0 && flush)
            rc = ap_rflush(r);
        MP_END_ALLOW_THREADS
        self->bytes_queued += data.len;
    }
    PyBuffer_Release(&data);
    if (rc < 0) {
        PyErr_SetString(PyExc_OSError, "Write failed, client closed connection.");
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *req_flush(mp_request *self, PyObject *unused)
{
    request_rec *r = writable(self, "flush");
    int rc;
    if (!r)
        return NULL;
    MP_BEGIN_ALLOW_THREADS
    rc = ap_rflush(r);
    MP_END_ALLOW_THREADS
    if (rc < 0) {
        PyErr_SetString(PyExc_OSError, "Flush failed, client closed connection.");
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *req_sendfile(mp_request *self, PyObject *args)
{
    request_rec *r = writable(self, "sendfile");
    const char *path;
    long long offset = 0, length = -1;
    apr_finfo_t finfo;
    apr_file_t *fd;
    apr_size_t sent = 0;
    apr_status_t rc;

    if (!r || !PyArg_ParseTuple(args, "s|LL:sendfile", &path, &offset, &length))
        return NULL;
    if (apr_stat(&finfo, path, APR_FINFO_SIZE, r->pool) != APR_SUCCESS) {
        PyErr_SetString(PyExc_OSError, "Could not stat file for reading");
        return NULL;
    }
    if (apr_file_open(&fd, path, APR_READ | APR_SENDFILE_ENABLED, APR_OS_DEFAULT,
                      r->pool) != APR_SUCCESS) {
        PyErr_SetString(PyExc_OSError, "Could not open file for reading");
        return NULL;
    }
    if (offset < 0 || offset > finfo.size)
        offset = finfo.size;
    if (length < 0 || length > finfo.size - offset)
        length = finfo.size - offset;
    MP_BEGIN_ALLOW_THREADS
    rc = ap_send_fd(fd, r, (apr_off_t)offset, (apr_size_t)length, &sent);
    MP_END_ALLOW_THREADS
    self->bytes_queued += length;
    if (rc != APR_SUCCESS) {
        PyErr_SetString(PyExc_OSError, "Write failed, client closed connection.");
        return NULL;
    }
    return PyLong_FromSize_t(sent);
}

static PyObject *req_internal_redirect(mp_request *self, PyObject *args)
{
    request_rec *r = live(self);
    const char *uri;
    if (!r || !PyArg_ParseTuple(args, "s:internal_redirect", &uri))
        return NULL;
    if (!mp_gate_serving(self->gate)) {
        PyErr_SetString(PyExc_RuntimeError, "req.internal_redirect() can only be "
                        "called by the thread that runs the handler");
        return NULL;
    }
    /* Apache runs the new request without our lock, and it makes the
     * response: from now on other threads may only read this object
     * (those inside, waited for). */
    mp_gate_narrow(self->gate);
    /* The new request runs our hooks, which take the GIL themselves. */
    MP_BEGIN_ALLOW_THREADS
    ap_internal_redirect(uri, r);
    MP_END_ALLOW_THREADS
    Py_RETURN_NONE;
}

/* ---------------------------------------------------------------------
 * Logging, configuration, handlers, filters
 */

static PyObject *req_log_error(mp_request *self, PyObject *args)
{
    request_rec *r = live(self);
    const char *message = NULL;
    int level = 0;
    if (!r || !PyArg_ParseTuple(args, "z|i:log_error", &message, &level))
        return NULL;
    if (message)
        ap_log_rerror(APLOG_MARK, mp_log_level(level), 0, r, "%s", message);
    Py_RETURN_NONE;
}

static PyObject *req_get_config(mp_request *self, PyObject *unused)
{
    request_rec *r = live(self);
    return r ? mp_config_table_wrap(mp_dir_config_of(r)->directives, (PyObject *)self) : NULL;
}

static int copy_set_option(void *table, const char *key, const char *value)
{
    if (*value)
        apr_table_set(table, key, value);
    return 1;
}

/* One table per request and configuration: library modules read several
 * options a request, and the configuration changes only between phases
 * (the directory walk).  As in 3.5, changes to it last for the request. */
static PyObject *req_get_options(mp_request *self, PyObject *unused)
{
    request_rec *r = live(self);
    const mp_dir_config *conf;
    mp_table *options;
    if (!r)
        return NULL;
    conf = mp_dir_config_of(r);
    if (self->options && self->options_of == conf)
        return Py_NewRef(self->options);
    options = (mp_table *)PyObject_CallNoArgs((PyObject *)mp_types_running()->table);
    if (!options)
        return NULL;
    apr_table_do(copy_set_option, options->table, conf->options, NULL);
    Py_XSETREF(self->options, Py_NewRef((PyObject *)options));
    self->options_of = conf;
    return (PyObject *)options;
}

static const char *const ADDABLE_PHASES[] = {
    "PythonPostReadRequestHandler", "PythonTransHandler",
    "PythonHeaderParserHandler", "PythonInitHandler", "PythonAccessHandler",
    "PythonAuthenHandler", "PythonAuthzHandler", "PythonTypeHandler",
    "PythonFixupHandler", "PythonHandler", "PythonLogHandler", NULL
};

static PyObject *req_add_handler(mp_request *self, PyObject *args)
{
    request_rec *r = live(self);
    const char *phase, *handler, *dir = NULL;
    mp_handler *h;
    int i;

    if (!r || !PyArg_ParseTuple(args, "ss|z:add_handler", &phase, &handler, &dir))
        return NULL;
    for (i = 0; ADDABLE_PHASES[i] && strcmp(ADDABLE_PHASES[i], phase); i++)
        ;
    if (!ADDABLE_PHASES[i]) {
        PyErr_Format(PyExc_IndexError, "Invalid phase: %s", phase);
        return NULL;
    }
    h = apr_array_push(mp_context_added(mp_context_get(r, 1), ADDABLE_PHASES[i], 1));
    memset(h, 0, sizeof(*h));
    h->handler = apr_pstrdup(r->pool, handler);
    h->directory = dir ? mp_canonical_directory(r->pool, dir) : NULL;
    Py_RETURN_NONE;
}

/* Adds a filter by name: one this request registered with
 * register_*_filter() runs through MOD_PYTHON, any other is Apache's. */
static PyObject *add_filter(mp_request *self, PyObject *args, int input)
{
    request_rec *r = live(self);
    mp_context *ctx;
    const mp_handler *reg;
    mp_filter_ctx *fctx = NULL;
    char *name;

    if (!r || !PyArg_ParseTuple(args, "s:add_filter", &name))
        return NULL;
    name = apr_pstrdup(r->pool, name);
    ap_str_tolower(name);
    ctx = mp_context_get(r, 1);
    reg = apr_hash_get(input ? ctx->input_filters : ctx->output_filters, name,
                       APR_HASH_KEY_STRING);
    if (reg) {
        fctx = mp_filter_ctx_make(r, reg, "mod_python", input);
        name = MP_REQUEST_FILTER;
    }
    if (input)
        ap_add_input_filter(name, fctx, r, r->connection);
    else
        ap_add_output_filter(name, fctx, r, r->connection);
    Py_RETURN_NONE;
}

static PyObject *req_add_input_filter(mp_request *self, PyObject *args)
{
    return add_filter(self, args, 1);
}

static PyObject *req_add_output_filter(mp_request *self, PyObject *args)
{
    return add_filter(self, args, 0);
}

static PyObject *register_filter(mp_request *self, PyObject *args, int input)
{
    request_rec *r = live(self);
    const char *name, *handler, *dir = NULL;
    mp_handler *h;
    char *key;

    if (!r || !PyArg_ParseTuple(args, "ss|z:register_filter", &name, &handler, &dir))
        return NULL;
    h = apr_pcalloc(r->pool, sizeof(*h));
    h->handler = apr_pstrdup(r->pool, handler);
    h->directory = dir ? mp_canonical_directory(r->pool, dir) : NULL;
    key = apr_pstrdup(r->pool, name);
    ap_str_tolower(key);
    apr_hash_set(input ? mp_context_get(r, 1)->input_filters
                       : mp_context_get(r, 1)->output_filters,
                 key, APR_HASH_KEY_STRING, h);
    Py_RETURN_NONE;
}

static PyObject *req_register_input_filter(mp_request *self, PyObject *args)
{
    return register_filter(self, args, 1);
}

static PyObject *req_register_output_filter(mp_request *self, PyObject *args)
{
    return register_filter(self, args, 0);
}

static PyObject *req_register_cleanup(mp_request *self, PyObject *args)
{
    PyObject *callable, *data = Py_None, *pair;
    int rc;
    if (!live(self) || !PyArg_ParseTuple(args, "O|O:register_cleanup", &callable, &data))
        return NULL;
    if (!PyCallable_Check(callable)) {
        PyErr_SetString(PyExc_ValueError, "first argument must be a callable object");
        return NULL;
    }
    if (!self->cleanups && !(self->cleanups = PyList_New(0)))
        return NULL;
    if (!(pair = PyTuple_Pack(2, callable, data)))
        return NULL;
    rc = PyList_Append(self->cleanups, pair);
    Py_DECREF(pair);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* ---------------------------------------------------------------------
 * Thin wrappers over Apache calls
 */

static PyObject *req_allow_methods(mp_request *self, PyObject *args)
{
    request_rec *r = live(self);
    PyObject *methods, *seq;
    int reset = 0;
    Py_ssize_t i;

    if (!r || !PyArg_ParseTuple(args, "O|i:allow_methods", &methods, &reset))
        return NULL;
    if (!PySequence_Check(methods) || PyUnicode_Check(methods)) {
        PyErr_SetString(PyExc_TypeError, "First argument must be a sequence");
        return NULL;
    }
    if (!(seq = PySequence_Fast(methods, "First argument must be a sequence")))
        return NULL;
    if (reset)
        ap_clear_method_list(r->allowed_methods);
    for (i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
        int failed;
        const char *m = mp_str_arg(PySequence_Fast_GET_ITEM(seq, i), r->pool, 0, &failed);
        if (failed) {
            Py_DECREF(seq);
            return NULL;
        }
        ap_method_list_add(r->allowed_methods, m);
    }
    Py_DECREF(seq);
    Py_RETURN_NONE;
}

static PyObject *req_get_basic_auth_pw(mp_request *self, PyObject *unused)
{
    request_rec *r = live(self);
    const char *pw = NULL;
    if (!r)
        return NULL;
    if (ap_get_basic_auth_pw(r, &pw) != OK || !pw)
        Py_RETURN_NONE;
    return mp_latin1_str(pw);
}

static PyObject *req_get_remote_host(mp_request *self, PyObject *args)
{
    request_rec *r = live(self);
    int type = REMOTE_NAME, is_ip = 0;
    PyObject *str_is_ip = Py_None, *host;
    const char *name;

    if (!r || !PyArg_ParseTuple(args, "|iO:get_remote_host", &type, &str_is_ip))
        return NULL;
    MP_BEGIN_ALLOW_THREADS
    name = ap_get_remote_host(r->connection, r->per_dir_config, type,
                              str_is_ip != Py_None ? &is_ip : NULL);
    MP_END_ALLOW_THREADS
    host = mp_str(name);
    if (!host || str_is_ip == Py_None)
        return host;
    return Py_BuildValue("(Ni)", host, is_ip);
}

static PyObject *req_construct_url(mp_request *self, PyObject *args)
{
    request_rec *r = live(self);
    const char *uri;
    if (!r || !PyArg_ParseTuple(args, "s:construct_url", &uri))
        return NULL;
    return mp_str(ap_construct_url(r->pool, uri, r));
}

static PyObject *req_ssl_var_lookup(mp_request *self, PyObject *args)
{
    APR_OPTIONAL_FN_TYPE(ssl_var_lookup) *lookup = APR_RETRIEVE_OPTIONAL_FN(ssl_var_lookup);
    request_rec *r = live(self);
    char *name;
    if (!r || !PyArg_ParseTuple(args, "s:ssl_var_lookup", &name))
        return NULL;
    if (!lookup)
        Py_RETURN_NONE;
    name = apr_pstrdup(r->pool, name);
    return mp_str(lookup(r->pool, r->server, r->connection, r, name));
}

static PyObject *req_is_https(mp_request *self, PyObject *unused)
{
    APR_OPTIONAL_FN_TYPE(ssl_is_https) *is_https = APR_RETRIEVE_OPTIONAL_FN(ssl_is_https);
    request_rec *r = live(self);
    if (!r)
        return NULL;
    return PyLong_FromLong(is_https && is_https(r->connection) ? 1 : 0);
}

static PyObject *req_update_mtime(mp_request *self, PyObject *args)
{
    request_rec *r = live(self);
    double seconds;
    if (!r || !PyArg_ParseTuple(args, "d:update_mtime", &seconds))
        return NULL;
    ap_update_mtime(r, (apr_time_t)(seconds * APR_USEC_PER_SEC));
    Py_RETURN_NONE;
}

static PyObject *req_set_content_length(mp_request *self, PyObject *args)
{
    request_rec *r = live(self);
    long long length;
    if (!r || !PyArg_ParseTuple(args, "L:set_content_length", &length))
        return NULL;
    ap_set_content_length(r, (apr_off_t)length);
    Py_RETURN_NONE;
}

/* SCRIPT_NAME: the URI without its trailing path_info. */
static const char *script_name(request_rec *r)
{
    size_t uri_len = strlen(r->uri), info_len = r->path_info ? strlen(r->path_info) : 0;
    if (info_len && info_len <= uri_len
        && !strcmp(r->uri + uri_len - info_len, r->path_info))
        return apr_pstrndup(r->pool, r->uri, uri_len - info_len);
    return r->uri;
}

/* REQUEST_URI as Apache's own CGI variables give it: the URI of the
 * request line, raw (still %-encoded, with its query string), the same
 * after internal redirects and in subrequests. */
static const char *original_uri(request_rec *r)
{
    const char *first = r->the_request, *last;

    if (!first)
        return r->unparsed_uri ? r->unparsed_uri : r->uri;
    while (*first && !apr_isspace(*first))      /* the method */
        first++;
    while (apr_isspace(*first))
        first++;
    for (last = first; *last && !apr_isspace(*last); last++)
        ;
    return apr_pstrmemdup(r->pool, first, last - first);
}

static PyObject *req_add_cgi_vars(mp_request *self, PyObject *unused)
{
    request_rec *r = live(self);
    apr_table_t *env;
    if (!r)
        return NULL;
    env = r->subprocess_env;
    apr_table_setn(env, "GATEWAY_INTERFACE", "CGI/1.1");
    apr_table_setn(env, "SERVER_PROTOCOL", r->protocol);
    apr_table_setn(env, "REQUEST_METHOD", r->method);
    apr_table_setn(env, "QUERY_STRING", r->args ? r->args : "");
    apr_table_setn(env, "REQUEST_URI", original_uri(r));
    apr_table_setn(env, "SCRIPT_NAME", script_name(r));
    if (r->path_info && *r->path_info)
        apr_table_setn(env, "PATH_INFO", r->path_info);
    ap_add_common_vars(r);
    Py_RETURN_NONE;
}

/* mod_mime keeps AddHandler in a private structure; its leading members
 * have been stable for all of 2.x, and only those are read here. */
typedef struct {
    apr_hash_t *extension_mappings;
} mime_dir_config_head;

typedef struct {
    char *forced_type, *encoding_type, *language_type;
    char *handler;
} extension_info_head;

/* Extensions that AddHandler maps to mod_python, space-separated. */
static PyObject *req_get_addhandler_exts(mp_request *self, PyObject *unused)
{
    request_rec *r = live(self);
    module *mime = ap_find_linked_module("mod_mime.c");
    const mime_dir_config_head *conf;
    const char *exts = "";
    apr_hash_index_t *hi;

    if (!r)
        return NULL;
    conf = mime ? ap_get_module_config(r->per_dir_config, mime) : NULL;
    if (conf && conf->extension_mappings)
        for (hi = apr_hash_first(r->pool, conf->extension_mappings); hi; hi = apr_hash_next(hi)) {
            const extension_info_head *info = apr_hash_this_val(hi);
            if (mp_is_python_handler(info->handler))
                exts = apr_pstrcat(r->pool, exts, *exts ? " ." : ".",
                                   (const char *)apr_hash_this_key(hi), NULL);
        }
    return mp_str(exts);
}

#define SIMPLE(fname, expr) \
    static PyObject *req_##fname(mp_request *self, PyObject *unused) \
    { request_rec *r = live(self); return r ? (expr) : NULL; }

SIMPLE(auth_name, mp_str(ap_auth_name(r)))
SIMPLE(auth_type, mp_str(ap_auth_type(r)))
SIMPLE(document_root, mp_str(ap_document_root(r)))
SIMPLE(meets_conditions, PyLong_FromLong(ap_meets_conditions(r)))
SIMPLE(set_etag, (ap_set_etag(r), Py_NewRef(Py_None)))
SIMPLE(set_last_modified, (ap_set_last_modified(r), Py_NewRef(Py_None)))
SIMPLE(add_common_vars, (ap_add_common_vars(r), Py_NewRef(Py_None)))
SIMPLE(send_http_header, Py_NewRef(Py_None))

/* The semi-private WSGI helpers of 3.5 live in mod_python.wsgi: these
 * methods call its `function`(req, *args, **kw). */
static PyObject *call_wsgi_module(PyObject *self, const char *function,
                                  PyObject *args, PyObject *kw)
{
    PyObject *module, *func = NULL, *prefix = NULL, *full = NULL, *result = NULL;

    if (!(module = PyImport_ImportModule("mod_python.wsgi")))
        return NULL;
    if ((func = PyObject_GetAttrString(module, function))
            && (prefix = PyTuple_Pack(1, self))
            && (full = args ? PySequence_Concat(prefix, args) : Py_NewRef(prefix)))
        result = PyObject_Call(func, full, kw);
    Py_XDECREF(full);
    Py_XDECREF(prefix);
    Py_XDECREF(func);
    Py_DECREF(module);
    return result;
}

static PyObject *req_build_wsgi_env(PyObject *self, PyObject *unused)
{
    return call_wsgi_module(self, "build_environ", NULL, NULL);
}

static PyObject *req_wsgi_start_response(PyObject *self, PyObject *args, PyObject *kw)
{
    return call_wsgi_module(self, "request_start_response", args, kw);
}

/* (mtime in us, size, inode, device) of req.filename from the stat Apache
 * made of it for this request, or None when r->finfo is not that file's
 * (no file, not a regular file, or req.filename changed since).  Spares
 * the publisher and PSP a stat(2) per request to see if a page changed. */
static PyObject *req_file_stamp(mp_request *self, PyObject *unused)
{
    request_rec *r = live(self);
    const apr_finfo_t *f;
    if (!r)
        return NULL;
    f = &r->finfo;
    if (f->filetype != APR_REG || !r->filename || !f->fname
        || strcmp(f->fname, r->filename)
        || (f->valid & (APR_FINFO_MTIME | APR_FINFO_SIZE | APR_FINFO_INODE | APR_FINFO_DEV))
           != (APR_FINFO_MTIME | APR_FINFO_SIZE | APR_FINFO_INODE | APR_FINFO_DEV))
        Py_RETURN_NONE;
    return Py_BuildValue("(LLKK)", (long long)f->mtime, (long long)f->size,
                         (unsigned long long)f->inode, (unsigned long long)f->device);
}

/* (PythonPath, autoreload, debug, pdb) for the dispatcher, from the
 * directives' flags: one call instead of four table reads a phase. */
static PyObject *req_dispatch_settings(mp_request *self, PyObject *unused)
{
    request_rec *r = live(self);
    const mp_dir_config *conf;
    if (!r)
        return NULL;
    conf = mp_dir_config_of(r);
    return Py_BuildValue("(zNNN)", conf->python_path,
                         PyBool_FromLong(MP_FLAG(conf->autoreload, 1)),
                         PyBool_FromLong(MP_FLAG(conf->debug, 0)),
                         PyBool_FromLong(MP_FLAG(conf->enable_pdb, 0)
                                         && ap_exists_config_define("ONE_PROCESS")));
}

/* ---------------------------------------------------------------------
 * Holding the request
 *
 * Each method and setter runs holding the request (exclusive.h) and its
 * connection's I/O lock (io_lock.h), waited for without the GIL: a
 * thread's req.write() may be in Apache's filters, which read the
 * request's tables and allocate from its pool, as most methods and
 * setters do.  Another thread is counted in the gate meanwhile
 * (thread_gate.h), so the request cannot end while it waits.  Getters
 * only read: they hold the request alone.
 */

/* (Each method checks live() again, after a wait for the lock.) */
static int hold(mp_request *self)
{
    return live(self) ? mp_gate_enter(self->gate, "request object") : 0;
}

#define HELD(ret, name, params, args, failed) \
    static ret name##_x params \
    { \
        ret result = failed; \
        int pass; \
        MP_BEGIN_EXCLUSIVE((PyObject *)self) \
        if ((pass = hold((mp_request *)self))) { \
            result = name args; \
            mp_gate_leave(((mp_request *)self)->gate, pass); \
        } \
        MP_END_EXCLUSIVE() \
        return result; \
    }
#define HELD_METHOD(name) \
    HELD(PyObject *, name, (PyObject *self, PyObject *arg), ((void *)self, arg), NULL)
#define HELD_GETTER(name) \
    HELD(PyObject *, name, (PyObject *self, void *closure), (self, closure), NULL)
#define HELD_SETTER(name) \
    HELD(int, name, (PyObject *self, PyObject *value, void *closure), \
         (self, value, closure), -1)

/* Not held: wsgi_start_response, which only calls Python code, whose uses
 * of the request hold it (so does setattr: the attributes' setters hold
 * it, and a thread entering a section it already holds pays for a wait);
 * register_cleanup, which leaves Apache alone; internal_redirect, whose
 * request takes the I/O lock in its own methods (held here, a thread the
 * new request's handler started and joined would wait for it). */
HELD_METHOD(req_write)
HELD_METHOD(req_flush)
HELD_METHOD(req_sendfile)
MP_EXCLUSIVE_METHOD(req_internal_redirect)
HELD_METHOD(mp_request_read)
HELD_METHOD(mp_request_readline)
HELD_METHOD(mp_request_readlines)
HELD_METHOD(mp_request_discard_request_body)
HELD_METHOD(req_log_error)
HELD_METHOD(req_get_config)
HELD_METHOD(req_get_options)
HELD_METHOD(req_add_handler)
HELD_METHOD(req_add_input_filter)
HELD_METHOD(req_add_output_filter)
HELD_METHOD(req_register_input_filter)
HELD_METHOD(req_register_output_filter)
MP_EXCLUSIVE_METHOD(req_register_cleanup)
HELD_METHOD(req_allow_methods)
HELD_METHOD(req_get_basic_auth_pw)
HELD_METHOD(req_get_remote_host)
HELD_METHOD(req_construct_url)
HELD_METHOD(req_ssl_var_lookup)
HELD_METHOD(req_is_https)
HELD_METHOD(req_update_mtime)
HELD_METHOD(req_set_content_length)
HELD_METHOD(req_add_cgi_vars)
HELD_METHOD(req_add_common_vars)
HELD_METHOD(req_auth_name)
HELD_METHOD(req_auth_type)
HELD_METHOD(req_document_root)
HELD_METHOD(req_meets_conditions)
HELD_METHOD(req_set_etag)
HELD_METHOD(req_set_last_modified)
HELD_METHOD(req_send_http_header)
HELD_METHOD(req_get_addhandler_exts)
HELD_METHOD(req_file_stamp)
HELD_METHOD(req_dispatch_settings)
HELD_METHOD(req_build_wsgi_env)

static PyMethodDef req_methods[] = {
    {"write", (PyCFunction)req_write_x, METH_VARARGS, "write(data, flush=1)"},
    {"flush", (PyCFunction)req_flush_x, METH_NOARGS, NULL},
    {"sendfile", (PyCFunction)req_sendfile_x, METH_VARARGS, "sendfile(path, offset=0, len=-1)"},
    {"internal_redirect", (PyCFunction)req_internal_redirect_x, METH_VARARGS, NULL},
    {"read", (PyCFunction)mp_request_read_x, METH_VARARGS, "read(len=-1) -> bytes"},
    {"readline", (PyCFunction)mp_request_readline_x, METH_VARARGS, NULL},
    {"readlines", (PyCFunction)mp_request_readlines_x, METH_VARARGS, NULL},
    {"discard_request_body", (PyCFunction)mp_request_discard_request_body_x, METH_NOARGS, NULL},
    {"log_error", (PyCFunction)req_log_error_x, METH_VARARGS, NULL},
    {"get_config", (PyCFunction)req_get_config_x, METH_NOARGS, NULL},
    {"get_options", (PyCFunction)req_get_options_x, METH_NOARGS, NULL},
    {"add_handler", (PyCFunction)req_add_handler_x, METH_VARARGS, NULL},
    {"add_input_filter", (PyCFunction)req_add_input_filter_x, METH_VARARGS, NULL},
    {"add_output_filter", (PyCFunction)req_add_output_filter_x, METH_VARARGS, NULL},
    {"register_input_filter", (PyCFunction)req_register_input_filter_x, METH_VARARGS, NULL},
    {"register_output_filter", (PyCFunction)req_register_output_filter_x, METH_VARARGS, NULL},
    {"register_cleanup", (PyCFunction)req_register_cleanup_x, METH_VARARGS, NULL},
    {"allow_methods", (PyCFunction)req_allow_methods_x, METH_VARARGS, NULL},
    {"get_basic_auth_pw", (PyCFunction)req_get_basic_auth_pw_x, METH_NOARGS, NULL},
    {"get_remote_host", (PyCFunction)req_get_remote_host_x, METH_VARARGS, NULL},
    {"construct_url", (PyCFunction)req_construct_url_x, METH_VARARGS, NULL},
    {"ssl_var_lookup", (PyCFunction)req_ssl_var_lookup_x, METH_VARARGS, NULL},
    {"is_https", (PyCFunction)req_is_https_x, METH_NOARGS, NULL},
    {"update_mtime", (PyCFunction)req_update_mtime_x, METH_VARARGS, NULL},
    {"set_content_length", (PyCFunction)req_set_content_length_x, METH_VARARGS, NULL},
    {"add_cgi_vars", (PyCFunction)req_add_cgi_vars_x, METH_NOARGS, NULL},
    {"add_common_vars", (PyCFunction)req_add_common_vars_x, METH_NOARGS, NULL},
    {"auth_name", (PyCFunction)req_auth_name_x, METH_NOARGS, NULL},
    {"auth_type", (PyCFunction)req_auth_type_x, METH_NOARGS, NULL},
    {"document_root", (PyCFunction)req_document_root_x, METH_NOARGS, NULL},
    {"meets_conditions", (PyCFunction)req_meets_conditions_x, METH_NOARGS, NULL},
    {"set_etag", (PyCFunction)req_set_etag_x, METH_NOARGS, NULL},
    {"set_last_modified", (PyCFunction)req_set_last_modified_x, METH_NOARGS, NULL},
    {"send_http_header", (PyCFunction)req_send_http_header_x, METH_NOARGS, NULL},
    {"get_addhandler_exts", (PyCFunction)req_get_addhandler_exts_x, METH_NOARGS, NULL},
    {"_file_stamp", (PyCFunction)req_file_stamp_x, METH_NOARGS, NULL},
    {"_dispatch_settings", (PyCFunction)req_dispatch_settings_x, METH_NOARGS, NULL},
    {"build_wsgi_env", (PyCFunction)req_build_wsgi_env_x, METH_NOARGS, NULL},
    {"wsgi_start_response", (PyCFunction)(void (*)(void))req_wsgi_start_response,
     METH_VARARGS | METH_KEYWORDS, "wsgi_start_response(status, headers, exc_info=None)"},
    {NULL}
};

/* ---------------------------------------------------------------------
 * Plain request_rec fields, described once
 */

/* F_STR may be None (NULL); F_STR_ONLY may not: Apache dereferences it
 * (r->uri in add_cgi_vars, for one). */
enum { F_STR, F_STR_ONLY, F_INT, F_UINT, F_I64, F_OFF, F_TIME };

typedef struct {
    int type;
    size_t offset;
    int writable;
    const char *name;
} field_t;

#define FIELD_AT(r, f, T) (*(T *)((char *)(r) + (f)->offset))

static PyObject *field_get(PyObject *o, void *closure)
{
    const field_t *f = closure;
    request_rec *r = live((mp_request *)o);
    if (!r)
        return NULL;
    switch (f->type) {
    case F_STR:
    case F_STR_ONLY: return mp_str(FIELD_AT(r, f, const char *));
    case F_INT:  return PyLong_FromLong(FIELD_AT(r, f, int));
    case F_UINT: return PyLong_FromUnsignedLong(FIELD_AT(r, f, unsigned));
    case F_I64:  return PyLong_FromLongLong(FIELD_AT(r, f, apr_int64_t));
    case F_OFF:  return PyLong_FromLongLong(FIELD_AT(r, f, apr_off_t));
    default:     return mp_time(FIELD_AT(r, f, apr_time_t));
    }
}

static int no_delete(PyObject *value)
{
    if (!value)
        PyErr_SetString(PyExc_AttributeError, "can't delete request attributes");
    return value == NULL;
}

/* Writable numeric fields are all C ints: a value out of range raises
 * OverflowError and leaves the field as it was. */
static int set_int_field(request_rec *r, const field_t *f, PyObject *value)
{
    long v;

    if (!PyLong_Check(value)) {
        /* 3.5's wording, which python-api.md keeps */
        PyErr_Format(PyExc_TypeError, "%s must be a integer", f->name);
        return -1;
    }
    v = PyLong_AsLong(value);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (v < INT_MIN || v > INT_MAX) {
        PyErr_Format(PyExc_OverflowError, "%s out of range: %ld", f->name, v);
        return -1;
    }
    FIELD_AT(r, f, int) = (int)v;
    return 0;
}

static int field_set(PyObject *o, PyObject *value, void *closure)
{
    const field_t *f = closure;
    request_rec *r = live((mp_request *)o);
    int failed;

    if (!r || no_delete(value))
        return -1;
    if (f->type == F_STR || f->type == F_STR_ONLY) {
        const char *s = mp_str_arg(value, r->pool, f->type == F_STR, &failed);
        if (failed)
            return -1;
        FIELD_AT(r, f, const char *) = s;
        return 0;
    }
    return set_int_field(r, f, value);
}

#define DESCRIBE(name, type, writable) \
    static const field_t FIELD_##name = { type, offsetof(request_rec, name), writable, #name };
#define RO_FIELD(name, type) DESCRIBE(name, type, 0)
#define RW_FIELD(name, type) DESCRIBE(name, type, 1)

RO_FIELD(the_request, F_STR)
RW_FIELD(assbackwards, F_INT)
RW_FIELD(proxyreq, F_INT)
RO_FIELD(header_only, F_INT)
RO_FIELD(protocol, F_STR)
RO_FIELD(proto_num, F_INT)
RO_FIELD(hostname, F_STR)
RO_FIELD(request_time, F_TIME)
RW_FIELD(status_line, F_STR)
RW_FIELD(status, F_INT)
RO_FIELD(method, F_STR)
RO_FIELD(method_number, F_INT)
RO_FIELD(allowed, F_I64)
RO_FIELD(sent_bodyct, F_OFF)
RO_FIELD(bytes_sent, F_OFF)
RO_FIELD(mtime, F_TIME)
RW_FIELD(chunked, F_INT)
RO_FIELD(range, F_STR)
RO_FIELD(clength, F_OFF)
RO_FIELD(remaining, F_OFF)
RO_FIELD(read_length, F_OFF)
RO_FIELD(read_body, F_INT)
RO_FIELD(read_chunked, F_INT)
RO_FIELD(expecting_100, F_UINT)
RW_FIELD(handler, F_STR)
RO_FIELD(content_encoding, F_STR)
RO_FIELD(vlist_validator, F_STR)
RW_FIELD(ap_auth_type, F_STR)
RW_FIELD(no_cache, F_INT)
RW_FIELD(no_local_copy, F_INT)
RO_FIELD(unparsed_uri, F_STR)
RW_FIELD(uri, F_STR_ONLY)
RW_FIELD(filename, F_STR)
RW_FIELD(canonical_filename, F_STR)
RW_FIELD(path_info, F_STR)
RW_FIELD(args, F_STR)
RW_FIELD(used_path_info, F_INT)
RO_FIELD(eos_sent, F_INT)
RO_FIELD(useragent_ip, F_STR)

#define FIELD_ENTRY(name) \
    {#name, field_get_x, NULL, NULL, (void *)&FIELD_##name}
#define FIELD_ENTRY_RW(name) \
    {#name, field_get_x, field_set_x, NULL, (void *)&FIELD_##name}

/* ---------------------------------------------------------------------
 * Attributes that need more than a field read
 */

static PyObject *cached_table(mp_request *self, PyObject **slot, apr_table_t *t)
{
    int headers = slot == &self->headers_out || slot == &self->err_headers_out;
    if (!*slot && !(*slot = (headers ? mp_headers_wrap : mp_table_wrap)(
                        t, (PyObject *)self)))
        return NULL;
    Py_INCREF(*slot);
    return *slot;
}

#define TABLE_GETTER(name) \
    static PyObject *get_##name(PyObject *o, void *c) \
    { mp_request *self = (mp_request *)o; request_rec *r = live(self); \
      return r ? cached_table(self, &self->name, r->name) : NULL; }

TABLE_GETTER(headers_in)
TABLE_GETTER(headers_out)
TABLE_GETTER(err_headers_out)
TABLE_GETTER(subprocess_env)
TABLE_GETTER(notes)

static PyObject *get_connection(PyObject *o, void *c)
{
    mp_request *self = (mp_request *)o;
    request_rec *r = live(self);
    if (!r)
        return NULL;
    if (!self->connection && !(self->connection = mp_conn_object(r->connection, self->gate)))
        return NULL;
    return Py_NewRef(self->connection);
}

static PyObject *get_server(PyObject *o, void *c)
{
    request_rec *r = live((mp_request *)o);
    return r ? mp_server_object(r->server) : NULL;
}

static PyObject *related(request_rec *other)
{
    PyObject *obj;
    if (!other)
        Py_RETURN_NONE;
    obj = mp_context_request(other);
    return Py_XNewRef(obj);
}

static PyObject *get_next(PyObject *o, void *c)
{
    request_rec *r = live((mp_request *)o);
    return r ? related(r->next) : NULL;
}

static PyObject *get_prev(PyObject *o, void *c)
{
    request_rec *r = live((mp_request *)o);
    return r ? related(r->prev) : NULL;
}

static PyObject *get_main(PyObject *o, void *c)
{
    request_rec *r = live((mp_request *)o);
    return r ? related(r->main) : NULL;
}

static PyObject *get_phase(PyObject *o, void *c)
{
    return mp_str(((mp_request *)o)->phase);
}

static PyObject *get_extension(PyObject *o, void *c)
{
    return mp_str(((mp_request *)o)->extension);
}

static PyObject *get_interpreter(PyObject *o, void *c)
{
    return mp_str(((mp_request *)o)->interp->name);
}

static PyObject *get_hlist(PyObject *o, void *c)
{
    PyObject *h = ((mp_request *)o)->hlist;
    return Py_NewRef(h ? h : Py_None);
}

static PyObject *get_content_type(PyObject *o, void *c)
{
    request_rec *r = live((mp_request *)o);
    return r ? mp_str(r->content_type) : NULL;
}

static int set_content_type(PyObject *o, PyObject *value, void *c)
{
    request_rec *r = live((mp_request *)o);
    const char *type;
    int failed;
    if (!r || no_delete(value))
        return -1;
    type = mp_str_arg(value, r->pool, 0, &failed);
    if (failed)
        return -1;
    ap_set_content_type(r, type);
    ((mp_request *)o)->content_type_set = 1;
    return 0;
}

static PyObject *get_content_type_set(PyObject *o, void *c)
{
    return PyLong_FromLong(((mp_request *)o)->content_type_set);
}

static PyObject *get_user(PyObject *o, void *c)
{
    request_rec *r = live((mp_request *)o);
    return r ? mp_latin1_str(r->user) : NULL;
}

static int set_user(PyObject *o, PyObject *value, void *c)
{
    request_rec *r = live((mp_request *)o);
    PyObject *keep = NULL;
    const char *user;
    if (!r || no_delete(value))
        return -1;
    if (value == Py_None) {
        r->user = NULL;
        return 0;
    }
    if (!(user = mp_latin1_arg(value, &keep)))
        return -1;
    r->user = apr_pstrdup(r->pool, user);
    Py_DECREF(keep);
    return 0;
}

static PyObject *str_array_tuple(const apr_array_header_t *arr)
{
    PyObject *t;
    int i;
    if (!arr)
        return PyTuple_New(0);
    if (!(t = PyTuple_New(arr->nelts)))
        return NULL;
    for (i = 0; i < arr->nelts; i++) {
        PyObject *s = mp_str(APR_ARRAY_IDX(arr, i, const char *));
        if (!s) {
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, i, s);
    }
    return t;
}

static PyObject *get_content_languages(PyObject *o, void *c)
{
    request_rec *r = live((mp_request *)o);
    return r ? str_array_tuple(r->content_languages) : NULL;
}

static PyObject *get_allowed_xmethods(PyObject *o, void *c)
{
    request_rec *r = live((mp_request *)o);
    return r ? str_array_tuple(r->allowed_xmethods) : NULL;
}

static PyObject *get_allowed_methods(PyObject *o, void *c)
{
    request_rec *r = live((mp_request *)o);
    if (!r)
        return NULL;
    return str_array_tuple(r->allowed_methods ? r->allowed_methods->method_list : NULL);
}

static PyObject *get_finfo(PyObject *o, void *c)
{
    request_rec *r = live((mp_request *)o);
    return r ? mp_finfo_object(&r->finfo) : NULL;
}

static int set_finfo(PyObject *o, PyObject *value, void *c)
{
    request_rec *r = live((mp_request *)o);
    mp_finfo *f = (mp_finfo *)value;
    int failed;
    if (!r || no_delete(value))
        return -1;
    if (!PyObject_TypeCheck(value, mp_types_running()->finfo)) {
        PyErr_SetString(PyExc_TypeError, "finfo must be a finfoobject");
        return -1;
    }
    r->finfo = f->finfo;
    r->finfo.pool = r->pool;
    r->finfo.fname = mp_str_arg(f->fname, r->pool, 1, &failed);
    r->finfo.name = failed ? NULL : mp_str_arg(f->name, r->pool, 1, &failed);
    return failed ? -1 : 0;
}

static PyObject *get_parsed_uri(PyObject *o, void *c)
{
    request_rec *r = live((mp_request *)o);
    const apr_uri_t *u;
    PyObject *port;
    if (!r)
        return NULL;
    u = &r->parsed_uri;
    port = u->port_str ? PyLong_FromLong(u->port) : Py_NewRef(Py_None);
    return Py_BuildValue("(NNNNNNNNN)", mp_str(u->scheme), mp_str(u->hostinfo),
                         mp_str(u->user), mp_str(u->password), mp_str(u->hostname),
                         port, mp_str(u->path), mp_str(u->query), mp_str(u->fragment));
}

static PyObject *get_useragent_addr(PyObject *o, void *c)
{
    request_rec *r = live((mp_request *)o);
    return r ? mp_sockaddr(r->useragent_addr) : NULL;
}

static PyObject *get_bytes_queued(PyObject *o, void *c)
{
    return PyLong_FromLongLong(((mp_request *)o)->bytes_queued);
}

static PyObject *get_request_rec(PyObject *o, void *c)
{
    request_rec *r = live((mp_request *)o);
    return r ? PyCapsule_New(r, "mod_python._request_rec", NULL) : NULL;
}

/* Each attribute holds the request; setters hold its I/O lock too, and
 * so do next, prev and main, which may make the other request's object
 * (from its pool). */
MP_EXCLUSIVE_GETTER(field_get)
HELD_SETTER(field_set)
MP_EXCLUSIVE_GETTER(get_headers_in)
MP_EXCLUSIVE_GETTER(get_headers_out)
MP_EXCLUSIVE_GETTER(get_err_headers_out)
MP_EXCLUSIVE_GETTER(get_subprocess_env)
MP_EXCLUSIVE_GETTER(get_notes)
MP_EXCLUSIVE_GETTER(get_connection)
MP_EXCLUSIVE_GETTER(get_server)
HELD_GETTER(get_next)
HELD_GETTER(get_prev)
HELD_GETTER(get_main)
MP_EXCLUSIVE_GETTER(get_phase)
MP_EXCLUSIVE_GETTER(get_extension)
MP_EXCLUSIVE_GETTER(get_interpreter)
MP_EXCLUSIVE_GETTER(get_hlist)
MP_EXCLUSIVE_GETTER(get_content_languages)
MP_EXCLUSIVE_GETTER(get_allowed_xmethods)
MP_EXCLUSIVE_GETTER(get_allowed_methods)
MP_EXCLUSIVE_GETTER(get_parsed_uri)
MP_EXCLUSIVE_GETTER(get_useragent_addr)
MP_EXCLUSIVE_GETTER(get_content_type)
MP_EXCLUSIVE_GETTER(get_user)
MP_EXCLUSIVE_GETTER(get_finfo)
HELD_SETTER(set_content_type)
HELD_SETTER(set_user)
HELD_SETTER(set_finfo)
MP_EXCLUSIVE_GETTER(get_content_type_set)
MP_EXCLUSIVE_GETTER(get_bytes_queued)
MP_EXCLUSIVE_GETTER(get_request_rec)

#define GET(name) {#name, get_##name##_x, NULL, NULL, NULL}
#define GETSET(name) {#name, get_##name##_x, set_##name##_x, NULL, NULL}

static PyGetSetDef req_getset[] = {
    FIELD_ENTRY(the_request), FIELD_ENTRY_RW(assbackwards),
    FIELD_ENTRY_RW(proxyreq), FIELD_ENTRY(header_only), FIELD_ENTRY(protocol),
    FIELD_ENTRY(proto_num), FIELD_ENTRY(hostname), FIELD_ENTRY(request_time),
    FIELD_ENTRY_RW(status_line), FIELD_ENTRY_RW(status), FIELD_ENTRY(method),
    FIELD_ENTRY(method_number), FIELD_ENTRY(allowed), FIELD_ENTRY(sent_bodyct),
    FIELD_ENTRY(bytes_sent), FIELD_ENTRY(mtime), FIELD_ENTRY_RW(chunked),
    FIELD_ENTRY(range), FIELD_ENTRY(clength), FIELD_ENTRY(remaining),
    FIELD_ENTRY(read_length), FIELD_ENTRY(read_body), FIELD_ENTRY(read_chunked),
    FIELD_ENTRY(expecting_100), FIELD_ENTRY_RW(handler),
    FIELD_ENTRY(content_encoding), FIELD_ENTRY(vlist_validator),
    FIELD_ENTRY_RW(ap_auth_type), FIELD_ENTRY_RW(no_cache),
    FIELD_ENTRY_RW(no_local_copy), FIELD_ENTRY(unparsed_uri), FIELD_ENTRY_RW(uri),
    FIELD_ENTRY_RW(filename), FIELD_ENTRY_RW(canonical_filename),
    FIELD_ENTRY_RW(path_info), FIELD_ENTRY_RW(args), FIELD_ENTRY_RW(used_path_info),
    FIELD_ENTRY(eos_sent), FIELD_ENTRY(useragent_ip),
    GET(headers_in), GET(headers_out), GET(err_headers_out), GET(subprocess_env),
    GET(notes), GET(connection), GET(server), GET(next), GET(prev), GET(main),
    GET(phase), GET(extension), GET(interpreter), GET(hlist),
    GETSET(content_type), GETSET(user), GETSET(finfo),
    {"_content_type_set", get_content_type_set_x, NULL, NULL, NULL},
    GET(content_languages), GET(allowed_xmethods), GET(allowed_methods),
    GET(parsed_uri), GET(useragent_addr),
    {"_bytes_queued", get_bytes_queued_x, NULL, NULL, NULL},
    {"_request_rec", get_request_rec_x, NULL, NULL, NULL},
    {NULL}
};

/* Attributes Python code set on the request may be deleted again; those
 * of the request_rec may not. */
static int req_setattr(PyObject *o, PyObject *name, PyObject *value)
{
    PyObject *dict = ((mp_request *)o)->dict;
    if (!value && !(dict && PyDict_Contains(dict, name) == 1))
        return no_delete(value) ? -1 : 0;
    return PyObject_GenericSetAttr(o, name, value);
}

HELD(PyObject *, mp_request_iternext, (PyObject *self), ((void *)self), NULL)

static PyMemberDef mp_request_members[] = {
    {"__dictoffset__", Py_T_PYSSIZET, offsetof(mp_request, dict), Py_READONLY, NULL},
    {NULL}
};

static PyType_Slot mp_request_slots[] = {
    {Py_tp_dealloc, (void *)(destructor)req_dealloc},
    {Py_tp_getattro, (void *)PyObject_GenericGetAttr},
    {Py_tp_setattro, (void *)req_setattr},
    {Py_tp_doc, (void *)"An Apache request"},
    {Py_tp_traverse, (void *)(traverseproc)req_traverse},
    {Py_tp_clear, (void *)(inquiry)req_clear},
    {Py_tp_iter, (void *)PyObject_SelfIter},
    {Py_tp_iternext, (void *)(iternextfunc)mp_request_iternext_x},
    {Py_tp_methods, (void *)req_methods},
    {Py_tp_getset, (void *)req_getset},
    {Py_tp_members, mp_request_members},
    {0, NULL}
};

PyType_Spec mp_request_spec = {
    .name = "_apache.mp_request",
    .basicsize = sizeof(mp_request),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | MP_TPFLAGS_NO_NEW,
    .slots = mp_request_slots,
};
