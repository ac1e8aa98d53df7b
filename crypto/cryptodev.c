/* SPDX-License-Identifier: MIT */
/*
 * cryptodev.c - the data-plane AEAD over DPDK cryptodev (see the header).
 *
 * Invariants:
 *  - Slot s (0: AES-256-GCM, 1: ChaCha20-Poly1305) is one device or none;
 *    a context's dev field names its slot.  Two slots may share a device.
 *  - A device context is one direction: its session encrypts (SG_AEAD_SEAL)
 *    or decrypts (SG_AEAD_OPEN); AD length 16, IV 12 at IV_OFF of a crypto
 *    op (nonce = 4 zero bytes || le64 counter), digest 16, key 32.
 *  - A context whose session could not be made has SG_AEAD_SUITE_DEV in its
 *    suite and no session: its frames fail with SG_E_DEVICE.
 *  - CPU crypto: one call per run of frames of one session; no state kept.
 *  - Enqueue/dequeue: every frame of a burst for one slot goes in one
 *    enqueue, then dequeues until all are back or SG_CDEV_TIMEOUT_MS pass.
 *    Each op carries (batch generation << 8 | index) after its IV, so an op
 *    that comes back after its batch gave up on it is recognised: its mbuf
 *    (held since, op->kept) is freed and the op goes back to its pool.  The
 *    op a device kept is replaced in the queue pair's array from the pool;
 *    a device that never gives ops back runs the pool dry, and its frames
 *    then fail at once (SG_E_DEVICE): bounded, counted, never a wait.
 *  - No allocation on the burst path except those replacements; no logs.
 *  - A wrong tag leaves zeros in the frame's data, as libsodium does
 *    (devices decrypt in place before they compare the tag).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_crypto.h>
#include <rte_cryptodev.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "crypto/crypto.h"
#include "crypto/secure_mempool.h"
#include "cryptodev.h"
#include "proto/messages.h"
#include "proto/status.h"

enum {
	SLOTS = 2,
	QP_DESC = 256,        /* descriptors per queue pair: a burst plus stragglers */
	OP_SPARE = 128,       /* ops per queue pair beyond a burst: replacements */
	IV_LEN = 12,
	AAD_LEN = SG_HDR_LEN,
	IV_OFF = sizeof(struct rte_crypto_op) + sizeof(struct rte_crypto_sym_op),
	OP_PRIV = 32,         /* IV (16) + the batch tag (8) */
	TAG_OFF = IV_OFF + 16,
};

struct slot {
	int dev;              /* cryptodev id, or -1: libsodium */
	enum sg_cdev_path path;
	struct rte_mempool *op_pool; /* enqueue/dequeue path only */
};

struct sg_cdev_qp {
	struct sg_cdev *c;
	uint16_t id;
	unsigned fault_every, fault_n;
	uint64_t gen;         /* enqueue batches so far */
	struct rte_mempool *sess_pool;
	struct rte_crypto_op *cop[SLOTS][SG_CDEV_BURST_MAX];
	struct sg_cdev_stats st;
	/* CPU-crypto scratch */
	struct rte_crypto_vec vec[SG_CDEV_BURST_MAX];
	struct rte_crypto_sgl sgl[SG_CDEV_BURST_MAX];
	struct rte_crypto_va_iova_ptr iv[SG_CDEV_BURST_MAX], dig[SG_CDEV_BURST_MAX],
		aad[SG_CDEV_BURST_MAX];
	int32_t status[SG_CDEV_BURST_MAX];
	uint8_t nonce[SG_CDEV_BURST_MAX][16];
	/* enqueue/dequeue of frames without an mbuf (tests, benches) */
	struct rte_mbuf shadow[SG_CDEV_BURST_MAX];
} __rte_cache_aligned;

