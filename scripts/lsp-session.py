#!/usr/bin/env python3
"""Drives `infrac lsp` over its standard input and output as an editor does, and prints
what each step took as the editor sees it (the process, the protocol and the check):

    scripts/lsp-session.py BINARY LAB [--keys N]

It opens LAB, types N characters of a comment at its end (each a change, waiting for the
diagnostics of that version), types a digit after the first core count of the lab (`cores = 2`) and
deletes it again N times, asks for hover on that line N times, then for what an editor
asks for after an edit (inlay hints of the lines around it, document symbols, semantic
tokens, folding ranges; N/4 times each), then the semantic tokens that changed after each
of N/2 more keystrokes in the middle, and shuts the server down.
Keystroke latency is from sending a change to the arrival of its diagnostics, a request's
from sending it to the arrival of its whole answer (this script's parsing of the JSON is
not counted: it is the client's work, not the server's).
`scripts/release-build.sh` runs it to train the shipped binary's language server; run it
on two binaries to compare them. Every wait is bounded: a server that stops answering
fails the run instead of hanging it.
"""

import json
import os
import pathlib
import queue
import re
import statistics
import subprocess
import sys
import threading
import time

WAIT = 120.0  # seconds for any one answer: a 10,000-guest lab opens in well under that


def fail(message):
    sys.exit(f"lsp-session.py: {message}")


class Server:
    def __init__(self, binary):
        self.process = subprocess.Popen(
            [binary, "lsp"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.messages = queue.Queue()
        self.next_id = 1
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        out = self.process.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    self.messages.put(None)
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            if length is None:
                self.messages.put(None)
                return
            body = out.read(length)
            # Timed when the whole body is in: the client's own parsing is not the server's.
            self.messages.put((time.monotonic(), json.loads(body)))

    def send(self, message):
        body = json.dumps(message).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method, params):
        id = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
        return id

    def wait(self, accept, what):
        """The first message `accept` takes, and when it arrived; requests from the server
        are answered."""
        deadline = time.monotonic() + WAIT
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                fail(f"no {what} within {WAIT:.0f} s")
            try:
                item = self.messages.get(timeout=left)
            except queue.Empty:
                fail(f"no {what} within {WAIT:.0f} s")
            if item is None:
                fail(f"the server closed its output while waiting for {what}")
            arrived, message = item
            if "method" in message and "id" in message:
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
                continue
            if accept(message):
                return arrived, message

    def answer(self, id, what):
        """When the answer to request `id` arrived, and its result."""
        arrived, message = self.wait(lambda m: m.get("id") == id and "method" not in m, what)
        if "error" in message:
            fail(f"{what} failed: {message['error']}")
        return arrived, message.get("result")

    def response(self, id, what):
        """When the answer to request `id` arrived."""
        return self.answer(id, what)[0]

    def published(self, uri, version):
        """When the diagnostics of `version` arrived."""
        return self.wait(
            lambda m: m.get("method") == "textDocument/publishDiagnostics"
            and m["params"]["uri"] == uri
            and m["params"].get("version") == version,
            f"diagnostics of version {version}",
        )[0]


def percentiles(samples):
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round((len(ordered) - 1) * 0.95))]
    return f"p50 {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"


