/* SPDX-License-Identifier: MIT */
/*
 * queue.c - the client's three small fixed-size stores:
 *   events    a ring of reports waiting for sg_client_poll (one datagram can
 *             release several: a KEY_INFO frees every message parked on it)
 *   parked    secret messages waiting for a peer's identity key, outgoing
 *             (plaintext) and incoming (still sealed)
 *   seen      the last SG_CLIENT_SEEN (sender, message id) pairs, so a
 *             message the relay delivers again is flagged as a duplicate
 * Nothing allocates; everything is wiped with the client.
 */
#include <string.h>

#include "client_int.h"
#include "crypto/crypto.h"

struct sg_client_event *sg_client_ev_push(struct sg_client_queues *q)
{
	struct sg_client_event *e;

	if (q->ev_n == SG_CLIENT_EVENTS)
		return NULL;
	e = &q->ev[(q->ev_head + q->ev_n) % SG_CLIENT_EVENTS];
	q->ev_n++;
	memset(e, 0, offsetof(struct sg_client_event, body));
	return e;
}

int sg_client_ev_pop(struct sg_client_queues *q, struct sg_client_event *out)
{
	struct sg_client_event *e;

	if (q->ev_n == 0)
		return 0;
	e = &q->ev[q->ev_head];
	memcpy(out, e, offsetof(struct sg_client_event, body));
	memcpy(out->body, e->body, e->len);
	sg_wipe(e->body, e->len); /* may be a decrypted secret */
	q->ev_head = (q->ev_head + 1) % SG_CLIENT_EVENTS;
	q->ev_n--;
	return 1;
}

struct sg_client_parked *sg_client_park(struct sg_client_queues *q)
{
	struct sg_client_parked *p;

	if (q->n_parked == SG_CLIENT_PARKED)
		return NULL;
	p = &q->parked[q->n_parked++];
	memset(p, 0, offsetof(struct sg_client_parked, body));
	return p;
}

int sg_client_seen(struct sg_client_queues *q, uint64_t sender, uint64_t msg_id)
{
	for (unsigned i = 0; i < q->seen_n; i++)
		if (q->seen[i].sender == sender && q->seen[i].msg_id == msg_id)
			return 1;
	q->seen[q->seen_next].sender = sender;
	q->seen[q->seen_next].msg_id = msg_id;
	q->seen_next = (q->seen_next + 1) % SG_CLIENT_SEEN;
	if (q->seen_n < SG_CLIENT_SEEN)
		q->seen_n++;
	return 0;
}

void sg_client_queues_wipe(struct sg_client_queues *q)
{
	sg_wipe(q, sizeof(*q));
}
