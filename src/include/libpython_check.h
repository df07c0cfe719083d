/* One libpython per Apache: checked at start-up. */
#ifndef MP_LIBPYTHON_CHECK_H
#define MP_LIBPYTHON_CHECK_H

#include "mod_python.h"

/* OK, or HTTP_INTERNAL_SERVER_ERROR (logged, Apache does not start) when
 * this process runs another libpython than mod_python was built for, or
 * another loaded module was built for another libpython. */
int mp_check_libpython(apr_pool_t *p, server_rec *server);

#endif
