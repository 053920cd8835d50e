#!/usr/bin/env python3
"""Write the hand-made seeds of fuzz_connector: frame sequences a broker (or
a hostile peer) sends after login.  Usage: gen_connector_seeds.py DIR"""
import os
import struct
import sys

CHANNEL = 1


def frame(ftype, payload, channel=CHANNEL):
    return struct.pack(">BHI", ftype, channel, len(payload)) + payload + b"\xce"


def shortstr(s):
    return struct.pack(">B", len(s)) + s


def method(class_id, method_id, args, channel=CHANNEL):
    return frame(1, struct.pack(">HH", class_id, method_id) + args, channel)


def deliver(tag=b"ctag", routing_key=b"mcollective.node1", delivery=1):
    return method(60, 60, shortstr(tag) + struct.pack(">QB", delivery, 0) +
                  shortstr(b"mcollective_broadcast") + shortstr(routing_key))


def basic_return(routing_key=b"mcollective.node9"):
    return method(60, 50, struct.pack(">H", 312) + shortstr(b"NO_ROUTE") +
                  shortstr(b"mcollective_directed") + shortstr(routing_key))


def header(body_size, reply_to=b"reply.q", correlation_id=b"c1",
           class_id=60):
    flags = 0x0400 | 0x0200  # correlation-id, reply-to (wire order)
    props = shortstr(correlation_id) + shortstr(reply_to)
    return frame(2, struct.pack(">HHQH", class_id, 0, body_size, flags) +
                 props)


def body(data):
    return frame(3, data)


def close(class_id, method_id, code, text, channel):
    return method(class_id, method_id, struct.pack(">H", code) +
                  shortstr(text) + struct.pack(">HH", 0, 0), channel)


def seeds():
    msg = b"\x82\xa4body\xa2hi"
    yield "delivery", deliver() + header(len(msg)) + body(msg)
    yield "delivery_split", (deliver() + header(10) + body(b"01234") +
                             body(b"56789") + deliver(delivery=2) +
                             header(0))
    yield "returned", basic_return() + header(len(msg)) + body(msg)
    yield "dead_letter", (deliver(tag=b"muster.dead") + header(3) +
                          body(b"abc") + deliver() + header(2) + body(b"ok"))
    yield "oversized_4gib", (deliver() + header(4 << 30) +
                             body(b"x" * 4000) + body(b"y" * 4000))
    yield "oversized_dropped", (deliver() + header(3000) + body(b"x" * 2000) +
                                body(b"y" * 1000) + deliver(delivery=2) +
                                header(2) + body(b"ok"))
    yield "body_too_long", deliver() + header(4) + body(b"0123456789")
    yield "channel_close_mid_body", (deliver() + header(10) + body(b"01234") +
                                     close(20, 40, 406, b"PRECONDITION", 1))
    yield "connection_close_mid_header", (deliver() +
                                          close(10, 50, 320, b"FORCED", 0))
    yield "cancel", method(60, 30, shortstr(b"ctag") + b"\x00")
    yield "wrong_channel", (deliver() + frame(2, struct.pack(
        ">HHQH", 60, 0, 2, 0), channel=2) + body(b"ok"))
    # A content header of class queue (50) with basic's reply-to flag: once
    # read as basic's properties, taking stale frame-pool bytes for the
    # reply-to.  What those bytes are depends on earlier inputs, so this
    # seed steers the fuzzer there but does not crash an unfixed build alone.
    yield "header_not_basic", (
        deliver(routing_key=b"") + header(900, reply_to=b"",
                                          correlation_id=b"") +
        body(b"\x7f" * 900) + deliver(routing_key=b"r" * 250, delivery=2) +
        header(2, class_id=50) + body(b"ok"))
    yield "heartbeat_then_delivery", (frame(8, b"", channel=0) + deliver() +
                                      header(2) + body(b"ok"))


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, data in seeds():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