struct sg_cdev {
	struct slot slot[SLOTS];
	unsigned n_qps, sessions;
	int socket;
	int started;
	unsigned seq;         /* names of this back end's pools */
	uint8_t created[RTE_CRYPTO_MAX_DEVS];
	uint8_t configured[RTE_CRYPTO_MAX_DEVS];
	struct sg_cdev_qp *qp;
};

static unsigned backends; /* pool names stay unique across back ends */

static inline int slot_of(uint8_t suite)
{
	return suite == SG_SUITE_AES256_GCM ? 0 : suite == SG_SUITE_CHACHA20_POLY1305 ? 1 : -1;
}

static inline enum rte_crypto_aead_algorithm algo_of(int slot)
{
	return slot == 0 ? RTE_CRYPTO_AEAD_AES_GCM : RTE_CRYPTO_AEAD_CHACHA20_POLY1305;
}

static int seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

struct sg_cdev *sg_cdev_new(unsigned n_qps, unsigned sessions, int socket)
{
	struct sg_cdev *c;

	if (n_qps == 0 || n_qps > UINT16_MAX)
		return NULL;
	c = rte_zmalloc_socket("sg_cdev", sizeof(*c), RTE_CACHE_LINE_SIZE, socket);
	if (!c)
		return NULL;
	for (int s = 0; s < SLOTS; s++)
		c->slot[s].dev = -1;
	c->n_qps = n_qps;
	c->sessions = sessions;
	c->socket = socket;
	c->seq = ++backends;
	return c;
}

int sg_cdev_add(struct sg_cdev *c, uint8_t suite, uint8_t dev_id, char *err, size_t errlen)
{
	struct rte_cryptodev_sym_capability_idx idx = { .type = RTE_CRYPTO_SYM_XFORM_AEAD };
	const struct rte_cryptodev_symmetric_capability *cap;
	struct rte_cryptodev_info info;
	int s = slot_of(suite);
	const char *name = rte_cryptodev_name_get(dev_id);

	if (s < 0 || c->started)
		return seterr(err, errlen, "internal error (suite or order)");
	if (!name || !rte_cryptodev_is_valid_dev(dev_id))
		return seterr(err, errlen, "no crypto device %u", dev_id);
	idx.algo.aead = algo_of(s);
	cap = rte_cryptodev_sym_capability_get(dev_id, &idx);
	if (!cap || rte_cryptodev_sym_capability_check_aead(cap, SG_KEY_LEN, SG_TAG_LEN, AAD_LEN,
							    IV_LEN) != 0)
		return seterr(err, errlen, "%s has no %s (AEAD, 32-byte key, 12-byte IV, 16-byte "
				  "AAD and tag)", name, s == 0 ? "AES-256-GCM" : "ChaCha20-Poly1305");
	rte_cryptodev_info_get(dev_id, &info);
	if (info.max_nb_queue_pairs < c->n_qps) {
		return seterr(err, errlen, "%s has %u queue pairs, the relay needs %u (workers + 1)",
			      name, info.max_nb_queue_pairs, c->n_qps);
	}
	c->slot[s].dev = dev_id;
	return 0;
}

void sg_cdev_created(struct sg_cdev *c, uint8_t dev_id)
{
	if (dev_id < RTE_CRYPTO_MAX_DEVS)
		c->created[dev_id] = 1;
}

static int dev_setup(struct sg_cdev *c, uint8_t id, char *err, size_t errlen)
{
	struct rte_cryptodev_config conf = { .socket_id = c->socket,
					     .nb_queue_pairs = (uint16_t)c->n_qps };
	struct rte_cryptodev_qp_conf qc = { .nb_descriptors = QP_DESC };
	const char *name = rte_cryptodev_name_get(id);

	if (c->configured[id])
		return 0;
	if (rte_cryptodev_configure(id, &conf) != 0)
		return seterr(err, errlen, "%s: cannot configure (%s)", name,
			      rte_strerror(rte_errno));
	c->configured[id] = 1;
	for (unsigned q = 0; q < c->n_qps; q++)
		if (rte_cryptodev_queue_pair_setup(id, (uint16_t)q, &qc, c->socket) != 0)
			return seterr(err, errlen, "%s: cannot set up its queue pairs (%s)", name,
				      rte_strerror(rte_errno));
	if (rte_cryptodev_start(id) != 0)
		return seterr(err, errlen, "%s: cannot start (%s)", name, rte_strerror(rte_errno));
	return 0;
}

