"""End-to-end: a citizen and officers of two agencies carry an inter-agency dossier through
every step to the returned result, driving the real pages in headless Chromium.

Usage: python3 Tests/e2e/dossier_journey.py PATH_TO_CQS_BINARY
Starts `cqs serve` on a free loopback port with a fresh SQLite database, runs the journey,
stops the server. Prints "e2e: N passed, N failed" and exits non-zero on failure."""
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.support.ui import Select, WebDriverWait

PASSWORD = "DongNai2026demo"
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(base, process, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError("server exited early")
        try:
            with urllib.request.urlopen(base + "/readyz", timeout=2) as r:
                if r.status == 200:
                    return
        except Exception:
            time.sleep(0.5)
    raise RuntimeError("server not ready")


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CQS_CHROMIUM", "/usr/bin/chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=412,915"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(os.environ.get("CQS_CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)
    driver.set_page_load_timeout(30)
    return driver


class Journey:
    def __init__(self, base, workdir):
        self.base = base
        self.driver = browser()
        self.files = []
        for i in range(6):
            path = os.path.join(workdir, f"giay-to-{i}.pdf")
            with open(path, "wb") as f:
                f.write(PDF)
            self.files.append(path)

    def submit(self, element, url_pattern):
        """Clicks a submit button and waits for the next page's URL."""
        old = self.driver.find_element(By.TAG_NAME, "html")
        element.click()

        def left(_):
            # Chromium reports a replaced document as stale, or as a node of another document.
            try:
                old.is_enabled()
                return False
            except WebDriverException:
                return True

        WebDriverWait(self.driver, 20).until(left)
        WebDriverWait(self.driver, 20).until(lambda d: d.execute_script("return document.readyState") == "complete")
        assert re.search(url_pattern, self.driver.current_url), f"expected {url_pattern}, at {self.driver.current_url}: {self.text()[:400]}"

    def go(self, path):
        self.driver.get(self.base + path)

    def text(self):
        return self.driver.find_element(By.TAG_NAME, "main").text

    def sign_in(self, username):
        self.driver.delete_all_cookies()
        self.go("/login")
        self.driver.find_element(By.ID, "username").send_keys(username)
        self.driver.find_element(By.ID, "password").send_keys(PASSWORD)
        self.submit(self.driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]"), r"/(dossiers|documents|statistics|admin/users)$")

    def act(self, code, action, note=None, assignee=None):
        self.go(f"/dossiers/{code}")
        form = self.driver.find_element(By.CSS_SELECTOR, f"form[action='/dossiers/{code}/actions/{action}']")
        folded = form.find_elements(By.XPATH, "./ancestor::details")
        if folded and not folded[0].get_attribute("open"):
            folded[0].find_element(By.TAG_NAME, "summary").click()
        if assignee:
            Select(form.find_element(By.NAME, "assignee")).select_by_value(assignee)
        if note:
            form.find_element(By.NAME, "note").send_keys(note)
        self.submit(form.find_element(By.CSS_SELECTOR, "button[type=submit]"), re.escape(f"/dossiers/{code}") + "$")
        assert not self.driver.find_elements(By.CSS_SELECTOR, "main .alert"), f"{action}: {self.text()[:300]}"
        flash = self.driver.find_elements(By.CSS_SELECTOR, "main .flash")
        assert flash and code in flash[0].text, f"{action}: no success message: {self.text()[:300]}"

    def upload(self, code, document, kind_result=False):
        self.go(f"/dossiers/{code}")
        selector = "input#rfile" if kind_result else "input#file"
        name = "input#rdocument" if kind_result else "input#document"
        self.driver.find_element(By.CSS_SELECTOR, name).send_keys(document)
        field = self.driver.find_element(By.CSS_SELECTOR, selector)
        field.send_keys(self.files[5])
        self.submit(field.find_element(By.XPATH, "./ancestor::form").find_element(By.CSS_SELECTOR, "button[type=submit]"), re.escape(f"/dossiers/{code}") + "$")
        assert document in self.text(), f"upload {document} failed: {self.text()[:300]}"

    def run(self):
        d = self.driver
        # A citizen finds the procedure without typing diacritics and submits online.
        self.sign_in("0912345678")
        self.go("/procedures")
        d.find_element(By.ID, "q").send_keys("dang ky bien dong chuyen nhuong")
        self.submit(d.find_element(By.CSS_SELECTOR, "form.search button[type=submit]"), r"/procedures\?")
        self.submit(d.find_element(By.PARTIAL_LINK_TEXT, "Đăng ký biến động"), r"/procedures/1\.004227$")
        self.submit(d.find_element(By.LINK_TEXT, "Nộp hồ sơ trực tuyến"), r"/dossiers/new")
        # A first try without the commune and with one file: every mistake comes back at once,
        # linked from the summary, and the chosen file is kept for the next try.
        d.find_element(By.ID, "documents-0").send_keys(self.files[0])
        self.submit(d.find_element(By.CSS_SELECTOR, "main form button[type=submit]"), r"/dossiers$")
        summary = d.find_element(By.CSS_SELECTOR, ".error-summary")
        links = [a.get_attribute("href").split("#")[-1] for a in summary.find_elements(By.TAG_NAME, "a")]
        assert "agencyIdentifier" in links and "documents-1" in links and "documents-0" not in links, links
        assert d.find_element(By.ID, "agencyIdentifier").get_attribute("aria-invalid") == "true"
        assert os.path.basename(self.files[0]) in self.text(), "the first file is kept"
        Select(d.find_element(By.ID, "agencyIdentifier")).select_by_visible_text("Phường Biên Hòa")
        for i in range(1, 4):
            d.find_element(By.ID, f"documents-{i}").send_keys(self.files[i])
        self.submit(d.find_element(By.CSS_SELECTOR, "main form button[type=submit]"), r"/dossiers/")
        match = re.search(r"/dossiers/(000\.46\.50\.H19-\d{6}-\d{4})$", d.current_url)
        assert match, f"submission failed: {d.current_url} {self.text()[:400]}"
        code = match.group(1)
        assert "Mới đăng ký, chờ tiếp nhận" in self.text()

        # The commune's one-stop desk receives and assigns; the commune officer forwards.
        self.sign_in("motcua.bienhoa")
        self.go("/dossiers")
        assert code in self.text()
        self.act(code, "receive")
        self.act(code, "assign", assignee="chuyenvien.bienhoa")
        self.go(f"/dossiers/{code}/print/receipt")
        assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in self.text()
        self.sign_in("chuyenvien.bienhoa")
        self.act(code, "forward", note="Hồ sơ đầy đủ, chuyển Sở Nông nghiệp và Môi trường")

        # The land office (another agency) asks for a supplement; the citizen answers.
        self.sign_in("chuyenvien.nnmt")
        self.act(code, "request_supplement", note="Bổ sung tờ khai lệ phí trước bạ")
        self.sign_in("0912345678")
        self.go(f"/dossiers/{code}")
        assert "Bổ sung tờ khai lệ phí trước bạ" in self.text()
        self.upload(code, "Tờ khai lệ phí trước bạ")
        self.act(code, "supplement", note="Đã bổ sung")

        # The land office finishes: forward to the leader's step, approve, record the result.
        self.sign_in("chuyenvien.nnmt")
        self.act(code, "forward")
        self.sign_in("lanhdao.nnmt")
        self.act(code, "approve")
        self.sign_in("chuyenvien.nnmt")
        self.upload(code, "Giấy chứng nhận đã cập nhật biến động", kind_result=True)
        self.act(code, "record_result")

        # The commune desk hands over the result; anyone can see the status with code + phone.
        self.sign_in("motcua.bienhoa")
        self.act(code, "return_result")
        d.delete_all_cookies()
        self.go(f"/lookup?code={code}&phone=0912345678")
        assert "Đã trả kết quả" in self.text(), self.text()[:300]
        d.save_screenshot(os.path.join(os.environ.get("CQS_E2E_SCREENSHOTS", tempfile.gettempdir()), "e2e-lookup.png"))
        return f"dossier {code} went from online submission to returned result"


def main(journey_class=Journey):
    """Starts the server, runs `journey_class(base, workdir).run()` (which returns what it
    proved), stops everything, and exits non-zero on failure."""
    binary = sys.argv[1]
    workdir = tempfile.mkdtemp(prefix="cqs-e2e-")
    port = free_port()
    env = dict(os.environ, CQS_DATABASE_URL=os.path.join(workdir, "cqs.sqlite"), CQS_HTTP_PORT=str(port),
               CQS_BCRYPT_COST="4", CQS_LOG_LEVEL="warning")
    env.pop("CQS_TEST_DATABASE_URL", None)
    server = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.DEVNULL)
    passed = failed = 0
    journey = None
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base, server)
        journey = journey_class(base, workdir)
        print(f"e2e: {journey.run()}")
        passed = 1
    except Exception as error:  # report and fail
        import traceback
        traceback.print_exc()
        if journey:
            print(journey.driver.current_url, journey.text()[:500])
        print(f"e2e failure: {error!r}")
        failed = 1
    finally:
        if journey:
            journey.driver.quit()
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    print(f"e2e: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
