"""The notes application (examples/notes) in a real browser: headless
Chromium from Debian's packages (chromium, chromium-driver) driven by
Selenium (test/requirements-browser.txt), both installed by
scripts/bootstrap.  The server is `mod_python serve examples/notes`, as
scripts/serve-examples runs it.

The browser goes to the application, is sent to the login page, logs in as
demo/demo through the form, uploads a file through the upload form, finds
it listed with its size, logs out and is back at the login page."""

import os
import shutil
import tempfile
import urllib.parse

import pytest

from helpers import REPO, ServeCommand

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

webdriver = pytest.importorskip(
    "selenium.webdriver",
    reason="selenium is not installed: run scripts/bootstrap "
           "(test/requirements-browser.txt)")
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

for _binary in (CHROMIUM, CHROMEDRIVER):
    if not os.access(_binary, os.X_OK):
        pytest.skip("%s is missing: run scripts/bootstrap (apt packages "
                    "chromium, chromium-driver)" % _binary,
                    allow_module_level=True)

# generous, but a hung browser still fails the test in bounded time
WAIT = 30
PAGE_LOAD = 60


@pytest.fixture(scope="module", params=["prefork", "event"])
def site(request):
    served = ServeCommand([os.path.join(REPO, "examples", "notes"),
                           "--mpm", request.param])
    yield served
    served.stop()


@pytest.fixture
def browser():
    profile = tempfile.mkdtemp(prefix="mptest-chromium-")
    options = Options()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu",
                 "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 "--user-data-dir=" + profile):
        options.add_argument(flag)
    # chromedriver's own log goes next to the profile, for failures
    service = Service(executable_path=CHROMEDRIVER,
                      log_output=os.path.join(profile, "chromedriver.log"))
    driver = None
    try:
        driver = webdriver.Chrome(service=service, options=options)
        driver.set_page_load_timeout(PAGE_LOAD)
        yield driver
    finally:
        if driver is not None:
            driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def path_of(driver):
    parts = urllib.parse.urlsplit(driver.current_url)
    return parts.path + ("?" + parts.query if parts.query else "")


def wait_for_path(driver, prefix, exact=False):
    WebDriverWait(driver, WAIT).until(
        lambda d: (path_of(d) == prefix if exact
                   else path_of(d).startswith(prefix)),
        "expected the page %s" % prefix)


def visible(driver, css):
    return WebDriverWait(driver, WAIT).until(
        EC.visibility_of_element_located((By.CSS_SELECTOR, css)),
        "%s not shown on %s" % (css, driver.current_url))


def test_login_upload_list_logout(site, browser, tmp_path):
    data = bytes(range(256)) * 3 + b"browser"          # 775 bytes
    upload = tmp_path / "browser note.txt"
    upload.write_bytes(data)

    # not logged in: the application sends the browser to the login page
    browser.get(site.url + "/")
    wait_for_path(browser, "/login?next=")
    assert urllib.parse.parse_qs(
        urllib.parse.urlsplit(browser.current_url).query)["next"] == ["/"]
    form = visible(browser, "form.login")
    assert browser.title == "Log in - Notes"

    form.find_element(By.NAME, "user").send_keys("demo")
    form.find_element(By.NAME, "password").send_keys("demo")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

    # logged in: back at the page asked for, with an empty file list
    wait_for_path(browser, "/", exact=True)
    WebDriverWait(browser, WAIT).until(
        EC.text_to_be_present_in_element((By.CSS_SELECTOR, "form.logout"),
                                         "Logged in as demo"))
    assert path_of(browser) == "/"
    assert browser.title == "Your files - Notes"
    assert visible(browser, "table.files td.empty").text == "No files yet."

    # the session cookie is HttpOnly: page scripts cannot see it
    assert browser.get_cookie("pysid") is not None
    assert "pysid" not in browser.execute_script("return document.cookie")

    # upload through the form
    upload_form = visible(browser, "form.upload")
    upload_form.find_element(By.CSS_SELECTOR, "input[type=file]") \
        .send_keys(str(upload))
    upload_form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

    # redirected back to the list, which shows the file and its size
    name_cell = WebDriverWait(browser, WAIT).until(
        EC.visibility_of_element_located(
            (By.XPATH, "//table[@class='files']//td[@class='name' and "
                       "text()='browser note.txt']")),
        "the uploaded file is not listed")
    row = name_cell.find_element(By.XPATH, "..")
    assert row.find_element(By.CSS_SELECTOR, "td.size").text == "775 bytes"
    assert path_of(browser) == "/"
    assert not browser.find_elements(By.CSS_SELECTOR, "td.empty")

    stored = os.path.join(site.root, "data", "notes", "demo",
                          "browser note.txt")
    with open(stored, "rb") as f:
        assert f.read() == data

    # log out: back at the login page, and the list is out of reach
    visible(browser, "form.logout button[type=submit]").click()
    wait_for_path(browser, "/login", exact=True)
    visible(browser, "form.login")
    assert browser.title == "Log in - Notes"
    assert not browser.find_elements(By.CSS_SELECTOR, "form.logout")

    browser.get(site.url + "/")
    wait_for_path(browser, "/login?next=")
    visible(browser, "form.login")
