/* Directives, per-server and per-directory configuration, and merging. */
#include "config.h"
#include "filter.h"
#include "apr_fnmatch.h"
#include "apr_lib.h"

/* Phase directives and what their default callable is called is Python's
 * business; here we only need the names that accept "| .ext". */
static const char *const NO_EXT_PHASES[] = {
    "PythonPostReadRequestHandler", "PythonTransHandler", NULL
};

/* The phases PythonHandlerModule registers a module for. */
static const char *const MODULE_PHASES[] = {
    "PythonPostReadRequestHandler", "PythonTransHandler",
    "PythonHeaderParserHandler", "PythonAccessHandler",
    "PythonAuthenHandler", "PythonAuthzHandler", "PythonTypeHandler",
    "PythonFixupHandler", "PythonHandler", "PythonInitHandler",
    "PythonLogHandler", "PythonCleanupHandler", NULL
};

/* ---------------------------------------------------------------------
 * Creation and merging
 */

void *mp_create_dir_config(apr_pool_t *p, char *dir)
{
    mp_dir_config *conf = apr_pcalloc(p, sizeof(*conf));
    conf->directives = apr_table_make(p, 4);
    conf->options = apr_table_make(p, 4);
    conf->handlers = apr_hash_make(p);
    conf->input_filters = apr_hash_make(p);
    conf->output_filters = apr_hash_make(p);
    conf->debug = conf->autoreload = conf->enable_pdb = -1;
    conf->per_directory = conf->per_directive = -1;
    conf->interpreter_gil = MP_GIL_ANY;
    return conf;
}

/* Copy of base with every entry of over set on top of it, key by key. */
static apr_table_t *overlay_by_key(apr_pool_t *p, const apr_table_t *base,
                                   const apr_table_t *over)
{
    apr_table_t *result = apr_table_copy(p, base);
    const apr_array_header_t *arr = apr_table_elts(over);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    int i;
    for (i = 0; i < arr->nelts; i++)
        apr_table_set(result, e[i].key, e[i].val);
    return result;
}

/* Merges run for every request, at every level of the directory walk;
 * the hashes are not changed once read, so when one side is empty the
 * other is shared instead of copied. */
static apr_hash_t *overlay_hash(apr_pool_t *p, apr_hash_t *over, apr_hash_t *base)
{
    if (!apr_hash_count(over))
        return base;
    if (!apr_hash_count(base))
        return over;
    return apr_hash_overlay(p, over, base);
}

#define MERGE_FLAG(field) \
    merged->field = child->field >= 0 ? child->field : parent->field
#define MERGE_PTR(field) \
    merged->field = child->field ? child->field : parent->field

void *mp_merge_dir_config(apr_pool_t *p, void *parent_conf, void *child_conf)
{
    const mp_dir_config *parent = parent_conf, *child = child_conf;
    mp_dir_config *merged = apr_pcalloc(p, sizeof(*merged));

    merged->directives = overlay_by_key(p, parent->directives, child->directives);
    merged->options = overlay_by_key(p, parent->options, child->options);
    /* A phase list in the more specific section replaces the inherited one. */
    merged->handlers = overlay_hash(p, child->handlers, parent->handlers);
    merged->input_filters = overlay_hash(p, child->input_filters,
                                         parent->input_filters);
    merged->output_filters = overlay_hash(p, child->output_filters,
                                          parent->output_filters);
    MERGE_PTR(interpreter);
    MERGE_PTR(location_path);
    MERGE_PTR(python_path);
    MERGE_FLAG(debug);
    MERGE_FLAG(autoreload);
    MERGE_FLAG(enable_pdb);
    MERGE_FLAG(per_directory);
    MERGE_FLAG(per_directive);
    MERGE_FLAG(interpreter_gil);
    merged->location_handlers = child->location_handlers
                                || parent->location_handlers;
    merged->ext_handlers = child->ext_handlers || parent->ext_handlers;
    return merged;
}

void *mp_create_server_config(apr_pool_t *p, server_rec *s)
{
    mp_server_config *conf = apr_pcalloc(p, sizeof(*conf));
    conf->directives = apr_table_make(p, 4);
    conf->options = apr_table_make(p, 4);
    conf->imports = apr_array_make(p, 2, sizeof(mp_import));
    conf->optimize = -1;
    return conf;
}

