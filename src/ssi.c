/* <!--#python exec="..." --> and <!--#python eval="..." --> in pages
 * processed by mod_include: the code runs in the request's interpreter
 * with `filter` bound to an mp_filter whose writes land in the page. */
#include "ssi.h"
#include "config.h"
#include "dispatch.h"
#include "errors.h"
#include "filter.h"
#include "interpreters.h"
#include "thread_gate.h"
#include "mod_include.h"

static APR_OPTIONAL_FN_TYPE(ap_ssi_get_tag_and_value) *get_tag_and_value;

/* Logs why the element is refused and inserts mod_include's error text. */
static apr_status_t refuse(include_ctx_t *ctx, ap_filter_t *f, apr_bucket_brigade *bb,
                           const char *why)
{
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, f->r, "%s in %s", why, f->r->filename);
    SSI_CREATE_ERROR_BUCKET(ctx, f, bb);
    return APR_SUCCESS;
}

static int run_code(ap_filter_t *f, apr_bucket_brigade *bb, const char *tag,
                    const char *code)
{
    request_rec *r = f->r;
    const mp_dir_config *conf = mp_dir_config_of(r);
    mp_interp *in = mp_interp_acquire(mp_interpreter_name(r, conf, NULL),
                                      conf->interpreter_gil);
    mp_filter *filter;
    PyObject *result = NULL;
    int status = HTTP_INTERNAL_SERVER_ERROR;

    if (!in)
        return status;
    /* SSI code has nothing to read: an empty brigade says so. */
    filter = (mp_filter *)mp_filter_object(f, NULL, apr_brigade_create(r->pool, f->c->bucket_alloc),
                                           bb, 0);
    if (filter) {
        conn_rec *served = mp_serving_swap(f->c);
        result = PyObject_CallFunction(in->include_dispatch, "Oss", filter,
                                     tag, code);
        mp_serving_swap(served);
        mp_filter_invalidate(filter);
        Py_DECREF(filter);
    }
    if (result && PyLong_Check(result))
        status = (int)PyLong_AsLong(result);
    else
        mp_log_python_error(r->server, "#python");
    Py_XDECREF(result);
    mp_interp_release(in);
    return status;
}

static apr_status_t handle_python(include_ctx_t *ctx, ap_filter_t *f,
                                  apr_bucket_brigade *bb)
{
    apr_pool_t *p = f->r->pool;
    const char *kind = NULL, *code = NULL;

    if (!(ctx->flags & SSI_FLAG_PRINTING))
        return APR_SUCCESS;             /* inside a false #if */
    if (ctx->flags & SSI_FLAG_NO_EXEC)
        return refuse(ctx, f, bb, "#python used but not allowed");
    for (;;) {
        char *tag = NULL, *value = NULL;
        get_tag_and_value(ctx, &tag, &value, SSI_VALUE_DECODED);
        if (!tag)
            break;
        if (strcmp(tag, "exec") && strcmp(tag, "eval"))
            return refuse(ctx, f, bb, apr_psprintf(p,
                          "unexpected '%s' parameter to tag 'python'", tag));
        if (kind)
            return refuse(ctx, f, bb, "multiple 'eval/exec' parameters to tag 'python'");
        if (!value || !*value)
            return refuse(ctx, f, bb, apr_psprintf(p,
                          "empty value for '%s' parameter to tag 'python'", tag));
        kind = tag;
        code = value;
    }
    if (!kind)
        return refuse(ctx, f, bb, "missing 'eval/exec' parameter to tag 'python'");
    /* After an error (or filter.disable()) the page's Python is off: the
     * later elements are passed over. */
    if (apr_table_get(f->r->notes, MP_SSI_DISABLED_NOTE))
        return APR_SUCCESS;
    if (run_code(f, bb, kind, code) != OK) {
        apr_table_setn(f->r->notes, MP_SSI_DISABLED_NOTE, "1");
        SSI_CREATE_ERROR_BUCKET(ctx, f, bb);
    }
    return APR_SUCCESS;
}

void mp_register_ssi(void)
{
    APR_OPTIONAL_FN_TYPE(ap_register_include_handler) *register_handler =
        APR_RETRIEVE_OPTIONAL_FN(ap_register_include_handler);

    get_tag_and_value = APR_RETRIEVE_OPTIONAL_FN(ap_ssi_get_tag_and_value);
    if (register_handler && get_tag_and_value)
        register_handler("python", handle_python);
}
