/* SPDX-License-Identifier: MIT */
/*
 * main.c - surge-gen: options, the steps of a run and the exit code.
 *
 *   surge-gen [options] -- EAL arguments
 *       (one lcore; --vdev net_memif0,role=server,socket=PATH)
 *
 * Steps: the port (bounded wait for the relay's memif connection), ARP,
 * sign-up of every chat user, the chat phase with the surge population's
 * sign-ups and log-ins on top (profile.h, surge_io.c), the report (summary,
 * --json, --csv).  Exit 0 when every step ran and every checked frame
 * verified; 1 when the relay was not there, did not answer, stopped
 * mid-run, a step failed or a frame failed verification (a partial report
 * is printed and written); 2 for a usage error, naming the option.
 * docs/GEN.md describes every option.
 */
#include <errno.h>
#include <getopt.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_debug.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>

#include "crypto/crypto.h"
#include "gen.h"
#include "proto/status.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: surge-gen --relay-key FILE [--relay-ip A] [--gen-ip A] [--users N]\n"
		"                 [--rate FPS] [--size BYTES | --mix imix] [--secret PCT]\n"
		"                 [--duration S]\n"
		"                 [--verify-every K] [--queues Q] [--json FILE] [--csv FILE]\n"
		"                 [--link-timeout S] [--linger S]\n"
		"                 [--baseline R] [--surge N/D [--compress K] [--surge-at S]\n"
		"                 [--surge-size M]] [--reconnect-storm N@T[/S]]...\n"
		"                 [--hs-window W] [--hs-timeout MS] [--hs-tries N] [--seed X]\n"
		"                 [--src-base A] [--src-count N [--src-chat]] [--no-resume]\n"
		"                 [--match-pct P [--match-text STR]] [--body pattern|text]\n"
		"                 [--flood MODE[,MODE]... [--flood-rate FPS] [--flood-at S]\n"
		"                 [--flood-for S]]\n"
		"                 -- EAL arguments\n"
		"  --relay-key FILE   the relay's public key (base64, surge-relay --genkey)\n"
		"  --relay-ip A       the relay's IPv4 address (198.18.0.1)\n"
		"  --gen-ip A         this generator's IPv4 address (198.18.0.2)\n"
		"  --users N          chat users, signed up first, 2..%u (64)\n"
		"  --rate FPS         DATA frames/s offered, TSC-paced; 0: as fast as possible\n"
		"                     (0)\n"
		"  --size BYTES       body bytes, %u..%u (64)\n"
		"  --mix imix         bodies of 64/256/1024/1400 B, 60/25/10/5 %%\n"
		"  --secret PCT       share of DATA frames of class secret, 0..100 (0; the\n"
		"                     rest is cloud)\n"
		"  --duration S       seconds of traffic, 1..%u (5)\n"
		"  --verify-every K   open and check every K-th returned frame (64)\n"
		"  --queues Q         memif queues = relay workers + 1, 2..%u (2)\n"
		"  --json FILE        the summary as JSON, with a per-second timeline\n"
		"  --csv FILE         the per-second timeline as CSV (header row first)\n"
		"  --link-timeout S   wait for the memif connection (30)\n"
		"  --linger S         at the end, wait for the relay to disconnect (10)\n"
		"  --match-pct P      share of DATA frames whose body carries --match-text\n"
		"                     right after its 16-byte prefix, 0..100, decimals allowed\n"
		"                     (0; a function of the sequence number, either class)\n"
		"  --match-text STR   the marker for a content-policy rule, printable ASCII,\n"
		"                     1..%u bytes (" SG_GEN_MATCH_TEXT ")\n"
		"  --body text        bodies cut from an English-like chat text (what a\n"
		"                     content policy scans in real chats) instead of the\n"
		"                     byte pattern (pattern)\n"
		"surge population (sign-ups during the chat; surge users send no DATA):\n"
		"  --baseline R       sign-ups per second all along (0)\n"
		"  --surge N/D        outage step: N sign-ups over D of surge time (D: 90, 90s,\n"
		"                     30m, 24h, 1d), e.g. 3000000/24h\n"
		"  --compress K       K seconds of surge time per real second (1)\n"
		"  --surge-at S       the step starts S seconds into the chat (0)\n"
		"  --surge-size M     run only the first M sign-ups of the step\n"
		"                     (min(N, %u): fits the relay's default 65535 sessions)\n"
		"  --reconnect-storm N@T[/S]  N signed-up surge users log in again at second T,\n"
		"                     spread over S seconds (0: at once); up to %u storms\n"
		"  --hs-window W      surge handshakes in flight at most, 1..%u (1024)\n"
		"  --hs-timeout MS    resend an unanswered initiation after MS, doubling (1000)\n"
		"  --hs-tries N       attempts before a handshake counts as failed, 1..16 (4)\n"
		"  --no-resume        storms log in with full handshakes only (else with\n"
		"                     RESUME where the user holds a ticket)\n"
		"  --seed X           surge identities derive from X (random): the same X\n"
		"                     against the same relay makes returning users\n"
		"source addresses (the relay limits handshakes per source address):\n"
		"  --src-base A       the first source address (--gen-ip)\n"
		"  --src-count N      surge user i sends from --src-base + i mod N, 1..%u (1);\n"
		"                     the range stays in 198.18.0.0/15 without --relay-ip\n"
		"  --src-chat         chat user i too (else chat users send from --gen-ip)\n",
		SG_GEN_MAX_USERS, SG_GEN_BODY_MIN, SG_BODY_MAX_IPV4, SG_GEN_MAX_SECONDS,
		SG_GEN_MAX_Q, SG_GEN_MATCH_MAX, SG_GEN_SURGE_DEFAULT_SIZE, SG_GEN_MAX_STORMS,
		SG_GEN_SURGE_MAX_WINDOW, SG_GEN_SRC_MAX);
	fprintf(f,
		"hostile frames beside the chat (docs/GEN.md: what the relay must do with each):\n"
		"  --flood LIST       modes in turn, splitting the flood's time evenly:\n"
		"                     garbage, replay, oversize, fragment, arp, handshake;\n"
		"                     from the source range (--src-base/--src-count)\n"
		"  --flood-rate FPS   flood frames/s, TSC-paced; 0: as fast as possible (0)\n"
		"  --flood-at S       the flood starts S seconds into the chat (0)\n"
		"  --flood-for S      and lasts S seconds (0: to the end of the chat)\n");
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