void *mp_merge_server_config(apr_pool_t *p, void *parent_conf, void *child_conf)
{
    const mp_server_config *parent = parent_conf, *child = child_conf;
    mp_server_config *merged = apr_pcalloc(p, sizeof(*merged));

    merged->directives = overlay_by_key(p, parent->directives, child->directives);
    merged->options = overlay_by_key(p, parent->options, child->options);
    /* PythonImport and site dirs only count at main-server level. */
    merged->imports = child->imports;
    merged->site_dirs = child->site_dirs;
    MERGE_PTR(connection_handler);
    MERGE_FLAG(optimize);
    return merged;
}

mp_dir_config *mp_dir_config_of(request_rec *r)
{
    return ap_get_module_config(r->per_dir_config, &python_module);
}

mp_server_config *mp_server_config_of(server_rec *s)
{
    return ap_get_module_config(s->module_config, &python_module);
}

/* ---------------------------------------------------------------------
 * Where a directive stands: its handler directory
 */

static int is_htaccess(const cmd_parms *cmd)
{
    return !(cmd->override & (ACCESS_CONF | RSRC_CONF));
}

/* The path or pattern of a section directive, read as Apache reads it
 * (quotes removed, backslash escapes undone): "<Directory "/x">" -> /x.
 * For "<Directory ~ re>" it is re, with *tilde set. */
static char *section_argument(apr_pool_t *p, const ap_directive_t *section, int *tilde)
{
    const char *end = ap_strrchr_c(section->args, '>');
    const char *rest = end ? apr_pstrmemdup(p, section->args, end - section->args)
                           : section->args;
    char *word = ap_getword_conf(p, &rest);

    *tilde = !strcmp(word, "~");
    return *tilde ? ap_getword_conf(p, &rest) : word;
}

/* Fills h->directory (and the pattern fields) from a <Directory> section. */
static const char *directory_from_section(cmd_parms *cmd, mp_handler *h,
                                          const ap_directive_t *section)
{
    int tilde;
    char *arg = section_argument(cmd->pool, section, &tilde);
    int is_regex = tilde || !strcasecmp(section->directive, "<DirectoryMatch");

    if (is_regex) {
        h->directory = arg;
        h->dir_regex = ap_pregcomp(cmd->pool, arg, AP_REG_EXTENDED);
        if (!h->dir_regex)
            return apr_psprintf(cmd->pool, "%s: bad directory regex '%s'",
                                cmd->cmd->name, arg);
        return NULL;
    }
    h->directory = mp_canonical_directory(cmd->pool, arg);
    h->dir_is_wildcard = apr_fnmatch_test(h->directory);
    return NULL;
}

/* Works out the directory a handler directive belongs to (directives.md 2.6). */
static const char *locate_handler(cmd_parms *cmd, mp_handler *h)
{
    const ap_directive_t *d;

    if (!cmd->path)
        return NULL;                    /* server or virtual host level */
    for (d = cmd->directive ? cmd->directive->parent : NULL; d; d = d->parent) {
        const char *name = d->directive;
        if (!strcasecmp(name, "<Location") || !strcasecmp(name, "<LocationMatch")) {
            int tilde;
            h->is_location = 1;
            h->directory = section_argument(cmd->pool, d, &tilde);
            h->is_pattern = tilde || !strcasecmp(name, "<LocationMatch")
                            || apr_fnmatch_test(h->directory);
            return NULL;
        }
        if (!strcasecmp(name, "<Directory") || !strcasecmp(name, "<DirectoryMatch"))
            return directory_from_section(cmd, h, d);
        if (!strcasecmp(name, "<VirtualHost"))
            return NULL;
        /* <Files>, <If> and the like: keep looking outwards. */
    }
    if (is_htaccess(cmd))
        h->directory = ap_make_dirstr_parent(cmd->pool, cmd->config_file->name);
    return NULL;
}

const char *mp_canonical_directory(apr_pool_t *p, const char *dir)
{
    char *path;
    size_t n;
    if (apr_filepath_merge(&path, NULL, dir, APR_FILEPATH_NATIVE, p)
        != APR_SUCCESS)
        path = apr_pstrdup(p, dir);
    n = strlen(path);
    return (n && path[n - 1] == '/') ? path : apr_pstrcat(p, path, "/", NULL);
}

