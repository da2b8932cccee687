"""Fault test: stop PostgreSQL under load of counter receipts (JSON) and citizens' online
submissions (multipart with their files). While it is down, requests get 503 with a problem body
(never a 500, never a hang, also for the requests in flight when it stops); the server recovers
by itself within seconds of the database's return; every submission acknowledged with a 2xx exists exactly once afterwards.

Usage: python3 Tests/faults/postgres_outage.py PATH_TO_CQS_BINARY POSTGRES_URL "PG_CTL_STOP" "PG_CTL_START"
(the last two are shell commands that stop and start the server holding POSTGRES_URL)."""
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
from dossier_journey import free_port, wait_ready  # noqa: E402
from exchange_crash import start, token  # noqa: E402
from submission_crash import BODY, lost_or_twice, stop, stored_codes, submission  # noqa: E402


def submit(base, bearer, body, content_type):
    """A submission: a counter receipt (JSON) or a citizen's multipart with its files."""
    request = urllib.request.Request(base + "/api/v1/dossiers", data=body, method="POST")
    request.add_header("Authorization", "Bearer " + bearer)
    request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, (error.headers.get("Content-Type"), error.read()[:300])
    except (urllib.error.URLError, OSError) as error:
        return 0, repr(error)


def main():
    cqs, url, stop_pg, start_pg = sys.argv[1:5]
    workdir = tempfile.mkdtemp(prefix="cqs-pg-outage-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, CQS_DATA_DIR=workdir, CQS_HTTP_PORT=str(port), CQS_BCRYPT_COST="4", CQS_DEMO_CERTIFICATES="false",
               CQS_DATABASE_URL=url, CQS_LOG_LEVEL=os.environ.get("OUTAGE_LOG_LEVEL", "error"))
    log = open(os.path.join(workdir, "server.log"), "ab")
    server = start(cqs, env, log)
    results, lock, running = [], threading.Lock(), threading.Event()
    failures = []
    try:
        wait_ready(base, server)
        counter = token(base, "motcua.bienhoa")
        citizen = token(base, "0912345678")
        receipt = (counter, json.dumps(BODY).encode(), "application/json")
        online = (citizen, *submission(base))
        running.set()

        def load(bearer, body, content_type):
            while running.is_set():
                began = time.time()
                outcome = submit(base, bearer, body, content_type)
                with lock:
                    results.append((time.time(), *outcome))
                    if os.environ.get("OUTAGE_TRACE"):
                        print(f"{began:.1f} {time.time() - began:.2f}s {content_type[:9]} {outcome[0]}")
                time.sleep(0.02)

        workers = [threading.Thread(target=load, args=kind) for kind in (receipt, receipt, online, online)]
        for worker in workers:
            worker.start()
        time.sleep(2)
        stopped_at = time.time()
        subprocess.run(stop_pg, shell=True, check=True, stdout=subprocess.DEVNULL)
        time.sleep(8)
        subprocess.run(start_pg, shell=True, check=True, stdout=subprocess.DEVNULL)
        back_at = time.time()
        # Recovered: the first 2xx after the database came back.
        recovered_at = None
        deadline = back_at + 30
        while time.time() < deadline and recovered_at is None:
            with lock:
                recovered_at = next((t for t, status, _ in results if t > back_at and 200 <= status < 300), None)
            time.sleep(0.1)
        time.sleep(1)
        running.clear()
        for worker in workers:
            worker.join(timeout=30)
        during = [(status, body) for t, status, body in results if stopped_at + 0.5 < t < back_at]
        statuses = sorted({status for status, _ in during})
        print(f"outage: {len(results)} requests; while down: {len(during)} answered with {statuses}; "
              f"recovered {recovered_at - back_at:.1f} s after the database's return" if recovered_at else "outage: never recovered")
        if recovered_at is None or recovered_at - back_at > 10:
            failures.append("the server did not recover within 10 s")
        if any(status not in (503,) for status, _ in during):
            others = sorted({str(body)[:160] for status, body in during if status != 503})
            failures.append(f"while down, statuses other than 503: {statuses} ({others[:3]})")
        unanswered = [body for _, status, body in results if status == 0]
        if unanswered:
            failures.append(f"{len(unanswered)} requests got no answer ({unanswered[:2]})")
        broken = sorted({status for _, status, _ in results if status >= 500 and status != 503})
        if broken:
            failures.append(f"answers {broken} at some point of the outage (503 expected)")
        if any(status == 503 and "problem+json" not in (body[0] or "") for status, body in during):
            failures.append("a 503 without a problem body")
        acked = [body["code"] for _, status, body in results if 200 <= status < 300]
        # The counter sees its agency's dossiers, the citizen's online ones among them.
        at_counter = stored_codes(base, counter)
        stored = at_counter + [code for code in stored_codes(base, citizen) if code not in set(at_counter)]
        failures += lost_or_twice(acked, stored)
        print(f"outage: {len(acked)} acknowledged, {len(stored)} stored, none lost: {all(code in stored for code in acked)}")
        if failures:
            print("outage: FAILED: " + "; ".join(failures))
            sys.exit(1)
        print("outage: passed")
    finally:
        running.clear()
        stop(server)


if __name__ == "__main__":
    main()
