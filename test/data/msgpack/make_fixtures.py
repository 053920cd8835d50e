#!/usr/bin/env python3
"""Write the hostile (and a few valid) MessagePack fixtures in this folder.

A tiny hand-written encoder, so that the fixtures need no msgpack library
and can hold what a library would refuse to write (duplicate keys, invalid
UTF-8, EXT, absurd counts).  Expected results live in the tables of
test/unit/test_mpack.c, test_envelope.c and test_request.c.

    python3 test/data/msgpack/make_fixtures.py
"""
import hashlib
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


class Raw(bytes):
    """Bytes emitted as they are."""


class RawStr(bytes):
    """A str whose bytes are given (may be invalid UTF-8 or hold NUL)."""


class Pairs(list):
    """A map given as (key, value) pairs, so keys may repeat."""


class Ext:
    def __init__(self, typ, data):
        self.typ, self.data = typ, data


def enc_len(n, small, tags):
    """Header for str/bin/array/map of n using the shortest form."""
    fix, fixmax = small
    if fix is not None and n <= fixmax:
        return bytes([fix | n])
    for tag, fmt, lim in tags:
        if tag is not None and n < lim:
            return bytes([tag]) + struct.pack(fmt, n)
    raise ValueError(n)


def enc(v):
    if isinstance(v, Raw):
        return bytes(v)
    if v is None:
        return b"\xc0"
    if v is True:
        return b"\xc3"
    if v is False:
        return b"\xc2"
    if isinstance(v, int):
        if 0 <= v <= 0x7f:
            return bytes([v])
        if -32 <= v < 0:
            return struct.pack(">b", v)
        if v > 0:
            for tag, fmt, lim in ((0xcc, ">B", 1 << 8), (0xcd, ">H", 1 << 16),
                                  (0xce, ">I", 1 << 32),
                                  (0xcf, ">Q", 1 << 64)):
                if v < lim:
                    return bytes([tag]) + struct.pack(fmt, v)
        return b"\xd3" + struct.pack(">q", v)
    if isinstance(v, float):
        return b"\xcb" + struct.pack(">d", v)
    if isinstance(v, (str, RawStr)):
        b = v.encode() if isinstance(v, str) else bytes(v)
        return enc_len(len(b), (0xa0, 31), ((0xd9, ">B", 1 << 8),
                                            (0xda, ">H", 1 << 16),
                                            (0xdb, ">I", 1 << 32))) + b
    if isinstance(v, bytes):
        return enc_len(len(v), (None, -1), ((0xc4, ">B", 1 << 8),
                                            (0xc5, ">H", 1 << 16),
                                            (0xc6, ">I", 1 << 32))) + v
    if isinstance(v, Ext):
        return bytes([0xc7, len(v.data), v.typ & 0xff]) + v.data
    if isinstance(v, Pairs):
        out = enc_len(len(v), (0x80, 15), ((0xde, ">H", 1 << 16),
                                           (0xdf, ">I", 1 << 32)))
        return out + b"".join(enc(k) + enc(x) for k, x in v)
    if isinstance(v, dict):
        return enc(Pairs(v.items()))
    if isinstance(v, list):
        out = enc_len(len(v), (0x90, 15), ((0xdc, ">H", 1 << 16),
                                           (0xdd, ">I", 1 << 32)))
        return out + b"".join(enc(x) for x in v)
    raise TypeError(type(v))


def nested(levels):
    """`levels` arrays inside each other, the innermost empty."""
    return Raw(b"\x91" * (levels - 1) + b"\x90")


ID = "0123456789abcdef0123456789abcdef"


def request(**change):
    r = {"id": ID, "time": 1700000000000, "ttl": 60, "collective": "muster",
         "agent": "rpcutil", "action": "ping", "caller": "uid=1000",
         "sender": "client.example.net", "filter": {},
         "reply_to": "amq.gen-abc", "data": {}}
    for k, v in change.items():
        if v is DROP:
            del r[k]
        else:
            r[k] = v
    return r