/* Shortest leading directory of r->filename that matches the pattern. */
static const char *resolve_pattern(const mp_handler *h, request_rec *r)
{
    const char *slash;
    if (!r->filename)
        return NULL;
    for (slash = strchr(r->filename, '/'); slash; slash = strchr(slash + 1, '/')) {
        const char *prefix = apr_pstrndup(r->pool, r->filename,
                                          slash - r->filename + 1);
        int match;
        if (h->dir_regex)
            match = !ap_regexec(h->dir_regex, prefix, 0, NULL, 0);
        else
            match = apr_fnmatch(h->directory, prefix, APR_FNM_PATHNAME)
                    == APR_SUCCESS;
        if (match)
            return prefix;
    }
    return NULL;
}

const char *mp_handler_directory(const mp_handler *h, request_rec *r)
{
    if ((h->dir_regex || h->dir_is_wildcard) && r)
        return resolve_pattern(h, r);
    return h->directory;
}

/* ---------------------------------------------------------------------
 * Handler directives
 */

/* "module[::object]": dotted identifiers on both sides. */
static int valid_dotted_name(const char *s, const char *end)
{
    int at_start = 1;
    for (; s < end; s++) {
        if (*s == '.') {
            if (at_start)
                return 0;
            at_start = 1;
        }
        else if (apr_isalpha(*s) || *s == '_' || (!at_start && apr_isdigit(*s))
                 || (unsigned char)*s >= 0x80) {
            at_start = 0;
        }
        else {
            return 0;
        }
    }
    return !at_start;
}

static int valid_handler_string(const char *word)
{
    const char *sep = strstr(word, "::");
    if (!sep)
        return valid_dotted_name(word, word + strlen(word));
    return valid_dotted_name(word, sep)
           && valid_dotted_name(sep + 2, sep + strlen(sep));
}

static int phase_accepts_extensions(const char *phase)
{
    int i;
    for (i = 0; NO_EXT_PHASES[i]; i++)
        if (!strcasecmp(phase, NO_EXT_PHASES[i]))
            return 0;
    return 1;
}

static apr_array_header_t *handler_list(apr_pool_t *p, mp_dir_config *conf,
                                        const char *key)
{
    apr_array_header_t *list = apr_hash_get(conf->handlers, key,
                                            APR_HASH_KEY_STRING);
    if (!list) {
        list = apr_array_make(p, 2, sizeof(mp_handler));
        apr_hash_set(conf->handlers, key, APR_HASH_KEY_STRING, list);
    }
    return list;
}

static const char *add_handler_words(cmd_parms *cmd, mp_dir_config *conf,
                                     const char *phase,
                                     apr_array_header_t *words,
                                     apr_array_header_t *exts, int silent)
{
    mp_handler where = { NULL };
    const char *err = locate_handler(cmd, &where);
    int i, j;

    if (err)
        return err;
    where.silent = silent;
    if (where.is_location) {
        conf->location_handlers = 1;
        /* "" for a pattern: no path_info, even inside a plain <Location> */
        conf->location_path = where.is_pattern ? "" : where.directory;
    }
    if (exts->nelts)
        conf->ext_handlers = 1;
    for (j = 0; j < (exts->nelts ? exts->nelts : 1); j++) {
        const char *key = exts->nelts
            ? apr_pstrcat(cmd->pool, phase, APR_ARRAY_IDX(exts, j, const char *), NULL)
            : phase;
        apr_array_header_t *list = handler_list(cmd->pool, conf, key);
        for (i = 0; i < words->nelts; i++) {
            mp_handler *h = apr_array_push(list);
            *h = where;
            h->handler = APR_ARRAY_IDX(words, i, const char *);
        }
    }
    return NULL;
}

/* Python<Phase>Handler handler [handler ...] [| .ext [.ext ...]] */
static const char *cmd_phase_handler(cmd_parms *cmd, void *mconfig,
                                     const char *args)
{
    const char *phase = cmd->cmd->name;
    apr_array_header_t *words = apr_array_make(cmd->temp_pool, 2, sizeof(char *));
    apr_array_header_t *exts = apr_array_make(cmd->temp_pool, 1, sizeof(char *));
    int after_bar = 0;

    while (*args) {
        const char *word = ap_getword_conf(cmd->pool, &args);
        if (!*word)
            continue;
        if (!strcmp(word, "|")) {
            if (!phase_accepts_extensions(phase))
                return apr_psprintf(cmd->pool,
                                    "%s does not accept \"| .ext\" syntax.", phase);
            if (after_bar)
                return apr_psprintf(cmd->pool, "%s: more than one '|'", phase);
            after_bar = 1;
        }
        else if (after_bar) {
            if (word[0] != '.' || !word[1])
                return apr_psprintf(cmd->pool,
                                    "%s: extension '%s' must start with '.'",
                                    phase, word);
            APR_ARRAY_PUSH(exts, const char *) = word;
        }
        else if (!valid_handler_string(word)) {
            return apr_psprintf(cmd->pool,
                                "%s: '%s' is not a handler (module[::object])",
                                phase, word);
        }
        else {
            APR_ARRAY_PUSH(words, const char *) = word;
        }
    }
    if (!words->nelts)
        return apr_psprintf(cmd->pool, "%s needs at least one handler", phase);
    if (after_bar && !exts->nelts)
        return apr_psprintf(cmd->pool, "%s: no extension after '|'", phase);
    return add_handler_words(cmd, mconfig, phase, words, exts, 0);
}

