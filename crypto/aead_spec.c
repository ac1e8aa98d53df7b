/* SPDX-License-Identifier: MIT */
/* aead_spec.c - the `crypto` configuration value (see the header). */
#include <stdio.h>
#include <string.h>

#include "aead_spec.h"

static const char prefix[] = "cryptodev:";

int sg_aead_spec_parse(const char *spec, enum sg_aead_mode *mode,
		       char driver[SG_AEAD_DRIVER_MAX], char *err, size_t errlen)
{
	const char *d;
	size_t len;

	driver[0] = '\0';
	if (strcmp(spec, "auto") == 0) {
		*mode = SG_AEAD_AUTO;
		return 0;
	}
	if (strcmp(spec, "sodium") == 0) {
		*mode = SG_AEAD_SODIUM;
		return 0;
	}
	if (strncmp(spec, prefix, sizeof(prefix) - 1) != 0) {
		snprintf(err, errlen, "'%s': expected auto, sodium or cryptodev:<driver>", spec);
		return -1;
	}
	d = spec + sizeof(prefix) - 1;
	len = strlen(d);
	if (len == 0 || len >= SG_AEAD_DRIVER_MAX) {
		snprintf(err, errlen, "'%s': the driver name must be 1..%d bytes (e.g. "
			 "cryptodev:crypto_aesni_gcm)", spec, SG_AEAD_DRIVER_MAX - 1);
		return -1;
	}
	for (size_t i = 0; i < len; i++)
		if (!((d[i] >= 'a' && d[i] <= 'z') || (d[i] >= '0' && d[i] <= '9') || d[i] == '_')) {
			snprintf(err, errlen, "'%s': a driver name is made of a-z, 0-9 and _", spec);
			return -1;
		}
	memcpy(driver, d, len + 1);
	*mode = SG_AEAD_CRYPTODEV;
	return 0;
}
