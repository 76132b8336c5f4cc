#!/usr/bin/env python3
"""Drives the reference browser client in a real headless Chromium.
Usage: browser.py URL TOKEN NETUID SCREENSHOT. Prints a line per step: the snapshot fills the
table, then an update arriving from the chain (an epoch on NETUID) is highlighted without reload,
then a bad token is explained.
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


def main():
    url, token, netuid, screenshot = sys.argv[1:5]
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
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
        # A bad token: a clear message, no endless retrying.
        driver.get(url)
        driver.find_element(By.ID, "token").send_keys("tst_000000000000_not-a-real-token")
        driver.find_element(By.CSS_SELECTOR, "#login-form button").click()
        message = wait(lambda: driver.find_element(By.ID, "message").text, what="an error message")
        print(f"bad-token-ok {message}", flush=True)
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