/* PythonHandlerModule module: the module for every phase, silently. */
static const char *cmd_handler_module(cmd_parms *cmd, void *mconfig,
                                      const char *module)
{
    apr_array_header_t *words = apr_array_make(cmd->temp_pool, 1, sizeof(char *));
    apr_array_header_t *no_exts = apr_array_make(cmd->temp_pool, 1, sizeof(char *));
    int i;

    if (!valid_dotted_name(module, module + strlen(module)))
        return apr_psprintf(cmd->pool, "%s: '%s' is not a module name",
                            cmd->cmd->name, module);
    APR_ARRAY_PUSH(words, const char *) = module;
    for (i = 0; MODULE_PHASES[i]; i++) {
        const char *err = add_handler_words(cmd, mconfig, MODULE_PHASES[i],
                                            words, no_exts, 1);
        if (err)
            return err;
    }
    return NULL;
}

/* PythonInputFilter / PythonOutputFilter handler [name] */
static const char *cmd_filter(cmd_parms *cmd, void *mconfig,
                              const char *handler, const char *name)
{
    mp_dir_config *conf = mconfig;
    mp_handler *h = apr_pcalloc(cmd->pool, sizeof(*h));
    apr_hash_t *filters = cmd->info ? conf->input_filters : conf->output_filters;
    const char *err;

    if (!valid_handler_string(handler))
        return apr_psprintf(cmd->pool, "%s: '%s' is not a handler (module[::object])",
                            cmd->cmd->name, handler);
    if ((err = locate_handler(cmd, h)))
        return err;
    h->handler = handler;
    name = apr_pstrdup(cmd->pool, name ? name : handler);
    if (mp_register_filter(name, cmd->info != NULL) < 0)
        return apr_psprintf(cmd->pool, "%s: the filter name '%s' is taken by "
                            "another module's filter; give this one another "
                            "name (%s %s NAME)", cmd->cmd->name, name,
                            cmd->cmd->name, handler);
    ap_str_tolower((char *)name);     /* as Apache keys its filters */
    apr_hash_set(filters, name, APR_HASH_KEY_STRING, h);
    return NULL;
}

/* PythonConnectionHandler handler [ignored...]: only the first word
 * counts, as in 3.5. */
static const char *cmd_connection_handler(cmd_parms *cmd, void *mconfig,
                                          const char *args)
{
    mp_server_config *sconf = mp_server_config_of(cmd->server);
    mp_handler *h = apr_pcalloc(cmd->pool, sizeof(*h));
    const char *handler = ap_getword_conf(cmd->pool, &args);

    if (!*handler)
        return apr_psprintf(cmd->pool, "%s takes a handler", cmd->cmd->name);

    if (!valid_handler_string(handler))
        return apr_psprintf(cmd->pool, "%s: '%s' is not a handler (module[::object])",
                            cmd->cmd->name, handler);
    h->handler = handler;
    sconf->connection_handler = h;
    return NULL;
}

/* ---------------------------------------------------------------------
 * Value directives
 */

/* Records a directive for get_config(), and at server level for the
 * server's get_config() too. */
static void record(cmd_parms *cmd, mp_dir_config *conf, const char *key,
                   const char *value, int server_too)
{
    apr_table_set(conf->directives, key, value);
    if (!cmd->path && server_too)
        apr_table_set(mp_server_config_of(cmd->server)->directives, key, value);
}

