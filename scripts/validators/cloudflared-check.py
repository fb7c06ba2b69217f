#!/usr/bin/env python3
"""Strict check of a locally-managed cloudflared configuration file (config.yml).

There is no cloudflared package in Debian, so this mirrors cloudflared's own parser and
validation (github.com/cloudflare/cloudflared at d1df7985, 2026-08-20):
  - config/configuration.go: the keys of the file, of an ingress rule
    (UnvalidatedIngressRule: hostname, path, service, originRequest) and of
    OriginRequestConfig, with their types;
  - ingress/ingress.go validateIngress: a service is unix:PATH, unix+tls:PATH,
    http_status:NNN (100..999), hello_world/hello-world, socks-proxy, bastion, or a URL
    with a scheme and a host name and no path;
  - ingress/ingress.go validateHostname: no port in a hostname, "*" only as the first
    character, the last rule a catch-all (no hostname or "*", no path) and no other rule
    a catch-all; a path is a regular expression.
Documented in https://developers.cloudflare.com/cloudflare-one/connections/connect-apps/
configuration/local-management/configuration-file/ ("Configuration files that contain
ingress rules must always include a catch-all rule that concludes the file").
Top-level keys other than the ones below are cloudflared command-line flags; infrac
writes none, so any other key fails. Usage: cloudflared-check.py FILE...; prints one
problem per line and exits 1 if any file has one.
"""
import re
import sys
from urllib.parse import urlsplit

import yaml

DURATION = re.compile(r"^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$")
ORIGIN_REQUEST = {
    "connectTimeout": "duration", "tlsTimeout": "duration", "tcpKeepAlive": "duration",
    "noHappyEyeballs": bool, "keepAliveConnections": int, "keepAliveTimeout": "duration",
    "httpHostHeader": str, "originServerName": str, "matchSNItoHost": bool, "caPool": str,
    "noTLSVerify": bool, "disableChunkedEncoding": bool, "bastionMode": bool,
    "proxyAddress": str, "proxyPort": int, "proxyType": str, "ipRules": list,
    "http2Origin": bool, "access": dict,
}
TOP = {"tunnel": str, "credentials-file": str, "ingress": list, "originRequest": dict,
       "warp-routing": dict}
RULE = {"hostname", "path", "service", "originRequest"}
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class StrictLoader(yaml.SafeLoader):
    """Refuses duplicate keys, which the Go YAML parser also rejects."""


def _mapping(loader, node, deep=False):
    keys = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in keys:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        keys.add(key)
    return loader.construct_mapping(node, deep)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def origin_request(where, value, problems):
    if not isinstance(value, dict):
        problems.append(f"{where}: originRequest must be a mapping")
        return
    for key, v in value.items():
        kind = ORIGIN_REQUEST.get(key)
        if kind is None:
            problems.append(f"{where}: unknown originRequest key {key!r}")
        elif kind == "duration":
            if not (isinstance(v, str) and DURATION.match(v)):
                problems.append(f"{where}: {key} must be a duration such as 30s, not {v!r}")
        elif kind is int:
            if not isinstance(v, int) or isinstance(v, bool):
                problems.append(f"{where}: {key} must be an integer")
        elif not isinstance(v, kind):
            problems.append(f"{where}: {key} must be a {kind.__name__}")


def service(where, s, problems):
    if not isinstance(s, str) or not s:
        problems.append(f"{where}: service must be a non-empty string")
        return
    if s.startswith(("unix:", "unix+tls:")) or s in ("hello_world", "hello-world", "socks-proxy", "bastion"):
        return
    if s.startswith("http_status:"):
        code = s[len("http_status:"):]
        if not code.isdigit() or not 100 <= int(code) <= 999:
            problems.append(f"{where}: invalid HTTP status code in {s!r}")
        return
    u = urlsplit(s)
    if not u.scheme or not u.hostname:
        problems.append(f"{where}: {s} is an invalid address, please make sure it has a scheme and a hostname")
    elif u.path:
        problems.append(f"{where}: {s} is an invalid address, ingress rules don't support proxying to a different path")
    try:
        u.port
    except ValueError:
        problems.append(f"{where}: {s} has an invalid port")


def check(path):
    problems = []
    with open(path, encoding="utf-8") as f:
        try:
            doc = yaml.load(f, Loader=StrictLoader)
        except yaml.YAMLError as e:
            return [f"not YAML: {e}"]
    if not isinstance(doc, dict):
        return ["the file must be a mapping"]
    for key, value in doc.items():
        kind = TOP.get(key)
        if kind is None:
            problems.append(f"unknown key {key!r}")
        elif not isinstance(value, kind):
            problems.append(f"{key} must be a {kind.__name__}")
    tunnel = doc.get("tunnel")
    if not isinstance(tunnel, str) or not UUID.match(tunnel):
        problems.append(f"tunnel must be the tunnel's UUID, not {tunnel!r}")
    creds = doc.get("credentials-file")
    if not isinstance(creds, str) or not creds.startswith("/"):
        problems.append("credentials-file must be an absolute path")
    if "originRequest" in doc:
        origin_request("top level", doc["originRequest"], problems)
    rules = doc.get("ingress")
    if not isinstance(rules, list) or not rules:
        problems.append("The config file doesn't contain any ingress rules")
        return problems
    for i, rule in enumerate(rules):
        where = f"ingress rule #{i + 1}"
        if not isinstance(rule, dict):
            problems.append(f"{where}: must be a mapping")
            continue
        for key in rule:
            if key not in RULE:
                problems.append(f"{where}: unknown key {key!r}")
        service(where, rule.get("service"), problems)
        hostname = rule.get("hostname", "")
        rpath = rule.get("path", "")
        if not isinstance(hostname, str) or not isinstance(rpath, str):
            problems.append(f"{where}: hostname and path must be strings")
            continue
        if re.search(r":\d*$", hostname) or hostname.startswith("["):
            problems.append(f"{where}: Hostname cannot contain a port")
        if hostname.rfind("*") > 0:
            problems.append(f"{where}: Hostname patterns can have at most one wildcard character (\"*\") and it can only be used for subdomains")
        if rpath:
            try:
                re.compile(rpath)
            except re.error as e:
                problems.append(f"{where}: invalid path regex: {e}")
        catch_all = hostname in ("", "*") and not rpath
        last = i == len(rules) - 1
        if last and not catch_all:
            problems.append("The last ingress rule must match all URLs (i.e. it should not have a hostname or path filter)")
        if not last and catch_all:
            problems.append(f"{where}: only the last rule may match every hostname")
        if "originRequest" in rule:
            origin_request(where, rule["originRequest"], problems)
    return problems


def main():
    failed = False
    for path in sys.argv[1:]:
        for problem in check(path):
            print(f"{path}: {problem}")
            failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
