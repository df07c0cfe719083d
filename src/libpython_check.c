/* One libpython per Apache.
 *
 * Two modules that embed Python (mod_python and mod_wsgi, say) built for
 * different libpython files share whichever one the dynamic linker loaded
 * first (they have the same soname), and the other's Python then aborts
 * in every child ("Fatal Python error: error reading frozen getpath.py"),
 * again and again.  Checked in the parent at start-up; built for the same
 * libpython, they work side by side. */
#include "libpython_check.h"
#include <dlfcn.h>
#include <link.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

/* Where the dynamic linker looks when a module names no directory. */
static const char *const DEFAULT_DIRS[] = {
    "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
    "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
    "/lib64", "/usr/lib64", "/lib", "/usr/lib", "/usr/local/lib", NULL };

typedef struct {
    apr_pool_t *pool;
    const char *self;       /* mod_python.so, as loaded */
    const char *loaded;     /* the libpython this process runs */
    const char *module;     /* another module that needs a libpython... */
    const char *wanted;     /* ...and the file it was built for */
} scan;

static const char *real(apr_pool_t *p, const char *path)
{
    char buf[PATH_MAX];
    return realpath(path, buf) ? apr_pstrdup(p, buf) : NULL;
}

/* The file `soname` resolves to for an object whose run path is `paths`
 * (colon-separated, may be NULL), or NULL. */
static const char *resolve(apr_pool_t *p, const char *soname, const char *paths)
{
    char *copy = paths ? apr_pstrdup(p, paths) : NULL, *dir, *last;
    int i;

    for (dir = copy ? apr_strtok(copy, ":", &last) : NULL; dir;
         dir = apr_strtok(NULL, ":", &last)) {
        const char *found = real(p, apr_pstrcat(p, dir, "/", soname, NULL));
        if (found)
            return found;
    }
    for (i = 0; DEFAULT_DIRS[i]; i++) {
        const char *found = real(p, apr_pstrcat(p, DEFAULT_DIRS[i], "/", soname, NULL));
        if (found)
            return found;
    }
    return NULL;
}

/* Looks at one loaded object: does it need a libpython other than the
 * one loaded? */
static int look_at(struct dl_phdr_info *info, size_t size, void *data)
{
    scan *s = data;
    const ElfW(Dyn) *dyn = NULL;
    const char *strtab = NULL, *runpath = NULL, *needed = NULL;
    const char *name = info->dlpi_name, *path;
    int i;

    if (!name || !*name || s->module)
        return 0;
    for (i = 0; i < info->dlpi_phnum; i++)
        if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
            dyn = (const ElfW(Dyn) *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
    for (i = 0; dyn && dyn[i].d_tag != DT_NULL; i++)
        if (dyn[i].d_tag == DT_STRTAB)
            strtab = (const char *)dyn[i].d_un.d_ptr;
    for (i = 0; dyn && strtab && dyn[i].d_tag != DT_NULL; i++) {
        const char *text = strtab + dyn[i].d_un.d_val;
        if (dyn[i].d_tag == DT_NEEDED && !strncmp(text, "libpython", 9))
            needed = text;
        else if (dyn[i].d_tag == DT_RUNPATH || dyn[i].d_tag == DT_RPATH)
            runpath = text;
    }
    path = needed ? real(s->pool, name) : NULL;
    if (!path || (s->self && !strcmp(path, s->self)))
        return 0;
    path = resolve(s->pool, needed, runpath);
    if (path && strcmp(path, s->loaded)) {
        s->module = apr_pstrdup(s->pool, name);
        s->wanted = path;
    }
    return 0;
}

int mp_check_libpython(apr_pool_t *p, server_rec *server)
{
    Dl_info here, python;
    scan s = { p, NULL, NULL, NULL, NULL };
    const char *ours = real(p, MP_LIBPYTHON);

    if (!dladdr((void *)mp_check_libpython, &here)
            || !dladdr((void *)Py_Initialize, &python)
            || !(s.loaded = real(p, python.dli_fname)))
        return OK;                      /* nothing to go by */
    s.self = real(p, here.dli_fname);
    if (ours && strcmp(ours, s.loaded)) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, server,
                     "mod_python: this Apache runs %s, but mod_python was "
                     "built for %s: another module that embeds Python (such "
                     "as mod_wsgi) was loaded first with its own libpython.  "
                     "Build both against the same Python.", s.loaded, ours);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    dl_iterate_phdr(look_at, &s);
    if (s.module) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, server,
                     "mod_python: %s embeds Python from %s, but this Apache "
                     "runs %s, which mod_python was built for; one of the two "
                     "would abort in every child.  Build both against the "
                     "same Python.", s.module, s.wanted, s.loaded);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}
