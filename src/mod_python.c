/* mod_python: the module record, hook registration and one entry point
 * per Apache phase.  Each entry point only decides whether Python is
 * needed; dispatch.c does the running. */
#define MP_DECLARING_MODULE
#include "mod_python.h"
#include "http_connection.h"
#include "apachemodule.h"
#include "config.h"
#include "context.h"
#include "dispatch.h"
#include "filter.h"
#include "interpreters.h"
#include "libpython_check.h"
#include "mutex.h"
#include "table.h"
#include "ssi.h"

/* What this build is, as text in the file: `mod_python serve` reads it
 * (installation.module_identity) to check, without loading the module, that
 * it is the one its Python package was built with. */
const char mp_build_identity[] =
    "mod_python-build: version=" MP_VERSION "; python=" MP_PYTHON_BIN;

#define INIT_RAN_NOTE "python_init_ran"


/* Whether the SetHandler in effect (core applies it later, in its fixups)
 * names mod_python. */
static int set_handler_is_python(request_rec *r)
{
    core_dir_config *core = ap_get_core_module_config(r->per_dir_config);
    const char *err = NULL, *handler;

    if (!core->expr_handler)
        return 0;
    handler = ap_expr_str_exec(r, core->expr_handler, &err);
    return !err && mp_is_python_handler(handler);
}

/* Continue-on rule shared by the init handler and its host phase. */
static int ok_or_declined(int status)
{
    return status == OK || status == DECLINED;
}

static int run_init_once(request_rec *r)
{
    if (apr_table_get(r->notes, INIT_RAN_NOTE)
        || !mp_phase_has_handlers(r, MP_PHASE_INIT))
        return DECLINED;
    apr_table_setn(r->notes, INIT_RAN_NOTE, "1");
    return mp_run_phase(r, MP_PHASE_INIT);
}

/* Server-level PythonInitHandler, then PythonPostReadRequestHandler. */
static int post_read_request(request_rec *r)
{
    int status = run_init_once(r);
    if (!ok_or_declined(status))
        return status;
    return mp_run_phase(r, MP_PHASE_POST_READ_REQUEST);
}

/* Whether the URI is under a <Location> whose handlers are Python's, with
 * mod_python as its content handler: such a request needs no file. */
static int python_location(request_rec *r)
{
    return mp_dir_config_of(r)->location_handlers && set_handler_is_python(r);
}

/* Without a file, path_info is what follows the <Location> path in the
 * URI (/app/wiki/Start under <Location /app>: /wiki/Start), which is what
 * Apache's mapping gave 3.5 applications whose location had no file. */
static void set_location_path_info(request_rec *r)
{
    const char *base = mp_dir_config_of(r)->location_path;
    size_t n;

    if (!base || !*base || r->path_info || r->filename)
        return;
    n = strlen(base);
    if (n && base[n - 1] == '/')
        n--;
    if (!strncmp(r->uri, base, n) && (r->uri[n] == '/' || !r->uri[n]))
        r->path_info = apr_pstrdup(r->pool, r->uri + n);
}

/* For a Python <Location>: PythonTransHandler, then, if it declined, no
 * URI-to-file mapping at all, Alias included, so this runs before
 * mod_alias whatever the load order.  A part of the location given back
 * to Apache ("SetHandler None": static files under an application
 * mounted at /) is mapped as usual. */
static int translate_location(request_rec *r)
{
    int status;
    if (!python_location(r))
        return DECLINED;
    status = mp_run_phase(r, MP_PHASE_TRANS);
    if (status != DECLINED)
        return status;
    set_location_path_info(r);
    mp_context_get(r, 1)->unmapped = 1;
    return OK;
}

/* No file, so no <Directory> walk for a Python <Location> (as mod_proxy
 * does for its locations).  The per-directory configuration is reset
 * before this hook, hence the mark in the request's context. */
static int map_location_to_storage(request_rec *r)
{
    mp_context *ctx = mp_context_get(r, 0);
    return ctx && ctx->unmapped && !r->filename ? OK : DECLINED;
}

/* Any other URI: PythonTransHandler in its usual place among the
 * translation hooks (after mod_alias on Debian, which loads it first). */