/*
 * The path a slot's device really runs: CPU crypto unless the device
 * answers ENOTSUP for it (it may claim the feature and have no function:
 * crypto_chacha20_poly1305 of 22.11 does).  One seal of 16 bytes on qp 0.
 */
static enum sg_cdev_path probe_path(struct sg_cdev *c, int s)
{
	static const uint8_t key[SG_KEY_LEN];
	uint8_t buf[16] = { 0 }, tag[SG_TAG_LEN], ad[AAD_LEN] = { 0 }, nonce[16] = { 0 };
	struct rte_cryptodev_info info;
	struct sg_aead_ctx ctx;
	struct rte_crypto_vec v = { .base = buf, .len = sizeof(buf), .tot_len = sizeof(buf) };
	struct rte_crypto_sgl sgl = { .vec = &v, .num = 1 };
	struct rte_crypto_va_iova_ptr iv = { .va = nonce }, dg = { .va = tag }, aad = { .va = ad };
	int32_t st = 0;
	struct rte_crypto_sym_vec vec = { .num = 1, .src_sgl = &sgl, .iv = &iv, .digest = &dg,
					  .aad = &aad, .status = &st };
	union rte_crypto_sym_ofs ofs = { .raw = 0 };
	enum sg_cdev_path p = SG_CDEV_ENQ;

	rte_cryptodev_info_get((uint8_t)c->slot[s].dev, &info);
	if (!(info.feature_flags & RTE_CRYPTODEV_FF_SYM_CPU_CRYPTO))
		return SG_CDEV_ENQ;
	c->slot[s].path = SG_CDEV_CPU; /* for ctx_init's bookkeeping only */
	if (sg_cdev_ctx_init(&c->qp[0], &ctx, s == 0 ? SG_SUITE_AES256_GCM :
						  SG_SUITE_CHACHA20_POLY1305,
			     SG_AEAD_SEAL, key) != SG_OK)
		return SG_CDEV_ENQ;
	if (rte_cryptodev_sym_cpu_crypto_process((uint8_t)c->slot[s].dev, ctx.dev_sess, ofs,
						 &vec) == 1 && st == 0)
		p = SG_CDEV_CPU;
	sg_cdev_ctx_release(&c->qp[0], &ctx);
	sg_cdev_qp_stats_reset(&c->qp[0]);
	return p;
}

static int qp_setup(struct sg_cdev *c, unsigned i, unsigned sess_size, char *err, size_t errlen)
{
	struct sg_cdev_qp *q = &c->qp[i];
	char name[RTE_MEMPOOL_NAMESIZE];

	q->c = c;
	q->id = (uint16_t)i;
	snprintf(name, sizeof(name), "sg_cds%u_%u", c->seq, i);
	q->sess_pool = rte_cryptodev_sym_session_pool_create(name, c->sessions, sess_size, 0, 0,
							      c->socket);
	if (!q->sess_pool)
		return seterr(err, errlen, "crypto session pool: %s", rte_strerror(rte_errno));
	/* Sessions hold the device's copy of the keys (its key schedule). */
	sg_secure_mempool(q->sess_pool);
	return 0;
}

