"""Cluster test: two `cqs serve` nodes on one PostgreSQL behind nginx, as docs/deployment.md lays
them out. Drives 200 concurrent submissions and 30 document sends to the national axis through
nginx, kills one node with SIGKILL mid-load, and checks that:

- every acknowledged dossier is stored once, with codes gap-free per agency and day;
- every document reaches the (fake) axis once per key, and every outbox message ends delivered;
- a change made on one node is seen in the other node's cache within one second;
- a file uploaded through one node downloads, byte for byte, through the other;
- exactly one node leads the schedules, and the other takes over after the kill;
- deadline reminders, looked for every 5 s by whichever node leads, reach the mail server once;
- the audit chain verifies clean.

With `--standby PGBIN` it also makes a streaming-replication standby of that server with
pg_basebackup, gives the nodes `CQS_DATABASE_READ_URL`, and checks that public lookups are
served by the standby while a client's own changes are read back at once.

Usage: python3 Tests/faults/cluster.py PATH_TO_CQS postgres://…@127.0.0.1:PORT/empty_database [--standby PGBIN]
Exits non-zero on failure."""
import hashlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import base64
import secrets

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
sys.path.insert(0, os.path.dirname(__file__))
from dossier_journey import free_port, wait_ready  # noqa: E402
from exchange_crash import call, token, finish, wait_for_axis, OUTSIDE  # noqa: E402
from smtp_sink import SMTPSink  # noqa: E402
from submission_crash import (submission, post_submission, stored_codes, lost_or_twice, code_gaps, killing_submitter,  # noqa: E402
                              stop)

SUBMISSIONS = 200
DOCUMENTS = 30
KILL_AFTER = 60
REMINDED_TASKS = 3

NGINX_CONF = """
worker_processes 1;
error_log {root}/error.log warn;
pid {root}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    upstream cqs {{
        server 127.0.0.1:{a} max_fails=1 fail_timeout=30s;
        server 127.0.0.1:{b} max_fails=1 fail_timeout=30s;
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 110m;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_next_upstream error timeout http_502 http_503;
        location / {{ proxy_pass http://cqs; }}
    }}
}}
"""


def start_node(cqs, env, log):
    return subprocess.Popen([cqs, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)


def download(base, path, bearer):
    request = urllib.request.Request(base + path)
    request.add_header("Authorization", "Bearer " + bearer)
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


def leaders(log_paths):
    """How many times each node's log says it took or lost the lead."""
    counts = {}
    for name, path in log_paths.items():
        text = open(path, encoding="utf-8", errors="replace").read()
        counts[name] = (text.count("this node leads the scheduled jobs"), text.count("no longer leads"))
    return counts


def as_postgres(command):
    """Runs a shell command as the postgres user when we are root (PostgreSQL refuses root)."""
    if os.getuid() == 0:
        return subprocess.run(["su", "postgres", "-s", "/bin/sh", "-c", command], check=True, capture_output=True)
    return subprocess.run(["sh", "-c", command], check=True, capture_output=True)


def start_standby(pgbin, database, workdir):
    """A hot standby of the primary `database` names, made with pg_basebackup; returns its URL and
    the command that stops it."""
    match = re.match(r"postgres(?:ql)?://([^@/]+)@([^:/]+):(\d+)/(.+)", database)
    user, host, port, name = match.groups()
    root = os.path.join(workdir, "standby")
    os.makedirs(root)
    if os.getuid() == 0:
        subprocess.run(["chown", "postgres", root], check=True)
    standby_port = free_port()
    as_postgres(f"{pgbin}/pg_basebackup -h {host} -p {port} -U {user} -D {root}/data -R -X stream --checkpoint=fast")
    as_postgres(f"{pgbin}/pg_ctl -D {root}/data -o '-h 127.0.0.1 -p {standby_port} -k {root} -c hot_standby=on -c max_connections=1000' -l {root}/log -w start")
    stop_command = f"{pgbin}/pg_ctl -D {root}/data -m fast -w stop"
    return f"postgres://{user}@127.0.0.1:{standby_port}/{name}", standby_port, lambda: as_postgres(stop_command)


def standby_reads(port, name):
    """The platform's connections to the standby, and how many of them last ran a dossier query."""
    query = ("SELECT count(*) || ' ' || count(*) FILTER (WHERE query LIKE '%FROM \"dossiers\"%') FROM pg_stat_activity "
             "WHERE application_name = 'cqs-standby-reads'")
    out = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", name, "-Atc", query],
                         check=True, capture_output=True, text=True).stdout.split()
    return int(out[0]), int(out[1])


