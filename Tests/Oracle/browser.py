#!/usr/bin/env python3
"""Drives the reference browser client in a real headless Chromium.
Usage: browser.py URL TOKEN NETUID HOTKEY SCREENSHOT [PUSH_SUBSCRIPTION_JSON]. Prints a line per step:
  snapshot-ok N          the snapshot filled the table
  update-ok highlighted  an update from the chain (an epoch on NETUID) was highlighted without reload
  delta-ok TEXT          a moved row shows its previous value, the change and the %, which agree
  sort-ok TEXT           clicking `amount` sorts the rows ascending, then descending
  chart-ok points=N      clicking a row draws its history (N points) as an SVG line
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
  groups-ok [NETUIDS]    with every subnet, one group per subnet in netuid order, each headed by it
  search-ok N            the hotkey search leaves only matching rows
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
    return max(int(cell.text) for cell in driver.find_elements(By.CSS_SELECTOR, "#dividends td.block"))


def amount(text):
    """'1.5 α', '−0.25 τ', '+0.1 α' -> float; '—' -> None."""
    if text in ("", "—"):
        return None
    return float(text.split(" ")[0].replace("−", "-").replace("+", ""))


def amounts(driver, group):
    return [amount(cell.text) for cell in group.find_elements(By.CSS_SELECTOR, "td.amount")]


def check_sort(driver):
    """Clicking `amount` sorts ascending, clicking again descending: within each subnet."""
    header = driver.find_element(By.CSS_SELECTOR, "#dividends th[data-sort='amount']")
    orders = []
    for expected in ("ascending", "descending"):
        header.click()
        group = driver.find_element(By.CSS_SELECTOR, "#dividends tbody")
        values = wait(lambda: (lambda v: v if len(v) > 1 and v == sorted(v, reverse=expected == "descending") else None)(amounts(driver, group)),
                      what=f"amounts sorted {expected}")
        orders.append(f"{expected}:{len(values)}")
    return " ".join(orders)


def check_delta(driver):
    """A moved row shows its previous value and the change, absolute and in %, that agree."""
    def moved():
        for row in driver.find_elements(By.CSS_SELECTOR, "#dividends tr.entry"):
            now, before = amount(row.find_element(By.CSS_SELECTOR, "td.amount").text), amount(row.find_element(By.CSS_SELECTOR, "td.previous").text)
            delta, share = row.find_element(By.CSS_SELECTOR, "td.change").text, row.find_element(By.CSS_SELECTOR, "td.percent").text
            if before and delta != "—" and now != before:
                return now, before, amount(delta), float(share.split(" ")[0].replace("+", "").replace("−", "-"))
        return None
    now, before, delta, share = wait(moved, timeout=60, what="a row with a previous value and a change")
    assert abs((now - before) - delta) < 1e-6, (now, before, delta)
    assert abs(share - delta / before * 100) < 0.01, (share, delta, before)
    return f"{before}->{now} ({share:+.2f} %)"


def check_chart(driver):
    """Clicking a row draws its history: a line with points, extended by live updates."""
    driver.find_element(By.CSS_SELECTOR, "#dividends tr.entry td.hotkey").click()
    wait(lambda: driver.find_element(By.ID, "chart-panel").is_displayed(), what="the chart")
    points = wait(lambda: (lambda n: n if n >= 2 else None)(len(driver.find_elements(By.CSS_SELECTOR, "#chart circle"))),
                  timeout=60, what="two points in the chart")
    assert driver.find_elements(By.CSS_SELECTOR, "#chart polyline"), "no line"
    return points


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
        rows = wait(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#dividends tr.entry")), what="snapshot rows")
        print(f"snapshot-ok {rows}", flush=True)
        changed = wait(lambda: driver.find_elements(By.CSS_SELECTOR, "#dividends tr.changed"), timeout=60, what="a highlighted update")
        print(f"update-ok highlighted={len(changed)}", flush=True)
        print(f"delta-ok {check_delta(driver)}", flush=True)
        print(f"sort-ok {check_sort(driver)}", flush=True)
        print(f"chart-ok points={check_chart(driver)}", flush=True)
        driver.save_screenshot(screenshot)

        if subscription:
            # Rows are drawn again on every change: find them by key each time.
            key = driver.find_element(By.CSS_SELECTOR, "#dividends tr.entry").get_attribute("data-key")
            selector = f'#dividends tr[data-key="{key}"]'
            wait(lambda: driver.find_element(By.CSS_SELECTOR, selector + " button.notify").is_displayed(),
                 what="the notify button (alerts scope and a VAPID key)")
            driver.find_element(By.CSS_SELECTOR, selector + " button.notify").click()
            wait(lambda: driver.find_element(By.CSS_SELECTOR, selector + " button.notify").text == "notifying",
                 what=f"the alert to be stored; page says: {driver.find_element(By.ID, 'message').text}")
            ready = driver.execute_script("return navigator.serviceWorker.getRegistration().then(r => !!(r && r.active))")
            print(f"notify-ok {key.split('/')[-1]} worker={str(bool(ready)).lower()}", flush=True)

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
        rows = wait(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#dividends tr.entry")), what="rows from the printed address")
        hash_left = driver.execute_script("return location.hash")
        print(f"address-token-ok rows={rows} hash={hash_left!r}", flush=True)
        # Every subnet: one group each, in netuid order, each headed by its number.
        def grouped():
            bodies = driver.find_elements(By.CSS_SELECTOR, "#dividends tbody")
            netuids = [int(body.get_attribute("data-netuid")) for body in bodies]
            headed = all(body.find_element(By.CSS_SELECTOR, "tr.group").text.startswith(f"Subnet {netuid} ") for body, netuid in zip(bodies, netuids))
            return netuids if len(netuids) >= 2 and netuids == sorted(netuids) and headed else None
        print(f"groups-ok {wait(grouped, timeout=30, what='a group per subnet')}", flush=True)
        # The hotkey search narrows every group to matching rows.
        wanted = driver.find_element(By.CSS_SELECTOR, "#dividends tr.entry td.hotkey").text
        driver.find_element(By.ID, "search").send_keys(wanted[:12])
        matching = wait(lambda: (lambda cells: cells if cells and all(c.text.startswith(wanted[:12]) for c in cells) else None)(
            [c for c in driver.find_elements(By.CSS_SELECTOR, "#dividends tr.entry td.hotkey") if c.is_displayed()]), what="search results")
        print(f"search-ok {len(matching)}", flush=True)
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
