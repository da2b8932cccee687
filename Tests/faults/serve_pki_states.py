"""`cqs serve` starts, answers and stops on SIGTERM whatever state the certificate authority is in.

Usage: python3 Tests/faults/serve_pki_states.py PATH_TO_CQS_BINARY

States, each on a fresh SQLite database unless said:
  fresh            no authority yet: serve creates the demo CA and issues the demo certificates
  restart          the same database again: authority and certificates already there
  keyless          a provincial CA imported without its private key (`cqs pki import`, made by openssl)
  keyless+agency   the same, plus an agency certificate that CA issued, also without its key
For each: the server becomes ready (/readyz), serves /healthz and the login page, logs the demo
logins (and, without a key, that demo certificates were skipped), then exits with 0 within 20 s
of SIGTERM. Exits non-zero on the first failure."""
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
from dossier_journey import free_port, wait_ready  # noqa: E402


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_pki(folder):
    """A CA and an agency certificate it issued, as a province's existing PKI would hand them over."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "3650",
            "-subj", "/CN=CA tinh Dong Nai (ngoai)/O=UBND tinh Dong Nai", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=folder)
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "agency.key", "-out", "agency.csr",
            "-subj", "/CN=Van phong UBND tinh 000.00.01.H19/O=UBND tinh Dong Nai", cwd=folder)
    with open(os.path.join(folder, "agency.ext"), "w") as ext:
        ext.write("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n")
    openssl("x509", "-req", "-in", "agency.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "agency.pem",
            "-days", "730", "-extfile", "agency.ext", cwd=folder)


def run(cqs, args, env):
    result = subprocess.run([cqs, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"cqs {' '.join(args)} failed: {result.stdout.decode(errors='replace')[-2000:]}")


def serve_once(cqs, env, name, expect_in_log):
    port = free_port()
    env = dict(env, CQS_HTTP_PORT=str(port))
    base = f"http://127.0.0.1:{port}"
    log_path = os.path.join(env["CQS_DATA_DIR"], f"serve-{name}.log")
    with open(log_path, "wb") as log:
        server = subprocess.Popen([cqs, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_ready(base, server, seconds=300)
            for path in ("/healthz", "/login"):
                with urllib.request.urlopen(base + path, timeout=10) as response:
                    assert response.status == 200, f"{name}: {path} answered {response.status}"
            started = time.time()
            server.send_signal(signal.SIGTERM)
            code = server.wait(timeout=20)
            took = time.time() - started
        except BaseException:
            server.kill()
            server.wait()
            raise
    text = open(log_path, encoding="utf-8", errors="replace").read()
    if code != 0:
        raise RuntimeError(f"{name}: exit code {code} after SIGTERM\n{text[-2000:]}")
    for expected in expect_in_log:
        if expected not in text:
            raise RuntimeError(f"{name}: log lacks {expected!r}\n{text[-2000:]}")
    print(f"  {name}: ready, served, stopped {took:.1f} s after SIGTERM")


def main():
    cqs = sys.argv[1]
    root = tempfile.mkdtemp(prefix="cqs-pki-states-")
    base_env = dict(os.environ, CQS_BCRYPT_COST="4")
    base_env.pop("CQS_DATABASE_URL", None)

    def environment(name):
        folder = os.path.join(root, name)
        os.makedirs(folder)
        return dict(base_env, CQS_DATA_DIR=folder, CQS_DATABASE_URL="sqlite://" + os.path.join(folder, "cqs.sqlite"))

    logins = "vanthu.vp"
    fresh = environment("fresh")
    serve_once(cqs, fresh, "fresh", [logins, "demo certificates issued"])
    serve_once(cqs, fresh, "restart", [logins])

    pki = os.path.join(root, "pki")
    os.makedirs(pki)
    make_pki(pki)
    keyless = environment("keyless")
    run(cqs, ["pki", "import", "--kind", "authority", "--certificate", os.path.join(pki, "ca.pem")], keyless)
    skipped = "demo certificates skipped"
    serve_once(cqs, keyless, "keyless", [logins, skipped])

    agency = environment("keyless-agency")
    run(cqs, ["pki", "import", "--kind", "authority", "--certificate", os.path.join(pki, "ca.pem")], agency)
    serve_once(cqs, agency, "keyless+agency (first start)", [logins, skipped])
    run(cqs, ["pki", "import", "--kind", "agency", "--owner", "000.00.01.H19", "--certificate", os.path.join(pki, "agency.pem")], agency)
    serve_once(cqs, agency, "keyless+agency", [logins, skipped])
    print("serve under every PKI state: OK")


if __name__ == "__main__":
    main()
