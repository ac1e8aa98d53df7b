/* SPDX-License-Identifier: MIT */
/*
 * flood.h - surge-gen's hostile frames (pure C, no DPDK): the frames of a
 * flood mode built on a byte buffer, each with what the relay must do with
 * it, so a test can hold the relay's counters to the generator's.
 *
 *   garbage    random bytes and runts (l2), and one defect per frame at
 *              every layer: IP header, IPv6 extension, protocol, ICMP,
 *              another address, UDP length, port, message type / length /
 *              reserved bits (random payloads, judged by proto/classify.h),
 *              messages the relay never receives, handshakes with a wrong
 *              mac1, transport frames naming no session, a stale
 *              generation, KEY_PHASE, a bad tag on a live session
 *   replay     DATA frames of the chat users captured as they were sent,
 *              sent again as they were or from another address
 *   oversize   UDP payloads over the longest message in frames over the
 *              MTU (up to 2048 bytes: one mbuf), IP and UDP lengths beyond
 *              the frame.  No frame needs a chain of mbufs: DPDK 22.11's
 *              memif TX, when its ring fills in the middle of a chained
 *              frame, rolls back but leaves MEMIF_DESC_FLAG_NEXT on the
 *              slots it wrote, and the next frames there reach the peer
 *              glued into chains (seen: 262 k jumbo frames made the relay
 *              count 1.75 M l2 drops and lose the chat's frames)
 *   fragment   IPv4 first, middle, last, overlapping and tiny fragments,
 *              IPv6 fragment headers
 *   arp        ARP requests for the relay from many MACs and addresses
 *              (answered), for other addresses, unsolicited replies that
 *              claim the relay's address, malformed and gratuitous ARP
 *   handshake  initiations and resumptions with a wrong mac1 from many
 *              sources
 *
 * Each frame's expectation is one of enum sg_gen_flood_expect: a drop
 * reason of the relay, named as in dataplane/drop.h (this side may not
 * include dataplane/: the names are the contract, docs/OPERATIONS.md), or
 * an ARP answer.  A frame is built to fail exactly one check; where the
 * payload is random, proto/classify.h decides which (the relay runs the same
 * first look).  Senders are flood MACs 02:66:6c:xx:xx:xx and the addresses
 * of the source range (src.h); random bytes come from a pool filled once,
 * so building a frame costs a few copies and no allocation.
 */
#ifndef SG_GEN_FLOOD_H
#define SG_GEN_FLOOD_H

#include <stddef.h>
#include <stdint.h>

enum sg_gen_flood_mode {
	SG_GEN_FLOOD_GARBAGE = 0,
	SG_GEN_FLOOD_REPLAY,
	SG_GEN_FLOOD_OVERSIZE,
	SG_GEN_FLOOD_FRAGMENT,
	SG_GEN_FLOOD_ARP,
	SG_GEN_FLOOD_HANDSHAKE,
	SG_GEN_FLOOD_N_MODES,
};

/* What the relay does with a flood frame: drop it for this reason, or answer. */
enum sg_gen_flood_expect {
	SG_GEN_FX_L2 = 0,
	SG_GEN_FX_IP_HEADER,
	SG_GEN_FX_IP_FRAGMENT,
	SG_GEN_FX_IPV6_EXT,
	SG_GEN_FX_NOT_OURS,
	SG_GEN_FX_PROTO,
	SG_GEN_FX_UDP_HEADER,
	SG_GEN_FX_WRONG_PORT,
	SG_GEN_FX_ICMP,
	SG_GEN_FX_ARP,
	SG_GEN_FX_TYPE,
	SG_GEN_FX_LENGTH,
	SG_GEN_FX_RESERVED,
	SG_GEN_FX_UNEXPECTED,
	SG_GEN_FX_MAC1,
	SG_GEN_FX_UNKNOWN_SESSION,
	SG_GEN_FX_STALE_GENERATION,
	SG_GEN_FX_KEY_PHASE,
	SG_GEN_FX_REPLAY,
	SG_GEN_FX_TAG,
	SG_GEN_FX_ARP_ANSWERED, /* an ARP request for the relay: its `arp` counter, a reply back */
	SG_GEN_FX_N,
};

