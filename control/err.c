/* SPDX-License-Identifier: MIT */
/* err.c - see err.h. */
#include <stdarg.h>
#include <stdio.h>

#include "err.h"

int sg_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}