static int translate_name(request_rec *r)
{
    return python_location(r) ? DECLINED : mp_run_phase(r, MP_PHASE_TRANS);
}

/* Directory-level PythonInitHandler, then PythonHeaderParserHandler. */
static int header_parser(request_rec *r)
{
    int status = run_init_once(r);
    if (!ok_or_declined(status))
        return status;
    return mp_run_phase(r, MP_PHASE_HEADER_PARSER);
}

static int access_checker(request_rec *r)
{
    return mp_run_phase(r, MP_PHASE_ACCESS);
}

static int check_user_id(request_rec *r)
{
    int status = mp_run_phase(r, MP_PHASE_AUTHEN);
    if (status == OK && !r->user) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "python_handler: After PythonAuthenHandler req->user is NULL. "
                      "Assign something to req.user if returning OK to avoid this error.");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (status == HTTP_UNAUTHORIZED)
        ap_note_auth_failure(r);
    return status;
}

static int auth_checker(request_rec *r)
{
    return mp_run_phase(r, MP_PHASE_AUTHZ);
}

static int type_checker(request_rec *r)
{
    return mp_run_phase(r, MP_PHASE_TYPE);
}

static int fixups(request_rec *r)
{
    return mp_run_phase(r, MP_PHASE_FIXUP);
}

static int content_handler(request_rec *r)
{
    if (!mp_is_python_handler(r->handler))
        return DECLINED;
    return mp_run_phase(r, MP_PHASE_HANDLER);
}

/* Also makes sure PythonCleanupHandler runs when the request pool goes. */
static int log_transaction(request_rec *r)
{
    if (mp_phase_has_handlers(r, MP_PHASE_CLEANUP))
        mp_context_get(r, 1);
    return mp_run_phase(r, MP_PHASE_LOG);
}

static int process_connection(conn_rec *c)
{
    return mp_run_connection_handler(c);
}

static int post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                       server_rec *s)
{
    ap_add_version_component(pconf, "mod_python/" MP_VERSION);
    ap_add_version_component(pconf, "Python/" PY_VERSION);
    mp_register_ssi();
    /* The first of the two start-up passes only checks the configuration. */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG)
        return OK;
    if (mp_check_libpython(ptemp, s) != OK)
        return HTTP_INTERNAL_SERVER_ERROR;
    return mp_mutexes_create(pconf, s);
}

static void child_init(apr_pool_t *pchild, server_rec *s)
{
    mp_mutexes_child_init(pchild);
    mp_table_child_init(pchild);
    mp_context_child_init(pchild, mp_end_request);
    mp_python_start(pchild, s);
}

static void register_hooks(apr_pool_t *p)
{
    /* Before Apache's own authentication modules, so that a Python
     * authen handler under "AuthType Basic" gets the first say. */
    static const char *const auth_modules[] = {
        "mod_auth_basic.c", "mod_auth_digest.c", "mod_auth_form.c", NULL
    };
    /* Likewise a PythonTypeHandler before mod_mime, which would otherwise
     * settle the type of every file with a known extension. */
    static const char *const type_modules[] = { "mod_mime.c", NULL };
    static const char *const alias_modules[] = { "mod_alias.c", "mod_vhost_alias.c",
                                                  NULL };

    mp_register_request_filters();
    ap_hook_post_config(post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_process_connection(process_connection, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_read_request(post_read_request, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_translate_name(translate_location, NULL, alias_modules, APR_HOOK_MIDDLE);
    ap_hook_translate_name(translate_name, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_map_to_storage(map_location_to_storage, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_header_parser(header_parser, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_access_checker(access_checker, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_user_id(check_user_id, NULL, auth_modules, APR_HOOK_MIDDLE);
    ap_hook_auth_checker(auth_checker, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_type_checker(type_checker, NULL, type_modules, APR_HOOK_MIDDLE);
    ap_hook_fixups(fixups, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(content_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_log_transaction(log_transaction, NULL, NULL, APR_HOOK_MIDDLE);
}

AP_DECLARE_MODULE(python) = {
    STANDARD20_MODULE_STUFF,
    mp_create_dir_config,
    mp_merge_dir_config,
    mp_create_server_config,
    mp_merge_server_config,
    mp_directives,
    register_hooks
};
