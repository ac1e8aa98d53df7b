-- SPDX-License-Identifier: MIT
--
-- surge.lua - a Wireshark / tshark dissector for the surge wire protocol,
-- version 1 (docs/PROTOCOL.md).  It shows what is readable without keys:
-- the type, the indexes, counters, flags and lengths, the public fields of
-- the handshake messages (ephemeral keys, MACs, cookie nonces, tickets'
-- key ids), and every sealed part as what it is: ciphertext and tag.
--
--   tshark -X lua_script:scripts/surge.lua -r capture.pcapng
--   tshark -X lua_script:scripts/surge.lua -r capture.pcapng -Y surge.type==4
--   wireshark: copy it to ~/.config/wireshark/plugins/ (or -X lua_script:...)
--
-- Registered on UDP port 7443; the preference "surge.udp_port" changes it
-- (Edit > Preferences > Protocols > SURGE, or -o surge.udp_port:9000).
-- A message whose length is not valid for its type is marked malformed (the
-- relay drops those before any cryptography, section 2).

local surge = Proto("surge", "surge relay protocol")

local types = {
	[1] = "HANDSHAKE_INIT", [2] = "HANDSHAKE_RESP", [3] = "COOKIE_REPLY", [4] = "DATA",
	[5] = "KEEPALIVE", [6] = "CLOSE", [7] = "RELAY_REPLY", [8] = "DELIVERY_ACK",
	[9] = "KEY_LOOKUP", [10] = "KEY_INFO", [11] = "RESUME", [12] = "TICKET",
	[13] = "RESUME_RESP",
}
-- Plaintext bytes sealed in each transport message (section 6), nil: variable.
local transport_plain = { [4] = nil, [5] = 0, [6] = 4, [7] = 24, [8] = nil, [9] = 8,
	[10] = 48, [12] = 132 }
local fixed_len = { [1] = 156, [2] = 108, [3] = 64, [5] = 32, [6] = 36, [7] = 56, [9] = 40,
	[10] = 80, [11] = 180, [12] = 164, [13] = 92 }

local f = surge.fields
f.type = ProtoField.uint8("surge.type", "Type", base.DEC, types)
f.length = ProtoField.uint16("surge.length", "Message length", base.DEC)
f.flags = ProtoField.uint8("surge.flags", "Flags", base.HEX)
f.key_phase = ProtoField.bool("surge.flags.key_phase", "KEY_PHASE", 8, nil, 0x01)
f.reserved = ProtoField.bytes("surge.reserved", "Reserved")
f.sender = ProtoField.uint32("surge.sender_index", "Sender index", base.HEX)
f.receiver = ProtoField.uint32("surge.receiver_index", "Receiver index", base.HEX)
f.counter = ProtoField.uint64("surge.counter", "Counter", base.DEC)
f.ciphertext = ProtoField.bytes("surge.ciphertext", "Ciphertext (sealed)")
f.ciphertext_len = ProtoField.uint16("surge.ciphertext_len", "Ciphertext length", base.DEC)
f.body_len = ProtoField.uint16("surge.body_len", "DATA body length (inside)", base.DEC)
f.ack_entries = ProtoField.uint8("surge.ack_entries", "DELIVERY_ACK entries (inside)", base.DEC)
f.tag = ProtoField.bytes("surge.tag", "AEAD tag")
f.ephemeral = ProtoField.bytes("surge.ephemeral", "Ephemeral public key (Noise e)")
f.enc_static = ProtoField.bytes("surge.encrypted_static", "Encrypted static key + tag")
f.enc_payload = ProtoField.bytes("surge.encrypted_payload", "Encrypted payload + tag")
f.mac1 = ProtoField.bytes("surge.mac1", "mac1")
f.mac2 = ProtoField.bytes("surge.mac2", "mac2")
f.mac2_zero = ProtoField.bool("surge.mac2_zero", "mac2 is zero (no cookie)")
f.nonce = ProtoField.bytes("surge.cookie_nonce", "Cookie nonce")
f.enc_cookie = ProtoField.bytes("surge.encrypted_cookie", "Encrypted cookie + tag")
f.client_random = ProtoField.bytes("surge.client_random", "client_random")
f.relay_random = ProtoField.bytes("surge.relay_random", "relay_random")
f.ticket = ProtoField.bytes("surge.ticket", "Ticket")
f.ticket_key_id = ProtoField.uint32("surge.ticket_key_id", "Ticket key id", base.DEC)
f.ticket_nonce = ProtoField.bytes("surge.ticket_nonce", "Ticket nonce")
f.ticket_sealed = ProtoField.bytes("surge.ticket_sealed", "Ticket, sealed + tag")

local ef_length = ProtoExpert.new("surge.bad_length", "Length not valid for this type",
	expert.group.MALFORMED, expert.severity.ERROR)
local ef_type = ProtoExpert.new("surge.bad_type", "Unknown message type",
	expert.group.MALFORMED, expert.severity.ERROR)
surge.experts = { ef_length, ef_type }

surge.prefs.udp_port = Pref.uint("UDP port", 7443, "The relay's UDP port (surge-relay udp_port)")

local function valid_length(t, len)
	if fixed_len[t] then
		return len == fixed_len[t]
	elseif t == 4 then
		return len >= 56 and len <= 1472
	elseif t == 8 then
		return len >= 52 and len <= 36 + 16 * 64 and (len - 36) % 16 == 0
	end
	return false