def reply(**change):
    r = {"id": ID, "sender": "web1.example.net", "time": 1700000000123,
         "status": 0, "statusmsg": "OK", "data": {"pong": 1700000000}}
    for k, v in change.items():
        if v is DROP:
            del r[k]
        else:
            r[k] = v
    return r


DROP = object()


def envelope(**change):
    e = {"v": 1, "payload": enc(request()), "sig": None, "cert": None}
    for k, v in change.items():
        if v is DROP:
            del e[k]
        else:
            e[k] = v
    return e


def sorted_keys(v):
    """`v` with every map's keys in byte order, as a node sends its body."""
    if isinstance(v, dict):
        return {k: sorted_keys(v[k]) for k in sorted(v, key=str.encode)}
    if isinstance(v, list):
        return [sorted_keys(x) for x in v]
    return v


FACTS = {"role": "web", "os": {"family": "Debian"}, "cpus": 4}


def registration(full=True, facts=FACTS, sort=True, **change):
    """A registration (docs/protocol.md); full ones carry their digest:
    SHA-256 of the msgpack map {agents, classes, facts}, keys sorted.
    With sort=False the body goes as given and the digest is over its own
    bytes: what a receiver refuses all the same."""
    body = {"agents": [{"name": "rpcutil", "version": "1.0.0"}],
            "classes": ["apache", "base"], "facts": facts}
    if sort:
        body = sorted_keys(body)
    r = {"sender": "web1.example.net", "time": 1700000000123,
         "started": 1690000000000, "version": "0.1.0", "interval": 300,
         "digest": hashlib.sha256(enc(body)).hexdigest(),
         "collectives": ["muster"]}
    if full:
        r.update(body)
    for k, v in change.items():
        if v is DROP:
            del r[k]
        else:
            r[k] = v
    return r


RAW = {
    # allocation bombs: counts far beyond the bytes that follow
    "bomb_array32_ff": b"\xdd\xff\x00\x00\x00",
    "bomb_array32_0f": b"\xdd\x0f\xff\xff\xff",
    "bomb_map32_0f": b"\xdf\x0f\xff\xff\xff",
    "bomb_map32_ff": b"\xdf\xff\xff\xff\xff",
    "bomb_array16_in_array": b"\x91\xdc\xff\xff",
    "bomb_map_half": b"\x83\xa1a\x01\xa1b",  # 3 entries, 3 bytes left
    "bomb_str32": b"\xdb\xff\xff\xff\xff",
    "bomb_bin32": b"\xc6\xff\xff\xff\xff",
    # malformed
    "invalid_c1": b"\xc1",
    "truncated_map": b"\x82\xa1a\x01",
    "truncated_str": b"\xa5ab",
    "truncated_uint64": b"\xcf\x00\x00",
    "truncated_str16_header": b"\xda\x00",
    "trailing_bytes": b"\x01\x02\x03",
    "trailing_after_map": b"\x80\x00",
    # EXT anywhere
    "ext_fixext1": b"\xd4\x01\x00",
    "ext8": b"\xc7\x01\x05\x00",
    "ext_timestamp": b"\xd6\xff\x00\x00\x00\x00",
    "ext_in_map": b"\x81\xa1a\xd4\x01\x00",
    # map keys must be str
    "key_int": b"\x81\x01\x02",
    "key_nil": b"\x81\xc0\x02",
    "key_bin": b"\x81\xc4\x01a\x02",
    "key_map": b"\x81\x80\x02",
    "key_second_entry_array": b"\x82\xa1a\x01\x90\x02",
    # depth
    "deep16": bytes(nested(16)),
    "deep17": bytes(nested(17)),
    "deep33": bytes(nested(33)),
    "deep17_maps": b"\x81\xa1k" * 16 + b"\x80",
    # valid
    "ok_nil": b"\xc0",
    "fuzz_empty_str32": b"\xdb\x00\x00\x00\x00",  # msgpack-c: NULL ptr
    "ok_scalars": enc([None, True, False, 0, -1, 127, -32, 255, 65535, -129,
                       2 ** 64 - 1, -(2 ** 63), 1.5, "", "h\u00e9", b"\x00"]),
}