def task_reminders(node, sink, failures):
    """Gives the agriculture department tasks due on the next working day and waits until the
    leader's next round has e-mailed their reminders; returns the reminders' Message-ID prefixes."""
    leader = token(node, "lanhdao.ubnd")
    prefixes = []
    for n in range(REMINDED_TASKS):
        status, task = call(node, "/api/v1/tasks", leader,
                            {"ownerAgency": "000.00.06.H19", "title": f"Báo cáo thử cụm máy {n}", "deadlineDays": 1})
        if status != 201:
            failures.append(f"a task was refused: {status} {task}")
            continue
        prefixes.append(f"task-reminder.{task['id']}.")
    deadline = time.time() + 30
    while time.time() < deadline and not all(sink.ids(prefix) for prefix in prefixes):
        time.sleep(0.2)
    missing = [prefix for prefix in prefixes if not sink.ids(prefix)]
    if missing:
        failures.append(f"no reminder e-mailed within 30 s for {missing}")
    return prefixes


def reminders_once(prefixes, sink, logs):
    """Each task's reminder reached the mail server once, though both nodes looked for it (every
    5 s while leading) before and after the kill."""
    def rounds():
        return {name: open(path, encoding="utf-8", errors="replace").read().count("deadline reminders queued")
                for name, path in logs.items()}
    deadline = time.time() + 30
    while time.time() < deadline and rounds()["b"] < 2:
        time.sleep(0.5)
    time.sleep(2)  # what node B's last round queued has been sent, if it were sent again
    rounds = rounds()
    problems = []
    if rounds["b"] < 2:
        problems.append(f"node B did not look for reminders twice: rounds per node {rounds}")
    for prefix in prefixes:
        received = sink.ids(prefix)
        if len(received) != 1:
            problems.append(f"the reminder {prefix} reached the mail server {len(received)} times")
    print(f"cluster: {len(prefixes)} reminders e-mailed once each over {sum(rounds.values())} rounds (per node {rounds})")
    return problems


