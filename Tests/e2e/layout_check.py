"""Phone-first pages in headless Chromium: the main pages of each role at 320, 390 and 1366 px
have no horizontal overflow; the citizen's withdrawal asks for confirmation on a page of its own;
actions leave a success message; a form sent twice (a double click) makes one dossier.

Usage: python3 Tests/e2e/layout_check.py PATH_TO_CQS_BINARY
Screenshots of every page at 390 px go to $CQS_E2E_SCREENSHOTS (default: a temp dir)."""
import os
import re
import tempfile

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from dossier_journey import Journey, main

WIDTHS = (320, 390, 1366)

# The pages each role works on (a dossier page is added once one exists).
PAGES = {
    None: ["/", "/procedures", "/procedures?q=khai+sinh", "/procedures/1.004227", "/lookup", "/login", "/register", "/calendar"],
    "0912345678": ["/dossiers", "/dossiers/new?procedure=1.004227", "/account"],
    "motcua.bienhoa": ["/dossiers", "/dossiers/new?procedure=1.004227", "/documents", "/tasks"],
    "chuyenvien.bienhoa": ["/dossiers", "/tasks"],
    "vanthu.sxd": ["/documents", "/documents?dir=out", "/documents/new/incoming", "/documents/registers/incoming"],
    "lanhdao.sxd": ["/statistics", "/documents/dashboard", "/tasks", "/tasks/new"],
    "admin": ["/admin/users", "/admin/users/new?agency=000.00.05.H19", "/admin/agencies", "/admin/agencies/000.00.05.H19", "/admin/outbox", "/calendar"],
    "quantri.snv": ["/admin/users", "/admin/users/new"],
}


class LayoutCheck(Journey):
    def overflow(self):
        return self.driver.execute_script(
            "const e = document.documentElement;"
            "const wide = [...document.querySelectorAll('body *')].filter(x => x.getBoundingClientRect().right > e.clientWidth + 1)"
            "  .filter(x => !x.closest('.table-wrap, nav, .chart-wrap')).slice(0, 3)"
            "  .map(x => x.tagName + (x.id ? '#' + x.id : '') + '.' + x.className + ' ' + Math.round(x.getBoundingClientRect().right));"
            "return [e.scrollWidth, e.clientWidth, wide];"
        )

    def check_widths(self, path, shots):
        problems = []
        for width in WIDTHS:
            self.driver.set_window_size(width, 900)
            self.go(path)
            scroll, client, wide = self.overflow()
            if scroll > client:
                problems.append(f"{path} at {width}px: {scroll} > {client} ({wide})")
            if width == 390:
                name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
                self.driver.save_screenshot(os.path.join(shots, f"{self.role or 'visitor'}-{name}.png"))
        return problems

    def submit_dossier(self, double=False):
        d = self.driver
        self.go("/dossiers/new?procedure=1.004227")
        Select(d.find_element(By.ID, "agencyIdentifier")).select_by_visible_text("Phường Biên Hòa")
        for i in range(4):
            d.find_element(By.ID, f"documents-{i}").send_keys(self.files[i])
        button = d.find_element(By.CSS_SELECTOR, "main form button[type=submit]")
        if double:
            d.execute_script("arguments[0].click(); arguments[0].click();", button)
            self.submit_wait(r"/dossiers/")
        else:
            self.submit(button, r"/dossiers/")
        match = re.search(r"/dossiers/(000\.46\.50\.H19-\d{6}-\d{4})$", d.current_url)
        assert match, f"submission failed: {d.current_url} {self.text()[:300]}"
        return match.group(1)

    def submit_wait(self, pattern):
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(self.driver, 20).until(lambda d: re.search(pattern + r"000", d.current_url))
        WebDriverWait(self.driver, 20).until(lambda d: d.execute_script("return document.readyState") == "complete")

    def dossier_count(self):
        self.go("/dossiers")
        return len(self.driver.find_elements(By.CSS_SELECTOR, "main table tbody tr"))

    def run(self):
        shots = os.environ.get("CQS_E2E_SCREENSHOTS", tempfile.mkdtemp(prefix="cqs-layout-"))
        os.makedirs(shots, exist_ok=True)
        problems = []
        pages = 0
        for role, paths in PAGES.items():
            self.role = role
            if role:
                self.sign_in(role)
            else:
                self.driver.delete_all_cookies()
            if role == "0912345678":
                self.driver.set_window_size(390, 900)
                code = self.submit_dossier()
                flash = self.driver.find_elements(By.CSS_SELECTOR, "main .flash")
                assert flash and code in flash[0].text, "no message after submitting"
                paths = paths + [f"/dossiers/{code}"]
                # A double click sends the form twice: one dossier.
                before = self.dossier_count()
                self.submit_dossier(double=True)
                after = self.dossier_count()
                assert after == before + 1, f"a double click made {after - before} dossiers"
                # Withdrawing asks first, on a page of its own; going back keeps the dossier.
                self.go(f"/dossiers/{code}")
                self.driver.find_element(By.CSS_SELECTOR, "details.destructive summary").click()
                form = self.driver.find_element(By.CSS_SELECTOR, f"form[action='/dossiers/{code}/actions/withdraw']")
                self.submit(form.find_element(By.CSS_SELECTOR, "button[type=submit]"), "/actions/withdraw$")
                assert "không thể" in self.text().lower() or "nộp hồ sơ mới" in self.text(), self.text()[:300]
                self.driver.set_window_size(320, 900)
                scroll, client, wide = self.overflow()
                if scroll > client:
                    problems.append(f"withdraw confirmation at 320px: {scroll} > {client} ({wide})")
                self.submit(self.driver.find_element(By.CSS_SELECTOR, "main a.button.secondary"), re.escape(f"/dossiers/{code}") + "$")
                assert "rút hồ sơ" not in self.driver.find_element(By.CSS_SELECTOR, "main dl.facts").text.lower()
                self.go(f"/dossiers/{code}")
                self.driver.find_element(By.CSS_SELECTOR, "details.destructive summary").click()
                form = self.driver.find_element(By.CSS_SELECTOR, f"form[action='/dossiers/{code}/actions/withdraw']")
                self.submit(form.find_element(By.CSS_SELECTOR, "button[type=submit]"), "/actions/withdraw$")
                self.submit(self.driver.find_element(By.CSS_SELECTOR, "main button.destructive"), re.escape(f"/dossiers/{code}") + "$")
                assert code in self.driver.find_element(By.CSS_SELECTOR, "main .flash").text
                assert "rút hồ sơ" in self.driver.find_element(By.CSS_SELECTOR, "main dl.facts").text.lower(), self.text()[:300]
            for path in paths:
                problems += self.check_widths(path, shots)
                pages += 1
        assert not problems, "\n".join(problems)
        return f"{pages} pages of {len(PAGES)} roles fit 320, 390 and 1366 px; confirmation, success message and double-submit checked (screenshots in {shots})"


if __name__ == "__main__":
    main(LayoutCheck)