ENVELOPES = {
    "env_ok": envelope(),
    "env_ok_sig": envelope(sig=b"\x01\x02", cert=b"\x30\x00"),
    "env_bad_version": envelope(v=2),
    "env_version_zero": envelope(v=0),
    "env_version_str": envelope(v="1"),
    "env_version_nil": envelope(v=None),
    "env_missing_v": envelope(v=DROP),
    "env_missing_payload": envelope(payload=DROP),
    "env_missing_sig": envelope(sig=DROP),
    "env_missing_cert": envelope(cert=DROP),
    "env_payload_str": envelope(payload="abc"),
    "env_payload_nil": envelope(payload=None),
    "env_payload_empty": envelope(payload=b""),
    "env_sig_str": envelope(sig="abc"),
    "env_sig_false": envelope(sig=False),
    "env_cert_int": envelope(cert=5),
    "env_cert_ext": envelope(cert=Ext(1, b"x")),
    "env_not_map": [1, b"x", None, None],
    "env_empty_map": {},
    "env_unknown_key": envelope(extra=1),
    "env_key_nul": Pairs(list(envelope().items()) + [(RawStr(b"v\x00"), 1)]),
    "env_key_int": Pairs(list(envelope().items()) + [(7, 1)]),
    "env_dup_payload": Pairs(list(envelope().items()) +
                             [("payload", b"x")]),
    "env_dup_v": Pairs([("v", 1)] + list(envelope().items())),
}

BAD_UTF8 = RawStr(b"ab\xff")
REQUESTS = {
    "req_ok": request(),
    "req_ok_nested": request(
        filter={"identity": ["web1", "/^db/"],
                "fact": [{"fact": "os", "op": "==", "value": "linux"}],
                "class": [], "agent": ["rpcutil"], "compound": ""},
        data={"list": [1, -2, 3.25, None, True, "x"],
              "map": {"a": {"b": {"c": [{}]}}}, "big": 2 ** 63 - 1}),
    "req_not_map": [request()],
    "req_unknown_key": request(extra="x"),
    "req_dup_id": Pairs(list(request().items()) + [("id", ID)]),
    "req_dup_data": Pairs(list(request().items()) + [("data", {})]),
    "req_bad_id_upper": request(id=ID.upper()),
    "req_bad_id_short": request(id=ID[:31]),
    "req_bad_id_long": request(id=ID + "0"),
    "req_bad_id_nonhex": request(id="g" + ID[1:]),
    "req_bad_id_nul": request(id=RawStr(ID[:31].encode() + b"\x00")),
    "req_id_int": request(id=5),
    "req_time_str": request(time="1700000000000"),
    "req_time_negative": request(time=-1),
    "req_time_float": request(time=1.5),
    "req_time_uint64": request(time=2 ** 64 - 1),
    "req_ttl_zero": request(ttl=0),
    "req_ttl_big": request(ttl=86401),
    "req_ttl_negative": request(ttl=-5),
    "req_ttl_str": request(ttl="60"),
    "req_agent_bad_name": request(agent="rpc util"),
    "req_agent_nul": request(agent=RawStr(b"rpc\x00util")),
    "req_agent_long": request(agent="a" * 129),
    "req_agent_int": request(agent=1),
    "req_agent_bin": request(agent=b"rpcutil"),
    "req_action_empty": request(action=""),
    "req_action_slash": request(action="../x"),
    "req_collective_nil": request(collective=None),
    "req_caller_bad_utf8": request(caller=BAD_UTF8),
    "req_caller_empty": request(caller=""),
    "req_sender_long": request(sender="s" * 256),
    "req_sender_nul": request(sender=RawStr(b"host\x00evil")),
    "req_reply_to_nil": request(reply_to=None),
    "req_reply_to_long": request(reply_to="q" * 256),
    "req_filter_array": request(filter=[]),
    "req_filter_nil": request(filter=None),
    "req_filter_str": request(filter="identity=web1"),
    "req_data_str": request(data="x"),
    "req_data_bin_value": request(data={"x": b"\x00\x01"}),
    "req_data_bad_utf8": request(data={"x": RawStr(b"\xc3\x28")}),
    "req_data_overlong_utf8": request(data={"x": RawStr(b"\xc0\xaf")}),
    "req_data_surrogate": request(data={"x": RawStr(b"\xed\xa0\x80")}),
    "req_data_key_nul": request(data=Pairs([(RawStr(b"a\x00"), 1)])),
    "req_data_key_bad_utf8": request(data=Pairs([(BAD_UTF8, 1)])),
    "req_data_dup_key": request(data=Pairs([("a", 1), ("a", 2)])),
    "req_data_uint64_big": request(data={"n": 2 ** 63}),
    "req_data_nan": request(data={"n": float("nan")}),
    "req_data_inf": request(data={"n": float("inf")}),
    "req_data_ext": request(data={"x": Ext(1, b"y")}),
    "req_data_key_int": request(data=Pairs([(1, 2)])),
    "req_data_deep": request(data={"x": nested(15)}),
    "req_data_deep_ok": request(data={"x": nested(14)}),
    "req_missing_all": {},
    # "deadline" is optional (older clients omit it), bounded by "time"
    "req_ok_deadline": request(deadline=1700000005000),
    "req_ok_deadline_max": request(deadline=1700000000000 + 86400000),
    "req_deadline_at_time": request(deadline=1700000000000),
    "req_deadline_before": request(deadline=1699999999999),
    "req_deadline_far": request(deadline=1700000000000 + 86400001),
    "req_deadline_zero": request(deadline=0),
    "req_deadline_str": request(deadline="1700000005000"),
    "req_deadline_nil": request(deadline=None),
    "req_dup_deadline": Pairs(list(request(deadline=1700000005000).items()) +
                              [("deadline", 1700000005000)]),
}
for f in request():
    REQUESTS["req_missing_" + f] = request(**{f: DROP})

