/* SPDX-License-Identifier: MIT */
/*
 * addr.c - the relay's address as text -> a UDP socket connect()ed to it.
 *
 * Forms: "198.18.0.1:7443", "[2001:2::1]:7443", "name:7443", and each
 * without ":port" (7443).  An IPv6 address without brackets is taken whole
 * as the host ("2001:2::1" = port 7443).  The socket is non-blocking and
 * connect()ed, so the kernel hands us only the relay's datagrams.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client_int.h"

static int parse_port(const char *s, uint16_t *port)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v == 0 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int sg_client_addr_split(const char *spec, char *host, size_t hostcap, uint16_t *port)
{
	const char *colon, *end;
	size_t n;

	*port = SG_UDP_PORT_DEFAULT;
	if (spec == NULL || *spec == '\0')
		return -1;
	if (spec[0] == '[') {
		end = strchr(spec, ']');
		if (end == NULL || end == spec + 1)
			return -1;
		n = (size_t)(end - spec - 1);
		if (n >= hostcap)
			return -1;
		memcpy(host, spec + 1, n);
		host[n] = '\0';
		if (end[1] == '\0')
			return 0;
		if (end[1] != ':')
			return -1;
		return parse_port(end + 2, port);
	}
	colon = strchr(spec, ':');
	if (colon != NULL && strchr(colon + 1, ':') != NULL)
		colon = NULL; /* bare IPv6 address: no port */
	n = colon ? (size_t)(colon - spec) : strlen(spec);
	if (n == 0 || n >= hostcap)
		return -1;
	memcpy(host, spec, n);
	host[n] = '\0';
	return colon ? parse_port(colon + 1, port) : 0;
}

int sg_client_addr_open(const char *spec, int *family, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL, *ai;
	char host[256], serv[8];
	uint16_t port;
	int fd = -1, rc, e = 0;

	if (sg_client_addr_split(spec, host, sizeof(host), &port) != 0) {
		snprintf(err, errlen, "relay address '%s': expected HOST:PORT or [IPV6]:PORT",
			 spec ? spec : "");
		return -1;
	}
	snprintf(serv, sizeof(serv), "%u", port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_protocol = IPPROTO_UDP;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(host, serv, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "relay address '%s': %s", spec, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0) {
			e = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			*family = ai->ai_family;
			break;
		}
		e = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		snprintf(err, errlen, "relay address '%s': %s", spec, strerror(e ? e : EINVAL));
	return fd;
}
