"""Checks a stripped wg-quick config (stdin) the way `wg setconf` parses it.

Keys and value forms follow wireguard-tools' src/config.c: a key is 32 bytes of
base64, AllowedIPs is a comma-separated list of prefixes, Endpoint is HOST:PORT,
ports and keepalive intervals are integers in range. Prints the problems and exits 1.
"""

import base64
import ipaddress
import sys

SECTIONS = {
    "Interface": {"PrivateKey", "ListenPort", "FwMark"},
    "Peer": {"PublicKey", "PresharedKey", "AllowedIPs", "Endpoint", "PersistentKeepalive"},
}


def key_ok(value):
    try:
        return len(value) == 44 and len(base64.b64decode(value, validate=True)) == 32
    except ValueError:
        return False


def endpoint_ok(value):
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536 or not host:
        return False
    if host.startswith("["):
        try:
            ipaddress.IPv6Address(host.strip("[]"))
            return True
        except ValueError:
            return False
    return all(c.isalnum() or c in ".-" for c in host)


def main():
    problems = []
    section = None
    peers = []
    for number, raw in enumerate(sys.stdin, 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            if section not in SECTIONS:
                problems.append(f"line {number}: unknown section [{section}]")
            if section == "Peer":
                peers.append(set())
            continue
        name, sep, value = (part.strip() for part in line.partition("="))
        if not sep or section not in SECTIONS or name not in SECTIONS[section]:
            problems.append(f"line {number}: `{line}` is not accepted in [{section}]")
            continue
        if section == "Peer":
            peers[-1].add(name)
        if name in ("PrivateKey", "PublicKey", "PresharedKey") and not key_ok(value):
            problems.append(f"line {number}: {name} is not a 32-byte base64 key")
        elif name == "AllowedIPs":
            for prefix in value.split(","):
                try:
                    ipaddress.ip_network(prefix.strip(), strict=False)
                except ValueError:
                    problems.append(f"line {number}: `{prefix.strip()}` is not a prefix")
        elif name == "Endpoint" and not endpoint_ok(value):
            problems.append(f"line {number}: `{value}` is not HOST:PORT")
        elif name in ("ListenPort", "PersistentKeepalive") and not (
            value.isdigit() and int(value) < 65536
        ):
            problems.append(f"line {number}: {name} must be an integer below 65536")
    for index, keys in enumerate(peers, 1):
        if "PublicKey" not in keys:
            problems.append(f"peer {index} has no PublicKey")
    print("\n".join(problems))
    return 1 if problems else 0


sys.exit(main())