int sg_cdev_start(struct sg_cdev *c, char *err, size_t errlen)
{
	unsigned sess_size = 0;
	int any = 0;

	for (int s = 0; s < SLOTS; s++) {
		int id = c->slot[s].dev;
		unsigned sz;

		if (id < 0)
			continue;
		any = 1;
		if (dev_setup(c, (uint8_t)id, err, errlen) != 0)
			return -1;
		sz = rte_cryptodev_sym_get_private_session_size((uint8_t)id);
		sess_size = RTE_MAX(sess_size, sz);
	}
	if (!any)
		return seterr(err, errlen, "no crypto device for any suite");
	c->qp = rte_zmalloc_socket("sg_cdev_qp", sizeof(*c->qp) * c->n_qps, RTE_CACHE_LINE_SIZE,
				   c->socket);
	if (!c->qp)
		return seterr(err, errlen, "out of memory");
	/* Op pools once the paths are known (probe_path needs qp 0's session pool). */
	for (unsigned i = 0; i < c->n_qps; i++)
		if (qp_setup(c, i, sess_size, err, errlen) != 0)
			return -1;
	for (int s = 0; s < SLOTS; s++) {
		char name[RTE_MEMPOOL_NAMESIZE];

		if (c->slot[s].dev < 0)
			continue;
		c->slot[s].path = probe_path(c, s);
		if (c->slot[s].path != SG_CDEV_ENQ)
			continue;
		snprintf(name, sizeof(name), "sg_cdo%u_%d", c->seq, s);
		c->slot[s].op_pool = rte_crypto_op_pool_create(
			name, RTE_CRYPTO_OP_TYPE_SYMMETRIC,
			c->n_qps * (SG_CDEV_BURST_MAX + OP_SPARE), 0, OP_PRIV, c->socket);
		if (!c->slot[s].op_pool)
			return seterr(err, errlen, "crypto op pool: %s", rte_strerror(rte_errno));
		for (unsigned i = 0; i < c->n_qps; i++)
			if (rte_crypto_op_bulk_alloc(c->slot[s].op_pool, RTE_CRYPTO_OP_TYPE_SYMMETRIC,
						     c->qp[i].cop[s], SG_CDEV_BURST_MAX) !=
			    SG_CDEV_BURST_MAX)
				return seterr(err, errlen, "crypto op pool: empty");
	}
	c->started = 1;
	return 0;
}

/* Give back what a device still holds of q's (at the end: bounded wait). */
static void qp_drain(struct sg_cdev_qp *q, int s)
{
	struct rte_crypto_op *d[SG_CDEV_BURST_MAX];
	uint64_t end = rte_get_tsc_cycles() + rte_get_tsc_hz() / 1000 * SG_CDEV_TIMEOUT_MS;
	uint8_t id = (uint8_t)q->c->slot[s].dev;

	do {
		uint16_t n = rte_cryptodev_dequeue_burst(id, q->id, d, SG_CDEV_BURST_MAX);

		for (uint16_t k = 0; k < n; k++) {
			struct rte_mbuf *m = d[k]->sym->m_src;

			if (m && (m < q->shadow || m >= q->shadow + SG_CDEV_BURST_MAX))
				rte_pktmbuf_free(m);
			rte_crypto_op_free(d[k]);
		}
		if (n == 0)
			break;
	} while (rte_get_tsc_cycles() < end);
}

void sg_cdev_free(struct sg_cdev *c)
{
	if (!c)
		return;
	if (c->qp) {
		for (unsigned i = 0; i < c->n_qps; i++) {
			struct sg_cdev_qp *q = &c->qp[i];

			for (int s = 0; s < SLOTS; s++) {
				if (!c->slot[s].op_pool)
					continue;
				qp_drain(q, s);
				for (int k = 0; k < SG_CDEV_BURST_MAX; k++)
					rte_crypto_op_free(q->cop[s][k]);
			}
			rte_mempool_free(q->sess_pool);
		}
		rte_free(c->qp);
	}
	for (int s = 0; s < SLOTS; s++)
		rte_mempool_free(c->slot[s].op_pool);
	for (unsigned id = 0; id < RTE_CRYPTO_MAX_DEVS; id++) {
		if (c->configured[id]) {
			rte_cryptodev_stop((uint8_t)id);
			rte_cryptodev_close((uint8_t)id);
		}
		if (c->created[id]) {
			char name[SG_CDEV_NAME_MAX];
			const char *n = rte_cryptodev_name_get((uint8_t)id);

			if (n) {
				snprintf(name, sizeof(name), "%s", n);
				rte_vdev_uninit(name);
			}
		}
	}
	rte_free(c);
}

