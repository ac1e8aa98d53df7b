/* SPDX-License-Identifier: MIT */
/*
 * bytes.h - little-endian loads and stores on unaligned byte buffers.
 * The wire is little-endian (docs/PROTOCOL.md); memcpy keeps these free of
 * alignment and aliasing traps and compiles to single moves on x86.
 */
#ifndef SG_PROTO_BYTES_H
#define SG_PROTO_BYTES_H

#include <stdint.h>
#include <string.h>

static inline uint16_t sg_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static inline uint32_t sg_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t sg_le64(const uint8_t *p)
{
	return (uint64_t)sg_le32(p) | (uint64_t)sg_le32(p + 4) << 32;
}

/* Network byte order, for the few big-endian fields surge writes (UDP ports). */
static inline void sg_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void sg_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void sg_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline void sg_put_le64(uint8_t *p, uint64_t v)
{
	sg_put_le32(p, (uint32_t)v);
	sg_put_le32(p + 4, (uint32_t)(v >> 32));
}

/* True when all n bytes are zero (not constant time; for reserved fields). */
static inline int sg_all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

#define SG_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* SG_PROTO_BYTES_H */
