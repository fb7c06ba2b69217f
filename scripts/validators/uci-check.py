#!/usr/bin/env python3
"""Strict check of OpenWrt UCI files (/etc/config/network, dhcp, firewall).

No packaged UCI parser exists outside OpenWrt, so this reads the files the way libuci
does (openwrt/uci file.c: `config`/`option`/`list` lines, words in single quotes taken
literally, in double quotes with backslash escapes, bare words with backslash escapes),
but rejects everything libuci would accept only by accident: abbreviated or unknown
commands, `package`, `;` and trailing `#` outside quotes, values that run on to the next
line, control characters, options outside a section, an option set twice, an option
written both as `option` and `list`, two sections of one name. Then every section type
and option name is checked against uci-schema.txt for the file's name.

Usage: uci-check.py FILE   (prints the problems, exits 1 when there are any)
"""

import os
import re
import sys

NAME = re.compile(r"^[A-Za-z0-9_]+$")


def load_schema(path):
    schema, current = {}, None
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            m = re.fullmatch(r"\[([a-z]+)\]", line)
            if m:
                current = schema.setdefault(m.group(1), {})
                continue
            kind, _, options = line.partition("=")
            entry = {}
            for word in options.split():
                entry[word.rstrip("*")] = word.endswith("*")
            current[kind.strip()] = entry
    return schema


def words(line, lineno):
    """The words of one line, with UCI's quoting; (word, was_bare) pairs."""
    out, i, n = [], 0, len(line)
    while True:
        while i < n and line[i] in " \t":
            i += 1
        if i >= n:
            return out
        word, bare = "", True
        while i < n and line[i] not in " \t":
            c = line[i]
            if c == "'":
                end = line.find("'", i + 1)
                if end < 0:
                    raise ValueError(f"line {lineno}: unterminated ' (values must end on their line)")
                word += line[i + 1 : end]
                i, bare = end + 1, False
            elif c == '"':
                i += 1
                while True:
                    if i >= n:
                        raise ValueError(f'line {lineno}: unterminated " (values must end on their line)')
                    if line[i] == "\\":
                        if i + 1 >= n:
                            raise ValueError(f"line {lineno}: backslash at the end of a line")
                        word += line[i + 1]
                        i += 2
                    elif line[i] == '"':
                        i += 1
                        break
                    else:
                        word += line[i]
                        i += 1
                bare = False
            elif c == "\\":
                if i + 1 >= n:
                    raise ValueError(f"line {lineno}: backslash at the end of a line")
                word += line[i + 1]
                i, bare = i + 2, False
            elif c in "#;":
                raise ValueError(f"line {lineno}: `{c}` outside quotes")
            else:
                word += c
                i += 1
        out.append((word, bare))


def parse(text):
    """Sections as (type, name, {option: (is_list, [values])}, line)."""
    sections, names = [], set()
    for lineno, line in enumerate(text.split("\n"), 1):
        if any(ord(c) < 32 and c != "\t" for c in line):
            raise ValueError(f"line {lineno}: control character")
        stripped = line.lstrip(" \t")
        if not stripped or stripped.startswith("#"):
            continue
        ws = words(line, lineno)
        (command, bare), args = ws[0], [w for w, _ in ws[1:]]
        if not bare or command not in ("config", "option", "list"):
            raise ValueError(f"line {lineno}: unknown command `{command}`")
        if command == "config":
            if len(args) not in (1, 2):
                raise ValueError(f"line {lineno}: `config TYPE ['NAME']` expected")
            if not NAME.match(args[0]):
                raise ValueError(f"line {lineno}: invalid section type `{args[0]}`")
            name = args[1] if len(args) == 2 else None
            if name is not None:
                if not NAME.match(name):
                    raise ValueError(f"line {lineno}: invalid section name `{name}`")
                if name in names:
                    raise ValueError(f"line {lineno}: section `{name}` declared twice")
                names.add(name)
            sections.append((args[0], name, {}, lineno))
            continue
        if not sections:
            raise ValueError(f"line {lineno}: `{command}` before the first section")
        if len(args) != 2:
            raise ValueError(f"line {lineno}: `{command} NAME 'VALUE'` expected")
        key, value = args
        if not NAME.match(key):
            raise ValueError(f"line {lineno}: invalid option name `{key}`")
        options = sections[-1][2]
        is_list = command == "list"
        if key in options:
            was_list, values = options[key]
            if not (is_list and was_list):
                raise ValueError(f"line {lineno}: `{key}` set twice in one section")
            values.append(value)
        else:
            options[key] = (is_list, [value])
    return sections


def check(path, schema):
    config = os.path.basename(path)
    if config not in schema:
        return [f"no schema for a UCI file named `{config}` (known: {', '.join(sorted(schema))})"]
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        sections = parse(text)
    except ValueError as e:
        return [str(e)]
    problems = []
    for kind, _name, options, lineno in sections:
        allowed = schema[config].get(kind)
        if allowed is None:
            problems.append(f"line {lineno}: `config {kind}` is not a section of /etc/config/{config}")
            continue
        for key, (is_list, _values) in options.items():
            if key not in allowed:
                problems.append(f"section at line {lineno}: `{key}` is not an option of `config {kind}`")
            elif is_list and not allowed[key]:
                problems.append(f"section at line {lineno}: `{key}` of `config {kind}` cannot be a list")
    return problems


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    here = os.path.dirname(os.path.abspath(__file__))
    schema = load_schema(os.path.join(here, "uci-schema.txt"))
    problems = check(sys.argv[1], schema)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
