/* Directives, per-server and per-directory configuration. */
#ifndef MP_CONFIG_H
#define MP_CONFIG_H

#include "mod_python.h"
#include "ap_regex.h"

/* One handler word of a Python*Handler directive (or of req.add_handler). */
typedef struct {
    const char *handler;     /* "module[::object]" */
    const char *directory;   /* trailing '/', Location string, or NULL */
    ap_regex_t *dir_regex;   /* directory is resolved per request (regex) */
    int dir_is_wildcard;     /* directory is resolved per request (fnmatch) */
    int is_location;
    int is_pattern;          /* a <LocationMatch> or <Location ~ re> */
    int silent;              /* PythonHandlerModule: missing callable is skipped */
} mp_handler;

/* A PythonImport line: module[::function] in a named interpreter. */
typedef struct {
    const char *module;
    const char *interpreter;
} mp_import;

/* PythonInterpreterGIL: whether a sub-interpreter gets a GIL of its own
 * (3.12+) or shares the main interpreter's; MP_GIL_ANY where no section
 * says (an interpreter that exists is taken as it is). */
#define MP_GIL_ANY (-1)
#define MP_GIL_SHARED 0
#define MP_GIL_OWN 1

/* Flags are -1 while unset, so merging can tell "Off" from "not said". */
typedef struct {
    apr_table_t *directives;    /* what get_config() shows */
    apr_table_t *options;       /* PythonOption; "" means removed */
    apr_hash_t *handlers;       /* "PythonHandler" or "PythonHandler.ext" -> array of mp_handler */
    apr_hash_t *input_filters;  /* filter name -> mp_handler */
    apr_hash_t *output_filters;
    const char *interpreter;
    int interpreter_gil;        /* MP_GIL_OWN, MP_GIL_SHARED or MP_GIL_ANY */
    const char *python_path;
    int debug;
    int autoreload;
    int enable_pdb;
    int per_directory;
    int per_directive;
    int location_handlers;      /* a <Location> section declared a handler */
    int ext_handlers;           /* some phase has a "| .ext" list */
    const char *location_path;  /* the <Location> path that did ("" for a pattern) */
} mp_dir_config;

typedef struct {
    apr_table_t *directives;
    apr_table_t *options;
    apr_array_header_t *imports;      /* mp_import */
    const mp_handler *connection_handler;
    const char *site_dirs;            /* PythonOption mod_python.site_dirs */
    int optimize;
} mp_server_config;

extern const command_rec mp_directives[];

void *mp_create_dir_config(apr_pool_t *p, char *dir);
void *mp_merge_dir_config(apr_pool_t *p, void *parent, void *child);
void *mp_create_server_config(apr_pool_t *p, server_rec *s);
void *mp_merge_server_config(apr_pool_t *p, void *parent, void *child);

mp_dir_config *mp_dir_config_of(request_rec *r);
mp_server_config *mp_server_config_of(server_rec *s);

/* Flag value with its default applied. */
#define MP_FLAG(value, dflt) ((value) < 0 ? (dflt) : (value))

/* The configured list for a phase, preferring the request's "| .ext" list;
 * sets *ext to the matched extension (or NULL). */
const apr_array_header_t *mp_config_handlers(const mp_dir_config *conf,
                                             const char *phase,
                                             request_rec *r,
                                             const char **ext);

/* The handler's directory for this request (patterns resolved). */
const char *mp_handler_directory(const mp_handler *h, request_rec *r);

/* Absolute, normalised, '/'-terminated form of a directory argument. */
const char *mp_canonical_directory(apr_pool_t *p, const char *dir);

#endif
