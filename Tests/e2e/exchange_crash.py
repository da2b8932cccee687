"""Crash test of the national-axis outbox: documents sent to an agency outside the province are
delivered at least once and never lost, and never stored twice, when the server is killed
(SIGKILL) while deliveries are in flight.

Usage: python3 Tests/e2e/exchange_crash.py PATH_TO_CQS_BINARY
Starts `cqs fake-axis` (slow: each delivery held 300 ms) and `cqs serve` with a fresh SQLite
database pointing at it, sends N documents, kills the server mid-batch, starts it again on the
same data and checks that the axis ends up with every document exactly once by key and that the
platform holds exactly N outgoing records. Exits non-zero on failure."""
import base64
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from dossier_journey import free_port, wait_ready

N = 12
OUTSIDE = "000.00.00.G22"  # Văn phòng Chính phủ: outside the province, through the national axis


def call(base, path, token=None, body=None, method=None):
    request = urllib.request.Request(base + path, method=method or ("POST" if body is not None else "GET"))
    if token:
        request.add_header("Authorization", "Bearer " + token)
    data = None
    if body is not None:
        request.add_header("Content-Type", "application/json")
        data = json.dumps(body).encode()
    with urllib.request.urlopen(request, data, timeout=30) as response:
        text = response.read()
        return response.status, (json.loads(text) if text else None)


def token(base, username):
    return call(base, "/api/v1/auth/token", body={"username": username, "password": "DongNai2026demo"})[1]["accessToken"]


def wait_for_axis(axis_base):
    """Waits (up to 20 s) until the fake axis answers."""
    for _ in range(100):
        try:
            call(axis_base, "/edxml")
            return
        except Exception:
            time.sleep(0.2)


def start(cqs, env, log):
    return subprocess.Popen([cqs, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)


def main():
    cqs = sys.argv[1]
    workdir = tempfile.mkdtemp(prefix="cqs-crash-")
    axis_port, port = free_port(), free_port()
    axis_base, base = f"http://127.0.0.1:{axis_port}", f"http://127.0.0.1:{port}"
    axis = subprocess.Popen([cqs, "fake-axis", "--port", str(axis_port), "--delay-ms", "300"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = dict(os.environ, CQS_DATA_DIR=workdir, CQS_HTTP_PORT=str(port), CQS_NATIONAL_AXIS_URL=axis_base, CQS_BCRYPT_COST="4",
               CQS_DATABASE_URL="sqlite://" + os.path.join(workdir, "cqs.sqlite"))
    log = open(os.path.join(workdir, "server.log"), "ab")
    server = start(cqs, env, log)
    failures = []
    try:
        wait_ready(base, server)
        wait_for_axis(axis_base)
        clerk = token(base, "vanthu.vp")
        pdf = base64.b64encode(b"%PDF-1.4\n%%EOF\n").decode()
        sent = []
        for n in range(N):
            status, body = call(base, "/api/v1/exchange/documents", clerk, {
                "codeNumber": str(100 + n), "codeNotation": "VP-TH", "typeName": "Công văn", "subject": f"V/v thử sự cố {n}",
                "recipients": [{"organId": OUTSIDE, "name": "Văn phòng Chính phủ"}],
                "files": [{"name": "cv.pdf", "contentType": "application/pdf", "content": pdf}]})
            assert status == 201, status
            sent.append(body[0]["documentId"])
        # Once the first documents are through and more are in flight (300 ms each), kill the
        # server without warning.
        deadline = time.time() + 60
        while time.time() < deadline and len(call(axis_base, "/edxml")[1]["keys"]) < 2:
            time.sleep(0.05)
        time.sleep(0.15)
        server.send_signal(signal.SIGKILL)
        server.wait()
        before = call(axis_base, "/edxml")[1]
        if not 0 < len(before["keys"]) < N:
            failures.append(f"the kill did not land mid-batch: {len(before['keys'])} of {N} delivered before it")
        server = start(cqs, env, log)
        wait_ready(base, server)
        deadline = time.time() + 120
        report = before
        while time.time() < deadline:
            report = call(axis_base, "/edxml")[1]
            if len(report["keys"]) >= N:
                break
            time.sleep(0.5)
        wanted = sorted(f"{document}#{OUTSIDE}" for document in sent)
        if report["keys"] != wanted:
            failures.append(f"axis holds {len(report['keys'])} distinct documents, want {N}: missing {sorted(set(wanted) - set(report['keys']))}")
        # Nothing stored twice: one outgoing record and one outbox message per document, all delivered.
        # The messages the killed server had claimed (a batch of up to 10) are sent again when
        # their lease ends (other documents do not wait for them): up to a lease (60 s) later.
        admin = token(base, "admin")
        while True:
            outbox = call(base, "/api/v1/outbox?topic=national-axis&limit=100", admin)[1]
            if all(item["status"] == "delivered" for item in outbox["items"]) or time.time() > deadline:
                break
            time.sleep(0.5)
        keys = sorted(item["dedupeKey"] for item in outbox["items"])
        if keys != wanted:
            failures.append(f"outbox keys {keys} != {wanted}")
        pending = [item for item in outbox["items"] if item["status"] != "delivered"]
        if pending:
            failures.append(f"{len(pending)} messages not delivered")
        print(f"crash: {N} sent, {len(before['keys'])} delivered before the kill, {len(report['keys'])} after restart, "
              f"{report['deliveries']} deliveries in all (at-least-once)")
    finally:
        for process in (server, axis):
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
    finish("crash", failures)


def finish(name, failures):
    """Prints the failures and the verdict, and exits with it."""
    for failure in failures:
        print("FAIL:", failure)
    print(f"{name}: {'passed' if not failures else 'failed'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
