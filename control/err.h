/* SPDX-License-Identifier: MIT */
/*
 * err.h - the caller-supplied error buffer of control/'s pure modules (the
 * Redis way: the module formats a message, the caller decides whether and
 * where to show it).
 */
#ifndef SG_CONTROL_ERR_H
#define SG_CONTROL_ERR_H

#include <stddef.h>

/* Format into err (when err and errlen are set); always returns -1. */
int sg_seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* SG_CONTROL_ERR_H */
