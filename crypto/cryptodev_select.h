/* SPDX-License-Identifier: MIT */
/*
 * cryptodev_select.h - the data-plane AEAD back end chosen at start from
 * the `crypto` setting (crypto/aead_spec.h): which crypto device, if any,
 * serves each suite, after a self-test against libsodium and, for auto, a
 * short timing of every candidate.  Runs on the main lcore before the
 * workers start (EAL up, devices probed).
 */
#ifndef SG_CRYPTO_CRYPTODEV_SELECT_H
#define SG_CRYPTO_CRYPTODEV_SELECT_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/aead_spec.h"
#include "crypto/cryptodev.h"

struct sg_cdev_choice {
	struct sg_cdev *be;  /* NULL: libsodium for every suite */
	enum sg_aead_mode mode;
	char line[320];      /* what serves each suite, one line (log, status) */
	char detail[1536];   /* what was tried: candidates, self-tests, timings */
	double ns[2];        /* chosen back end's open+seal ns a frame: AES-GCM, ChaCha (0: none) */
	double sodium_ns[2]; /* libsodium's, measured beside it (0: not measured) */
};

/* Test seams (never set in production): faults injected into the devices. */
struct sg_cdev_faults {
	int at_start;        /* every device frame of the self-tests fails */
	unsigned every_n;    /* after start: every n-th device frame fails (0: none) */
};

/*
 * Choose per spec for n_qps queue pairs with `sessions` sessions each.
 * auto: every cryptodev present, plus the software PMDs this DPDK has
 * (crypto_aesni_mb, crypto_aesni_gcm, crypto_chacha20_poly1305,
 * crypto_openssl) made as vdevs; any that is missing, lacks the suite or
 * fails its self-test is passed over (say why in detail), and libsodium
 * stays where nothing is faster.  cryptodev:<driver>: that driver's device
 * (made as a vdev when none was probed) for every suite it offers; -1 with
 * the reason in err when it is missing, offers no suite, or fails.  sodium:
 * nothing to do.  0 with *out filled, or -1.
 */
int sg_cdev_select(const char *spec, unsigned n_qps, unsigned sessions, int socket,
		   const struct sg_cdev_faults *faults, struct sg_cdev_choice *out, char *err,
		   size_t errlen);

/* Free what the choice holds (its devices, the vdevs it made). */
void sg_cdev_choice_free(struct sg_cdev_choice *ch);

/*
 * Known-answer self-test of suite on c's queue pair 0: for plaintexts of 0
 * to 1440 bytes in one burst of distinct sessions, the device's seal equals
 * libsodium's byte for byte, the device opens what libsodium sealed, and a
 * flipped tag bit fails to open (SG_E_TAG, data zeroed).  0, or -1 with err.
 */
int sg_cdev_selftest(struct sg_cdev *c, uint8_t suite, char *err, size_t errlen);

/*
 * Open+seal ns per frame through c (NULL: libsodium), the mean of 64-byte
 * and 1400-byte bodies (the relay's frames: +24 bytes of inner header),
 * bursts of 32, the fastest of a few rounds.  < 0 when a frame failed.
 */
double sg_cdev_time_ns(struct sg_cdev *c, uint8_t suite);

#endif /* SG_CRYPTO_CRYPTODEV_SELECT_H */
