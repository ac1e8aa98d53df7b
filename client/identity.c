/* SPDX-License-Identifier: MIT */
/*
 * identity.c - the key files a client needs: its own identity (loaded, or
 * created 0600 on first use) and the relay's public key.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "client_int.h"
#include "crypto/crypto.h"
#include "proto/status.h"

int sg_client_identity_load(const char *path, int create, struct sg_keypair *kp, int *created,
			    char *err, size_t errlen)
{
	struct stat st;
	int rc;

	if (created != NULL)
		*created = 0;
	if (create && lstat(path, &st) != 0 && errno == ENOENT) {
		sg_keypair_generate(kp);
		rc = sg_keyfile_save(path, kp, err, errlen); /* O_EXCL: never overwrites */
		if (rc != SG_OK) {
			sg_keypair_wipe(kp);
			return rc;
		}
		if (created != NULL)
			*created = 1;
		return SG_OK;
	}
	return sg_keyfile_load(path, kp, err, errlen);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int read_pub_file(const char *path, uint8_t pub[SG_KEY_LEN], char *err, size_t errlen)
{
	char line[128];
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return SG_E_KEY;
	}
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
		line[--n] = '\0';
	if (sg_key_from_base64(pub, line) != SG_OK) {
		snprintf(err, errlen, "%s: expected one line of 44 base64 characters (a public key)",
			 path);
		return SG_E_KEY;
	}
	return SG_OK;
}

int sg_client_relay_key(const char *arg, uint8_t pub[SG_KEY_LEN], char *err, size_t errlen)
{
	struct sg_keypair kp;
	int rc;

	if (strlen(arg) == SG_KEY_B64_LEN && sg_key_from_base64(pub, arg) == SG_OK)
		return SG_OK;
	if (ends_with(arg, ".pub"))
		return read_pub_file(arg, pub, err, errlen);
	rc = sg_keyfile_load(arg, &kp, err, errlen);
	if (rc == SG_OK)
		memcpy(pub, kp.pub, SG_KEY_LEN);
	sg_keypair_wipe(&kp);
	return rc;
}
