/* Python input and output filters: the Apache side.
 *
 * A PythonInputFilter/PythonOutputFilter directive registers an Apache
 * filter of its name; req.register_*_filter() registrations go through
 * the MOD_PYTHON filter with their registration as context.  Each
 * invocation hands an mp_filter to the interpreter's FilterDispatch. */
#include "filter.h"
#include "context.h"
#include "dispatch.h"
#include "errors.h"
#include "interpreters.h"
#include "thread_gate.h"

/* The filter's state, looked up from the configuration on first use;
 * NULL when the request's configuration does not register it. */
static mp_filter_ctx *filter_ctx(ap_filter_t *f, int is_input)
{
    const mp_dir_config *conf;
    const mp_handler *reg;
    mp_filter_ctx *ctx = f->ctx;

    if (ctx || !f->r)
        return ctx;
    conf = mp_dir_config_of(f->r);
    reg = apr_hash_get(is_input ? conf->input_filters : conf->output_filters,
                       f->frec->name, APR_HASH_KEY_STRING);
    if (!reg)
        return NULL;
    ctx = mp_filter_ctx_make(f->r, reg, f->frec->name, is_input);
    f->ctx = ctx;
    return ctx;
}

mp_filter_ctx *mp_filter_ctx_make(request_rec *r, const mp_handler *reg,
                                  const char *name, int is_input)
{
    apr_bucket_alloc_t *ba = r->connection->bucket_alloc;
    mp_filter_ctx *ctx = apr_pcalloc(r->pool, sizeof(*ctx));

    ctx->reg = reg;
    ctx->name = name;
    /* made once: a filter runs once per brigade, and memory taken from
     * the request pool per call would only come back with the request */
    ctx->out = apr_brigade_create(r->pool, ba);
    if (is_input) {
        ctx->pending = apr_brigade_create(r->pool, ba);
        ctx->upstream = apr_brigade_create(r->pool, ba);
    }
    return ctx;
}

/* What one call of the Python callable did. */
typedef struct {
    int eos_seen;       /* it read the end of the stream */
    int end_told;       /* a read() returned None to it */
    int closed;         /* it called close() */
    int progressed;     /* input filters: it fetched or read data */
    int read_failed;    /* input filters: a fetch from upstream failed */
} mp_filter_outcome;

/* Runs the Python callable once over (bb_in -> bb_out); returns 0, or -1
 * when Python could not be reached (logged). */
static int run_python(ap_filter_t *f, mp_filter_ctx *ctx, apr_bucket_brigade *bb_in,
                      apr_bucket_brigade *bb_out, int is_input, ap_input_mode_t mode,
                      apr_read_type_e block, apr_off_t readbytes,
                      mp_filter_outcome *outcome)
{
    request_rec *r = f->r;
    mp_interp *in;
    mp_filter *filter;
    PyObject *result = NULL;
    conn_rec *served;

    if (!ctx->interpreter)      /* once: the rules may allocate, or match */
        ctx->interpreter = mp_interpreter_name(r, mp_dir_config_of(r), ctx->reg);
    in = mp_interp_acquire(ctx->interpreter, mp_dir_config_of(r)->interpreter_gil);

    memset(outcome, 0, sizeof(*outcome));
    if (!in) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "mod_python: no usable Python interpreter for filter %s", ctx->name);
        return -1;
    }
    served = mp_serving_swap(f->c);
    filter = (mp_filter *)mp_filter_object(f, ctx, bb_in, bb_out, is_input);
    if (filter) {
        filter->mode = mode;
        filter->block = block;
        filter->readbytes = readbytes;
        if (is_input)
            filter->eos_seen = ctx->eos_seen;
        result = PyObject_CallOneArg(in->filter_dispatch, (PyObject *)filter);
        outcome->eos_seen = filter->eos_seen;
        outcome->end_told = filter->end_told;
        outcome->closed = filter->closed;
        outcome->progressed = filter->progressed;
        outcome->read_failed = filter->read_failed;
        mp_filter_invalidate(filter);
        Py_DECREF(filter);
    }
    mp_serving_swap(served);
    if (!result)
        mp_log_python_error(r->server, ctx->name);
    Py_XDECREF(result);
    mp_interp_release(in);
    return result ? 0 : -1;
}