static const char *cmd_flag(cmd_parms *cmd, void *mconfig, int on)
{
    mp_dir_config *conf = mconfig;
    const char *name = cmd->cmd->name;
    int server_too = 1;

    if (!strcasecmp(name, "PythonDebug"))
        conf->debug = on;
    else if (!strcasecmp(name, "PythonAutoReload"))
        conf->autoreload = on;
    else if (!strcasecmp(name, "PythonEnablePdb"))
        conf->enable_pdb = on;
    else if (!strcasecmp(name, "PythonInterpPerDirective"))
        conf->per_directive = on;
    else {
        conf->per_directory = on;
        server_too = 0;
    }
    record(cmd, conf, name, on ? "1" : "0", server_too);
    return NULL;
}

static const char *cmd_interpreter(cmd_parms *cmd, void *mconfig, const char *name)
{
    mp_dir_config *conf = mconfig;
    if (!*name)
        return "PythonInterpreter needs a non-empty name";
    conf->interpreter = name;
    record(cmd, conf, cmd->cmd->name, name, 1);
    return NULL;
}

/* PythonInterpreterGIL own|shared: the GIL of the sub-interpreters made
 * for this section's requests. */
static const char *cmd_interpreter_gil(cmd_parms *cmd, void *mconfig, const char *word)
{
    mp_dir_config *conf = mconfig;
    if (!strcasecmp(word, "shared"))
        conf->interpreter_gil = MP_GIL_SHARED;
    else if (!strcasecmp(word, "own")) {
#if PY_VERSION_HEX < 0x030C0000
        return "PythonInterpreterGIL own needs Python 3.12 or newer; this "
               "mod_python embeds Python " PY_VERSION " (rebuild it with "
               "./configure --with-python=/path/to/python3.12+)";
#else
        conf->interpreter_gil = MP_GIL_OWN;
#endif
    }
    else
        return "PythonInterpreterGIL takes own or shared";
    record(cmd, conf, cmd->cmd->name, word, 1);
    return NULL;
}

static const char *cmd_python_path(cmd_parms *cmd, void *mconfig, const char *expr)
{
    mp_dir_config *conf = mconfig;
    if (!*expr)
        return "PythonPath needs a Python expression, e.g. \"sys.path+['/app']\"";
    conf->python_path = expr;
    record(cmd, conf, cmd->cmd->name, expr, 1);
    return NULL;
}

#define SITE_DIRS_OPTION "mod_python.site_dirs"

/* PythonOption key [value]: no value or "" removes the key. */
static const char *cmd_option(cmd_parms *cmd, void *mconfig,
                              const char *key, const char *value)
{
    mp_dir_config *conf = mconfig;
    if (!*key)
        return "PythonOption needs a key";
    if (!strcasecmp(key, SITE_DIRS_OPTION)) {
        if (cmd->path || cmd->server->is_virtual)
            return "PythonOption " SITE_DIRS_OPTION
                   " is only allowed at main-server level";
        mp_server_config_of(cmd->server)->site_dirs = value;
        return NULL;
    }
    value = value ? value : "";
    apr_table_set(conf->options, key, value);
    if (!cmd->path)
        apr_table_set(mp_server_config_of(cmd->server)->options, key, value);
    return NULL;
}

/* PythonImport module[::function] interpreter */
static const char *cmd_import(cmd_parms *cmd, void *mconfig,
                              const char *module, const char *interpreter)
{
    mp_import *imp;
    if (!valid_handler_string(module))
        return apr_psprintf(cmd->pool, "PythonImport: '%s' is not module[::function]",
                            module);
    if (cmd->server->is_virtual)
        return NULL;        /* accepted but only honoured in the main server */
    imp = apr_array_push(mp_server_config_of(cmd->server)->imports);
    imp->module = module;
    imp->interpreter = interpreter;
    return NULL;
}

static const char *cmd_optimize(cmd_parms *cmd, void *mconfig, int on)
{
    mp_server_config_of(cmd->server)->optimize = on;
    return NULL;
}

/* ---------------------------------------------------------------------
 * Lookup at request time
 */

/* Extension of the last path component, from its first dot. */
static const char *filename_extension(const char *filename)
{
    const char *base, *dot;
    if (!filename)
        return NULL;
    base = strrchr(filename, '/');
    dot = strchr(base ? base + 1 : filename, '.');
    return dot;
}

