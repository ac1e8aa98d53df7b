/* SPDX-License-Identifier: MIT */
/*
 * keys.c - X25519 key pairs, base64 text form and key files (memory for
 * secrets: secure.c).
 *
 * Key files: one line, 44 base64 characters of the private key, optional
 * trailing newline; refused unless owned by the caller (the effective uid)
 * and not accessible by group or others (like ssh and wg).  Nothing here
 * logs key material.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "keys.h"
#include "proto/status.h"

void sg_keypair_generate(struct sg_keypair *kp)
{
	randombytes_buf(kp->priv, SG_KEY_LEN);
	crypto_scalarmult_base(kp->pub, kp->priv);
}

int sg_keypair_from_private(struct sg_keypair *kp, const uint8_t priv[SG_KEY_LEN])
{
	if (priv != kp->priv)
		memcpy(kp->priv, priv, SG_KEY_LEN);
	return crypto_scalarmult_base(kp->pub, kp->priv) == 0 ? SG_OK : SG_E_KEY;
}

void sg_keypair_wipe(struct sg_keypair *kp)
{
	sodium_memzero(kp, sizeof(*kp));
}

void sg_key_to_base64(char *out, const uint8_t key[SG_KEY_LEN])
{
	sodium_bin2base64(out, SG_KEY_B64_LEN + 1, key, SG_KEY_LEN,
			  sodium_base64_VARIANT_ORIGINAL);
}

int sg_key_from_base64(uint8_t key[SG_KEY_LEN], const char *b64)
{
	size_t bin_len = 0;
	const char *end = NULL;

	if (strnlen(b64, SG_KEY_B64_LEN + 1) != SG_KEY_B64_LEN)
		return SG_E_KEY;
	if (sodium_base642bin(key, SG_KEY_LEN, b64, SG_KEY_B64_LEN, NULL, &bin_len, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    bin_len != SG_KEY_LEN || end != b64 + SG_KEY_B64_LEN) {
		sodium_memzero(key, SG_KEY_LEN);
		return SG_E_KEY;
	}
	return SG_OK;
}

/* "path: why" into the caller's buffer; always SG_E_KEY. */
static int key_err(char *err, size_t errlen, const char *path, const char *why)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", path, why);
	return SG_E_KEY;
}

int sg_keyfile_load(const char *path, struct sg_keypair *kp, char *err, size_t errlen)
{
	char buf[SG_KEY_B64_LEN + 3];
	struct stat st;
	ssize_t n;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return key_err(err, errlen, path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return key_err(err, errlen, path, "not a regular file");
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		close(fd);
		return key_err(err, errlen, path,
			       "readable or writable by group/others; chmod 600 it");
	}
	if (st.st_uid != geteuid()) {
		/* Its owner could put another key there (or read this one). */
		close(fd);
		return key_err(err, errlen, path,
			       "not owned by the user reading it; chown it to that user");
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return key_err(err, errlen, path, strerror(errno));
	buf[n] = '\0';
	if (n == SG_KEY_B64_LEN + 1 && buf[SG_KEY_B64_LEN] == '\n')
		buf[SG_KEY_B64_LEN] = '\0';
	rc = sg_key_from_base64(kp->priv, buf);
	sodium_memzero(buf, sizeof(buf));
	if (rc != SG_OK)
		return key_err(err, errlen, path,
			       "expected one line of 44 base64 characters (a 32-byte key)");
	return sg_keypair_from_private(kp, kp->priv);
}

int sg_keyfile_save(const char *path, const struct sg_keypair *kp, char *err, size_t errlen)
{
	char line[SG_KEY_B64_LEN + 2];
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return key_err(err, errlen, path, strerror(errno));
	sg_key_to_base64(line, kp->priv);
	line[SG_KEY_B64_LEN] = '\n';
	n = write(fd, line, SG_KEY_B64_LEN + 1);
	sodium_memzero(line, sizeof(line));
	if (n != SG_KEY_B64_LEN + 1 || fsync(fd) != 0) {
		int e = errno;
		close(fd);
		unlink(path);
		return key_err(err, errlen, path, strerror(e ? e : EIO));
	}
	if (close(fd) != 0)
		return key_err(err, errlen, path, strerror(errno));
	return SG_OK;
}