REPLIES = {
    "rep_ok": reply(),
    "rep_ok_empty_msg": reply(status=1, statusmsg="", data={}),
    "rep_status_6": reply(status=6),
    "rep_status_negative": reply(status=-1),
    "rep_status_str": reply(status="0"),
    "rep_statusmsg_long": reply(statusmsg="m" * 4097),
    "rep_statusmsg_nil": reply(statusmsg=None),
    "rep_sender_empty": reply(sender=""),
    "rep_id_bad": reply(id="xyz"),
    "rep_data_array": reply(data=[1]),
    "rep_unknown_key": reply(action="ping"),
    "rep_dup_status": Pairs(list(reply().items()) + [("status", 1)]),
    "rep_missing_data": reply(data=DROP),
    "rep_missing_time": reply(time=DROP),
}

# Expected results: test/unit/test_registration.c (reg_fixtures).
REGISTRATIONS = {
    "reg_full": registration(),
    "reg_short": registration(full=False),
    "reg_digest_wrong": registration(digest="0" * 64),
    "reg_unsorted_own_digest": registration(sort=False),
    "reg_float32_own_digest": registration(
        facts={"load": Raw(b"\xca" + struct.pack(">f", 0.5))}),
    "reg_facts_alone": registration(classes=DROP, agents=DROP),
    "reg_agent_no_version": registration(agents=[{"name": "rpcutil"}]),
    "reg_collectives_empty": registration(full=False, collectives=[]),
    "reg_dup_sender": Pairs(list(registration(full=False).items()) +
                            [("sender", "web2")]),
}


def main():
    out = dict(RAW)
    for table in (ENVELOPES, REQUESTS, REPLIES, REGISTRATIONS):
        for name, value in table.items():
            out[name] = enc(value)
    for name, data in sorted(out.items()):
        with open(os.path.join(HERE, name + ".bin"), "wb") as f:
            f.write(data)
    print(f"wrote {len(out)} fixtures")


if __name__ == "__main__":
    main()
