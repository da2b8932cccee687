"""End-to-end: an official document drafted, approved, issued (numbered, signed) and sent by
one agency; registered, assigned, processed and finished by another; the sender sees every
status. Drives the real pages in headless Chromium against `cqs serve` (demo data and demo
certificates), reusing the dossier journey's harness.

Usage: python3 Tests/e2e/document_journey.py PATH_TO_CQS_BINARY"""
import re
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

import dossier_journey


class DocumentJourney(dossier_journey.Journey):
    def document_action(self, path, action, note=None, lead=None, days=None):
        self.go(path)
        form = self.driver.find_element(By.CSS_SELECTOR, f"form[action='{path}/actions/{action}']")
        if lead:
            Select(form.find_element(By.NAME, "lead")).select_by_value(lead)
        if days:
            form.find_element(By.NAME, "deadlineDays").send_keys(str(days))
        if note:
            form.find_element(By.NAME, "note").send_keys(note)
        self.submit(form.find_element(By.CSS_SELECTOR, "button[type=submit]"), re.escape(path) + f"(/actions/{action})?$")
        # An action that cannot be undone is confirmed on a page of its own first.
        if self.driver.find_elements(By.CSS_SELECTOR, "input[name=confirmed]"):
            assert action in ("issue", "complete"), f"{action} asked for confirmation"
            self.submit(self.driver.find_element(By.CSS_SELECTOR, "main form button.destructive"), re.escape(path) + "$")
        elif action in ("issue", "complete"):
            raise AssertionError(f"{action} was not confirmed first")
        assert self.driver.find_elements(By.CSS_SELECTOR, ".flash, [role=status]"), f"{action}: no success message"
        assert not self.driver.find_elements(By.CSS_SELECTOR, "main .alert"), f"{action}: {self.text()[:300]}"

    def run(self):
        d = self.driver
        subject = "V/v phối hợp kiểm tra an toàn công trình"
        # An officer of the Department of Construction drafts a letter to Agriculture and Environment.
        self.sign_in("chuyenvien.sxd")
        self.go("/documents?dir=out")
        self.submit(d.find_element(By.LINK_TEXT, "Soạn văn bản đi"), r"/documents/new/outgoing$")
        Select(d.find_element(By.ID, "typeCode")).select_by_value("CV")
        d.find_element(By.ID, "subject").send_keys(subject)
        Select(d.find_element(By.ID, "draftingUnit")).select_by_value("CM")
        Select(d.find_element(By.ID, "signer")).select_by_value("lanhdao.sxd")
        d.find_element(By.ID, "signerPosition").send_keys("Giám đốc")
        d.find_element(By.NAME, "to_000.00.06.H19").click()
        d.find_element(By.ID, "file").send_keys(self.files[0])
        self.submit(d.find_element(By.CSS_SELECTOR, "main form button[type=submit]"), r"/documents/\d+$")
        outgoing = re.search(r"(/documents/\d+)$", d.current_url).group(1)
        self.document_action(outgoing, "submit")

        # The director approves (and is the signer); the clerk issues it: number, notation, signature, sending.
        self.sign_in("lanhdao.sxd")
        self.document_action(outgoing, "approve", note="Đồng ý ban hành")
        self.sign_in("vanthu.sxd")
        self.document_action(outgoing, "issue")
        text = self.text()
        assert "01/SXD-CM" in text and "Đã ban hành" in text and "đã ký số" in text, text[:600]

        # The recipient's clerk registers it from the axis; the leader assigns; the officer finishes.
        self.sign_in("vanthu.nnmt")
        self.go("/documents")
        row = d.find_element(By.XPATH, f"//tr[td[contains(., '{subject}')]]")
        self.submit(row.find_element(By.XPATH, ".//form[contains(@action, '/register')]//button"), r"/documents/\d+$")
        incoming = re.search(r"(/documents/\d+)$", d.current_url).group(1)
        assert "Số đến" in self.text() and "Đã vào sổ" in self.text(), self.text()[:400]
        self.sign_in("lanhdao.nnmt")
        self.document_action(incoming, "assign", lead="u:chuyenvien.nnmt", days=5, note="Chủ trì kiểm tra, báo cáo")
        self.sign_in("chuyenvien.nnmt")
        self.go("/documents")
        assert subject in self.text(), "the assigned officer sees the document"
        self.document_action(incoming, "process")
        self.document_action(incoming, "complete", note="Đã kiểm tra, không phát hiện vi phạm")

        # The sender sees every status come back through the axis (the status worker polls each second).
        self.sign_in("vanthu.sxd")
        expected = "Đã gửi → Đã đến → Đã vào sổ → Đã phân công → Đang xử lý → Hoàn thành"
        for _ in range(30):
            self.go(outgoing)
            if expected in self.text():
                break
            time.sleep(1)
        assert expected in self.text(), self.text()[:800]

        # The register book and the leader's dashboard.
        self.sign_in("vanthu.nnmt")
        self.go("/documents/registers/incoming")
        assert "01/SXD-CM" in self.text()
        self.sign_in("lanhdao.nnmt")
        self.go("/documents/dashboard")
        assert d.find_elements(By.CSS_SELECTOR, "main svg.chart"), "dashboard charts"
        return f"document {outgoing} issued as 01/SXD-CM, registered as {incoming}, finished; the sender saw 00→01→03→04→05→06"


if __name__ == "__main__":
    dossier_journey.main(DocumentJourney)