struct sg_cdev_qp *sg_cdev_qp(struct sg_cdev *c, unsigned i)
{
	return c && c->qp && i < c->n_qps ? &c->qp[i] : NULL;
}

unsigned sg_cdev_n_qps(const struct sg_cdev *c)
{
	return c->n_qps;
}

enum sg_cdev_path sg_cdev_path_of(const struct sg_cdev *c, uint8_t suite)
{
	int s = slot_of(suite);

	return s < 0 || !c || c->slot[s].dev < 0 ? SG_CDEV_SODIUM : c->slot[s].path;
}

const char *sg_cdev_dev_name(const struct sg_cdev *c, uint8_t suite)
{
	int s = slot_of(suite);

	return s < 0 || !c || c->slot[s].dev < 0 ? "libsodium" :
						  rte_cryptodev_name_get((uint8_t)c->slot[s].dev);
}

const char *sg_cdev_driver(const struct sg_cdev *c, uint8_t suite)
{
	struct rte_cryptodev_info info;
	int s = slot_of(suite);

	if (s < 0 || !c || c->slot[s].dev < 0)
		return "sodium";
	rte_cryptodev_info_get((uint8_t)c->slot[s].dev, &info);
	return info.driver_name ? info.driver_name : "?";
}

const char *sg_cdev_path_name(enum sg_cdev_path p)
{
	return p == SG_CDEV_CPU ? "cpu-crypto" : p == SG_CDEV_ENQ ? "enqueue/dequeue" : "libsodium";
}

int sg_cdev_ctx_init(struct sg_cdev_qp *q, struct sg_aead_ctx *ctx, uint8_t suite, unsigned op,
		     const uint8_t key[SG_KEY_LEN])
{
	int s = slot_of(suite);
	struct rte_crypto_sym_xform x;

	if (s < 0 || q->c->slot[s].dev < 0)
		return sg_aead_ctx_init(ctx, suite, key);
	memset(&x, 0, sizeof(x));
	x.type = RTE_CRYPTO_SYM_XFORM_AEAD;
	x.aead.op = op == SG_AEAD_SEAL ? RTE_CRYPTO_AEAD_OP_ENCRYPT : RTE_CRYPTO_AEAD_OP_DECRYPT;
	x.aead.algo = algo_of(s);
	x.aead.key.data = key;
	x.aead.key.length = SG_KEY_LEN;
	x.aead.iv.offset = IV_OFF;
	x.aead.iv.length = IV_LEN;
	x.aead.digest_length = SG_TAG_LEN;
	x.aead.aad_length = AAD_LEN;
	/* The libsodium halves stay as they are: zero (wiped when last released). */
	ctx->dev_sess = rte_cryptodev_sym_session_create((uint8_t)q->c->slot[s].dev, &x,
							 q->sess_pool);
	ctx->suite = (uint8_t)(SG_AEAD_SUITE_DEV | suite);
	ctx->dev_op = (uint8_t)op;
	ctx->dev = (uint8_t)s;
	if (!ctx->dev_sess) {
		q->st.session_failures++;
		return SG_E_DEVICE;
	}
	q->st.sessions++;
	return SG_OK;
}

