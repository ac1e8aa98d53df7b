/* SPDX-License-Identifier: MIT */
/* surge-vectors - print docs/PROTOCOL.md's test-vector appendix. */
#include <stdio.h>

#include "proto/status.h"
#include "vectors.h"

int main(void)
{
	int rc = sg_vectors_print(stdout);

	if (rc != 0) {
		fprintf(stderr, "surge-vectors: %s\n", sg_status_name(rc));
		return 1;
	}
	return 0;
}
