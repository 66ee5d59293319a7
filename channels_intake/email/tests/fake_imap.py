"""A small real IMAP4rev1 server on 127.0.0.1 for tests: LOGIN, SELECT/EXAMINE, UID SEARCH, UID FETCH.

``FakeImapServer.messages`` maps UID -> raw bytes; ``uidvalidity`` can be changed between polls; and
``hang_up_after_fetches`` drops the connection in the middle of a batch, as a dying server or a killed
network would; ``broken_uids`` are messages the server can never deliver (a corrupt message file).
"""

from __future__ import annotations

import re
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class FakeImapServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, messages: dict[int, bytes], *, user: str = "cs@tokoku.example", password: str = "app-pass"
    ):
        super().__init__(("127.0.0.1", 0), _ImapHandler)
        self.messages = dict(messages)
        self.user = user
        self.password = password
        self.folder = "INBOX"
        self.uidvalidity = 1700000000
        self.hang_up_after_fetches: int | None = None
        self.stall_at_uid: int | None = None  # stop answering a body fetch of this UID or above
        self.stalled = threading.Event()  # set once a client is left waiting
        self.release = threading.Event()
        self.broken_uids: set[int] = set()  # a body fetch of these answers NO, every time
        self.body_fetches = 0
        self.commands: list[str] = []

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class _ImapHandler(socketserver.StreamRequestHandler):
    server: FakeImapServer

    def send(self, line: str | bytes) -> None:
        data = line if isinstance(line, bytes) else line.encode()
        self.wfile.write(data + b"\r\n")

    def handle(self) -> None:
        self.send("* OK [CAPABILITY IMAP4rev1] fake IMAP ready")
        selected = False
        while True:
            line = self.rfile.readline()
            if not line:
                return
            tag, _, rest = line.decode().strip().partition(" ")
            command, _, args = rest.partition(" ")
            command = command.upper()
            self.server.commands.append(f"{command} {args}".strip())
            if command == "CAPABILITY":
                self.send("* CAPABILITY IMAP4rev1 AUTH=PLAIN")
                self.send(f"{tag} OK CAPABILITY completed")
            elif command == "LOGIN":
                user, password = [part.strip('"') for part in args.split(" ", 1)]
                if (user, password) != (self.server.user, self.server.password):
                    self.send(f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials")
                    continue
                self.send(f"{tag} OK LOGIN completed")
            elif command in {"SELECT", "EXAMINE"}:
                if args.strip('"') != self.server.folder:
                    self.send(f"{tag} NO [NONEXISTENT] Unknown folder")
                    continue
                selected = True
                uids = sorted(self.server.messages)
                self.send(f"* {len(uids)} EXISTS")
                self.send("* 0 RECENT")
                self.send(f"* OK [UIDVALIDITY {self.server.uidvalidity}] UIDs valid")
                self.send(f"* OK [UIDNEXT {(uids[-1] if uids else 0) + 1}] Predicted next UID")
                mode = "READ-ONLY" if command == "EXAMINE" else "READ-WRITE"
                self.send(f"{tag} OK [{mode}] {command} completed")
            elif command == "UID" and selected:
                if not self._uid(tag, args):
                    return
            elif command == "NOOP":
                self.send(f"{tag} OK NOOP completed")
            elif command == "LOGOUT":
                self.send("* BYE logging out")
                self.send(f"{tag} OK LOGOUT completed")
                return
            else:
                self.send(f"{tag} BAD unknown or out-of-state command")

    def _uid(self, tag: str, args: str) -> bool:
        sub, _, rest = args.partition(" ")
        uids = sorted(self.server.messages)
        if sub.upper() == "SEARCH":
            match = re.search(r"UID (\d+):\*", rest, re.IGNORECASE)
            low = int(match.group(1)) if match else 1
            found = [uid for uid in uids if uid >= low] or uids[-1:]  # "n:*" always matches the last UID
            self.send("* SEARCH " + " ".join(str(uid) for uid in found))
            self.send(f"{tag} OK SEARCH completed")
            return True
        if sub.upper() == "FETCH":
            uid_text, _, items = rest.partition(" ")
            uid = int(uid_text)
            raw = self.server.messages.get(uid)
            if raw is None:
                self.send(f"{tag} OK FETCH completed")
                return True
            sequence = uids.index(uid) + 1
            if "RFC822.SIZE" in items.upper():
                self.send(f"* {sequence} FETCH (UID {uid} RFC822.SIZE {len(raw)})")
            else:
                if (
                    self.server.hang_up_after_fetches is not None
                    and self.server.body_fetches >= self.server.hang_up_after_fetches
                ):
                    return False  # the connection dies mid-batch
                if uid in self.server.broken_uids:
                    self.send(f"{tag} NO [SERVERBUG] Internal error occurred. Refer to server log.")
                    return True
                if self.server.stall_at_uid is not None and uid >= self.server.stall_at_uid:
                    self.server.stalled.set()
                    self.server.release.wait(timeout=30)
                    return False
                self.server.body_fetches += 1
                section = "BODY[HEADER]" if "HEADER" in items.upper() else "BODY[]"
                data = raw.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n" if section == "BODY[HEADER]" else raw
                self.wfile.write(
                    f"* {sequence} FETCH (UID {uid} {section} {{{len(data)}}}\r\n".encode() + data + b")\r\n"
                )
            self.send(f"{tag} OK FETCH completed")
            return True
        self.send(f"{tag} BAD unsupported UID command")
        return True


@contextmanager
def running(server: FakeImapServer) -> Iterator[FakeImapServer]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()
