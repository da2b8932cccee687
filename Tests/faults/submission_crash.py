"""Fault test: SIGKILL the server during 200 concurrent dossier submissions, restart it on the
same data, and check that every submission that got a 2xx exists exactly once, and that the
dossier codes are unique and gap-free per agency and day.

Usage: python3 Tests/faults/submission_crash.py PATH_TO_CQS_BINARY [postgres://… (optional)]
Exits non-zero on failure."""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
from dossier_journey import free_port, wait_ready  # noqa: E402
from exchange_crash import call, start, token  # noqa: E402

N = 200
KILL_AFTER = 70  # acknowledged submissions before the kill
BODY = {"procedureCode": "1.004227", "agencyIdentifier": "000.46.50.H19",
        "applicant": {"fullName": "Nguyễn Thị Dân", "kind": 1, "phone": "0912345678"}, "subject": "Thử nghiệm sự cố"}
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def submission(base):
    """A citizen's submission as the portal's apps send it: multipart with the dossier's JSON and a
    small PDF for each document its procedure requires (read from the procedure API)."""
    _, procedure = call(base, "/api/v1/procedures/" + BODY["procedureCode"])
    boundary = "cqs-fault-boundary"
    parts = [f"--{boundary}\r\nContent-Disposition: form-data; name=\"dossier\"\r\nContent-Type: application/json\r\n\r\n".encode()
             + json.dumps(BODY).encode()]
    for document in procedure["documents"]:
        if document.get("required", True):
            parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{document['name']}\"; filename=\"giay-to.pdf\"\r\n"
                         "Content-Type: application/pdf\r\n\r\n".encode() + PDF)
    return b"\r\n".join(parts) + f"\r\n--{boundary}--\r\n".encode(), "multipart/form-data; boundary=" + boundary


def post_submission(base, citizen, body, timeout=30):
    """Posts a submission built by `submission`; returns the status and the created dossier."""
    request = urllib.request.Request(base + "/api/v1/dossiers", data=body[0], method="POST")
    request.add_header("Authorization", "Bearer " + citizen)
    request.add_header("Content-Type", body[1])
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, json.loads(response.read())


def stored_codes(base, citizen):
    """Every dossier code the citizen has, through the paged API."""
    stored, cursor = [], None
    while True:
        _, page = call(base, "/api/v1/dossiers?limit=200" + (f"&cursor={cursor}" if cursor else ""), token=citizen)
        stored += [item["code"] for item in page["items"]]
        cursor = page.get("nextCursor")
        if not cursor:
            return stored


def lost_or_twice(acked, stored):
    """The problems with what was stored, given what was acknowledged."""
    failures = []
    missing = [code for code in acked if code not in stored]
    if missing:
        failures.append(f"acknowledged but lost: {missing[:5]}")
    if len(set(stored)) != len(stored):
        failures.append("a dossier code is stored twice")
    return failures


def code_gaps(stored):
    """The agencies and days whose dossier codes are not 1, 2, 3… without a gap."""
    sequences = {}
    for code in stored:
        match = re.fullmatch(r"(.+)-(\d{6})-(\d{4})", code)
        sequences.setdefault((match.group(1), match.group(2)), []).append(int(match.group(3)))
    return [f"codes of {key} have gaps: {sorted(numbers)[:10]}…"
            for key, numbers in sequences.items() if sorted(numbers) != list(range(1, len(numbers) + 1))]


def killing_submitter(base, citizen, body, victim, acknowledged, errors, lock, killed, kill_after=KILL_AFTER):
    """A thread body: one submission; the one that brings the acknowledged count to `kill_after`
    SIGKILLs `victim`. Acknowledged codes and cut-off errors are collected under `lock`."""
    def submit():
        try:
            status, dossier = post_submission(base, citizen, body)
            if 200 <= status < 300:
                with lock:
                    acknowledged.append(dossier["code"])
                    if len(acknowledged) >= kill_after and not killed.is_set():
                        killed.set()
                        victim.send_signal(signal.SIGKILL)
        except (urllib.error.URLError, ConnectionError, OSError) as error:
            with lock:
                errors.append(repr(error))
    return submit


def stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def main():
    cqs = sys.argv[1]
    database = sys.argv[2] if len(sys.argv) > 2 else None
    workdir = tempfile.mkdtemp(prefix="cqs-submit-crash-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, CQS_DATA_DIR=workdir, CQS_HTTP_PORT=str(port), CQS_BCRYPT_COST="4", CQS_DEMO_CERTIFICATES="false",
               CQS_DATABASE_URL=database or "sqlite://" + os.path.join(workdir, "cqs.sqlite"), CQS_LOG_LEVEL="warning")
    log = open(os.path.join(workdir, "server.log"), "ab")
    server = start(cqs, env, log)
    acknowledged, errors = [], []
    lock = threading.Lock()
    killed = threading.Event()
    try:
        wait_ready(base, server)
        citizen = token(base, "0912345678")
        body = submission(base)

        submit = killing_submitter(base, citizen, body, server, acknowledged, errors, lock, killed)
        threads = [threading.Thread(target=submit) for _ in range(N)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        server.wait(timeout=30)
        acked = list(acknowledged)
        print(f"crash: {N} submitted, {len(acked)} acknowledged before/at the kill, {len(errors)} cut off")

        server = start(cqs, env, log)
        wait_ready(base, server)
        citizen = token(base, "0912345678")
        stored = stored_codes(base, citizen)
        failures = lost_or_twice(acked, stored)
        missing = [code for code in acked if code not in stored]
        failures += code_gaps(stored)
        print(f"crash: after restart {len(stored)} dossiers stored, every acknowledged one present: {not missing}")
        if failures:
            print("crash: FAILED: " + "; ".join(failures))
            sys.exit(1)
        print("crash: passed")
    finally:
        stop(server)


if __name__ == "__main__":
    main()