enum {
	SG_GEN_FLOOD_FRAME_MAX = 2048,   /* the longest frame: one mbuf's data room */
	SG_GEN_FLOOD_RAND = 65536,       /* the pool of random bytes */
	SG_GEN_FLOOD_CAP_SLOTS = 1024,   /* captured DATA frames kept for replay */
	SG_GEN_FLOOD_CAP_FRAME = 1536,   /* longest captured frame */
	SG_GEN_FLOOD_CAP_LAG = 64,       /* a capture is replayed once 64 newer ones exist */
	SG_GEN_FLOOD_MAX_MODES = 8,      /* modes in one --flood list */
};

/* The frames' surroundings. */
struct sg_gen_flood_net {
	uint8_t relay_mac[6], relay_ip[4];
	uint16_t relay_port;
	uint8_t src_base[4];           /* sender addresses: src_base + (random mod src_count) */
	uint32_t src_count;
	const uint32_t *live;          /* relay session indexes of the chat users */
	unsigned n_live;
};

struct sg_gen_flood {
	struct sg_gen_flood_net net;
	uint64_t rng;
	unsigned cursor[SG_GEN_FLOOD_N_MODES]; /* the next kind of each mode */
	uint8_t *rand;                 /* SG_GEN_FLOOD_RAND + SG_GEN_FLOOD_FRAME_MAX bytes */
	/* Captured DATA frames (replay): a ring of slots, each its length (0: none) and queue. */
	uint8_t *cap;
	uint16_t *cap_len;
	uint8_t *cap_q;
	uint64_t cap_head;             /* captures made */
	uint64_t replay_starved;       /* replay frames due with no capture to replay */
};

extern const char *const sg_gen_flood_mode_names[SG_GEN_FLOOD_N_MODES];
/* The relay's names: its drop reasons, and "arp" (answered) for SG_GEN_FX_ARP_ANSWERED. */
extern const char *const sg_gen_flood_expect_names[SG_GEN_FX_N];

/* 0, or -1 (no memory: nothing to fini).  net->live is read while building. */
int sg_gen_flood_init(struct sg_gen_flood *f, const struct sg_gen_flood_net *net, uint64_t seed);
void sg_gen_flood_fini(struct sg_gen_flood *f);

/*
 * "garbage,replay,..." (each mode once at most, in the order given): the
 * modes into modes[], their number into *n.  0, or -1 for an unknown or
 * repeated name, or an empty list.
 */
int sg_gen_flood_parse_modes(const char *s, uint8_t modes[SG_GEN_FLOOD_MAX_MODES], unsigned *n);

/*
 * The next frame of mode in out (SG_GEN_FLOOD_FRAME_MAX bytes, e.g. an
 * mbuf's data): its length,
 * *expect and, for replays, *q the queue its original went on (else
 * untouched).  0 when there is nothing to send (replay: no capture old
 * enough yet; counted in replay_starved).
 */
size_t sg_gen_flood_build(struct sg_gen_flood *f, unsigned mode, uint8_t *out,
			  unsigned *expect, unsigned *q);

/*
 * Keep a copy of a DATA frame about to be handed to the port on queue q;
 * the slot, for sg_gen_flood_uncapture when the port did not take it (a
 * frame the relay never saw replays as a first arrival).
 */
uint64_t sg_gen_flood_capture(struct sg_gen_flood *f, const uint8_t *frame, size_t len,
			      unsigned q);
void sg_gen_flood_uncapture(struct sg_gen_flood *f, uint64_t slot);

/* Is mac one of the flood's sender MACs (02:66:6c:xx:xx:xx)? */
int sg_gen_flood_mac(const uint8_t mac[6]);

#endif /* SG_GEN_FLOOD_H */