end

local function is_transport(t)
	return (t >= 4 and t <= 10) or t == 12
end

local function mac2(tree, tvb, off)
	local r = tvb(off, 16)
	tree:add(f.mac2, r)
	tree:add(f.mac2_zero, r:bytes():tohex() == string.rep("00", 16))
end

function surge.dissector(tvb, pinfo, root)
	local len = tvb:len()
	if len < 1 then
		return 0
	end
	local t = tvb(0, 1):uint()
	local name = types[t] or ("type " .. t)
	pinfo.cols.protocol = "SURGE"
	local tree = root:add(surge, tvb(), "surge " .. name)
	tree:add(f.type, tvb(0, 1))
	tree:add(f.length, len):set_generated()
	if not types[t] then
		tree:add_proto_expert_info(ef_type)
		pinfo.cols.info = name .. " (unknown)"
		return len
	end
	if not valid_length(t, len) then
		tree:add_proto_expert_info(ef_length, name .. ": " .. len .. " bytes is not valid")
		pinfo.cols.info = name .. " (bad length " .. len .. ")"
		return len
	end
	local info = name
	if is_transport(t) then
		local flags = tree:add(f.flags, tvb(1, 1))
		flags:add(f.key_phase, tvb(1, 1))
		tree:add(f.reserved, tvb(2, 2))
		tree:add_le(f.receiver, tvb(4, 4))
		tree:add_le(f.counter, tvb(8, 8))
		local clen = len - 32
		if clen > 0 then
			tree:add(f.ciphertext, tvb(16, clen))
		end
		tree:add(f.ciphertext_len, clen):set_generated()
		tree:add(f.tag, tvb(len - 16, 16))
		info = string.format("%s receiver=0x%08x counter=%s", name, tvb(4, 4):le_uint(),
			tostring(tvb(8, 8):le_uint64()))
		if t == 4 then
			tree:add(f.body_len, len - 56):set_generated()
			info = info .. string.format(" body=%d (sealed)", len - 56)
		elseif t == 8 then
			tree:add(f.ack_entries, (len - 36) / 16):set_generated()
		end
		if tvb(1, 1):uint() % 2 == 1 then
			info = info .. " KEY_PHASE"
		end
	elseif t == 1 then
		tree:add(f.reserved, tvb(1, 3))
		tree:add_le(f.sender, tvb(4, 4))
		tree:add(f.ephemeral, tvb(8, 32))
		tree:add(f.enc_static, tvb(40, 48))
		tree:add(f.enc_payload, tvb(88, 36))
		tree:add(f.mac1, tvb(124, 16))
		mac2(tree, tvb, 140)
		info = string.format("%s sender=0x%08x", name, tvb(4, 4):le_uint())
	elseif t == 2 then
		tree:add(f.reserved, tvb(1, 3))
		tree:add_le(f.sender, tvb(4, 4))
		tree:add_le(f.receiver, tvb(8, 4))
		tree:add(f.ephemeral, tvb(12, 32))
		tree:add(f.enc_payload, tvb(44, 32))
		tree:add(f.mac1, tvb(76, 16))
		mac2(tree, tvb, 92)
		info = string.format("%s sender=0x%08x receiver=0x%08x", name, tvb(4, 4):le_uint(),
			tvb(8, 4):le_uint())
	elseif t == 3 then
		tree:add(f.reserved, tvb(1, 3))
		tree:add_le(f.receiver, tvb(4, 4))
		tree:add(f.nonce, tvb(8, 24))
		tree:add(f.enc_cookie, tvb(32, 32))
		info = string.format("%s receiver=0x%08x", name, tvb(4, 4):le_uint())
	elseif t == 11 then
		tree:add(f.reserved, tvb(1, 3))
		tree:add_le(f.sender, tvb(4, 4))
		tree:add(f.client_random, tvb(8, 16))
		local tk = tree:add(f.ticket, tvb(24, 92))
		tk:add_le(f.ticket_key_id, tvb(24, 4))
		tk:add(f.ticket_nonce, tvb(28, 24))
		tk:add(f.ticket_sealed, tvb(52, 64))
		tree:add(f.enc_payload, tvb(116, 32))
		tree:add(f.mac1, tvb(148, 16))
		mac2(tree, tvb, 164)
		info = string.format("%s sender=0x%08x ticket_key=%d", name, tvb(4, 4):le_uint(),
			tvb(24, 4):le_uint())
	elseif t == 13 then
		tree:add(f.reserved, tvb(1, 3))
		tree:add_le(f.sender, tvb(4, 4))
		tree:add_le(f.receiver, tvb(8, 4))
		tree:add(f.relay_random, tvb(12, 16))
		tree:add(f.enc_payload, tvb(28, 32))
		tree:add(f.mac1, tvb(60, 16))
		mac2(tree, tvb, 76)
		info = string.format("%s sender=0x%08x receiver=0x%08x", name, tvb(4, 4):le_uint(),
			tvb(8, 4):le_uint())
	end
	pinfo.cols.info = info
	return len
end

local registered
local function register()
	local udp = DissectorTable.get("udp.port")
	if registered then
		udp:remove(registered, surge)
	end
	registered = surge.prefs.udp_port
	udp:add(registered, surge)
end

function surge.prefs_changed()
	register()
end

register()
