"""One-command benchmarks against the machine's own limits (results go to BENCHMARKS.md).

Usage: python3 benchmarks/run.py [--engine sqlite|postgres] [--scale province] [--binary PATH] [--seconds 10]
Builds nothing: pass the binary (default: the release build, `swift build -c release --product cqs`).
Installs wrk (and uses pgbench) from the system packages if missing, generates the data set, starts
the server, measures each figure in the same run as its reference, prints a Markdown table and
appends it to BENCHMARKS.md, and stops every process it started."""
import argparse
import base64
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PASSWORD = "DongNai2026demo"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(base, path, token=None, body=None, content_type="application/json", timeout=120):
    request = urllib.request.Request(base + path, data=body, method="POST" if body is not None else "GET")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    if body is not None:
        request.add_header("Content-Type", content_type)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        data = response.read()
        return response.status, data


def token(base, username):
    body = json.dumps({"username": username, "password": PASSWORD}).encode()
    return json.loads(http(base, "/api/v1/auth/token", body=body)[1])["accessToken"]


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class RSSSampler:
    def __init__(self, pid):
        self.pid, self.peak, self.running = pid, 0.0, True
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while self.running:
            try:
                self.peak = max(self.peak, rss_mb(self.pid))
            except OSError:
                return
            time.sleep(0.2)

    def stop(self):
        self.running = False
        self.thread.join()
        return self.peak


def wrk(url, seconds, connections=32, script=None, headers=()):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for header in headers:
        command += ["-H", header]
    if script:
        command += ["-s", script]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))

    def latency(p):
        match = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", output)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return {"rps": rps, "p50": latency(50), "p99": latency(99), "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "errors": errors.group(1) if errors else "", "raw": output}


def lua_rotating(path, lines, template, method="GET", body=None, headers=()):
    """A wrk script cycling through `lines` substituted into `template` (per thread, offset)."""
    entries = ",\n".join(json.dumps(template.format(*line.split("|"))) for line in lines)
    header_lines = "".join(f'wrk.headers["{h.split(":")[0]}"] = "{h.split(":", 1)[1].strip()}"\n' for h in headers)
    script = f"""
paths = {{ {entries} }}
counter = 0
{header_lines}
function setup(thread) thread:set("offset", math.random(#paths)) end
function init(args) counter = offset or 1 end
request = function()
  counter = counter % #paths + 1
  return wrk.format("{method}", paths[counter])
end
"""
    with open(path, "w") as f:
        f.write(script)
    return path


