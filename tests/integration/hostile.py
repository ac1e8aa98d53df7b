#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""hostile.py - hostile traffic against surge-relay, run inside the test's
network namespace by tap_chat.sh.

  hostile.py capture IFACE RELAY_IP OUT_FILE SECONDS
      sniff IFACE (AF_PACKET) until the first DATA message (type 4) to
      RELAY_IP:7443 and write its UDP payload to OUT_FILE (bounded in time);
      OUT_FILE.ready appears once the socket listens
  hostile.py attack RELAY_IP DATA_FILE
      send, from ordinary UDP sockets: the captured DATA again (replay), a
      copy with an unused counter (tag), with the receiver index's
      generation changed (stale_generation), with an index naming no session
      (unknown_session), garbage of assorted types and lengths (type/length),
      one to another port (wrong_port), and a 3000-byte datagram the kernel
      fragments (ip_fragment); prints what it sent as JSON
"""
import json
import os
import socket
import struct
import sys
import time

PORT = 7443


def capture(iface, relay_ip, out, seconds):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(0x0003))
    s.bind((iface, 0))
    s.settimeout(0.2)
    open(out + ".ready", "w").close()  # the caller sends only once we listen
    want = socket.inet_aton(relay_ip)
    deadline = time.monotonic() + float(seconds)
    while time.monotonic() < deadline:
        try:
            frame = s.recv(4096)
        except socket.timeout:
            continue
        if len(frame) < 14 + 20 + 8 or frame[12:14] != b"\x08\x00":
            continue
        ihl = (frame[14] & 15) * 4
        if frame[14 + 9] != 17 or frame[14 + 16:14 + 20] != want:
            continue
        udp = 14 + ihl
        dport = struct.unpack("!H", frame[udp + 2:udp + 4])[0]
        ulen = struct.unpack("!H", frame[udp + 4:udp + 6])[0]
        payload = frame[udp + 8:udp + ulen]
        if dport == PORT and payload[:1] == b"\x04":
            with open(out, "wb") as f:
                f.write(payload)
            return 0
    print("hostile.py: no DATA frame seen on %s" % iface, file=sys.stderr)
    return 1


def attack(relay_ip, data_file):
    data = open(data_file, "rb").read()
    index, = struct.unpack("<I", data[4:8])
    sent = {}
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def send(name, payload, port=PORT):
        s.sendto(payload, (relay_ip, port))
        sent[name] = sent.get(name, 0) + 1
        time.sleep(0.01)

    send("replay", data)
    # A counter never used: passes the replay pre-check, fails authentication
    # (the counter is the nonce and part of the associated data).
    forged = bytearray(data)
    counter, = struct.unpack("<Q", data[8:16])
    forged[8:16] = struct.pack("<Q", counter + 100000)
    send("tag", bytes(forged))
    stale = bytearray(data)
    stale[4:8] = struct.pack("<I", index ^ 0x80000000)  # same slot, other generation
    send("stale_generation", bytes(stale))
    unknown = bytearray(data)
    unknown[4:8] = struct.pack("<I", (index & 0xFFFF0000) | 0x7777)
    send("unknown_session", bytes(unknown))
    # Garbage: unknown types, and known types at impossible lengths.
    for t in (0, 14, 15, 200, 255):
        send("type", bytes([t]) + os.urandom(60))
    for t, n in ((1, 155), (2, 10), (4, 55), (5, 33), (8, 53), (9, 41), (11, 179), (12, 163),
                 (13, 93)):
        send("length", bytes([t]) + os.urandom(n - 1))
    send("wrong_port", data, PORT + 1)
    # Forged handshakes: an initiation and a RESUME of the right length whose
    # mac1 is random (reserved bytes zero), dropped by the worker before any DH.
    send("handshake_mac1", bytes([1, 0, 0, 0]) + os.urandom(152))
    send("handshake_mac1", bytes([11, 0, 0, 0]) + os.urandom(176))
    # 3000 bytes over a 1500-byte MTU: the kernel sends ceil(3008 / 1480) = 3
    # IPv4 fragments, each dropped (and counted) by the relay.
    s.setsockopt(socket.IPPROTO_IP, 10, 0)  # IP_MTU_DISCOVER = IP_PMTUDISC_DONT
    send("ip_fragment", b"\x04" + os.urandom(2999))
    sent["ip_fragment"] = (3000 + 8 + 1479) // 1480
    print(json.dumps(sent))
    return 0


def main(argv):
    if len(argv) == 6 and argv[1] == "capture":
        return capture(argv[2], argv[3], argv[4], argv[5])
    if len(argv) == 4 and argv[1] == "attack":
        return attack(argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