void sg_cdev_ctx_release(struct sg_cdev_qp *q, struct sg_aead_ctx *ctx)
{
	if (!(ctx->suite & SG_AEAD_SUITE_DEV)) {
		sg_aead_ctx_wipe(ctx);
		return;
	}
	if (ctx->dev_sess) {
		/* The PMD's session clear wipes its private data (keys) first. */
		rte_cryptodev_sym_session_free((uint8_t)q->c->slot[ctx->dev].dev, ctx->dev_sess);
		q->st.sessions_freed++;
	}
	ctx->dev_sess = NULL;
	ctx->suite = SG_SUITE_NONE;
}

/* ---- the bursts ------------------------------------------------------- */

static inline void fail(struct sg_cdev_qp *q, struct sg_aead_op *o, unsigned op)
{
	o->status = SG_E_DEVICE;
	q->st.errors++;
	if (op == SG_AEAD_OPEN)
		memset(o->data, 0, o->len); /* whatever the device left there is not released */
}

/* A device's answer for one frame: 0 / EBADMSG / anything else (CPU path). */
static inline void settle(struct sg_cdev_qp *q, struct sg_aead_op *o, unsigned op, int ok,
			  int badtag)
{
	if (ok) {
		o->status = SG_OK;
		if (unlikely(q->fault_every) && ++q->fault_n % q->fault_every == 0) {
			q->st.injected++;
			fail(q, o, op);
		}
	} else if (badtag && op == SG_AEAD_OPEN) {
		o->status = SG_E_TAG;
		memset(o->data, 0, o->len);
	} else {
		fail(q, o, op);
	}
}

static void cpu_run(struct sg_cdev_qp *q, int s, struct sg_aead_op *ops, uint16_t n, unsigned op)
{
	struct rte_crypto_sym_vec v = { .num = n, .src_sgl = q->sgl, .iv = q->iv, .digest = q->dig,
					.aad = q->aad, .status = q->status };
	union rte_crypto_sym_ofs ofs = { .raw = 0 };

	for (uint16_t k = 0; k < n; k++) {
		struct sg_aead_op *o = &ops[k];

		q->vec[k] = (struct rte_crypto_vec){ .base = o->data, .len = o->len,
						     .tot_len = o->len };
		q->sgl[k] = (struct rte_crypto_sgl){ .vec = &q->vec[k], .num = 1 };
		sg_aead_nonce(q->nonce[k], o->counter);
		q->iv[k].va = q->nonce[k];
		q->dig[k].va = o->tag;
		q->aad[k].va = (void *)(uintptr_t)o->ad;
		q->status[k] = 0;
	}
	q->st.ops += n;
	rte_cryptodev_sym_cpu_crypto_process((uint8_t)q->c->slot[s].dev, ops[0].ctx->dev_sess, ofs,
					     &v);
	for (uint16_t k = 0; k < n; k++)
		settle(q, &ops[k], op, q->status[k] == 0, q->status[k] == EBADMSG);
}

static inline rte_iova_t iova_of(const void *p)
{
	return rte_eal_iova_mode() == RTE_IOVA_VA ? (rte_iova_t)(uintptr_t)p :
						    rte_mem_virt2iova(p);
}

static inline int is_shadow(const struct sg_cdev_qp *q, const struct rte_mbuf *m)
{
	return m >= q->shadow && m < q->shadow + SG_CDEV_BURST_MAX;
}

/* An op's IV, and the batch tag after it. */
static inline uint8_t *op_iv(struct rte_crypto_op *c)
{
	return rte_crypto_op_ctod_offset(c, uint8_t *, IV_OFF);
}

static inline uint64_t *op_tag(struct rte_crypto_op *c)
{
	return rte_crypto_op_ctod_offset(c, uint64_t *, TAG_OFF);
}

