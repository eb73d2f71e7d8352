"""A walk through the pages as the demo accounts: one browser tab per viewport, logged in through the login
page as the account whose turn it is, the clock moved to the day of each act."""

from __future__ import annotations

import datetime
import re
import zoneinfo

from units.demo import DEMO_PASSWORD

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(time_machine, day: datetime.date) -> None:
    time_machine.move_to(datetime.datetime.combine(day, datetime.time(9), tzinfo=SHANGHAI), tick=True)


class Walk:
    """One browser tab per viewport, logged in as the demo account whose turn it is; every question the
    pages ask before an irreversible act is answered yes, and kept."""

    def __init__(self, page, phone, url):
        self.tabs = {"desk": page, "phone": phone}
        self.url = url
        self.asked: list[str] = []
        for tab in self.tabs.values():
            tab.on("dialog", lambda dialog: (self.asked.append(dialog.message), dialog.accept()))

    def log_in(self, username: str, *, on: str = "desk"):
        page = self.tabs[on]
        page.context.clear_cookies()
        page.goto(f"{self.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))
        return page

    @staticmethod
    def follow(page, link):
        """Click ``link`` (or a form's submit button) and wait until the next page has loaded: a count read
        straight after a bare click may still see the page it left."""
        before = page.url
        link.click()
        page.wait_for_url(lambda url: url != before)
        page.wait_for_load_state()
        return page

    @staticmethod
    def done(page, button) -> str:
        """Click ``button`` and wait for the page's verdict; a refusal fails the test with its text."""
        button.click()
        page.wait_for_load_state()
        alert = page.locator("main > .alert").first
        alert.wait_for()
        text = alert.inner_text()
        # Success; or, for a grid whose rows saved themselves as the focus left them, "nothing new to save".
        assert re.search(r"alert-(success|info)", alert.get_attribute("class") or ""), text
        return text
