"""A small SMTP server (RFC 5321: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) that keeps every
message it accepts, for the fault tests that check what the platform e-mails. Python 3.12 has no
`smtpd` any more, and the tests need nothing from PyPI for this."""
import email
import email.header
import socketserver
import threading


class _Handler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write((line + "\r\n").encode())

    def handle(self):
        self.reply("220 sink.test ESMTP")
        sender, recipients = None, []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            command = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 sink.test")
            elif verb == "MAIL":
                sender, recipients = command[10:].strip(), []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command[8:].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                lines = []
                while True:
                    line = self.rfile.readline()
                    if not line or line in (b".\r\n", b".\n"):
                        break
                    lines.append(line[1:] if line.startswith(b"..") else line)
                self.server.sink.keep(sender, recipients, b"".join(lines))
                self.reply("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SMTPSink:
    """Listens on 127.0.0.1:`port` in a thread; `messages` holds (sender, recipients, Message-ID,
    subject) for each message accepted."""

    def __init__(self, port=0):
        self.messages = []
        self.lock = threading.Lock()
        self.server = _Server(("127.0.0.1", port), _Handler)
        self.server.sink = self
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def keep(self, sender, recipients, data):
        parsed = email.message_from_bytes(data)
        subject = str(email.header.make_header(email.header.decode_header(parsed.get("Subject", ""))))
        with self.lock:
            self.messages.append((sender, recipients, parsed.get("Message-ID", ""), subject))

    def ids(self, prefix=""):
        """The Message-IDs received that start with `<prefix`, one entry per delivery."""
        with self.lock:
            return [message_id for _, _, message_id, _ in self.messages if message_id.startswith("<" + prefix)]

    def close(self):
        self.server.shutdown()
        self.server.server_close()