/* Fill crypto op c for frame o (k: its index in the batch). */
static void op_fill(struct sg_cdev_qp *q, struct rte_crypto_op *c, const struct sg_aead_op *o,
		    unsigned k)
{
	struct rte_crypto_sym_op *sym = c->sym;
	struct rte_mbuf *m = o->buf;
	uint8_t *base;

	c->status = RTE_CRYPTO_OP_STATUS_NOT_PROCESSED;
	rte_crypto_op_attach_sym_session(c, o->ctx->dev_sess);
	if (m) {
		base = rte_pktmbuf_mtod(m, uint8_t *);
		sym->aead.data.offset = (uint32_t)(o->data - base);
		sym->aead.digest.phys_addr = rte_pktmbuf_iova_offset(m, o->tag - base);
		sym->aead.aad.phys_addr = rte_pktmbuf_iova_offset(m, o->ad - base);
	} else {
		/* No mbuf: a stand-in over the data alone (software devices). */
		m = &q->shadow[k];
		memset(m, 0, sizeof(*m));
		m->buf_addr = o->data;
		m->buf_iova = iova_of(o->data);
		m->buf_len = (uint16_t)o->len;
		m->data_len = (uint16_t)o->len;
		m->pkt_len = o->len;
		m->nb_segs = 1;
		rte_mbuf_refcnt_set(m, 1);
		sym->aead.data.offset = 0;
		sym->aead.digest.phys_addr = iova_of(o->tag);
		sym->aead.aad.phys_addr = iova_of(o->ad);
	}
	sym->m_src = m;
	sym->m_dst = NULL;
	sym->aead.data.length = o->len;
	sym->aead.digest.data = o->tag;
	sym->aead.aad.data = (uint8_t *)(uintptr_t)o->ad;
	sg_aead_nonce(op_iv(c), o->counter);
	*op_tag(c) = q->gen << 8 | k;
}

/* An op from an earlier batch that gave up on it: its frame is ours to free now. */
static void late(struct sg_cdev_qp *q, struct rte_crypto_op *d)
{
	struct rte_mbuf *m = d->sym->m_src;

	if (m && !is_shadow(q, m))
		rte_pktmbuf_free(m);
	rte_crypto_op_free(d);
	q->st.late++;
}

static void enq_run(struct sg_cdev_qp *q, int s, struct sg_aead_op *ops, const uint16_t *idx,
		    uint16_t n, unsigned op)
{
	struct rte_crypto_op **cops = q->cop[s], *d[SG_CDEV_BURST_MAX];
	const uint8_t id = (uint8_t)q->c->slot[s].dev;
	uint16_t ready = 0, sent = 0, got = 0;
	uint8_t back[SG_CDEV_BURST_MAX] = { 0 };
	uint64_t end;

	q->gen++;
	/* Ops the array lost to a dead device are taken again from the pool. */
	for (uint16_t k = 0; k < n; k++) {
		if (!cops[k] && !(cops[k] = rte_crypto_op_alloc(q->c->slot[s].op_pool,
							       RTE_CRYPTO_OP_TYPE_SYMMETRIC)))
			break;
		op_fill(q, cops[k], &ops[idx[k]], k);
		ready++;
	}
	q->st.ops += ready;
	end = rte_get_tsc_cycles() + rte_get_tsc_hz() / 1000 * SG_CDEV_TIMEOUT_MS;
	while (got < ready) {
		uint16_t nd;

		if (sent < ready)
			sent = (uint16_t)(sent + rte_cryptodev_enqueue_burst(id, q->id, &cops[sent],
									 (uint16_t)(ready - sent)));
		nd = rte_cryptodev_dequeue_burst(id, q->id, d, SG_CDEV_BURST_MAX);
		for (uint16_t j = 0; j < nd; j++) {
			uint64_t t = *op_tag(d[j]);
			unsigned k = (unsigned)(t & 0xff);

			if (t >> 8 != (q->gen & (UINT64_MAX >> 8)) || k >= ready || back[k]) {
				late(q, d[j]);
				continue;
			}
			back[k] = 1;
			got++;
			settle(q, &ops[idx[k]], op, d[j]->status == RTE_CRYPTO_OP_STATUS_SUCCESS,
			       d[j]->status == RTE_CRYPTO_OP_STATUS_AUTH_FAILED);
		}
		if (got < ready && rte_get_tsc_cycles() > end)
			break;
	}
	if (got == ready && ready == n)
		return;
	if (got < sent)
		q->st.timeouts++;
	for (uint16_t k = 0; k < n; k++) {
		struct sg_aead_op *o = &ops[idx[k]];

		if (k < ready && back[k])
			continue;
		fail(q, o, op);
		if (k < sent && k < ready) {
			/* The device still has it: the frame and the op stay with it. */
			o->kept = o->buf != NULL;
			cops[k] = rte_crypto_op_alloc(q->c->slot[s].op_pool,
						      RTE_CRYPTO_OP_TYPE_SYMMETRIC);
		}
	}
}