def main():
    cqs, database = sys.argv[1], sys.argv[2]
    pgbin = sys.argv[sys.argv.index("--standby") + 1] if "--standby" in sys.argv else None
    workdir = tempfile.mkdtemp(prefix="cqs-cluster-")
    if os.getuid() == 0:
        os.chmod(workdir, 0o755)
    axis_port, port_a, port_b, port_lb = free_port(), free_port(), free_port(), free_port()
    axis_base = f"http://127.0.0.1:{axis_port}"
    node_a, node_b, lb = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}", f"http://127.0.0.1:{port_lb}"
    axis = subprocess.Popen([cqs, "fake-axis", "--port", str(axis_port), "--delay-ms", "50"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sink = SMTPSink()
    master_key = base64.b64encode(secrets.token_bytes(32)).decode()
    common = dict(os.environ, CQS_DATABASE_URL=database, CQS_PKI_MASTER_KEY=master_key, CQS_BCRYPT_COST="4",
                  CQS_DEMO_CERTIFICATES="false", CQS_NATIONAL_AXIS_URL=axis_base, CQS_LOG_LEVEL="info",
                  CQS_TRUSTED_PROXIES="127.0.0.1", CQS_AUDIT_ANCHOR_FILE=os.path.join(workdir, "anchors.jsonl"),
                  CQS_SMTP_HOST="127.0.0.1", CQS_SMTP_PORT=str(sink.port), CQS_REMINDER_SECONDS="5")
    logs = {name: os.path.join(workdir, f"{name}.log") for name in ("a", "b")}
    stop_standby = None
    if pgbin:
        # The standby is made from the empty database before the nodes start: everything the
        # nodes write (migrations, seed, load) reaches it by streaming replication.
        standby_url, standby_port, stop_standby = start_standby(pgbin, database, workdir)
        common["CQS_DATABASE_READ_URL"] = standby_url
    env_a = dict(common, CQS_DATA_DIR=os.path.join(workdir, "a"), CQS_HTTP_PORT=str(port_a))
    env_b = dict(common, CQS_DATA_DIR=os.path.join(workdir, "b"), CQS_HTTP_PORT=str(port_b))
    # Both nodes start at once on the empty database: migrations and seeding must not collide.
    a = start_node(cqs, env_a, open(logs["a"], "ab"))
    b = start_node(cqs, env_b, open(logs["b"], "ab"))
    nginx_root = os.path.join(workdir, "nginx")
    os.makedirs(nginx_root)
    with open(os.path.join(nginx_root, "nginx.conf"), "w") as conf:
        conf.write(NGINX_CONF.format(root=nginx_root, a=port_a, b=port_b, port=port_lb))
    nginx = None
    failures = []
    try:
        wait_ready(node_a, a)
        wait_ready(node_b, b)
        nginx = subprocess.Popen(["nginx", "-p", nginx_root, "-c", os.path.join(nginx_root, "nginx.conf"), "-g", "daemon off;"])
        wait_ready(lb, nginx)
        wait_for_axis(axis_base)

        # A cache change on node A reaches node B within a second.
        admin_a, admin_b = token(node_a, "admin"), token(node_b, "admin")
        agency = "000.46.50.H19"
        before = call(node_b, f"/api/v1/agencies/{agency}")[1]  # now cached on B
        call(node_a, f"/api/v1/agencies/{agency}/departments", admin_a, {"code": "CLUSTER", "name": "Phòng thử cụm máy"})
        changed_at, seen = time.time(), None
        while time.time() - changed_at < 5:
            departments = call(node_b, f"/api/v1/agencies/{agency}")[1].get("departments", [])
            if any(d["code"] == "CLUSTER" for d in departments):
                seen = time.time() - changed_at
                break
            time.sleep(0.02)
        if "CLUSTER" in [d["code"] for d in before.get("departments", [])]:
            failures.append("the department existed before the change")
        if seen is None or seen > 1.0:
            failures.append(f"node B saw node A's change after {seen} s (want ≤ 1 s)")
        else:
            print(f"cluster: node B saw node A's change after {seen * 1000:.0f} ms")

        reminders = task_reminders(node_a, sink, failures)

        # A file uploaded through node A downloads through node B (files live in the database).
        citizen_a = token(node_a, "0912345678")
        body = submission(node_a)
        status, created = post_submission(node_a, citizen_a, body)
        detail = call(node_b, "/api/v1/dossiers/" + created["code"], token(node_b, "0912345678"))[1]
        attachment = detail["attachments"][0]
        data = download(node_b, f"/api/v1/dossiers/{created['code']}/attachments/{attachment['id']}", token(node_b, "0912345678"))
        if hashlib.sha256(data).hexdigest() != attachment["sha256"]:
            failures.append("the file downloaded through node B differs from the one uploaded through node A")

        # The load, through nginx; node A is killed mid-way.
        citizen = token(lb, "0912345678")
        clerk = token(lb, "vanthu.vp")
        pdf = base64.b64encode(b"%PDF-1.4\n%%EOF\n").decode()
        acknowledged, sent, errors = [], [], []
        lock = threading.Lock()
        killed = threading.Event()

        submit = killing_submitter(lb, citizen, body, a, acknowledged, errors, lock, killed, kill_after=KILL_AFTER)

        def send(n):
            try:
                status, answer = call(lb, "/api/v1/exchange/documents", clerk, {
                    "codeNumber": str(500 + n), "codeNotation": "VP-CUM", "typeName": "Công văn", "subject": f"V/v thử cụm máy {n}",
                    "recipients": [{"organId": OUTSIDE, "name": "Văn phòng Chính phủ"}],
                    "files": [{"name": "cv.pdf", "contentType": "application/pdf", "content": pdf}]})
                if status == 201:
                    with lock:
                        sent.append(answer[0]["documentId"])
            except (urllib.error.URLError, ConnectionError, OSError) as error:
                with lock:
                    errors.append(repr(error))

        threads = [threading.Thread(target=submit) for _ in range(SUBMISSIONS)]
        threads += [threading.Thread(target=send, args=(n,)) for n in range(DOCUMENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        if not killed.is_set():
            failures.append("node A was never killed (too few acknowledged submissions)")
            a.send_signal(signal.SIGKILL)
        a.wait(timeout=30)
        print(f"cluster: {SUBMISSIONS} submissions, {len(acknowledged)} acknowledged; {DOCUMENTS} documents, {len(sent)} "
              f"acknowledged; {len(errors)} cut off by the kill")

        # Node B alone: everything acknowledged is there once, codes gap-free.
        citizen_b = token(node_b, "0912345678")
        stored = stored_codes(node_b, citizen_b)
        failures += lost_or_twice(acknowledged + [created["code"]], stored)
        failures += code_gaps(stored)

        # Every acknowledged document reaches the axis once per key; the messages node A held
        # when it died are delivered by node B when their lease ends.
        wanted = sorted(f"{document}#{OUTSIDE}" for document in sent)
        deadline = time.time() + 150
        axis_report = {}
        while time.time() < deadline:
            axis_report = call(axis_base, "/edxml")[1]
            outbox = call(node_b, "/api/v1/outbox?topic=national-axis&limit=100", admin_b)[1]["items"]
            if set(wanted) <= set(axis_report["keys"]) and all(item["status"] == "delivered" for item in outbox):
                break
            time.sleep(0.5)
        missing = sorted(set(wanted) - set(axis_report.get("keys", [])))
        if missing:
            failures.append(f"documents never reached the axis: {missing[:5]}")
        outbox = call(node_b, "/api/v1/outbox?topic=national-axis&limit=100", admin_b)[1]["items"]
        keys = [item["dedupeKey"] for item in outbox]
        if len(keys) != len(set(keys)):
            failures.append("an outbox message is stored twice")
        pending = [item for item in outbox if item["status"] != "delivered"]
        if pending:
            failures.append(f"{len(pending)} axis messages not delivered")
        extra = axis_report.get("deliveries", 0) - len(axis_report.get("keys", []))
        print(f"cluster: axis holds {len(axis_report.get('keys', []))} documents after {axis_report.get('deliveries')} deliveries "
              f"({extra} repeated across the kill, deduplicated by key)")

        # One leader at a time; node B leads after node A died.
        counts = leaders(logs)
        took = counts["a"][0] + counts["b"][0]
        if counts["b"][0] < 1:
            failures.append(f"node B never took the lead: {counts}")
        if took > 2:
            failures.append(f"the lead changed hands more than once: {counts}")
        print(f"cluster: leadership (taken, lost) per node: {counts}")

        failures += reminders_once(reminders, sink, logs)

        if pgbin:
            name = database.rsplit("/", 1)[1]
            code = created["code"]
            for _ in range(40):
                status, found = call(lb, f"/api/v1/dossiers/lookup?code={code}&phone=0912345678")
                if status != 200 or not found or found.get("code") != code:
                    failures.append(f"public lookup through nginx answered {status} {found}")
                    break
            connections, served = standby_reads(standby_port, name)
            if connections < 1 or served < 1:
                failures.append(f"the standby served no lookup ({connections} connections, {served} last ran one)")
            # An API client's own change is read back at once (API clients read the primary).
            status, fresh = post_submission(lb, citizen_b, body)
            listed = call(lb, "/api/v1/dossiers?limit=5", citizen_b)[1]["items"]
            if fresh["code"] not in [item["code"] for item in listed]:
                failures.append("a client's own new dossier was missing from its list right after")
            print(f"cluster: the standby served the public lookups ({connections} connections from the nodes, {served} on dossiers)")

        verification = call(node_b, "/api/v1/audit/verify", token(node_b, "auditor"))[1]
        if not verification.get("intact"):
            failures.append(f"audit chain not intact: {verification}")
    finally:
        for process in (nginx, a, b, axis):
            if process is not None:
                stop(process)
        sink.close()
        if stop_standby:
            stop_standby()
    finish("cluster", failures)


if __name__ == "__main__":
    main()