static int brigade_has_eos(apr_bucket_brigade *bb)
{
    apr_bucket *b;
    for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb); b = APR_BUCKET_NEXT(b))
        if (APR_BUCKET_IS_EOS(b))
            return 1;
    return 0;
}

static apr_status_t output_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    mp_filter_ctx *ctx = filter_ctx(f, 0);
    apr_bucket_brigade *out;
    mp_filter_outcome done;
    apr_status_t rc;

    if (!ctx) {
        ap_remove_output_filter(f);
        return ap_pass_brigade(f->next, bb);
    }
    if (ctx->disabled)
        return ap_pass_brigade(f->next, bb);
    if (ctx->finished) {
        /* close() ended the response: nothing may follow its EOS */
        apr_brigade_cleanup(bb);
        return APR_SUCCESS;
    }
    out = ctx->out;
    if (run_python(f, ctx, bb, out, 0, AP_MODE_READBYTES, APR_BLOCK_READ, 0, &done) < 0)
        ctx->disabled = 1;
    if (done.closed) {
        ctx->finished = 1;
    }
    else if (ctx->disabled) {
        /* After an error the rest of the response passes unfiltered. */
        APR_BRIGADE_CONCAT(out, bb);
    }
    else if (done.eos_seen || brigade_has_eos(bb)) {
        /* The stream ended but the callable did not close(): end it. */
        APR_BRIGADE_INSERT_TAIL(out, apr_bucket_eos_create(f->c->bucket_alloc));
    }
    apr_brigade_cleanup(bb);
    rc = APR_BRIGADE_EMPTY(out) ? APR_SUCCESS : ap_pass_brigade(f->next, out);
    apr_brigade_cleanup(out);
    return rc;
}

/* Moves into bb what the reader asked for (a line, or readbytes) from
 * what the filter produced; the rest waits for the next call. */
static apr_status_t deliver(mp_filter_ctx *ctx, apr_bucket_brigade *bb,
                            ap_input_mode_t mode, apr_read_type_e block,
                            apr_off_t readbytes)
{
    apr_bucket *after, *b;

    if (mode == AP_MODE_GETLINE)
        return apr_brigade_split_line(bb, ctx->pending, block, HUGE_STRING_LEN);
    if (apr_brigade_partition(ctx->pending, readbytes, &after) == APR_INCOMPLETE)
        after = APR_BRIGADE_SENTINEL(ctx->pending);
    while ((b = APR_BRIGADE_FIRST(ctx->pending)) != after) {
        APR_BUCKET_REMOVE(b);
        APR_BRIGADE_INSERT_TAIL(bb, b);
    }
    return APR_SUCCESS;
}

/* Makes buckets (upstream data may be transient) last until next call. */
static void set_aside(apr_bucket_brigade *bb, apr_pool_t *p)
{
    apr_bucket *b;
    for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb); b = APR_BUCKET_NEXT(b))
        apr_bucket_setaside(b, p);
}

/* Keeps produced buckets for later calls. */
static void keep_pending(ap_filter_t *f, mp_filter_ctx *ctx, apr_bucket_brigade *produced)
{
    set_aside(produced, f->r->pool);
    APR_BRIGADE_CONCAT(ctx->pending, produced);
}

/* The filter's output has ended.  If the client's body has not (the
 * callable closed early, or stopped working), what is left of it stays
 * unread on the connection: that must not be taken for the next request. */
static void finish_input(ap_filter_t *f, mp_filter_ctx *ctx)
{
    ctx->finished = 1;
    if (!ctx->eos_seen) {
        f->c->keepalive = AP_CONN_CLOSE;
        apr_brigade_cleanup(ctx->upstream);
    }
}

/* Calls the Python callable into `produced` until it closes, is told the
 * end of the stream (a read() that returned None) or produces something.
 * A blocking reader must not get an empty brigade, which it would take for
 * an error or ask again for forever; and a callable that read the last
 * data without being told the end gets one more call, where read()
 * returns None, to finish its output.  Returns the status for the reader:
 * an error when reading from upstream failed and nothing was produced. */