static uint16_t burst(struct sg_cdev_qp *q, struct sg_aead_op *ops, uint16_t n, unsigned op)
{
	uint16_t idx[SLOTS][SG_CDEV_BURST_MAX], m[SLOTS] = { 0 }, ok = 0, i = 0;

	while (i < n) {
		const struct sg_aead_ctx *ctx = ops[i].ctx;
		uint16_t j = (uint16_t)(i + 1);

		ops[i].kept = 0;
		if (!(ctx->suite & SG_AEAD_SUITE_DEV)) {
			while (j < n && !(ops[j].ctx->suite & SG_AEAD_SUITE_DEV))
				ops[j++].kept = 0;
			if (op == SG_AEAD_OPEN)
				sg_aead_open_burst(&ops[i], (uint16_t)(j - i));
			else
				sg_aead_seal_burst(&ops[i], (uint16_t)(j - i));
		} else if (!ctx->dev_sess) {
			ops[i].status = SG_E_DEVICE; /* no session (counted when it failed) */
			if (op == SG_AEAD_OPEN)
				memset(ops[i].data, 0, ops[i].len);
		} else if (ctx->dev_op != op || ops[i].ad_len != AAD_LEN) {
			ops[i].status = SG_E_SUITE; /* a caller's mistake, not the wire's */
		} else if (q->c->slot[ctx->dev].path == SG_CDEV_CPU) {
			while (j < n && ops[j].ctx->dev_sess == ctx->dev_sess &&
			       ops[j].ad_len == AAD_LEN)
				ops[j++].kept = 0;
			cpu_run(q, ctx->dev, &ops[i], (uint16_t)(j - i), op);
		} else {
			idx[ctx->dev][m[ctx->dev]++] = i;
		}
		i = j;
	}
	for (int s = 0; s < SLOTS; s++)
		if (m[s])
			enq_run(q, s, ops, idx[s], m[s], op);
	for (i = 0; i < n; i++)
		ok = (uint16_t)(ok + (ops[i].status == SG_OK));
	return ok;
}

uint16_t sg_cdev_open_burst(struct sg_cdev_qp *q, struct sg_aead_op *ops, uint16_t n)
{
	return burst(q, ops, RTE_MIN(n, (uint16_t)SG_CDEV_BURST_MAX), SG_AEAD_OPEN);
}

uint16_t sg_cdev_seal_burst(struct sg_cdev_qp *q, struct sg_aead_op *ops, uint16_t n)
{
	return burst(q, ops, RTE_MIN(n, (uint16_t)SG_CDEV_BURST_MAX), SG_AEAD_SEAL);
}

void sg_cdev_qp_stats(const struct sg_cdev_qp *q, struct sg_cdev_stats *out)
{
	const uint64_t *src = (const uint64_t *)&q->st;
	uint64_t *dst = (uint64_t *)out;

	for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

void sg_cdev_qp_stats_reset(struct sg_cdev_qp *q)
{
	memset(&q->st, 0, sizeof(q->st));
}

void sg_cdev_inject(struct sg_cdev_qp *q, unsigned every_n)
{
	q->fault_every = every_n;
	q->fault_n = 0;
}