class Bench:
    def __init__(self, args):
        self.args = args
        self.work = tempfile.mkdtemp(prefix="cqs-bench-")
        self.processes = []
        self.results = []
        self.notes = []
        self.engine = args.engine
        # One master key for every node of the run (a node keeps its own otherwise).
        self.master_key = base64.b64encode(os.urandom(32)).decode()

    def run_cmd(self, command, env=None, **kw):
        return subprocess.run(command, env=env, check=True, capture_output=True, text=True, **kw)

    # -- database -------------------------------------------------------------------------
    def setup_database(self):
        if self.engine == "sqlite":
            self.db_path = os.path.join(self.work, "cqs.sqlite")
            self.url = self.db_path
            return
        pgbin = self.pgbin = "/usr/lib/postgresql/15/bin"
        os.chmod(self.work, 0o755)  # the postgres user reaches its data folder below
        self.pgroot = os.path.join(self.work, "pg")
        os.makedirs(self.pgroot)
        shutil.chown(self.pgroot, "postgres")
        self.pgport = free_port()
        as_pg = self.as_pg = ["su", "postgres", "-s", "/bin/sh", "-c"] if os.getuid() == 0 else ["sh", "-c"]
        subprocess.run(as_pg + [f"{pgbin}/initdb -D {self.pgroot}/data -U postgres --auth=trust -E UTF8 >/dev/null"], check=True)
        subprocess.run(as_pg + [f'{pgbin}/pg_ctl -D {self.pgroot}/data -o "-h 127.0.0.1 -p {self.pgport} -k {self.pgroot} -c max_connections=200 '
                                f'-c shared_buffers=512MB" -l {self.pgroot}/log -w start >/dev/null'], check=True)
        self.pg_stop = as_pg + [f"{pgbin}/pg_ctl -D {self.pgroot}/data -m fast -w stop"]
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.pgport), "-U", "postgres", "-qc", "CREATE DATABASE cqs"], check=True)
        self.url = f"postgres://postgres@127.0.0.1:{self.pgport}/cqs"
        self.pgbench = f"{pgbin}/pgbench"

    def sql(self, query):
        if self.engine == "sqlite":
            return self.run_cmd(["sqlite3", "-batch", "-noheader", self.db_path], input=query).stdout
        return self.run_cmd(["psql", "-h", "127.0.0.1", "-p", str(self.pgport), "-U", "postgres", "-d", "cqs", "-At", "-F", "|", "-c", query]).stdout

    # -- server ---------------------------------------------------------------------------
    def env(self):
        return dict(os.environ, CQS_DATABASE_URL=self.url, CQS_PKI_MASTER_KEY=self.master_key, CQS_DATA_DIR=os.path.join(self.work, "data"), CQS_HTTP_PORT=str(self.port),
                    CQS_LOG_LEVEL="error", CQS_BCRYPT_COST="10", CQS_POOL_SIZE=str(self.args.pool))

    def start_server(self, port=None, **settings):
        """A `cqs serve` on the run's database: the main node, or (given a port) another node with
        its own data folder; returns the process, its base URL and the seconds to /readyz."""
        env = self.env() if port is None else dict(self.env(), CQS_HTTP_PORT=str(port), CQS_DATA_DIR=os.path.join(self.work, f"data-{port}"),
                                                   **settings)
        port = port or self.port
        log = os.path.join(self.work, f"server-{port}.log")
        start = time.time()
        server = subprocess.Popen([self.args.binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=open(log, "ab"))
        self.processes.append(server)
        base = f"http://127.0.0.1:{port}"
        while True:
            try:
                if http(base, "/readyz", timeout=2)[0] == 200:
                    break
            except Exception:
                if server.poll() is not None:
                    raise RuntimeError("server exited; see " + log)
                time.sleep(0.05)
        return server, base, time.time() - start

    def record(self, figure, measured, reference, ratio, target, met, detail=""):
        self.results.append((figure, measured, reference, ratio, target, "✅" if met else "❌", detail))
        print(f"{figure}: {measured} vs {reference} → {ratio} (target {target}) {'met' if met else 'MISSED'} {detail}", flush=True)

    # -- figures --------------------------------------------------------------------------
    def run(self):
        self.setup_database()
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        started = time.time()
        seeded = self.run_cmd([self.args.binary, "seed", "--scale", self.args.scale], env=self.env()).stdout
        seed_seconds = time.time() - started
        print(seeded.strip().splitlines()[-2], flush=True)
        self.notes.append(f"data set `{self.args.scale}` generated in {seed_seconds:.0f} s ({seeded.strip().splitlines()[-2]})")
        counts = self.sql("SELECT COUNT(*) FROM dossiers;").strip()
        self.dossier_count = int(counts)
        # 6b. Start-up to /readyz with the data set.
        server, _, startup = self.start_server()
        self.server = server
        time.sleep(2)
        idle = rss_mb(server.pid)
        self.record("start-up to /readyz", f"{startup:.2f} s", "—", "—", "≤ 1 s", startup <= 1.0, f"{self.dossier_count:,} dossiers")
        sampler = RSSSampler(server.pid)
        for name in ["lookup", "search", "submission"]:
            if self.wanted(name):
                getattr(self, "figure_" + name)()
        peak = sampler.stop()
        self.record("memory (RSS)", f"idle {idle:.0f} MB, peak {peak:.0f} MB under load", "—", "—", "idle ≤ 100 MB, load ≤ 300 MB",
                    idle <= 100 and peak <= 300)
        for name in ["statistics", "exchange", "replica"]:
            if self.wanted(name):
                getattr(self, "figure_" + name)()

    def wanted(self, figure):
        return not self.args.only or figure in self.args.only.split(",")

    def figure_lookup(self):
        script = self.lookup_script()
        reference = wrk(self.base + "/healthz", self.args.seconds)
        lookup = wrk(self.base + "/", self.args.seconds, script=script)
        ratio = lookup["rps"] / reference["rps"]
        self.record("1. status lookup by code", f"{lookup['rps']:.0f} req/s, p50 {lookup['p50']:.2f} ms, p99 {lookup['p99']:.2f} ms",
                    f"/healthz {reference['rps']:.0f} req/s", f"{ratio:.0%}", "≥ 50%, p99 ≤ 10 ms", ratio >= 0.5 and lookup["p99"] <= 10,
                    f"{self.dossier_count:,} dossiers; non-2xx {lookup['non2xx']}")

    def lookup_script(self):
        """A wrk script looking up 2,000 random dossiers by code and phone."""
        rows = self.sql("SELECT code || '|' || applicant_phone FROM dossiers ORDER BY random() LIMIT 2000;").split()
        return lua_rotating(os.path.join(self.work, "lookup.lua"), rows, "/api/v1/dossiers/lookup?code={0}&phone={1}")

    def figure_replica(self):
        """Status lookups through a node that reads from a streaming standby (made with
        pg_basebackup) against the same lookups through the node that reads from the primary."""
        if self.engine != "postgres":
            return
        pgbin, as_pg = self.pgbin, self.as_pg
        standby, port = f"{self.pgroot}/standby", free_port()
        subprocess.run(as_pg + [f"{pgbin}/pg_basebackup -h 127.0.0.1 -p {self.pgport} -U postgres -D {standby} -R --checkpoint=fast"], check=True)
        subprocess.run(as_pg + [f'{pgbin}/pg_ctl -D {standby} -o "-h 127.0.0.1 -p {port} -k {self.pgroot} -c max_connections=200 '
                                f'-c shared_buffers=512MB" -l {self.pgroot}/standby.log -w start >/dev/null'], check=True)
        self.standby_stop = as_pg + [f"{pgbin}/pg_ctl -D {standby} -m fast -w stop"]
        replica = self.start_second_node(CQS_DATABASE_READ_URL=f"postgres://postgres@127.0.0.1:{port}/cqs")
        script = self.lookup_script()
        primary = wrk(self.base + "/", self.args.seconds, script=script)
        standby_reads = wrk(replica + "/", self.args.seconds, script=script)
        ratio = standby_reads["rps"] / primary["rps"]
        self.record("1b. status lookup by code, reads on the standby",
                    f"{standby_reads['rps']:.0f} req/s, p50 {standby_reads['p50']:.2f} ms, p99 {standby_reads['p99']:.2f} ms",
                    f"reads on the primary {primary['rps']:.0f} req/s", f"{ratio:.2f}×", "≥ 1×", ratio >= 1.0,
                    f"non-2xx {standby_reads['non2xx']} / {primary['non2xx']}; standby made by pg_basebackup, streaming")

    def figure_search(self):
        """The queries people repeat (answered from the index's recent results), then two-word
        queries drawn at random from 60 words (3,600 combinations, more than the 1,000 kept)."""
        queries = ["dang ky ho kinh doanh", "cap giay phep xay dung", "chung thuc", "dat dai", "khai sinh", "ket hon", "bien dong", "giay phep lai xe",
                   "thanh lap doanh nghiep", "ho tich", "cu tru", "moi truong", "phong chay", "dau tu", "lao dong"]
        script = lua_rotating(os.path.join(self.work, "search.lua"), [q.replace(" ", "%20") for q in queries], "/api/v1/procedures?q={0}")
        count = int(self.sql("SELECT COUNT(*) FROM procedures;").strip())
        result = wrk(self.base + "/", self.args.seconds, script=script)
        self.record("2. procedure search, 15 common queries", f"{result['rps']:.0f} req/s, p50 {result['p50']:.2f} ms, p99 {result['p99']:.2f} ms", "—", "—",
                    "p99 ≤ 20 ms", result["p99"] <= 20, f"{count:,} procedures, accents omitted")
        words = sorted({w for q in queries for w in q.split()} | {"cap", "doi", "gia", "han", "xac", "nhan", "thu", "tuc", "so", "xe", "nha", "o",
                                                                  "van", "ban", "quyen", "su", "dung", "chuyen", "nhuong", "the", "chap", "hop",
                                                                  "dong", "tai", "san", "con", "nuoi", "giam", "ho", "ten", "tam", "tru", "vang"})[:60]
        random_script = os.path.join(self.work, "search-random.lua")
        with open(random_script, "w") as f:
            f.write(f"""
words = {{ {", ".join(json.dumps(w) for w in words)} }}
request = function()
  return wrk.format("GET", "/api/v1/procedures?q=" .. words[math.random(#words)] .. "%20" .. words[math.random(#words)])
end
""")
        result = wrk(self.base + "/", self.args.seconds, script=random_script)
        self.record(f"2b. procedure search, random two-word queries ({len(words)} words)",
                    f"{result['rps']:.0f} req/s, p50 {result['p50']:.2f} ms, p99 {result['p99']:.2f} ms", "—", "—", "p99 ≤ 20 ms", result["p99"] <= 20,
                    f"{count:,} procedures; mostly not among the recent results")

    def figure_submission(self):
        """Submissions spread over the communes (as a province's traffic is), then all to one
        commune (every one waits for that agency's daily code sequence); on PostgreSQL, then the
        spread load through two nodes on the same database against one node's rate."""
        citizen = token(self.base, "0912345678")
        communes = self.sql("SELECT identifier FROM agencies WHERE kind = 'people_committee' AND parent_identifier IS NOT NULL "
                            "ORDER BY identifier;").split()
        ceiling = self.raw_insert_ceiling()
        spread_rate = None
        for label, agencies, share in [(f"spread over {len(communes)} communes", communes, 0.25), ("all to one commune", ["000.46.50.H19"], 0.15)]:
            script = self.submission_script(citizen, agencies)
            rate, detail = self.submissions([self.base], script)
            ratio = rate / ceiling
            # Issue 20's targets on PostgreSQL; SQLite (one writer) keeps its own.
            target, target_ok = (f"≥ {share:.0%}", ratio >= share) if self.engine == "postgres" else ("≥ 50%", ratio >= 0.5)
            self.record(f"3. dossier submission (JSON + its 4 required files, 103 KB), {label}", detail,
                        f"raw insert {ceiling:.0f}/s", f"{ratio:.0%}", target, target_ok)
            spread_rate = spread_rate or rate
        if self.engine == "postgres":
            second = self.start_second_node()
            rate, detail = self.submissions([self.base, second], self.submission_script(citizen, communes))
            self.record(f"3c. dossier submission spread over {len(communes)} communes, two nodes on one database", detail,
                        f"one node {spread_rate:.0f}/s", f"{rate / spread_rate:.2f}×", "≥ 1× (not slower)", rate >= spread_rate,
                        "8 connections to each node instead of 16 to one")

    def submissions(self, bases, script):
        """Runs the submission script against every node at once for the set time, 16 connections
        shared between them; returns the stored rate and its description."""
        before = int(self.sql("SELECT COUNT(*) FROM dossiers;").strip())
        results = [None] * len(bases)

        def drive(index):
            results[index] = wrk(bases[index] + "/api/v1/dossiers", self.args.seconds, connections=16 // len(bases), script=script)
        threads = [threading.Thread(target=drive, args=(i,)) for i in range(len(bases))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        created = int(self.sql("SELECT COUNT(*) FROM dossiers;").strip()) - before
        rate = created / self.args.seconds
        p99 = max(r["p99"] for r in results)
        non2xx = sum(r["non2xx"] for r in results)
        return rate, f"{rate:.0f}/s ({created} stored, p99 {p99:.1f} ms, non-2xx {non2xx})"

    def start_second_node(self, **settings):
        """Another `cqs serve` on the same database, with its own port and data folder; its base URL."""
        return self.start_server(port=free_port(), **settings)[1]

    def submission_script(self, citizen, agencies):
        """A wrk script posting a multipart submission (dossier JSON, a 100 KB PDF for the first
        document the procedure requires and a 1 KB PDF for each other one), cycling through `agencies`."""
        boundary = "cqsbench"
        script = os.path.join(self.work, f"submit-{len(agencies)}.lua")
        dossier = ("{\"procedureCode\": \"1.004227\", \"agencyIdentifier\": \"' .. agencies[counter] .. '\", "
                   "\"applicant\": {\"fullName\": \"Nguyễn Thị Dân\", \"phone\": \"0912345678\"}}")
        procedure = json.loads(http(self.base, "/api/v1/procedures/1.004227")[1])
        names = [d["name"] for d in procedure["documents"] if d.get("required", True)]
        parts = "".join(f"    .. \"\\r\\n--{boundary}\\r\\nContent-Disposition: form-data; name=\\\"{name}\\\"; filename=\\\"giay-to.pdf\\\"\\r\\n"
                        f"Content-Type: application/pdf\\r\\n\\r\\n\" .. {'pdf' if i == 0 else 'small'}\n" for i, name in enumerate(names))
        with open(script, "w") as f:
            f.write(f"""
agencies = {{ {", ".join(json.dumps(a) for a in agencies)} }}
pdf = "%PDF-1.4\\n" .. string.rep("0", {100 * 1024 - 20}) .. "\\n%%EOF\\n"
small = "%PDF-1.4\\n" .. string.rep("0", {1024 - 20}) .. "\\n%%EOF\\n"
counter = 0
function setup(thread) thread:set("offset", math.random(#agencies)) end
function init(args) counter = offset or 1 end
request = function()
  counter = counter % #agencies + 1
  local dossier = '{dossier}'
  local body = "--{boundary}\\r\\nContent-Disposition: form-data; name=\\"dossier\\"\\r\\nContent-Type: application/json\\r\\n\\r\\n" .. dossier
{parts}    .. "\\r\\n--{boundary}--\\r\\n"
  return wrk.format("POST", "/api/v1/dossiers", {{["Content-Type"] = "multipart/form-data; boundary={boundary}",
                                                  ["Authorization"] = "Bearer {citizen}"}}, body)
end
""")
        return script

    def raw_insert_ceiling(self):
        """Durable single-row inserts, one transaction each, from the database's own client."""
        n = 2000
        if self.engine == "sqlite":
            path = os.path.join(self.work, "raw.sqlite")
            statements = ["PRAGMA journal_mode=WAL;", "PRAGMA synchronous=FULL;",
                          "CREATE TABLE t (id INTEGER PRIMARY KEY, code TEXT UNIQUE, body TEXT, at INTEGER);"]
            statements += [f"INSERT INTO t (code, body, at) VALUES ('c{i:07d}', '{'x' * 600}', {i});" for i in range(n)]
            script = "\n".join(statements)
            start = time.time()
            subprocess.run(["sqlite3", path], input=script, text=True, check=True, capture_output=True)
            return n / (time.time() - start)
        psql = ["psql", "-h", "127.0.0.1", "-p", str(self.pgport), "-U", "postgres", "-d", "cqs", "-qc"]
        subprocess.run(psql + ["CREATE TABLE IF NOT EXISTS bench_insert (id BIGSERIAL PRIMARY KEY, code TEXT UNIQUE, body TEXT, at BIGINT)"], check=True)
        script = os.path.join(self.work, "insert.sql")
        with open(script, "w") as f:
            f.write("INSERT INTO bench_insert (code, body, at) VALUES (md5(random()::text || clock_timestamp()::text), repeat('x', 600), 1);\n")
        output = self.run_cmd([self.pgbench, "-h", "127.0.0.1", "-p", str(self.pgport), "-U", "postgres", "-n", "-c", "16", "-j", "2",
                               "-T", str(self.args.seconds), "-f", script, "cqs"]).stdout
        return float(re.search(r"tps = ([\d.]+)", output).group(1))

    def figure_statistics(self):
        admin = token(self.base, "admin")
        today = time.gmtime(time.time() + 7 * 3600)
        year, month = (today.tm_year, today.tm_mon - 1) if today.tm_mon > 1 else (today.tm_year - 1, 12)
        last = [31, 29 if year % 4 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        first_day, last_day = f"{year:04d}-{month:02d}-01", f"{year:04d}-{month:02d}-{last:02d}"
        api_times = []
        for _ in range(5):
            start = time.time()
            http(self.base, f"/api/v1/statistics/dossiers?from={first_day}&to={last_day}", token=admin)
            api_times.append(time.time() - start)
        query = self.run_cmd([self.args.binary, "statistics-sql", "--from", first_day, "--to", last_day]).stdout
        raw_times = []
        for _ in range(5):
            start = time.time()
            self.sql(query)
            raw_times.append(time.time() - start)
        api, raw = statistics.median(api_times), statistics.median(raw_times)
        self.record("4. province monthly statistics", f"{api * 1000:.0f} ms", f"raw SQL {raw * 1000:.0f} ms", f"{api / raw:.2f}×", "≤ 2× and ≤ 1 s",
                    api <= 2 * raw and api <= 1.0, f"{first_day}…{last_day} over {self.dossier_count:,} dossiers")

    def figure_exchange(self):
        clerk = token(self.base, "vanthu.vp")
        content = os.urandom(1024 * 1024)
        path = os.path.join(self.work, "attachment.bin")
        with open(path, "wb") as f:
            f.write(b"%PDF-1.4\n" + content)
        boundary = "cqs-bench-boundary"
        n = 20
        start = time.time()
        for i in range(n):
            # Multipart: the document as JSON, the file as it is (no base64 on the wire).
            document = json.dumps({"codeNumber": str(1000 + i), "codeNotation": "VP-BENCH", "typeName": "Công văn", "subject": f"Bench {i}",
                                   "recipients": [{"organId": "000.00.05.H19"}]})
            body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"document\"\r\nContent-Type: application/json\r\n\r\n{document}\r\n"
                    f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"vb.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").encode() \
                + b"%PDF-1.4\n" + content + f"\r\n--{boundary}--\r\n".encode()
            status, _ = http(self.base, "/api/v1/exchange/documents", token=clerk, body=body, content_type=f"multipart/form-data; boundary={boundary}")
            assert status == 201, status
        rate = n / (time.time() - start)
        key = os.path.join(self.work, "key.pem")
        cert = os.path.join(self.work, "cert.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert,
                        "-subj", "/CN=bench", "-days", "1"], check=True, capture_output=True)
        start = time.time()
        for _ in range(n):
            subprocess.run(["openssl", "cms", "-sign", "-binary", "-in", path, "-signer", cert, "-inkey", key, "-outform", "DER", "-out", os.devnull],
                           check=True, capture_output=True)
        reference = n / (time.time() - start)
        ratio = rate / reference
        self.record("5. signed edXML delivery (1 MB)", f"{rate:.1f} documents/s", f"openssl cms -sign {reference:.1f}/s", f"{ratio:.0%}", "≥ 50%",
                    ratio >= 0.5, "agency to agency inside the platform, file sent as a multipart part: CMS + XML signature, package stored, received, both signatures verified")

    def stop(self):
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
        if self.engine == "postgres" and hasattr(self, "standby_stop"):
            subprocess.run(self.standby_stop, capture_output=True)
        if self.engine == "postgres" and hasattr(self, "pg_stop"):
            subprocess.run(self.pg_stop, capture_output=True)
        if not self.args.keep:
            shutil.rmtree(self.work, ignore_errors=True)

    def commit(self):
        try:
            return subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"], capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return "unknown commit"

    def report(self):
        cpu = re.search(r"model name\s*:\s*(.*)", open("/proc/cpuinfo").read()).group(1)
        cores = os.cpu_count()
        lines = [f"\n## {time.strftime('%Y-%m-%d')} · {self.engine} · `{self.args.scale}` data set · {cores} cores ({cpu})\n",
                 f"Binary: `{os.path.relpath(self.args.binary, ROOT)}` built from `{self.commit()}`; wrk -t2 -c32 (submissions -c16), "
                 f"{self.args.seconds} s per figure, loopback.\n",
                 "| figure | measured | reference (same run) | ratio | target | met |", "|---|---|---|---|---|---|"]
        for figure, measured, reference, ratio, target, met, detail in self.results:
            lines.append(f"| {figure} | {measured}{' — ' + detail if detail else ''} | {reference} | {ratio} | {target} | {met} |")
        lines += [""] + [f"- {note}" for note in self.notes]
        text = "\n".join(lines) + "\n"
        print(text)
        if self.args.only:
            return  # a partial run is for iterating; only full runs go into BENCHMARKS.md
        with open(os.path.join(ROOT, "BENCHMARKS.md"), "a") as f:
            f.write(text)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--scale", default="province")
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "cqs"))
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--pool", type=int, default=8)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--only", help="comma-separated figures (lookup,search,submission,statistics,exchange,replica); not written to BENCHMARKS.md")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    bench = Bench(args)
    try:
        bench.run()
    finally:
        bench.stop()
    bench.report()


if __name__ == "__main__":
    main()