static int parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *e;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &e, 0);
	if (errno || *e || e == s || s[0] == '-' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_nonneg(const char *s, double hi, double *out)
{
	char *e;
	double v;

	errno = 0;
	v = strtod(s, &e);
	if (errno || *e || e == s || !(v >= 0) || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* --match-text: printable ASCII, 1..SG_GEN_MATCH_MAX bytes. */
static int parse_match_text(const char *s, struct sg_gen_opts *o)
{
	size_t n = strlen(s);

	if (n < 1 || n > SG_GEN_MATCH_MAX)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return -1;
	o->match_text = s;
	o->match_len = (unsigned)n;
	return 0;
}

/*
 * The marker goes right after the 16-byte prefix of every marked body: the
 * shortest body (--size, or 64 B of imix) must hold it.  The share becomes
 * a threshold on a 32-bit hash of seq (mark.h).
 */
static int check_match(struct sg_gen_opts *o, int have_match_text)
{
	unsigned shortest = o->mix == SG_GEN_MIX_IMIX ? 64 : o->size;

	if (have_match_text && !(o->match_pct > 0)) {
		fprintf(stderr, "surge-gen: --match-text needs --match-pct P > 0\n");
		return -1;
	}
	if (o->match_pct > 0 && shortest < SG_GEN_BODY_MIN + o->match_len) {
		fprintf(stderr, "surge-gen: --match-text of %u bytes does not fit a %u-byte body "
				"after its %u-byte prefix: ", o->match_len, shortest,
			(unsigned)SG_GEN_BODY_MIN);
		if (o->mix == SG_GEN_MIX_IMIX)
			fprintf(stderr, "with --mix imix at most %u bytes\n", 64 - SG_GEN_BODY_MIN);
		else
			fprintf(stderr, "use --size %u or more, or a shorter --match-text\n",
				SG_GEN_BODY_MIN + o->match_len);
		return -1;
	}
	o->match_below = sg_gen_mark_below(o->match_pct);
	return 0;
}

/* The flood's window within the chat phase. */
static int check_flood(const struct sg_gen_opts *o, int have_flood_opt)
{
	if (!o->n_flood && have_flood_opt) {
		fprintf(stderr, "surge-gen: --flood-rate, --flood-at and --flood-for need --flood\n");
		return -1;
	}
	if (o->n_flood && (o->flood_at >= o->duration_s ||
			   o->flood_at + o->flood_for > o->duration_s)) {
		fprintf(stderr, "surge-gen: the flood (--flood-at %.1f, --flood-for %.1f) is not "
				"within --duration %u\n", o->flood_at, o->flood_for, o->duration_s);
		return -1;
	}
	return 0;
}

/* What the options of the surge population mean together. */
static int check_profile(struct sg_gen_opts *o, int have_surge_size, int have_seed)
{
	struct sg_gen_profile *p = &o->prof;

	if (!p->surge_n && have_surge_size) {
		fprintf(stderr, "surge-gen: --surge-size needs --surge N/D\n");
		return -1;
	}
	if (p->surge_n && !have_surge_size)
		p->surge_size = p->surge_n < SG_GEN_SURGE_DEFAULT_SIZE ? p->surge_n :
									  SG_GEN_SURGE_DEFAULT_SIZE;
	if (p->surge_size > p->surge_n) {
		fprintf(stderr, "surge-gen: --surge-size %llu is more than the %llu sign-ups of "
				"--surge\n", (unsigned long long)p->surge_size,
			(unsigned long long)p->surge_n);
		return -1;
	}
	if (p->surge_n && p->surge_at >= o->duration_s) {
		fprintf(stderr, "surge-gen: --surge-at %.1f is not within --duration %u\n",
			p->surge_at, o->duration_s);
		return -1;
	}
	for (unsigned i = 0; i < p->n_storms; i++)
		if (p->storm[i].at_s >= o->duration_s) {
			fprintf(stderr, "surge-gen: --reconnect-storm at %.1f s is not within "
					"--duration %u\n", p->storm[i].at_s, o->duration_s);
			return -1;
		}
	if (p->n_storms && !p->surge_n && !(p->baseline > 0)) {
		fprintf(stderr, "surge-gen: --reconnect-storm needs surge users (--surge or "
				"--baseline) to log in again\n");
		return -1;
	}
	if (!have_seed)
		sg_random(&o->seed, sizeof(o->seed));
	return 0;
}

/* The source range (src.h) against the relay's address. */
static int check_src(struct sg_gen_opts *o, int have_src_base, int have_src_count)
{
	char a[INET_ADDRSTRLEN], r[INET_ADDRSTRLEN];

	if (!have_src_base)
		memcpy(o->src_base, o->gen_ip, 4);
	if (!have_src_base && !have_src_count)
		return 0; /* --gen-ip alone, as ever: any address */
	inet_ntop(AF_INET, o->src_base, a, sizeof(a));
	inet_ntop(AF_INET, o->relay_ip, r, sizeof(r));
	switch (sg_gen_src_check(o->src_base, o->src_count, o->relay_ip)) {
	case SG_GEN_SRC_OK:
		return 0;
	case SG_GEN_SRC_E_OUTSIDE:
		fprintf(stderr, "surge-gen: bad value for --src-base/--src-count: %u address(es) "
				"from %s leave 198.18.0.0/15\n", o->src_count, a);
		return -1;
	case SG_GEN_SRC_E_RELAY:
		fprintf(stderr, "surge-gen: bad value for --src-base/--src-count: %u address(es) "
				"from %s hold the relay's address %s (--relay-ip)\n",
			o->src_count, a, r);
		return -1;
	default:
		fprintf(stderr, "surge-gen: bad value for --src-count: %u\n", o->src_count);
		return -1;
	}
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
		{ "secret", required_argument, NULL, 'P' },
		{ "duration", required_argument, NULL, 'd' },
		{ "verify-every", required_argument, NULL, 'v' },
		{ "queues", required_argument, NULL, 'q' },
		{ "json", required_argument, NULL, 'j' },
		{ "link-timeout", required_argument, NULL, 'L' },
		{ "linger", required_argument, NULL, 'l' },
		{ "csv", required_argument, NULL, 'C' },
		{ "baseline", required_argument, NULL, 'B' },
		{ "surge", required_argument, NULL, 'S' },
		{ "compress", required_argument, NULL, 'K' },
		{ "surge-at", required_argument, NULL, 'A' },
		{ "surge-size", required_argument, NULL, 'Z' },
		{ "reconnect-storm", required_argument, NULL, 'T' },
		{ "hs-window", required_argument, NULL, 'W' },
		{ "hs-timeout", required_argument, NULL, 'O' },
		{ "hs-tries", required_argument, NULL, 'N' },
		{ "seed", required_argument, NULL, 'X' },
		{ "src-base", required_argument, NULL, 'b' },
		{ "src-count", required_argument, NULL, 'c' },
		{ "src-chat", no_argument, NULL, 'H' },
		{ "no-resume", no_argument, NULL, 'U' },
		{ "match-pct", required_argument, NULL, 'M' },
		{ "match-text", required_argument, NULL, 'x' },
		{ "body", required_argument, NULL, 'y' },
		{ "flood", required_argument, NULL, 'F' },
		{ "flood-rate", required_argument, NULL, 'f' },
		{ "flood-at", required_argument, NULL, 'a' },
		{ "flood-for", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, idx = -1, have_size = 0, have_seed = 0, have_surge_size = 0, have_src_base = 0,
	    have_src_count = 0, have_match_text = 0, have_flood_opt = 0;
	uint64_t u64;

	*o = (struct sg_gen_opts){ .udp_port = SG_UDP_PORT_DEFAULT, .users = 64, .size = 64,
				   .duration_s = 5, .verify_every = 64, .queues = 2,
				   .link_timeout_s = 30, .linger_s = 10,
				   .hs_window = 1024, .hs_timeout_ms = 1000, .hs_tries = 4,
				   .prof = { .compress = 1 }, .src_count = 1,
				   .match_text = SG_GEN_MATCH_TEXT,
				   .match_len = sizeof(SG_GEN_MATCH_TEXT) - 1,
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
		case 'P': bad = parse_uint(v, 0, 100, &o->secret_pct); break;
		case 'd': bad = parse_uint(v, 1, SG_GEN_MAX_SECONDS, &o->duration_s); break;
		case 'v': bad = parse_uint(v, 1, 1u << 30, &o->verify_every); break;
		case 'q': bad = parse_uint(v, 2, SG_GEN_MAX_Q, &o->queues); break;
		case 'j': o->json = v; break;
		case 'L': bad = parse_uint(v, 1, 3600, &o->link_timeout_s); break;
		case 'l': bad = parse_uint(v, 0, 3600, &o->linger_s); break;
		case 'C': o->csv = v; break;
		case 'B': bad = parse_nonneg(v, 1e7, &o->prof.baseline); break;
		case 'S':
			bad = sg_gen_profile_parse_surge(v, &o->prof.surge_n, &o->prof.surge_s);
			break;
		case 'K':
			bad = parse_nonneg(v, 1e6, &o->prof.compress) || o->prof.compress <= 0;
			break;
		case 'A': bad = parse_nonneg(v, SG_GEN_MAX_SECONDS, &o->prof.surge_at); break;
		case 'Z':
			bad = parse_u64(v, 1, SG_GEN_SURGE_MAX_USERS, &o->prof.surge_size);
			have_surge_size = 1;
			break;
		case 'T':
			bad = o->prof.n_storms >= SG_GEN_MAX_STORMS ||
			      sg_gen_profile_parse_storm(v, &o->prof.storm[o->prof.n_storms]) != 0;
			if (!bad)
				o->prof.n_storms++;
			break;
		case 'W': bad = parse_uint(v, 1, SG_GEN_SURGE_MAX_WINDOW, &o->hs_window); break;
		case 'O': bad = parse_uint(v, 1, 600000, &o->hs_timeout_ms); break;
		case 'N': bad = parse_uint(v, 1, 16, &o->hs_tries); break;
		case 'X':
			bad = parse_u64(v, 0, UINT64_MAX, &u64);
			o->seed = u64;
			have_seed = 1;
			break;
		case 'b':
			bad = inet_pton(AF_INET, v, o->src_base) != 1;
			have_src_base = 1;
			break;
		case 'c':
			bad = parse_uint(v, 1, SG_GEN_SRC_MAX, &o->src_count);
			have_src_count = 1;
			break;
		case 'H': o->src_chat = 1; break;
		case 'U': o->no_resume = 1; break;
		case 'M': bad = parse_nonneg(v, 100, &o->match_pct); break;
		case 'y':
			bad = strcmp(v, "text") != 0 && strcmp(v, "pattern") != 0;
			o->body_text = strcmp(v, "text") == 0 ? sg_gen_text() : NULL;
			break;
		case 'x':
			bad = parse_match_text(v, o);
			have_match_text = 1;
			break;
		case 'F': bad = sg_gen_flood_parse_modes(v, o->flood_modes, &o->n_flood); break;
		case 'f':
			bad = parse_rate(v, &o->flood_rate);
			have_flood_opt = 1;
			break;
		case 'a':
			bad = parse_nonneg(v, SG_GEN_MAX_SECONDS, &o->flood_at);
			have_flood_opt = 1;
			break;
		case 'o':
			bad = parse_nonneg(v, SG_GEN_MAX_SECONDS, &o->flood_for);
			have_flood_opt = 1;
			break;
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
	if (check_src(o, have_src_base, have_src_count) != 0 ||
	    check_match(o, have_match_text) != 0 || check_flood(o, have_flood_opt) != 0)
		return -1;
	return check_profile(o, have_surge_size, have_seed);
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

/*
 * A relay that exits or is killed closes the memif connection, and DPDK
 * 22.11's memif server then unmaps the shared rings from its interrupt
 * thread without waiting for our lcore, which may be inside a burst on
 * them at that moment: a SIGSEGV (or SIGBUS) in the PMD.  While a run is on,
 * such a fault with the link down ends the run like any other loss of the
 * relay (partial report, exit 1); any other fault stays a crash.
 */
static sigjmp_buf fault_jb;
static volatile sig_atomic_t fault_armed, relay_lost;

static void on_fault(int sig)
{
	static const char lost[] = "surge-gen: the memif PMD faulted while closing the port "
				   "(the relay had gone); the report above stands\n";

	if (fault_armed) {
		fault_armed = 0;
		siglongjmp(fault_jb, sig);
	}
	if (relay_lost) { /* after the report, in the port's teardown */
		if (write(2, lost, sizeof(lost) - 1) < 0)
			_exit(1);
		_exit(1);
	}
	rte_dump_stack();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int link_down(const struct sg_gen *g)
{
	struct rte_eth_link link;

	return g->linked && rte_eth_link_get_nowait(g->port, &link) == 0 && !link.link_status;
}

static int run_steps(struct sg_gen *g)
{
	if (sg_gen_port_start(g) != 0) {
		g->failed = "no memif connection to the relay";
		return -1;
	}
	if (sg_gen_arp(g) != 0 || sg_gen_signup(g) != 0)
		return -1;
	if (sg_gen_flood_setup(g) != 0) {
		g->failed = "out of memory";
		return -1;
	}
	fprintf(stderr, "surge-gen: %u users signed up; chatting for %u s", g->o.users,
		g->o.duration_s);
	if (g->have_surge)
		fprintf(stderr, "; %u surge users (seed %llu)", g->surge.cfg.users,
			(unsigned long long)g->o.seed);
	if (g->have_flood)
		fprintf(stderr, "; a flood of %u mode(s) from %.1f s", g->o.n_flood, g->o.flood_at);
	fputc('\n', stderr);
	return sg_gen_traffic(g);
}

static int run(struct sg_gen *g)
{
	struct sigaction sa;
	int sig, rc;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL); /* stays for the teardown, which may fault the same way */
	sigaction(SIGBUS, &sa, NULL);
	sig = sigsetjmp(fault_jb, 1);
	if (sig == 0) {
		fault_armed = 1;
		rc = run_steps(g);
	} else if (link_down(g)) {
		snprintf(g->failed_buf, sizeof(g->failed_buf), "the relay closed the memif "
			 "connection (link down; the memif PMD faulted on its unmapped rings)");
		g->failed = g->failed_buf;
		g->linked = 0;
		if (g->t0_tsc && !g->run_s)
			g->run_s = (double)(rte_get_tsc_cycles() - g->t0_tsc) / (double)g->hz;
		fprintf(stderr, "\nsurge-gen: %s\n", g->failed);
		rc = -1;
	} else {
		signal(sig, SIG_DFL);
		raise(sig);
		rc = -1;
	}
	fault_armed = 0;
	relay_lost = !g->linked || link_down(g);
	return rc;
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
	if (sg_crypto_init() != SG_OK) {
		fprintf(stderr, "surge-gen: libsodium did not start\n");
		return 1;
	}
	if (parse_opts(&g.o, ours, argv) != 0)
		return 2;
	if (read_relay_pub(g.o.relay_key_file, g.relay_pub) != 0)
		return 2;
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
	if (sg_gen_src_init(&g.src, g.o.src_base, g.o.src_count) != SG_GEN_SRC_OK) {
		fprintf(stderr, "surge-gen: out of memory for %u source addresses\n",
			g.o.src_count);
		g.failed = "out of memory";
		rc = -1;
	} else if (sg_gen_users_init(&g) != 0) {
		fprintf(stderr, "surge-gen: out of memory for %u users\n", g.o.users);
		g.failed = "out of memory";
		rc = -1;
	} else if (sg_gen_surge_setup(&g) != 0) {
		g.failed = "out of memory";
		rc = -1;
	} else {
		rc = run(&g);
	}
	sg_gen_summary(&g);
	if (g.o.json && sg_gen_json(&g, g.o.json) != 0)
		fprintf(stderr, "surge-gen: %s: cannot write the JSON report\n", g.o.json);
	if (g.o.csv && sg_gen_csv(&g, g.o.csv) != 0)
		fprintf(stderr, "surge-gen: %s: cannot write the CSV timeline\n", g.o.csv);
	if (g.failed)
		fprintf(stderr, "surge-gen: partial report: %s\n", g.failed);
	sg_gen_port_linger(&g);
	sg_gen_flood_teardown(&g);
	sg_gen_surge_teardown(&g);
	sg_gen_users_fini(&g);
	sg_gen_src_fini(&g.src);
	sg_gen_port_stop(&g);
	rte_eal_cleanup();
	free(g.sec);
	return rc != 0 || g.c.verify_failed ? 1 : 0;
}
