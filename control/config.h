/* SPDX-License-Identifier: MIT */
/*
 * config.h - surge-relay's configuration: defaults, a line-based file
 * ("key = value", '#' comments, blank lines), and the same keys as command
 * line flags.  Pure: no DPDK, no sockets; errors go to a caller buffer as
 * "file:line: reason" (or "--flag: reason").  docs/CONFIG.md lists every key.
 */
#ifndef SG_CONTROL_CONFIG_H
#define SG_CONTROL_CONFIG_H

#include <stddef.h>
#include <stdint.h>

enum {
	SG_CFG_MAX_ADDRS = 8,
	SG_CFG_MAX_PORTS = 8,
	SG_CFG_MAX_WORKERS = 64,
	SG_CFG_MAX_HS_LCORES = 32,
	SG_CFG_PATH_MAX = 256,
};

struct sg_config {
	uint8_t addr4[SG_CFG_MAX_ADDRS][4];    /* address4 (repeatable) */
	unsigned n_addr4;
	uint8_t addr6[SG_CFG_MAX_ADDRS][16];   /* address6 (repeatable) */
	unsigned n_addr6;
	uint16_t udp_port;                     /* udp_port, default 7443 */
	char key_file[SG_CFG_PATH_MAX];        /* key_file, required (reload: key rotation) */
	unsigned key_grace_s;                  /* key_grace, default 86400 s: the previous key's */
	unsigned workers;                      /* workers, default 1 */
	uint16_t ports[SG_CFG_MAX_PORTS];      /* ports = 0,1 (DPDK port ids), default 0 */
	unsigned n_ports;
	uint8_t gateway_mac[6];                /* gateway_mac = aa:bb:cc:dd:ee:ff */
	int has_gateway_mac;
	uint32_t max_sessions;                 /* max_sessions, default 65535 */
	uint32_t max_users;                    /* max_users, default 1048576 */
	char control_socket[108];              /* control_socket, default /run/surge/relay.sock */
	unsigned keepalive_s;                  /* keepalive, default 25 */
	unsigned burst;                        /* burst, default 32 (1..64) */
	unsigned mbufs;                        /* mbufs, default 8191 */
	unsigned cookie_backlog;               /* cookie_backlog, default 256 (0: always under load) */
	unsigned handshake_rate;               /* handshake_rate, default 20/s per source (under load) */
	unsigned handshake_burst;              /* handshake_burst, default 5 */
	unsigned handshake_lcores;             /* handshake_lcores, default 0 (the main lcore does them) */
	char rules_file[SG_CFG_PATH_MAX];      /* rules_file: content policy (docs/POLICY.md); "": none */
	char rules_cache[SG_CFG_PATH_MAX];     /* rules_cache: its compiled copy for a fast start; "": none */
	char store_dir[SG_CFG_PATH_MAX];       /* store_dir: LMDB directory ("": nothing durable) */
	unsigned store_init;                   /* store_init = 1: may create a store where none is */
	unsigned store_map_mib;                /* store_map_mib, default 4096 */
	unsigned store_sync;                   /* store_sync, default 1 (0: no fsync) */
	unsigned mailbox_per_user;             /* mailbox_per_user, default 256 messages */
	unsigned mailbox_total;                /* mailbox_total, default 1000000 messages */
	unsigned ticket_lifetime_s;            /* ticket_lifetime, default 43200 s (keys rotate at half) */
	unsigned mailbox_max_ttl;              /* mailbox_max_ttl, default 604800 s (cuts TTLs) */
	unsigned log_level;                    /* log_level: DPDK's, 1 (emerg) .. 8 (debug); 0: EAL's */
	char metrics_listen[64];               /* metrics_listen, default 127.0.0.1:9469 ("off": none) */
	char crypto[80];                       /* crypto: data-plane AEAD back end, default auto
						  (auto | sodium | cryptodev:<driver>) */
};

void sg_config_defaults(struct sg_config *c);

/* Set one key from text (file line or flag). 0, or -1 with a reason in err. */
int sg_config_set(struct sg_config *c, const char *key, const char *value, char *err,
		  size_t errlen);

/* Parse one line; blank and comment lines are accepted. 0 or -1. */
int sg_config_parse_line(struct sg_config *c, const char *line, char *err, size_t errlen);

/* Load a file; on error err holds "path:line: reason". 0 or -1. */
int sg_config_load(struct sg_config *c, const char *path, char *err, size_t errlen);

/*
 * The keys whose values differ between a and b (both from sg_config_defaults
 * plus sets), in the table's order: names[i], and reload[i] 1 when a running
 * relay takes the new value (config reload), 0 when it needs a restart.
 * Returns how many (at most max).
 */
unsigned sg_config_diff(const struct sg_config *a, const struct sg_config *b, const char *names[],
			int reload[], unsigned max);

/* Whole-config checks after file and flags (key file set, an address, ...). */
int sg_config_validate(const struct sg_config *c, char *err, size_t errlen);

#endif /* SG_CONTROL_CONFIG_H */
