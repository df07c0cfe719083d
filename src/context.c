/* The C side of one request: a registry of its Python objects (one per
 * interpreter), the handlers added with req.add_handler(), and the filters
 * registered for it.  What happens at the end of the request is
 * dispatch.c's (mp_end_request), run from the request pool's cleanup. */
#include "context.h"
#include "request.h"
#include "io_lock.h"

static void (*end_of_request)(mp_context *);

/* Made in the child: two threads without a common GIL (own-GIL
 * interpreters, the free-threaded build) may ask at once for the
 * context of a request related to theirs (req.main, req.prev), or of
 * two requests of one connection (its I/O lock is made with them). */
static apr_thread_mutex_t *creating;

/* Threads Python started may ask for the objects of a request related to
 * theirs (req.main, req.prev) at once: without a GIL they take turns. */
#ifdef Py_GIL_DISABLED
#define LOCK_OBJECTS(ctx) PyMutex_Lock(&(ctx)->objects_lock)
#define UNLOCK_OBJECTS(ctx) PyMutex_Unlock(&(ctx)->objects_lock)
#else
#define LOCK_OBJECTS(ctx) ((void)0)
#define UNLOCK_OBJECTS(ctx) ((void)0)
#endif

void mp_context_child_init(apr_pool_t *pchild, void (*end)(mp_context *))
{
    end_of_request = end;
    apr_thread_mutex_create(&creating, APR_THREAD_MUTEX_DEFAULT, pchild);
}

static apr_status_t context_cleanup(void *data)
{
    if (end_of_request)
        end_of_request(data);
    return APR_SUCCESS;
}

void mp_context_release_object(mp_object_node *node)
{
    if (node->request)
        mp_request_invalidate((mp_request *)node->request);
    Py_CLEAR(node->request);
}

void mp_context_release_objects(mp_context *ctx)
{
    mp_object_node *node;
    for (node = ctx->objects; node; node = node->next) {
        mp_interp *in = mp_interp_acquire(node->interp->name, MP_GIL_ANY);
        if (!in)
            continue;
        mp_context_release_object(node);
        mp_interp_release(in);
    }
}

static mp_context *context_create(request_rec *r)
{
    mp_context *ctx = apr_pcalloc(r->pool, sizeof(*ctx));
    ctx->r = r;
    ctx->added = apr_hash_make(r->pool);
    ctx->input_filters = apr_hash_make(r->pool);
    ctx->output_filters = apr_hash_make(r->pool);
    ap_set_module_config(r->request_config, &python_module, ctx);
    apr_pool_cleanup_register(r->pool, ctx, context_cleanup,
                              apr_pool_cleanup_null);
    mp_io_lock_make(r->connection);
    return ctx;
}

mp_context *mp_context_get(request_rec *r, int create)
{
    mp_context *ctx = ap_get_module_config(r->request_config, &python_module);
    if (ctx || !create)
        return ctx;
    /* Nothing inside calls Python: no GIL is waited for while held. */
    if (creating)
        apr_thread_mutex_lock(creating);
    ctx = ap_get_module_config(r->request_config, &python_module);
    if (!ctx)
        ctx = context_create(r);
    if (creating)
        apr_thread_mutex_unlock(creating);
    return ctx;
}

apr_array_header_t *mp_context_added(mp_context *ctx, const char *phase, int create)
{
    apr_array_header_t *list;
    if (!create && !apr_hash_count(ctx->added))
        return NULL;            /* the usual case, without hashing phase */
    list = apr_hash_get(ctx->added, phase, APR_HASH_KEY_STRING);
    if (!list && create) {
        list = apr_array_make(ctx->r->pool, 2, sizeof(mp_handler));
        apr_hash_set(ctx->added, phase, APR_HASH_KEY_STRING, list);
    }
    return list;
}

PyObject *mp_context_request(request_rec *r)
{
    /* (running, not current: threads Python started reach here too) */
    mp_interp *in = mp_interp_running();
    mp_context *ctx = mp_context_get(r, 1);
    mp_object_node *node;

    PyObject *request = NULL;

    LOCK_OBJECTS(ctx);
    for (node = ctx->objects; node && !request; node = node->next)
        if (node->interp == in)
            request = node->request;
    if (!request) {
        node = apr_pcalloc(r->pool, sizeof(*node));
        node->interp = in;
        if ((request = node->request = mp_request_new(r, in))) {
            node->next = ctx->objects;
            ctx->objects = node;
        }
    }
    UNLOCK_OBJECTS(ctx);
    return request;
}
