"""A citizen who hits a rate limit sees why in Dutch, and the message is kept and sent later."""
from __future__ import annotations

import pytest

from tests.browser.conftest import Widget, new_browser, wait_until
from tests.security.conftest import start_service

pytestmark = pytest.mark.browser


def test_message_limit_in_the_widget(tmp_path):
    service = start_service(tmp_path, BALIE_LIMIT_MESSAGES_PER_MINUTE=1)
    driver = new_browser()
    try:
        driver.get(service.url + "/")
        widget = Widget(driver)
        widget.open()
        widget.send("Hoe vraag ik een paspoort aan?")
        # Rasa is not running in this fixture: the first message is stored, the widget says it retries.
        wait_until(lambda: "niet bereikbaar" in widget.part("status").text, message="503 status")
        widget.send("En wat kost dat?")
        status = wait_until(lambda: "achter elkaar" in widget.part("status").text and widget.part("status").text,
                            message="rate-limit status")
        assert "Wacht even" in status
        citizen = widget.messages("citizen")
        assert any("wat kost dat" in text for text in citizen)
        assert not any("niet verstuurd" in text for text in citizen)  # kept, not dropped
        queued = driver.execute_script(
            "return Object.keys(sessionStorage).map(k => sessionStorage.getItem(k)).join(' ')")
        assert "wat kost dat" in queued  # in the widget's send queue, to go after Retry-After
    finally:
        driver.quit()
        service.process.stop()
