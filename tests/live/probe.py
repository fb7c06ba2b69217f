#!/usr/bin/env python3
"""Traffic for the live firewall test (tests/live/firewall.sh), standard library only.

  probe.py serve TCP_PORTS UDP_PORTS     listen on every address; answer each TCP
                                         connection and UDP datagram with the peer's
                                         address as this host sees it, and print it
  probe.py tcp HOST PORT                 connect; print what the server saw
  probe.py udp HOST PORT [SOURCE]        send one datagram; print the reply
  probe.py ping HOST [SOURCE]            one ICMP or ICMPv6 echo request
  probe.py flood HOST COUNT              COUNT echo requests at once; print the replies

Every probe waits at most TIMEOUT seconds and exits 0 when answered, 1 when not.
"""

import os
import select
import socket
import struct
import sys
import threading
import time

TIMEOUT = 1.5


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def serve(tcp_ports, udp_ports):
    def tcp(port):
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("::", port))
        s.listen(64)
        while True:
            conn, peer = s.accept()
            print("tcp", peer[0].removeprefix("::ffff:"), flush=True)
            try:
                conn.sendall(peer[0].removeprefix("::ffff:").encode())
            finally:
                conn.close()

    def udp(port):
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(("::", port))
        while True:
            _, peer = s.recvfrom(2048)
            print("udp", peer[0].removeprefix("::ffff:"), flush=True)
            s.sendto(peer[0].removeprefix("::ffff:").encode(), peer)

    threads = [threading.Thread(target=tcp, args=(p,), daemon=True) for p in tcp_ports]
    threads += [threading.Thread(target=udp, args=(p,), daemon=True) for p in udp_ports]
    for t in threads:
        t.start()
    print("ready", flush=True)
    while True:
        time.sleep(3600)


def probe_tcp(host, port):
    s = socket.socket(family(host), socket.SOCK_STREAM)
    s.settimeout(TIMEOUT)
    try:
        s.connect((host, port))
        print(s.recv(128).decode())
        return 0
    except OSError:
        return 1
    finally:
        s.close()


def probe_udp(host, port, source=None):
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    s.settimeout(TIMEOUT)
    if source:
        s.bind((source, 0))
    try:
        s.sendto(b"probe", (host, port))
        print(s.recv(128).decode())
        return 0
    except OSError:
        return 1
    finally:
        s.close()


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def echo_socket(host, source=None):
    v6 = ":" in host
    if v6:
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    if source:
        s.bind((source, 0))
    return s, v6


def echo_request(v6, ident, seq):
    kind = 128 if v6 else 8
    header = struct.pack("!BBHHH", kind, 0, 0, ident, seq)
    payload = b"infrac-live"
    if v6:
        # The kernel fills in the ICMPv6 checksum of raw sockets.
        return header + payload
    return struct.pack("!BBHHH", kind, 0, checksum(header + payload), ident, seq) + payload


def echo_reply_ident(v6, packet):
    if not v6:
        packet = packet[(packet[0] & 0x0F) * 4 :]
    if len(packet) < 8 or packet[0] != (129 if v6 else 0):
        return None
    return struct.unpack("!H", packet[4:6])[0]


def replies(s, v6, ident, deadline):
    count = 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return count
        ready, _, _ = select.select([s], [], [], left)
        if not ready:
            return count
        if echo_reply_ident(v6, s.recv(2048)) == ident:
            count += 1


def ping(host, source=None):
    s, v6 = echo_socket(host, source)
    ident = os.getpid() & 0xFFFF
    s.sendto(echo_request(v6, ident, 1), (host, 0))
    return 0 if replies(s, v6, ident, time.monotonic() + TIMEOUT) else 1


def flood(host, count):
    s, v6 = echo_socket(host)
    ident = os.getpid() & 0xFFFF
    for seq in range(count):
        s.sendto(echo_request(v6, ident, seq), (host, 0))
    print(replies(s, v6, ident, time.monotonic() + 2 * TIMEOUT))
    return 0


def main(argv):
    mode = argv[1]
    if mode == "serve":
        ports = lambda text: [int(p) for p in text.split(",") if p]
        serve(ports(argv[2]), ports(argv[3]))
    elif mode == "tcp":
        return probe_tcp(argv[2], int(argv[3]))
    elif mode == "udp":
        return probe_udp(argv[2], int(argv[3]), argv[4] if len(argv) > 4 else None)
    elif mode == "ping":
        return ping(argv[2], argv[3] if len(argv) > 3 else None)
    elif mode == "flood":
        return flood(argv[2], int(argv[3]))
    raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
