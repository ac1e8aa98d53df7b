/* SPDX-License-Identifier: MIT */
/*
 * sessions_ctl.h - the operator's view of who is on the relay: the
 * "sessions", "users" and "mailbox" requests of the operator socket
 * (control/ctl.h protocol, rows in verbs.c), for surgectl's subcommands of
 * the same names.  Each handler runs on the control lcore, the only writer
 * of what it reads (session identities, the registry, the store), and is
 * bounded in time: a listing of the session table goes a slice of slots a
 * round and is answered when it has seen them all (sessions_ctl.c).
 * docs/OPERATIONS.md has the requests and both forms of each answer.
 */
#ifndef SG_CONTROL_SESSIONS_CTL_H
#define SG_CONTROL_SESSIONS_CTL_H

struct sg_ctl_buf;
struct sg_ctl_request;
struct sg_plane;

enum {
	SG_LIST_LIMIT_DEFAULT = 100,   /* rows of a listing when not told */
	SG_LIST_LIMIT_MAX = 10000,
};

/*
 * sessions_ctl.c:
 *   sessions list [json] [user ID] [addr IP] [limit N]
 *   sessions top [json] [limit N]      by frames both ways, most first
 *   sessions show [json] ID
 *   sessions kill [json] ID            CLOSE (admin) to the client, retired
 */
int sg_plane_sessions_ctl(struct sg_plane *p, const struct sg_ctl_request *r,
			  struct sg_ctl_buf *b);
/* Once a round: the next slice of a listing in progress; slots looked at. */
unsigned sg_plane_sessions_poll(struct sg_plane *p);
/* A listing in progress is dropped (its client gets no answer). */
void sg_plane_sessions_fini(struct sg_plane *p);

/*
 * users_ctl.c:
 *   users [json]                 registered, capacity, online
 *   users show [json] ID
 *   users lookup [json] KEY      the identity public key in base64
 */
int sg_plane_users_ctl(struct sg_plane *p, const struct sg_ctl_request *r, struct sg_ctl_buf *b);

/*
 * mailbox_ctl.c:
 *   mailbox [json]               messages held, users with mail, expiry span
 *   mailbox show [json] USER
 *   mailbox purge-expired [json] expiry now, committed before the answer
 */
int sg_plane_mailbox_ctl(struct sg_plane *p, const struct sg_ctl_request *r,
			 struct sg_ctl_buf *b);


#endif /* SG_CONTROL_SESSIONS_CTL_H */
