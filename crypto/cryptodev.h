/* SPDX-License-Identifier: MIT */
/*
 * cryptodev.h - the data-plane AEAD over DPDK cryptodev: a second back end
 * behind aead.h's burst API (struct sg_aead_op, in place, detached tag, AD =
 * the 16-byte transport header, nonce = 4 zero bytes || le64 counter), byte
 * for byte the same AEAD as the libsodium back end.
 *
 * A back end (struct sg_cdev) holds at most one device per suite; a suite
 * without one stays on libsodium.  Each device runs either the synchronous
 * CPU-crypto path (rte_cryptodev_sym_cpu_crypto_process: software PMDs such
 * as crypto_aesni_gcm and crypto_aesni_mb) or, where the device has none
 * (crypto_chacha20_poly1305, hardware such as QAT), enqueue/dequeue on the
 * caller's own queue pair, waiting for the burst to come back.
 *
 * A worker holds one struct sg_cdev_qp (queue pair n on every device, its
 * own session pool, scratch and counters): one writer, no locks.  Contexts
 * (struct sg_aead_ctx) made through a qp hold a cryptodev session for one
 * direction (SG_AEAD_OPEN: decrypt, SG_AEAD_SEAL: encrypt) and must be
 * released through the same qp (sg_cdev_ctx_release: the PMD clears the
 * session, it goes back to the pool).  The structs are opaque: no DPDK
 * header is needed to use this one.
 */
#ifndef SG_CRYPTO_CRYPTODEV_H
#define SG_CRYPTO_CRYPTODEV_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/aead.h"

struct sg_cdev;
struct sg_cdev_qp;

enum {
	SG_CDEV_BURST_MAX = 64, /* ops per burst call, as the workers' MAX_BURST */
	SG_CDEV_NAME_MAX = 64,
	SG_CDEV_TIMEOUT_MS = 10, /* enqueue/dequeue: a burst not back by then is a device error */
};

/* How a suite runs in a back end. */
enum sg_cdev_path { SG_CDEV_SODIUM = 0, SG_CDEV_CPU = 1, SG_CDEV_ENQ = 2 };

/* Per queue pair (worker); one writer, read with relaxed loads. */
struct sg_cdev_stats {
	uint64_t ops;            /* frames given to a device */
	uint64_t errors;         /* frames a device failed (not a wrong tag), refused or lost */
	uint64_t timeouts;       /* enqueue/dequeue bursts not back within SG_CDEV_TIMEOUT_MS */
	uint64_t late;           /* timed-out frames the device gave back later (freed then) */
	uint64_t sessions;       /* sessions created */
	uint64_t session_failures; /* sessions that could not be made (pool empty, device) */
	uint64_t sessions_freed;
	uint64_t injected;       /* test faults (sg_cdev_inject) */
};

/*
 * A back end for n_qps queue pairs (workers + the control lcore) on socket,
 * with room for `sessions` sessions per queue pair (a worker's AEAD cache:
 * entries + spares).  Devices are added with sg_cdev_add, then
 * sg_cdev_start sets them up.  NULL when memory is short.
 */
struct sg_cdev *sg_cdev_new(unsigned n_qps, unsigned sessions, int socket);

/*
 * Serve suite (enum sg_suite) with cryptodev dev_id (already probed: EAL
 * --vdev, PCI, or rte_vdev_init).  The same device may serve both suites.
 * 0, or -1 with the reason in err (no such capability, too few queue pairs).
 */
int sg_cdev_add(struct sg_cdev *c, uint8_t suite, uint8_t dev_id, char *err, size_t errlen);

/*
 * Configure and start the devices (n_qps queue pairs each), the sessions'
 * and the operations' pools, and the queue pairs' handles; then find each
 * device's path (CPU crypto where the device really runs it, else
 * enqueue/dequeue).  0, or -1 with err.
 */
int sg_cdev_start(struct sg_cdev *c, char *err, size_t errlen);

/* Stop and close the devices (rte_vdev_uninit for those in `created`), free everything. */
void sg_cdev_free(struct sg_cdev *c);

/* Mark dev_id as made by us (rte_vdev_init): sg_cdev_free removes it. */
void sg_cdev_created(struct sg_cdev *c, uint8_t dev_id);

/* Queue pair i (0 .. n_qps - 1). */
struct sg_cdev_qp *sg_cdev_qp(struct sg_cdev *c, unsigned i);
unsigned sg_cdev_n_qps(const struct sg_cdev *c);

/* How suite runs (SG_CDEV_SODIUM: not on a device); its device's name and driver. */
enum sg_cdev_path sg_cdev_path_of(const struct sg_cdev *c, uint8_t suite);
const char *sg_cdev_dev_name(const struct sg_cdev *c, uint8_t suite);
const char *sg_cdev_driver(const struct sg_cdev *c, uint8_t suite);
const char *sg_cdev_path_name(enum sg_cdev_path p);

/*
 * A context for suite in direction op (SG_AEAD_OPEN or SG_AEAD_SEAL) from
 * key: a cryptodev session where the suite has a device, else libsodium's
 * (sg_aead_ctx_init).  SG_OK, SG_E_SUITE, or SG_E_DEVICE (no session: the
 * pool is empty or the device refused; counted).
 */
int sg_cdev_ctx_init(struct sg_cdev_qp *q, struct sg_aead_ctx *ctx, uint8_t suite, unsigned op,
		     const uint8_t key[SG_KEY_LEN]);

/* Free a context's session (the PMD clears it) or wipe a libsodium context. */
void sg_cdev_ctx_release(struct sg_cdev_qp *q, struct sg_aead_ctx *ctx);

/*
 * The burst API through q: frames whose context is libsodium's go through
 * sg_aead_*_burst, the others through their device (CPU crypto in runs of
 * one session, or one enqueue of all and dequeues until they are back).
 * Statuses as aead.h says, plus SG_E_DEVICE for a frame the device failed,
 * refused or did not give back in time (q's counters say which); a frame
 * the device still holds has op->kept set: its mbuf (op->buf) now belongs
 * to q, which frees it when the device gives it back.  A wrong tag zeroes
 * the frame's data, as libsodium does.  Returns how many succeeded.
 */
uint16_t sg_cdev_open_burst(struct sg_cdev_qp *q, struct sg_aead_op *ops, uint16_t n);
uint16_t sg_cdev_seal_burst(struct sg_cdev_qp *q, struct sg_aead_op *ops, uint16_t n);

/* A snapshot of q's counters (relaxed loads). */
void sg_cdev_qp_stats(const struct sg_cdev_qp *q, struct sg_cdev_stats *out);

/* Zero q's counters (before its worker starts: the self-test's frames are not the relay's). */
void sg_cdev_qp_stats_reset(struct sg_cdev_qp *q);

/*
 * Test seam (never set in production): every n-th frame a device processes
 * through q is then failed as a device error (0: off).  For the tests of
 * what a device error does: the frame is dropped and counted, the rest go on.
 */
void sg_cdev_inject(struct sg_cdev_qp *q, unsigned every_n);

#endif /* SG_CRYPTO_CRYPTODEV_H */
