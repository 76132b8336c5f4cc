#!/usr/bin/env python3
"""Drives the reference browser client in a real headless Chromium.
Usage: browser.py URL TOKEN NETUID HOTKEY SCREENSHOT [PUSH_SUBSCRIPTION_JSON]. Prints a line per step:
  snapshot-ok N          the snapshot filled the table
  update-ok highlighted  an update from the chain (an epoch on NETUID) was highlighted without reload
  notify-ok HOTKEY       "notify me" on the first row registered the service worker, subscribed to
                         pushes and had the server store the alert. Chromium's own push service
                         (Google's) cannot be reached here, so PushManager.subscribe is given the
                         test's push service subscription instead: the one stand-in of the run.
  restart-server         then waits for a line on stdin: the test restarts the server meanwhile
  resumed-ok TEXT        the page reconnected by itself, said the missed updates were replayed, and
                         shows updates again
  command-ok TEXT        a stake of 0.1 TAO on HOTKEY sent from the command form reached finality
  bad-token-ok TEXT      a bad token is explained, with no endless retrying
  address-token-ok ...   the printed address (token in the fragment) connects; the fragment is gone
"""
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By


def wait(predicate, timeout=20.0, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"timed out waiting for {what}")


def newest_block(driver):
    return max(int(cell.text) for cell in driver.find_elements(By.CSS_SELECTOR, "#dividends tbody tr td:nth-child(5)"))


def main():
    url, token, netuid, hotkey, screenshot = sys.argv[1:6]
    subscription = sys.argv[6] if len(sys.argv) > 6 else None
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        if subscription:
            driver.execute_cdp_cmd("Browser.grantPermissions", {"origin": url.rstrip("/"), "permissions": ["notifications"]})
            driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": (
                "PushManager.prototype.subscribe = async function (options) {"
                "  if (!options || !options.applicationServerKey) throw new Error('no applicationServerKey');"
                f"  const json = {subscription};"
                "  return { endpoint: json.endpoint, toJSON: () => json };"
                "};")})
        driver.get(url)
        driver.find_element(By.ID, "token").send_keys(token)
        driver.find_element(By.ID, "netuid").send_keys(netuid)
        driver.find_element(By.CSS_SELECTOR, "#login-form button").click()
        wait(lambda: driver.find_element(By.ID, "connection").text == "live", what="the live status")
        rows = wait(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#dividends tbody tr")), what="snapshot rows")
        print(f"snapshot-ok {rows}", flush=True)
        changed = wait(lambda: driver.find_elements(By.CSS_SELECTOR, "#dividends tr.changed"), timeout=60, what="a highlighted update")
        print(f"update-ok highlighted={len(changed)}", flush=True)
        driver.save_screenshot(screenshot)

        if subscription:
            row = driver.find_element(By.CSS_SELECTOR, "#dividends tbody tr")
            button = wait(lambda: row.find_element(By.CSS_SELECTOR, "button.notify") if row.find_element(By.CSS_SELECTOR, "button.notify").is_displayed() else None,
                          what="the notify button (alerts scope and a VAPID key)")
            button.click()
            wait(lambda: button.text == "notifying", what=f"the alert to be stored; page says: {driver.find_element(By.ID, 'message').text}")
            ready = driver.execute_script("return navigator.serviceWorker.getRegistration().then(r => !!(r && r.active))")
            print(f"notify-ok {row.find_element(By.CSS_SELECTOR, 'td.hotkey').text} worker={str(bool(ready)).lower()}", flush=True)

        # The server goes away (a deploy) and comes back: the page resumes from its last offset.
        before = newest_block(driver)
        print("restart-server", flush=True)
        sys.stdin.readline()
        wait(lambda: driver.find_element(By.ID, "connection").text != "live", timeout=30, what="the page to notice the restart")
        wait(lambda: driver.find_element(By.ID, "connection").text == "live", timeout=60, what="the page to reconnect")
        sync = wait(lambda: driver.find_element(By.ID, "sync").text, timeout=30, what="the reconnect to be explained")
        wait(lambda: newest_block(driver) > before, timeout=60, what="updates after the reconnect")
        print(f"resumed-ok {sync}", flush=True)

        # A command from the form, followed to finality in the list.
        wait(lambda: driver.find_element(By.ID, "trading").is_displayed(), what="the command form (trade scope)")
        driver.find_element(By.ID, "command-netuid").send_keys(netuid)
        driver.find_element(By.ID, "command-hotkey").send_keys(hotkey)
        driver.find_element(By.ID, "amount").send_keys("0.1")
        driver.find_element(By.CSS_SELECTOR, "#command-form button").click()
        done = wait(lambda: next((item.text for item in driver.find_elements(By.CSS_SELECTOR, "#commands li")
                                  if "finalized" in item.text or "failed" in item.text or "rejected" in item.text), None),
                    timeout=60, what="the command to finish")
        print(f"command-ok {done}", flush=True)

        # A bad token: a clear message, no endless retrying.
        driver.get(url)
        driver.find_element(By.ID, "token").send_keys("tst_000000000000_not-a-real-token")
        driver.find_element(By.CSS_SELECTOR, "#login-form button").click()
        # The server's error frame comes first, then the 4001 close the page explains.
        message = wait(lambda: (lambda text: text if "refused" in text else None)(driver.find_element(By.ID, "message").text),
                       what="the refused-token message")
        print(f"bad-token-ok {message}", flush=True)

        # The address scripts/run.sh prints: the token in the fragment connects at once, and
        # leaves the address bar.
        driver.get("about:blank")
        driver.get(url.rstrip("/") + "/#token=" + token)
        wait(lambda: driver.find_element(By.ID, "connection").text == "live", what="live from the printed address")
        rows = wait(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#dividends tbody tr")), what="rows from the printed address")
        hash_left = driver.execute_script("return location.hash")
        print(f"address-token-ok rows={rows} hash={hash_left!r}", flush=True)
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