static apr_status_t run_input(ap_filter_t *f, mp_filter_ctx *ctx,
                              apr_bucket_brigade *produced, ap_input_mode_t mode,
                              apr_read_type_e block, apr_off_t readbytes)
{
    apr_bucket_brigade *in = ctx->upstream;
    mp_filter_outcome done;
    int extra_calls = 0;

    for (;;) {
        if (run_python(f, ctx, in, produced, 1, mode, block, readbytes, &done) < 0)
            ctx->disabled = 1;
        ctx->eos_seen |= done.eos_seen;
        if (done.closed) {
            finish_input(f, ctx);    /* close() already ended the stream */
            return APR_SUCCESS;
        }
        if (ctx->disabled) {
            /* failed (the dispatcher disables a filter that raised) or
             * disable() called: what was fetched still goes on */
            APR_BRIGADE_CONCAT(produced, in);
            return APR_SUCCESS;
        }
        set_aside(in, f->r->pool);
        if (ctx->eos_seen) {
            if (done.end_told || extra_calls++)
                break;
            continue;
        }
        if (!APR_BRIGADE_EMPTY(produced) || block != APR_BLOCK_READ)
            return APR_SUCCESS;
        if (done.read_failed) {
            finish_input(f, ctx);
            return APR_EGENERAL;
        }
        if (!done.progressed) {
            /* Neither read nor wrote: asking again would loop forever. */
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, f->r,
                          "mod_python: input filter %s neither read nor wrote; "
                          "ending the request body there", ctx->name);
            break;
        }
    }
    /* The stream ended, the callable did not close(): end it. */
    APR_BRIGADE_INSERT_TAIL(produced, apr_bucket_eos_create(f->c->bucket_alloc));
    finish_input(f, ctx);
    return APR_SUCCESS;
}

static apr_status_t input_filter(ap_filter_t *f, apr_bucket_brigade *bb,
                                 ap_input_mode_t mode, apr_read_type_e block,
                                 apr_off_t readbytes)
{
    mp_filter_ctx *ctx = filter_ctx(f, 1);
    apr_bucket_brigade *produced;
    apr_status_t rv;

    if (!ctx) {
        ap_remove_input_filter(f);
        return ap_get_brigade(f->next, bb, mode, block, readbytes);
    }
    /* Only plain reads can be filtered; INIT, EXHAUSTIVE, SPECULATIVE pass. */
    if (mode != AP_MODE_READBYTES && mode != AP_MODE_GETLINE)
        return ap_get_brigade(f->next, bb, mode, block, readbytes);
    if (!APR_BRIGADE_EMPTY(ctx->pending))
        return deliver(ctx, bb, mode, block, readbytes);
    if (ctx->disabled)
        return ap_get_brigade(f->next, bb, mode, block, readbytes);
    if (ctx->finished) {
        /* A reader that asks again after the end gets the end again. */
        APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(f->c->bucket_alloc));
        return APR_SUCCESS;
    }
    /* (What the callable fetched but did not read, ctx->upstream, is
     * there for its next call.) */
    produced = ctx->out;
    rv = run_input(f, ctx, produced, mode, block, readbytes);
    if (rv != APR_SUCCESS || APR_BRIGADE_EMPTY(produced)) {
        apr_brigade_cleanup(produced);
        if (rv == APR_SUCCESS && ctx->disabled)
            rv = ap_get_brigade(f->next, bb, mode, block, readbytes);
        return rv;
    }
    keep_pending(f, ctx, produced);
    return deliver(ctx, bb, mode, block, readbytes);
}

/* True when another module registered a filter of that name: registering
 * ours would silently replace it for the whole server. */
static int taken_by_another_module(const char *name, int is_input)
{
    ap_filter_rec_t *known = is_input ? ap_get_input_filter_handle(name)
                                      : ap_get_output_filter_handle(name);
    if (!known)
        return 0;
    return is_input ? known->filter_func.in_func != input_filter
                    : known->filter_func.out_func != output_filter;
}

int mp_register_filter(const char *name, int is_input)
{
    if (taken_by_another_module(name, is_input))
        return -1;
    if (is_input)
        ap_register_input_filter(name, input_filter, NULL, AP_FTYPE_RESOURCE);
    else
        ap_register_output_filter(name, output_filter, NULL, AP_FTYPE_RESOURCE);
    return 0;
}

void mp_register_request_filters(void)
{
    mp_register_filter(MP_REQUEST_FILTER, 1);
    mp_register_filter(MP_REQUEST_FILTER, 0);
}
