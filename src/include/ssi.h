/* <!--#python exec="..." --> and eval in server-side includes. */
#ifndef MP_SSI_H
#define MP_SSI_H

#include "mod_python.h"

/* Registers the "python" element with mod_include, if it is loaded. */
void mp_register_ssi(void);

#endif
