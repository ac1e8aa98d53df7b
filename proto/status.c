/* SPDX-License-Identifier: MIT */
/* status.c - names of the sg_status values. */
#include "status.h"

static const char *const names[] = {
	[0] = "ok",
	[-SG_E_LENGTH] = "length",
	[-SG_E_TYPE] = "type",
	[-SG_E_RESERVED] = "reserved",
	[-SG_E_VERSION] = "version",
	[-SG_E_TAG] = "tag",
	[-SG_E_REPLAY] = "replay",
	[-SG_E_MAC1] = "mac1",
	[-SG_E_MAC2] = "mac2",
	[-SG_E_STALE_COOKIE] = "stale_cookie",
	[-SG_E_TIMESTAMP] = "timestamp",
	[-SG_E_SUITE] = "suite",
	[-SG_E_DH] = "dh",
	[-SG_E_STATE] = "state",
	[-SG_E_KEY] = "key",
	[-SG_E_CLASS] = "class",
	[-SG_E_COUNTER] = "counter",
	[-SG_E_NOSPACE] = "nospace",
	[-SG_E_INVAL] = "inval",
	[-SG_E_SYSTEM] = "system",
	[-SG_E_EXPIRED] = "expired",
	[-SG_E_DEVICE] = "device",
};

const char *sg_status_name(int status)
{
	if (status > 0 || status < SG_E_MIN)
		return "unknown";
	return names[-status];
}