const apr_array_header_t *mp_config_handlers(const mp_dir_config *conf,
                                             const char *phase,
                                             request_rec *r,
                                             const char **ext)
{
    const char *e;
    const apr_array_header_t *list;

    *ext = NULL;
    if (!apr_hash_count(conf->handlers))
        return NULL;
    /* Most configurations have no "| .ext" list: no key to build then. */
    if (conf->ext_handlers && (e = filename_extension(r->filename))) {
        char key[256];
        apr_snprintf(key, sizeof(key), "%s%s", phase, e);
        list = apr_hash_get(conf->handlers, key, APR_HASH_KEY_STRING);
        if (list && list->nelts) {
            *ext = e;
            return list;
        }
    }
    list = apr_hash_get(conf->handlers, phase, APR_HASH_KEY_STRING);
    return (list && list->nelts) ? list : NULL;
}

/* ---------------------------------------------------------------------
 * The directive table
 */

#define PHASE(name, where, help) \
    AP_INIT_RAW_ARGS(name, cmd_phase_handler, NULL, where, help)

const command_rec mp_directives[] = {
    PHASE("PythonPostReadRequestHandler", RSRC_CONF,
          "Python handlers for the post-read-request phase"),
    PHASE("PythonTransHandler", RSRC_CONF,
          "Python handlers for the URI translation phase"),
    PHASE("PythonHeaderParserHandler", OR_ALL,
          "Python handlers for the header parser phase"),
    PHASE("PythonInitHandler", OR_ALL,
          "Python handlers run first in a request"),
    PHASE("PythonAccessHandler", OR_ALL,
          "Python handlers for the access phase"),
    PHASE("PythonAuthenHandler", OR_ALL,
          "Python handlers for the authentication phase"),
    PHASE("PythonAuthzHandler", OR_ALL,
          "Python handlers for the authorization phase"),
    PHASE("PythonTypeHandler", OR_ALL,
          "Python handlers for the type-checking phase"),
    PHASE("PythonFixupHandler", OR_ALL,
          "Python handlers for the fixups phase"),
    PHASE("PythonHandler", OR_ALL,
          "Python content handlers"),
    PHASE("PythonLogHandler", OR_ALL,
          "Python handlers for the logging phase"),
    PHASE("PythonCleanupHandler", OR_ALL,
          "Python handlers run when the request is destroyed"),
    AP_INIT_TAKE1("PythonHandlerModule", cmd_handler_module, NULL, OR_ALL,
                  "A Python module providing handlers for every phase"),
    AP_INIT_RAW_ARGS("PythonConnectionHandler", cmd_connection_handler, NULL,
                  RSRC_CONF, "A Python connection handler"),
    AP_INIT_TAKE12("PythonInputFilter", cmd_filter, (void *)1,
                   RSRC_CONF | ACCESS_CONF,
                   "A Python input filter: handler [name]"),
    AP_INIT_TAKE12("PythonOutputFilter", cmd_filter, NULL,
                   RSRC_CONF | ACCESS_CONF,
                   "A Python output filter: handler [name]"),
    AP_INIT_TAKE2("PythonImport", cmd_import, NULL, RSRC_CONF,
                  "module[::function] interpreter: import at child start"),
    AP_INIT_TAKE1("PythonInterpreter", cmd_interpreter, NULL, OR_ALL,
                  "Name of the Python interpreter to run handlers in"),
    AP_INIT_TAKE1("PythonInterpreterGIL", cmd_interpreter_gil, NULL,
                  RSRC_CONF | ACCESS_CONF,
                  "own or shared: the GIL of the sub-interpreters made here"),
    AP_INIT_FLAG("PythonInterpPerDirectory", cmd_flag, NULL, OR_ALL,
                 "One interpreter per directory of the requested file"),
    AP_INIT_FLAG("PythonInterpPerDirective", cmd_flag, NULL, OR_ALL,
                 "One interpreter per directory of the handler directive"),
    AP_INIT_TAKE1("PythonPath", cmd_python_path, NULL, OR_ALL,
                  "Python expression giving sys.path"),
    AP_INIT_TAKE12("PythonOption", cmd_option, NULL, OR_ALL,
                   "key [value]: an option for handlers (no value removes it)"),
    AP_INIT_FLAG("PythonDebug", cmd_flag, NULL, OR_ALL,
                 "Send Python tracebacks to the client"),
    AP_INIT_FLAG("PythonAutoReload", cmd_flag, NULL, OR_ALL,
                 "Reload handler modules when their file changes"),
    AP_INIT_FLAG("PythonEnablePdb", cmd_flag, NULL, OR_ALL,
                 "Run handlers under pdb (with -DONE_PROCESS)"),
    AP_INIT_FLAG("PythonOptimize", cmd_optimize, NULL, RSRC_CONF,
                 "Python optimisation (like -OO)"),
    { NULL }
};
