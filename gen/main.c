/* SPDX-License-Identifier: MIT */
/*
 * main.c - surge-gen: options, the steps of a run and the exit code.
 *
 *   surge-gen [options] -- EAL arguments
 *       (one lcore; --vdev net_memif0,role=server,socket=PATH)
 *
 * Steps: the port (bounded wait for the relay's memif connection), ARP,
 * sign-up of every user, the chat phase, the report.  Exit 0 when every
 * step ran and every checked frame verified; 1 when the relay did not
 * answer, a step failed or a frame failed verification (a partial report
 * is printed); 2 for a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>

#include "crypto/crypto.h"
#include "gen.h"
#include "proto/status.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: surge-gen --relay-key FILE [--relay-ip A] [--gen-ip A] [--users N]\n"
		"                 [--rate FPS] [--size BYTES | --mix imix] [--duration S]\n"
		"                 [--verify-every K] [--queues Q] [--json FILE]\n"
		"                 [--link-timeout S] [--linger S] -- EAL arguments\n"
		"  --relay-key FILE   the relay's public key (base64, surge-relay --genkey)\n"
		"  --relay-ip A       the relay's IPv4 address (198.18.0.1)\n"
		"  --gen-ip A         this generator's IPv4 address (198.18.0.2)\n"
		"  --users N          simulated users, 2..%u (64)\n"
		"  --rate FPS         DATA frames/s offered, TSC-paced; 0: as fast as possible\n"
		"                     (0)\n"
		"  --size BYTES       body bytes, %u..%u (64)\n"
		"  --mix imix         bodies of 64/256/1024/1400 B, 60/25/10/5 %%\n"
		"  --duration S       seconds of traffic, 1..%u (5)\n"
		"  --verify-every K   open and check every K-th returned frame (64)\n"
		"  --queues Q         memif queues = relay workers + 1, 2..%u (2)\n"
		"  --json FILE        the summary as JSON, with a per-second timeline\n"
		"  --link-timeout S   wait for the memif connection (30)\n"
		"  --linger S         at the end, wait for the relay to disconnect (10)\n",
		SG_GEN_MAX_USERS, SG_GEN_BODY_MIN, SG_BODY_MAX_IPV4, SG_GEN_MAX_SECONDS,
		SG_GEN_MAX_Q);
}

static int parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	char *e;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &e, 10);
	if (errno || *e || e == s || s[0] == '-' || v < lo || v > hi)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int parse_rate(const char *s, double *out)
{
	char *e;
	double v;

	errno = 0;
	v = strtod(s, &e);
	if (errno || *e || e == s || !(v >= 0) || v > 1e9)
		return -1;
	*out = v;
	return 0;
}

static int parse_opts(struct sg_gen_opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "relay-ip", required_argument, NULL, 'R' },
		{ "gen-ip", required_argument, NULL, 'G' },
		{ "relay-key", required_argument, NULL, 'k' },
		{ "users", required_argument, NULL, 'u' },
		{ "rate", required_argument, NULL, 'r' },
		{ "size", required_argument, NULL, 's' },
		{ "mix", required_argument, NULL, 'm' },
		{ "duration", required_argument, NULL, 'd' },
		{ "verify-every", required_argument, NULL, 'v' },
		{ "queues", required_argument, NULL, 'q' },
		{ "json", required_argument, NULL, 'j' },
		{ "link-timeout", required_argument, NULL, 'L' },
		{ "linger", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, idx = -1, have_size = 0;

	*o = (struct sg_gen_opts){ .udp_port = SG_UDP_PORT_DEFAULT, .users = 64, .size = 64,
				   .duration_s = 5, .verify_every = 64, .queues = 2,
				   .link_timeout_s = 30, .linger_s = 10,
				   .relay_ip = { 198, 18, 0, 1 }, .gen_ip = { 198, 18, 0, 2 } };
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", lo, &idx)) != -1) {
		const char *v = optarg;
		int bad = 0;

		if (c != 'h' && c != '?' && c != ':')
			for (idx = 0; lo[idx].name && lo[idx].val != c; idx++)
				;

		switch (c) {
		case 'R': bad = inet_pton(AF_INET, v, o->relay_ip) != 1; break;
		case 'G': bad = inet_pton(AF_INET, v, o->gen_ip) != 1; break;
		case 'k': o->relay_key_file = v; break;
		case 'u': bad = parse_uint(v, 2, SG_GEN_MAX_USERS, &o->users); break;
		case 'r': bad = parse_rate(v, &o->rate); break;
		case 's':
			bad = parse_uint(v, SG_GEN_BODY_MIN, SG_BODY_MAX_IPV4, &o->size);
			have_size = 1;
			break;
		case 'm':
			bad = strcmp(v, "imix") != 0;
			o->mix = SG_GEN_MIX_IMIX;
			break;
		case 'd': bad = parse_uint(v, 1, SG_GEN_MAX_SECONDS, &o->duration_s); break;
		case 'v': bad = parse_uint(v, 1, 1u << 30, &o->verify_every); break;
		case 'q': bad = parse_uint(v, 2, SG_GEN_MAX_Q, &o->queues); break;
		case 'j': o->json = v; break;
		case 'L': bad = parse_uint(v, 1, 3600, &o->link_timeout_s); break;
		case 'l': bad = parse_uint(v, 0, 3600, &o->linger_s); break;
		case 'h': usage(stdout); exit(0);
		default:
			fprintf(stderr, "surge-gen: unknown option or missing value: '%s'\n",
				argv[optind - 1]);
			usage(stderr);
			return -1;
		}
		if (bad) {
			fprintf(stderr, "surge-gen: bad value for --%s: '%s'\n",
				idx >= 0 ? lo[idx].name : "?", v);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "surge-gen: unexpected argument '%s' (EAL arguments go after "
				"--)\n", argv[optind]);
		return -1;
	}
	if (!o->relay_key_file) {
		fprintf(stderr, "surge-gen: --relay-key FILE is required\n");
		usage(stderr);
		return -1;
	}
	if (have_size && o->mix == SG_GEN_MIX_IMIX) {
		fprintf(stderr, "surge-gen: --size and --mix exclude each other\n");
		return -1;
	}
	return 0;
}

static int read_relay_pub(const char *path, uint8_t pub[SG_KEY_LEN])
{
	char line[128] = "";
	FILE *f = fopen(path, "r");

	if (!f || !fgets(line, sizeof(line), f)) {
		fprintf(stderr, "surge-gen: %s: %s\n", path, f ? "empty" : strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	if (sg_key_from_base64(pub, line) != SG_OK) {
		fprintf(stderr, "surge-gen: %s: not a base64 public key\n", path);
		return -1;
	}
	return 0;
}

static int run(struct sg_gen *g)
{
	if (sg_gen_port_start(g) != 0) {
		g->failed = "no memif connection to the relay";
		return -1;
	}
	if (sg_gen_arp(g) != 0 || sg_gen_signup(g) != 0)
		return -1;
	fprintf(stderr, "surge-gen: %u users signed up; chatting for %u s\n", g->o.users,
		g->o.duration_s);
	return sg_gen_traffic(g);
}

int main(int argc, char **argv)
{
	static struct sg_gen g;
	int ours = argc, rc;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			ours = i;
			break;
		}
	if (parse_opts(&g.o, ours, argv) != 0)
		return 2;
	if (read_relay_pub(g.o.relay_key_file, g.relay_pub) != 0)
		return 2;
	if (sg_crypto_init() != SG_OK) {
		fprintf(stderr, "surge-gen: libsodium did not start\n");
		return 1;
	}
	g.rxq = g.o.queues;
	g.txq = g.o.queues - 1;
	g.sec = calloc(g.o.duration_s + 1, sizeof(*g.sec));
	if (!g.sec) {
		fprintf(stderr, "surge-gen: out of memory\n");
		return 1;
	}
	if (ours < argc)
		argv[ours] = argv[0];
	if (rte_eal_init(ours < argc ? argc - ours : 1, ours < argc ? &argv[ours] : argv) < 0) {
		fprintf(stderr, "surge-gen: EAL: %s\n", rte_strerror(rte_errno));
		free(g.sec);
		return 1;
	}
	g.hz = rte_get_tsc_hz();
	if (sg_gen_users_init(&g) != 0) {
		fprintf(stderr, "surge-gen: out of memory for %u users\n", g.o.users);
		rc = -1;
	} else {
		rc = run(&g);
	}
	sg_gen_summary(&g);
	if (g.o.json && sg_gen_json(&g, g.o.json) != 0)
		fprintf(stderr, "surge-gen: %s: cannot write the JSON report\n", g.o.json);
	sg_gen_port_linger(&g);
	sg_gen_users_fini(&g);
	sg_gen_port_stop(&g);
	rte_eal_cleanup();
	free(g.sec);
	return rc != 0 || g.c.verify_failed ? 1 : 0;
}