def main():
    args = sys.argv[1:]
    keys = 20
    if "--keys" in args:
        at = args.index("--keys")
        if at + 1 >= len(args) or not args[at + 1].isdigit():
            sys.exit(__doc__)
        keys = int(args[at + 1])
        del args[at : at + 2]
    if len(args) != 2:
        sys.exit(__doc__)
    binary, lab = args
    path = os.path.abspath(lab)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    uri = pathlib.Path(path).as_uri()
    # The protocol's line breaks: `\r\n`, `\r` and `\n`.
    lines = re.split(r"\r\n|\r|\n", text)
    # The edits count positions in UTF-16 units, as the protocol does by default.
    units = lambda s: len(s.encode("utf-16-le")) // 2
    # The first line that sets a core count to a number, and the column after the number.
    cores = next(
        (i for i, line in enumerate(lines) if re.search(r"\bcores\s*=\s*[0-9]+$", line)),
        None,
    )

    server = Server(binary)
    try:
        _, initialized = server.answer(
            server.request(
                "initialize",
                {"processId": os.getpid(), "rootUri": None, "capabilities": {}},
            ),
            "the answer to initialize",
        )
        capabilities = (initialized or {}).get("capabilities", {})
        offered = (capabilities.get("semanticTokensProvider") or {}).get("full")
        # A server from before deltas offers `full: true` only; its session skips them.
        deltas = isinstance(offered, dict) and offered.get("delta") is True
        server.notify("initialized", {})
        started = time.monotonic()
        server.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": uri,
                    "languageId": "infra",
                    "version": 1,
                    "text": text,
                }
            },
        )
        opened = server.published(uri, 1) - started
        version = 1

        def change(line, start, end, new_text):
            nonlocal version
            version += 1
            began = time.monotonic()
            server.notify(
                "textDocument/didChange",
                {
                    "textDocument": {"uri": uri, "version": version},
                    "contentChanges": [
                        {
                            "range": {
                                "start": {"line": line, "character": start},
                                "end": {"line": line, "character": end},
                            },
                            "text": new_text,
                        }
                    ],
                },
            )
            return server.published(uri, version) - began

        # A comment typed on a line of its own after the last one.
        last = len(lines) - 1
        at_end = [change(last, units(lines[last]), units(lines[last]), "\n#")]
        column = 1
        for _ in range(keys - 1):
            at_end.append(change(last + 1, column, column, "x"))
            column += 1

        middle, hovers, requests = [], [], {}
        if cores is not None:
            digit_at = units(lines[cores])
            for _ in range(keys):
                middle.append(change(cores, digit_at, digit_at, "0"))
                middle.append(change(cores, digit_at, digit_at + 1, ""))
            word = lines[cores].index("cores")
            for _ in range(keys):
                began = time.monotonic()
                arrived = server.response(
                    server.request(
                        "textDocument/hover",
                        {
                            "textDocument": {"uri": uri},
                            "position": {"line": cores, "character": word + 1},
                        },
                    ),
                    "the answer to hover",
                )
                hovers.append(arrived - began)

        # What an editor asks for after an edit, besides diagnostics: the hints of the
        # lines it shows (around the middle edit, or the file's start), the outline, the
        # colouring, the folds.
        shown = max(0, (cores or 0) - 30)
        document = {"textDocument": {"uri": uri}}
        after_edit = [
            (
                "inlay hints of 60 lines",
                "textDocument/inlayHint",
                dict(
                    document,
                    range={
                        "start": {"line": shown, "character": 0},
                        "end": {"line": shown + 60, "character": 0},
                    },
                ),
            ),
            ("document symbols", "textDocument/documentSymbol", document),
            ("semantic tokens", "textDocument/semanticTokens/full", document),
            ("folding ranges", "textDocument/foldingRange", document),
        ]
        for label, method, params in after_edit:
            for _ in range(max(1, keys // 4)):
                began = time.monotonic()
                id = server.request(method, params)
                arrived = server.response(id, f"the answer to {method}")
                requests.setdefault(label, []).append(arrived - began)

        # Semantic tokens as an editor keeps them after each keystroke in the middle: the
        # edit since its last answer.
        if cores is not None and deltas:
            full = "textDocument/semanticTokens/full"
            _, last = server.answer(server.request(full, document), f"the answer to {full}")
            method = full + "/delta"
            for i in range(2 * max(1, keys // 4)):
                typed = "0" if i % 2 == 0 else ""
                change(cores, digit_at, digit_at + (i % 2), typed)
                params = dict(document, previousResultId=last["resultId"])
                began = time.monotonic()
                arrived, last = server.answer(
                    server.request(method, params), f"the answer to {method}"
                )
                if "edits" not in last:
                    fail(f"{method} sent every token, not the edit: {str(last)[:200]}")
                label = "semantic tokens after a keystroke (delta)"
                requests.setdefault(label, []).append(arrived - began)

        server.response(server.request("shutdown", None), "the answer to shutdown")
        server.notify("exit", None)
        try:
            code = server.process.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            fail("the server did not exit after `exit`")
        if code != 0:
            fail(f"the server exited with {code}")
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()

    print(f"opened with diagnostics: {opened * 1000:.1f} ms")
    print(f"keystroke at the end ({len(at_end)}): {percentiles(at_end)}")
    if middle:
        print(f"keystroke in the middle ({len(middle)}): {percentiles(middle)}")
    if hovers:
        print(f"hover ({len(hovers)}): {percentiles(hovers)}")
    for label, times in requests.items():
        print(f"{label} ({len(times)}): {percentiles(times)}")
    if cores is not None and not deltas:
        print("semantic tokens after a keystroke (delta): not offered by this server")


if __name__ == "__main__":
    main()
