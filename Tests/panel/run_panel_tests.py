#!/usr/bin/env python3
"""Real-browser tests of the web panel: Debian's chromium driven through chromium-driver (WebDriver) by selenium.

Starts a real atended from .build/debug with a temporary config (a Unix socket for the bot and the admin set-up,
and `http: {listen: "127.0.0.1:<free port>"}` for the browsers), then walks the flow of the help page: an admin
creates a department and an attendant with photo, hours and department through the UI; a second browser (its
own cookies) logs in as that attendant; a bot on the Unix socket opens a chat; the attendant sees it arrive,
replies, and the bot gets the reply; the bot closes and rates it, and the admin's list shows the new rating and
status without a reload. Further steps: the queue, transfers, potentials and the agenda, permissions, photos
checked before sending, exceptions and holidays, offers and wrap-up, the supervisor board, admin accounts, a
dropped socket resuming, a reload keeping the session and a logout ending it. A step that needs a contract v2
feature the daemon lacks is skipped, naming it; some of those are also played in the page instead (answers put in
front of the RPC client with window.atendePanel.answer), so the panel's side of them is exercised on any daemon.
Screenshots of each screen go to .build/panel-screenshots/.

Exit status: 0 when every test passed or the suite was skipped (an atended without `http` support, said
clearly), 1 when a test failed, 2 when the browser tools are missing. The last line is
"panel: N passed, N failed, N skipped".

For development against a server started by hand: --url http://HOST:PORT --socket PATH --admin LOGIN:PASSWORD
(--resumes when it resumes sessions from a cookie).
"""

import argparse
import base64
import datetime
import json
import os
import queue
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import zlib
import zoneinfo

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WAIT = 15  # seconds a browser condition may take before the step fails (a hang guard, not a timing assertion)

ADMIN_LOGIN = "admin@empresa.com.br"
ADMIN_PASSWORD = "Admin1234"
ATTENDANT_NAME = "Maria Souza"
ATTENDANT_LOGIN = "maria@empresa.com.br"
ATTENDANT_PASSWORD = "Senha1234"


class Skip(Exception):
    """The suite cannot run here, for a reason that is not a failure of the panel."""


# ---------------------------------------------------------------------------------------------------------------
# The daemon and its Unix socket

def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Daemon:
    """A real atended on a temp folder, with the HTTP listener on a free port."""

    def __init__(self, binary):
        self.binary = binary
        self.folder = tempfile.mkdtemp(prefix="atende-panel-")
        self.socket_path = os.path.join(self.folder, "atende.sock")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None
        self.log_path = os.path.join(self.folder, "atended.log")

    def start(self):
        if not os.path.exists(self.binary):
            raise Skip(f"{self.binary} is missing: run `swift build` first")
        config = {
            "socket": self.socket_path,
            "database": os.path.join(self.folder, "atende.db"),
            "durability": "normal",
            "http": {"listen": f"127.0.0.1:{self.port}"},
            # Not the panel's default zone: the desk must learn this one from the daemon (system.ping).
            "timezone": "America/Manaus",
        }
        config_path = os.path.join(self.folder, "config.json")
        with open(config_path, "w") as file:
            json.dump(config, file)
        self.config, self.config_path = config, config_path
        log = open(self.log_path, "w")
        self.process = subprocess.Popen([self.binary, "--config", config_path], cwd=ROOT, stdout=log,
                                        stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while time.time() < deadline:
            status = self.process.poll()
            if status is not None:
                text = open(self.log_path).read()
                if status == 78 and "'http'" in text:
                    raise Skip("this atended has no `http` support yet (config key 'http' refused); "
                               "the panel's browser tests need the HTTP/WebSocket server")
                raise RuntimeError(f"atended exited with {status}: {text.strip()}")
            if os.path.exists(self.socket_path) and self.http_answers():
                return
            time.sleep(0.05)
        raise RuntimeError("atended did not start listening within 20 s")

    def reload_with_timezone(self, zone):
        """Rewrites the config with another `timezone` and has the daemon reload it (SIGHUP)."""
        self.config["timezone"] = zone
        with open(self.config_path, "w") as file:
            json.dump(self.config, file)
        self.process.send_signal(signal.SIGHUP)

    def http_answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


class SocketClient:
    """A NDJSON JSON-RPC client on the Unix socket (the bot, and the admin set-up), with pushes in a queue."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.next_id = 1
        self.replies = {}
        self.events = queue.Queue()
        self.lock = threading.Condition()
        self.reader = threading.Thread(target=self.read, daemon=True)
        self.reader.start()

    def read(self):
        buffer = b""
        while True:
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                with self.lock:
                    self.replies[None] = "closed"
                    self.lock.notify_all()
                return
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                message = json.loads(line)
                if message.get("method") == "event":
                    self.events.put(message["params"])
                else:
                    with self.lock:
                        self.replies[message.get("id")] = message
                        self.lock.notify_all()

    def call(self, method, params=None):
        ident = self.next_id
        self.next_id += 1
        message = {"jsonrpc": "2.0", "id": ident, "method": method}
        if params is not None:
            message["params"] = params
        self.sock.sendall(json.dumps(message).encode() + b"\n")
        with self.lock:
            if not self.lock.wait_for(lambda: ident in self.replies or None in self.replies, WAIT):
                raise AssertionError(f"{method}: no answer within {WAIT} s")
            reply = self.replies.pop(ident, None)
        if reply is None:
            raise AssertionError(f"{method}: the connection closed")
        if "error" in reply:
            raise RpcFailure(method, reply["error"])
        return reply["result"]

    def event(self, type_, predicate=lambda event: True):
        """The next push of `type_` that satisfies `predicate` (others are dropped)."""
        deadline = time.time() + WAIT
        while time.time() < deadline:
            try:
                event = self.events.get(timeout=max(0.01, deadline - time.time()))
            except queue.Empty:
                break
            if event.get("type") == type_ and predicate(event):
                return event
        raise AssertionError(f"no {type_} push within {WAIT} s")

    def close(self):
        self.sock.close()


class RpcFailure(AssertionError):
    def __init__(self, method, error):
        super().__init__(f"{method}: error {error.get('code')} {error.get('message')} {error.get('data')}")
        self.code = error.get("code")


def png(width=64, height=64, noise=False):
    """A PNG made here (a teal gradient, or random noise that does not compress), for the photo uploads."""
    rows = b""
    for y in range(height):
        rows += b"\x00" + (os.urandom(width * 3) if noise else
                           b"".join(struct.pack("BBB", 11, 90 + x * 2 % 140, 110 + y * 2 % 140) for x in range(width)))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


# ---------------------------------------------------------------------------------------------------------------
# The browsers

def browser_tools():
    missing = [tool for tool in ("chromium", "chromedriver") if shutil.which(tool) is None]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("python3-selenium")
    return missing


class Browser:
    """One headless chromium (its own profile, so its own cookies) and the helpers the tests read like."""

    def __init__(self, name, base_url, shots):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium")
        for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1400,900", "--lang=pt-BR", "--no-first-run", "--disable-extensions"):
            options.add_argument(argument)
        options.add_experimental_option("prefs", {"intl.accept_languages": "pt-BR"})
        self.driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
        self.name = name
        self.base_url = base_url
        self.shots = shots

    def quit(self):
        self.driver.quit()

    def open(self, path=""):
        self.driver.get(self.base_url + "/" + path)

    def find(self, css):
        from selenium.webdriver.common.by import By
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def all(self, css):
        from selenium.webdriver.common.by import By
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def until(self, condition, what):
        from selenium.webdriver.support.ui import WebDriverWait
        from selenium.common.exceptions import TimeoutException
        try:
            return WebDriverWait(self.driver, WAIT, poll_frequency=0.05,
                                 ignored_exceptions=(Exception,)).until(lambda _: condition())
        except TimeoutException:
            raise AssertionError(f"[{self.name}] waited {WAIT} s for: {what}") from None

    def wait(self, css):
        return self.until(lambda: self.find(css), f"element {css}")

    def wait_text(self, css, text):
        """Waits until the element `css` shows `text` (and returns the element)."""
        def shows():
            for element in self.all(css):
                if text in element.text:
                    return element
            return None
        return self.until(shows, f"{css} showing {text!r}")

    def expect(self, css, test, what):
        """Waits until `test(element)` holds for the element `css`, found afresh each time (views redraw)."""
        return self.until(lambda: test(self.find(css)), f"{css}: {what}")

    def click(self, css):
        """Clicks `css` once it is shown and enabled (found again if a redraw replaced it)."""
        def clicked():
            element = self.find(css)
            if not (element.is_displayed() and element.is_enabled()):
                return False
            element.click()
            return True
        self.until(clicked, f"{css} clickable")

    def click_text(self, css, text):
        """Clicks the first `css` that shows `text`."""
        def clicked():
            element = next(e for e in self.all(css) if text in e.text)
            element.click()
            return True
        self.until(clicked, f"{css} showing {text!r} clickable")

    def type(self, css, text, clear=True):
        element = self.wait(css)
        if clear:
            element.clear()
        element.send_keys(text)
        return element

    def value(self, css):
        return self.find(css).get_attribute("value")

    def script(self, code, *args):
        return self.driver.execute_script(code, *args)

    def accept_alert_if_any(self):
        """Accepts a confirmation the page shows, if it shows one."""
        from selenium.common.exceptions import NoAlertPresentException
        try:
            self.driver.switch_to.alert.accept()
        except NoAlertPresentException:
            pass

    def closing_asks(self):
        """Whether closing the tab now would ask first (the page cancels a `beforeunload`)."""
        return self.script("const e = new Event('beforeunload', {cancelable: true}); window.dispatchEvent(e);"
                           "return e.defaultPrevented")

    def module_call(self, module, expression):
        """Runs `expression` with `m` bound to the panel's ES module `module`; returns its JSON value."""
        return self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            f"import('./{module}').then((m) => done(JSON.stringify({expression})))"
            ".catch((e) => done(JSON.stringify({error: String(e)})));")

    def close_other_windows(self, keep):
        """Closes every tab but `keep` (each is a connection of its own) and goes back to it."""
        for handle in self.driver.window_handles:
            if handle != keep:
                self.driver.switch_to.window(handle)
                self.driver.close()
        self.driver.switch_to.window(keep)

    def shot(self, name):
        os.makedirs(self.shots, exist_ok=True)
        path = os.path.join(self.shots, f"{name}.png")
        self.driver.save_screenshot(path)
        return path

    def login(self, login, password):
        self.open()
        self.type("#login-form input[name=login]", login)
        self.type("#login-form input[name=password]", password)
        self.click("#login-form button[type=submit]")


# ---------------------------------------------------------------------------------------------------------------
# The tests: one scenario, in order; a step that fails makes the steps that need it skip.

class Suite:
    def __init__(self, base_url, socket_path, shots, admin, session_resume, daemon_owned):
        self.base_url = base_url
        self.socket_path = socket_path
        self.shots = shots
        self.admin_login, self.admin_password = admin
        self.session_resume = session_resume
        self.daemon_owned = daemon_owned
        self.admin = None
        self.desk = None
        self.bot = None
        self.setup = None
        self.results = []
        self.failed_steps = set()
        self.attendant_id = None
        self.chat_id = None
        self.image_path = None
        self.colleague_id = None
        self.daemon = None  # the Daemon this runner started (None with --url)

    def run(self, name, needs, step):
        blocked = [need for need in needs if need in self.failed_steps]
        if blocked:
            self.results.append((name, "skipped", f"needs {', '.join(blocked)}"))
            self.failed_steps.add(name)
            print(f"  skip  {name} (needs {', '.join(blocked)})", flush=True)
            return
        started = time.time()
        try:
            step()
        except Skip as reason:
            self.results.append((name, "skipped", str(reason)))
            print(f"  skip  {name}: {reason}", flush=True)
            return
        except Exception as error:  # noqa: BLE001 - every failure is reported, whatever raised it
            self.failed_steps.add(name)
            self.results.append((name, "failed", str(error)))
            print(f"  FAIL  {name}: {str(error).splitlines()[0] if str(error) else type(error).__name__}",
                  flush=True)
            frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == __file__]
            for frame in frames[1:]:
                print(f"        at line {frame.lineno}: {frame.line}")
            for browser in (self.admin, self.desk):
                if browser:
                    try:
                        print(f"        screenshot: {browser.shot(f'failed-{name}-{browser.name}')}")
                    except Exception:  # noqa: BLE001
                        pass
            return
        self.results.append((name, "passed", ""))
        print(f"  ok    {name} ({time.time() - started:.1f} s)", flush=True)

    # -- set-up ---------------------------------------------------------------------------------------------

    def start(self):
        self.setup = SocketClient(self.socket_path)
        self.setup.call("auth.admin", {})
        self.features = self.probe_features()
        print(f"  daemon features: {', '.join(sorted(k for k, v in self.features.items() if v)) or 'v1 only'}")
        self.bot = SocketClient(self.socket_path)
        self.bot.call("auth.bot", {})
        folder = tempfile.mkdtemp(prefix="atende-panel-image-")
        self.image_path = os.path.join(folder, "foto.png")
        with open(self.image_path, "wb") as file:
            file.write(png())
        self.admin = Browser("admin", self.base_url, self.shots)
        self.desk = Browser("attendant", self.base_url, self.shots)
        # The attendant's computer is set to another zone: the desk still shows times in the account's zone.
        self.desk.driver.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "Asia/Tokyo"})

    def probe_features(self):
        """Which contract v2 features this daemon has (the steps that need one skip, saying so, without it)."""
        def answers(method, params):
            try:
                self.setup.call(method, params)
                return True
            except RpcFailure as failure:
                return failure.code not in (-32601, -32602)
        features = {}
        features["offers"] = answers("department.create", {"id": "probe-v2", "name": "Probe", "offerTimeout": 30,
                                                           "wrapUp": 60})
        if features["offers"]:
            self.setup.call("department.delete", {"id": "probe-v2"})
        features["conversation.list"] = answers("conversation.list", {"limit": 1})
        features["admin accounts"] = answers("admin.list", {})
        features["holidays"] = "holidays" in self.setup.call("settings.get")
        features["attendant.delete"] = answers("attendant.delete", {"id": 999999})  # 1004: it is there
        return features

    def close_open_chat(self):
        """Encerrar on the desk's open chat, confirmed."""
        d = self.desk
        d.click("#close-chat")
        d.wait_text("#close-chat", "Confirmar encerramento")
        d.click("#close-chat")

    def desk_online(self):
        """Turns the attendant's desk Online with its switch, when it is not."""
        d = self.desk
        if d.all("#presence:not(:checked)"):
            d.click(".presence-switch .slider")
            d.wait_text("#presence-label", "Online")

    def need(self, feature):
        if not self.features.get(feature):
            raise Skip(f"this atended has no {feature} yet (contract v2)")

    def stop(self):
        for browser in (self.admin, self.desk):
            if browser:
                try:
                    browser.quit()
                except Exception:  # noqa: BLE001
                    pass
        for client in (self.bot, self.setup):
            if client:
                client.close()
        if self.image_path:
            shutil.rmtree(os.path.dirname(self.image_path), ignore_errors=True)

    # -- steps ----------------------------------------------------------------------------------------------

    def formatters(self):
        """The pt-BR formatters and the hours split, run in the browser's own JS engine."""
        b = self.admin
        b.open()
        b.wait("#login-form")
        assert json.loads(b.module_call("format.js", "m.phone('+5511987654321')")) == "(11) 98765-4321"
        assert json.loads(b.module_call("format.js", "m.phone('1133334444')")) == "(11) 3333-4444"
        assert json.loads(b.module_call("format.js", "m.rating(4.5)")) == "4,5"
        # An offer card quotes the contact on one line, cut at 200 characters (not halving an emoji).
        assert json.loads(b.module_call("format.js", "m.excerpt('Oi,\\n  tudo bem?')")) == "Oi, tudo bem?"
        assert json.loads(b.module_call("format.js", "m.excerpt('😀'.repeat(201))")) == "😀" * 200 + "…"
        assert json.loads(b.module_call("format.js", "['Maria da Conceição Albuquerque', 'Ana', 'João dos Santos']"
                                                     ".map(m.initials)")) == ["MA", "A", "JS"]
        # A login already taken is said so, beside the login (the daemon's 1009 names the field).
        assert json.loads(b.module_call("format.js", "m.errorText({code: 1009, field: 'login', message: 'conflict',"
                                                     " reason: 'already in use'})")) == "Este login já está em uso."
        assert json.loads(b.module_call("format.js", "m.date('2026-12-04T15:00:00Z')")) == "04/12/2026"
        assert json.loads(b.module_call("format.js", "m.phoneProblem('(20) 98765-4321')")) == "DDD 20 não existe."
        assert json.loads(b.module_call("format.js", "m.phoneProblem('(11) 88765-4321')")) \
            == "Celular tem 9 dígitos começando com 9."
        assert json.loads(b.module_call("format.js", "m.passwordRules('abcdefgh').map((r) => r.ok)")) \
            == [True, False, False, True]
        # Out of hours: the code's text once, not "Fora do horário de atendimento: o atendente está fora...".
        assert json.loads(b.module_call("format.js", "m.errorText({code: 1011, message: "
                                                     "'attendant is outside working hours', data: null})")) \
            == "Fora do horário de atendimento.", "out of hours said once"
        # "online" asked outside the hours is kept for when they begin, and the attendant is told so.
        assert json.loads(b.module_call("format.js", "[m.presenceNote('online', 'off-hours'),"
                                                     " m.presenceNote('away', 'off-hours'),"
                                                     " m.presenceNote('online', 'online')]")) \
            == ["Você está fora do horário de atendimento: ficará online quando ele começar.", None, None]
        # A login refused out of hours says the holiday and when the hours begin (1011's data).
        refused = json.loads(b.module_call("format.js", "[m.outOfHoursText({holiday: 'Natal', "
                                                        "opensAt: '2030-12-26T11:00:00Z'}), m.outOfHoursText(null)]"))
        assert refused[0].startswith("Fora do horário de atendimento (feriado: Natal). Seu horário começa em "
                                     "26/12/2030 às "), refused
        assert refused[1] == "Fora do horário de atendimento.", refused
        # Sair with chats open asks first (they stay for the presence grace, then go back to their queues).
        assert json.loads(b.module_call("format.js", "[0, 1, 3].map(m.leavingQuestion)")) == [
            None, "A conversa aberta fica com você por pouco tempo e depois volta para a fila. Sair mesmo assim?",
            "As 3 conversas abertas ficam com você por pouco tempo e depois voltam para a fila. Sair mesmo assim?"]
        assert json.loads(b.module_call("format.js", "[m.nobodyToHandTo(false), m.nobodyToHandTo(true)]")) \
            == ["ninguém atende este departamento",
                "ninguém disponível agora (no limite, offline ou fora do horário)"]
        # A date shaped right that the calendar has not, told apart from one typed wrong.
        assert json.loads(b.module_call("hours.js", "['31/02/2026', '2026-02-28', '28/02/2026'].map(m.dayProblem)")) \
            == ["31/02/2026 não existe no calendário", "data inválida: use dd/mm/aaaa", None]
        # After the name of its place a message goes on in lower case, unless it starts with an acronym.
        assert json.loads(b.module_call("dom.js", "[m.placed('tempo: ', 'Deve estar entre 10 e 86400.'),"
                                                  " m.placed('telefone: ', 'DDD 20 não existe.'),"
                                                  " m.placed('data: ', 'É obrigatório.'),"
                                                  " m.placed('', 'Deve estar entre 10 e 86400.')]")) \
            == ["tempo: deve estar entre 10 e 86400.", "telefone: DDD 20 não existe.", "data: é obrigatório.",
                "Deve estar entre 10 e 86400."]
        # A notice lets clicks through to what it covers for its few seconds.
        assert b.script("const n = document.getElementById('notices');"
                        "return n && getComputedStyle(n).pointerEvents") == "none"
        # "Pegar" is off once the attendant's chats, offers held and running wrap-ups fill its maxChats.
        room = ("(() => { const d = new m.DeskState({on: () => () => {}}, {id: 1, maxChats: 2});"
                " const r = [d.hasRoom()]; d.mine.set(1, {id: 1}); r.push(d.hasRoom());"
                " d.wrapping.set(2, {id: 2, wrapUpUntil: new Date(Date.now() + 60000).toISOString()});"
                " r.push(d.hasRoom()); d.wrapping.set(2, {id: 2, wrapUpUntil: new Date(0).toISOString()});"
                " r.push(d.hasRoom()); return r; })()")
        assert json.loads(b.module_call("desk-state.js", room)) == [True, True, False, True]
        # A chat declined here and offered again at once (nobody else can take it) says so, whichever of the offer's
        # push and the decline's reply comes first; offers are listed by priority, then age.
        # A message another tab showed already is not unread in a hidden tab that has the chat open too.
        hidden = ("(() => { const d = new m.DeskState({on: () => () => {}}, {id: 1, maxChats: 2});"
                  " d.pane = {id: 9, received() {}, clockStopped() {}};"
                  " Object.defineProperty(document, 'hidden', {configurable: true, get: () => true});"
                  " d.readElsewhere({read: 9, message: 55});"
                  " d.apply({type: 'conversation.message', conversation: {id: 9}, message: {id: 55, at: 'x'}});"
                  " d.apply({type: 'conversation.message', conversation: {id: 9}, message: {id: 56, at: 'x'}});"
                  " delete document.hidden; d.stop(); return d.unread.get(9); })()")
        assert json.loads(b.module_call("desk-state.js", hidden)) == 1, "only the message no tab showed"
        offers = ("(() => { const d = new m.DeskState({on: () => () => {}}, {id: 1, maxChats: 2});"
                  " d.declinedAt.set(5, Date.now()); const c = {id: 5, contact: {name: 'Ana'}};"
                  " const texts = [d.offerText(c), d.offerText(c)];"
                  " d.offers.set(1, {id: 1, priority: 0, offeredAt: '2026-12-06T10:00:00.000Z'});"
                  " d.offers.set(2, {id: 2, priority: 5, offeredAt: '2026-12-06T10:00:05.000Z'});"
                  " d.offers.set(3, {id: 3, offeredAt: '2026-12-06T09:59:00.000Z'});"
                  " return [texts, d.offerList().map((o) => o.id)]; })()")
        assert json.loads(b.module_call("desk-state.js", offers)) == [
            ["Ninguém mais pode atender agora: a conversa voltou a ser oferecida a você.",
             "Nova conversa oferecida: Ana"], [2, 3, 1]]
        # Leaving, the chats that will go back are those the requeueOnOffline setting sends back.
        leaving = ("(() => { const d = new m.DeskState({on: () => () => {}}, {id: 1, maxChats: 5});"
                   " d.mine.set(1, {id: 1}); d.mine.set(2, {id: 2, firstReplyAt: '2026-12-06T10:00:00Z'});"
                   " const r = [d.returningOnLeave()];"
                   " for (const p of ['unanswered', 'all', 'none']) {"
                   "   d.settings = {requeueOnOffline: p}; r.push(d.returningOnLeave()); }"
                   " return r; })()")
        assert json.loads(b.module_call("desk-state.js", leaving)) == [1, 1, 2, 0]
        assert json.loads(b.module_call("hours.js", "[m.weekIsOff({}), m.weekIsOff({mon: [['08:00', '12:00']]})]")) \
            == [True, False]
        # The week drawn again as saved (show) keeps the keyboard where it was: a day's "+", an interval's end.
        kept = ("(() => { const week = {mon: [['08:00', '12:00']]};"
                " const e = m.hoursEditor({timezone: 'America/Sao_Paulo', week, exceptions: []});"
                " document.body.append(e.element); const at = [];"
                " for (const css of ['[data-day=\"mon\"] .add', '[data-day=\"mon\"] .interval .end']) {"
                "   e.element.querySelector(css).focus(); e.show({week});"
                "   at.push(document.activeElement === e.element.querySelector(css)); }"
                " e.element.remove(); return at; })()")
        assert json.loads(b.module_call("hours.js", kept)) == [True, True]
        assert json.loads(b.module_call("desk-state.js", "['offer-expired', 'rescinded', 'away'].map((r) => "
                                                         "m.revokedText('Ana', r))")) == [
            "A oferta de Ana expirou: a conversa voltou para a fila.",
            "A oferta de Ana foi cancelada (a conversa foi encerrada ou encaminhada).",
            "Você ficou ausente por ofertas perdidas: a oferta de Ana voltou para a fila."]
        split = json.loads(b.module_call("hours.js", "m.weekFromRows({sun: [['22:00', '06:00']], "
                                                     "mon: [['13:00', '18:00'], ['08:00', '12:00']]})"))
        assert split == {"sun": [["22:00", "24:00"]], "mon": [["00:00", "06:00"], ["08:00", "12:00"],
                                                              ["13:00", "18:00"]]}, split
        # Overlaps are refused before sending, on the day the range was typed on.
        refusal = "(() => { try { m.weekFromRows(%s); return null; } catch (e) { return [e.field, e.reason]; } })()"
        assert json.loads(b.module_call("hours.js", refusal % "{mon: [['08:00', '12:00'], ['11:30', '14:00']]}")) \
            == ["hours.week.mon", "08:00 às 12:00 sobrepõe 11:30 às 14:00"]
        overnight = "{sat: [['22:00', '02:00']], sun: [['01:00', '03:00']]}"
        assert json.loads(b.module_call("hours.js", refusal % overnight)) \
            == ["hours.week.sat", "22:00 às 02:00 (continua no domingo) sobrepõe 01:00 às 03:00"]
        # A daemon error lands on the element that names its field, or on the nearest enclosing field.
        shown = json.loads(b.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "import('./dom.js').then((m) => {"
            "  const box = m.h('div', {}, m.field('phone', 'Telefone', m.h('input')),"
            "    m.h('div', {dataset: {field: 'hours.week.mon'}}, m.h('small', {class: 'error'})));"
            "  m.showError(box, {code: -32602, field: 'phone', reason: 'unknown area code 20', data: {}});"
            "  m.showError(box, {code: -32602, field: 'hours.week.mon[1]', reason: 'overlaps 08:00-12:00',"
            "    data: {}});"
            "  done(JSON.stringify([...box.querySelectorAll('.error')].map((e) => e.textContent)));"
            "});"))
        # In Portuguese; a day's intervals are sent sorted, not as typed, so no "item N" for them.
        assert shown == ["DDD 20 não existe.", "Sobrepõe o intervalo 08:00 às 12:00."], shown
        # A refusal of the whole week (or of the hours) is shown at the week (or beside "Sem restrição"), marks no
        # input invalid (none is the wrong one) and puts the keyboard on the group's first control.
        group = json.loads(b.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "Promise.all([import('./dom.js'), import('./hours.js')]).then(([d, m]) => {"
            "  const e = m.hoursEditor({timezone: 'America/Sao_Paulo', week: {mon: [['08:00', '12:00']]},"
            "    exceptions: []});"
            "  const form = d.h('form', {}, e.element); document.body.append(form); const seen = [];"
            "  for (const field of ['hours.week', 'hours']) {"
            "    d.clearErrors(form);"
            "    d.showError(form, {code: -32602, field, reason: 'is required: an object of days', data: {}});"
            "    const slot = [...form.querySelectorAll('.error')].find((s) => s.textContent);"
            "    seen.push([slot.closest('[data-field]').dataset.field,"
            "      e.element.querySelectorAll('[aria-invalid]').length, document.activeElement.className,"
            "      document.activeElement.name || document.activeElement.closest('[data-day]').dataset.day]);"
            "  }"
            "  form.remove(); done(JSON.stringify(seen));"
            "}).catch((error) => done(JSON.stringify(String(error))));"))
        assert group == [["hours.week", 0, "start", "mon"], ["hours", 0, "", "hours-always"]], group
        # A refusal about the chat itself (1010, field "id") in a form's general slot: no "id: " before it.
        general = json.loads(b.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "import('./dom.js').then((m) => {"
            "  const box = m.h('form', {}, m.h('div', {dataset: {field: '_'}}, m.h('small', {class: 'error'})));"
            "  m.showError(box, {code: 1010, field: 'id', message: 'conversation is closed', data: {field: 'id'}});"
            "  done(JSON.stringify(box.querySelector('.error').textContent));"
            "});"))
        assert general == "Não é possível fazer isso: a conversa está encerrada.", general
        full = json.loads(b.module_call("format.js", "m.errorText({code: 1012, message: "
                                        "'attendant already holds 3 of 3 chats', data: {field: 'attendantId'}})"))
        assert full == "Limite de conversas simultâneas atingido: 3 de 3 conversas em andamento.", full
        texts = json.loads(b.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "import('./format.js').then((m) => done(JSON.stringify(["
            "  m.errorText({code: -32602, reason: 'must be between 5 and 3600', data: {}}),"
            "  m.errorText({code: 1009, reason: 'already in use', data: {}}),"
            "  m.errorText({code: 1010, message: 'attendant is not logged in', data: null}),"
            "  m.errorText({code: -32602, reason: 'a reason the panel has not met', data: {}}),"
            "  m.errorText({code: -32602, reason: 'DDD 20 não existe.', data: {}, local: true}),"
            "])));"))
        assert texts == ["Deve estar entre 5 e 3600.", "Já existe um cadastro com este valor.",
                         "Não é possível fazer isso: o atendente não está conectado.",
                         "Valor inválido (a reason the panel has not met).", "DDD 20 não existe."], texts
        # The daemon's clock and zone (clock.js): a browser 5 minutes behind and in another zone counts and writes
        # time as the daemon does.
        clock = json.loads(b.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "Promise.all([import('./clock.js'), import('./format.js')]).then(([c, f]) => {"
            "  const now = Date.now(), zone = c.timeZone();"
            "  c.adopt({time: new Date(now + 300000).toISOString(), timezone: 'Asia/Tokyo'}, now, now);"
            "  const seen = [f.time('2026-12-04T15:00:00Z'), Math.round(c.clockOffset() / 1000),"
            "    f.timeLeft(new Date(now + 360000).toISOString()), f.dateTime('2026-12-04T15:00:00Z',"
            "    Date.parse('2026-12-05T02:00:00Z')), f.dateTime('2026-12-04T14:00:00Z',"
            "    Date.parse('2026-12-05T02:00:00Z'))];"
            "  c.adopt({time: new Date().toISOString(), timezone: 'America/Sao_Paulo'}, Date.now(), Date.now());"
            "  seen.push(f.time('2026-12-04T15:00:00Z'), c.clockOffset());"
            "  seen.push(c.zoneNote('America/Sao_Paulo'), c.zoneNote('Europe/Lisbon'));"
            "  c.adopt({time: 'not a time', timezone: 'Not/AZone'}, Date.now(), Date.now());"
            "  seen.push(c.timeZone());"
            "  c.adopt({time: new Date().toISOString(), timezone: zone}, Date.now(), Date.now());"
            "  seen.push(c.timeZone());"
            "  done(JSON.stringify(seen));"
            "});"))
        daemon_zone = self.setup.call("system.ping").get("timezone", "America/Sao_Paulo")
        assert clock == ["00:00", 300, "1 min", "00:00", "04/12/2026 23:00", "12:00", 0, "",
                         "Horários de São Paulo (GMT-3)", "America/Sao_Paulo", daemon_zone], clock
        # The hours editor names zones as people do, with the offset.
        assert json.loads(b.module_call("clock.js", "[m.zoneLabel('America/Sao_Paulo'), m.zoneLabel("
                                        "'America/Noronha'), m.zoneLabel('America/Porto_Velho')]")) == [
            "São Paulo (GMT-3)", "Fernando de Noronha (GMT-2)", "Porto Velho (GMT-4)"]
        assert json.loads(b.module_call("hours.js", "m.parseDay('31/02/2027')")) is None
        assert json.loads(b.module_call("hours.js", "m.parseDay('25/12/2027')")) == "2027-12-25"

    def first_admin(self):
        """A daemon's first start: the login page says how to make the first admin account, until one exists. The
        admin who uses the browser is that account (contract v2), made here over the socket."""
        b = self.admin
        try:
            if self.daemon_owned:
                b.open()
                b.wait_text("#first-admin", "atendectl admin add")
                b.shot("00-login-primeiro-administrador")
        finally:
            if self.daemon_owned:
                self.setup.call("admin.create", {"name": "Ana Administradora", "login": ADMIN_LOGIN,
                                                 "password": ADMIN_PASSWORD})
        b.open()
        b.wait('#login-form[data-first-admin="checked"]')
        assert not b.all("#first-admin"), "no hint once an admin account exists"
        # The page fits the window: no scrollbar for a pixel too many.
        heights = b.script("return [document.documentElement.scrollHeight, document.documentElement.clientHeight]")
        assert heights[0] <= heights[1], f"the login page scrolls: {heights}"

    def login_refused(self):
        b = self.admin
        b.click("#login-form button[type=submit]")  # nothing typed: no "wrong password", the field is named
        b.wait_text('#login-form [data-field="login"] .error', "Informe o usuário")
        b.login(self.admin_login, "Errada123")
        b.wait_text('#login-form [data-field="_"] .error', "Usuário ou senha incorretos")
        # The button was disabled while asking: the keyboard is left in the password, to type it again.
        b.until(lambda: b.script("return document.activeElement.name") == "password", "the focus in the password")
        b.shot("01-login-refused")

    def login_throttled(self):
        """After five failures for one login the daemon answers 1029 with retryAfter: the form says to wait."""
        b = self.admin
        b.open()
        for _ in range(6):
            b.type("#login-form input[name=login]", "ninguem@empresa.com.br")
            b.type("#login-form input[name=password]", "Errada123")
            b.click("#login-form button[type=submit]")
            b.wait_text('#login-form [data-field] .error', "")
            b.until(lambda: b.find("#login-form button[type=submit]").is_enabled(), "the answer back")
        b.wait_text("#login-form .error", "Muitas tentativas")
        b.wait_text("#login-form .error", "Tente de novo em")
        b.shot("01b-login-muitas-tentativas")

    def admin_logs_in(self):
        b = self.admin
        b.login(self.admin_login, self.admin_password)
        b.wait_text(".side-menu a.active", "Atendentes")
        b.wait("#attendants-table")
        b.shot("02-atendentes-empty")

    def admin_creates_department(self):
        b = self.admin
        b.click_text(".side-menu a", "Departamentos")
        b.click("#add-department")
        # Every problem of the form at once, each next to its field: an id in upper case, times out of range.
        b.type("#department-form input[name=id]", "Suporte")
        b.type("#department-form input[name=name]", "Suporte")
        b.type("#department-form input[name=offerTimeout]", "3")
        b.type("#department-form input[name=wrapUp]", "1000")
        b.click("#department-form button[type=submit]")
        fields = ["id", "offerTimeout", "wrapUp"]
        b.until(lambda: all(b.find(f'#department-form [data-field="{name}"] .error').text for name in fields),
                f"errors at {fields}")
        wrap_up = b.find('#department-form [data-field="wrapUp"] .error').text
        assert wrap_up == "Deve estar entre 0 e 900.", wrap_up
        b.shot("03-departamento-erro")
        b.type("#department-form input[name=id]", "suporte")
        b.type("#department-form input[name=offerTimeout]", "")  # off, and no wrap-up: the defaults, not sent
        b.type("#department-form input[name=wrapUp]", "0")
        b.click("#department-form button[type=submit]")
        b.wait_text("#departments-table", "Suporte")
        b.shot("04-departamentos")
        assert any(d["id"] == "suporte" for d in self.setup.call("department.list")["departments"])
        # What only the daemon knows (the id is taken) is shown next to its field too.
        b.click("#add-department")
        b.type("#department-form input[name=id]", "suporte")
        b.type("#department-form input[name=name]", "Suporte de novo")
        b.click("#department-form button[type=submit]")
        b.until(lambda: b.find('#department-form [data-field="id"] .error').text, "the daemon's refusal at the id")
        b.until(lambda: "has-error" in b.find('#department-form [data-field="id"]').get_attribute("class"),
                "the id field marked with the daemon's error")
        b.click_text("#department-form button", "Cancelar")  # what was typed is dropped, once confirmed
        b.until(lambda: b.driver.switch_to.alert.accept() or True, "the question before dropping what was typed")
        b.until(lambda: not b.all("#department-form"), "the form closed")

    def admin_sets_permissions(self):
        b = self.admin
        b.click_text(".side-menu a", "Atendentes")
        b.wait("#permissions")
        remove = b.find('#permissions input[name="attendantsCanRemovePotentials"]')
        assert not remove.is_selected()
        b.click('#permissions [data-field="attendantsCanRemovePotentials"] .slider')
        b.until(lambda: self.setup.call("settings.get")["attendantsCanRemovePotentials"] is True,
                "settings.update saved the switch")

    def admin_creates_attendant(self):
        b = self.admin
        b.click("#add-attendant")
        b.type("#create-attendant input[name=name]", "Maria")
        b.type("#create-attendant input[name=login]", ATTENDANT_LOGIN)
        b.type("#create-attendant input[name=password]", "senha")
        rules = {li.get_attribute("data-rule"): li.get_attribute("class") for li in b.all(".password-rules li")}
        assert rules == {"length": "missing", "digit": "missing", "upper": "missing", "lower": "ok"}, rules
        # Every problem at once, each beside its field, and nothing sent.
        b.click_text("#create-attendant button", "Enviar")
        b.wait_text('#create-attendant [data-field="name"] .error', "Informe nome e sobrenome.")
        b.wait_text('#create-attendant [data-field="password"] .error', "A senha não cumpre as regras abaixo.")
        b.type("#create-attendant input[name=name]", ATTENDANT_NAME)
        b.shot("05-novo-atendente-regras")
        b.type("#create-attendant input[name=password]", ATTENDANT_PASSWORD)
        b.until(lambda: all(li.get_attribute("class") == "ok" for li in b.all(".password-rules li")),
                "every password rule ticked")
        b.click_text("#create-attendant button", "Enviar")
        b.wait("#attendant-profile")
        self.attendant_id = int(b.driver.current_url.rsplit("/", 1)[1])
        b.shot("06-perfil-vazio")
        # No rating yet is said as the list says it, not "— (0 avaliações)".
        b.wait_text("#attendant-profile .profile-summary .rating", "Nota geral de atendimento: sem avaliações")

        # Phone: the mask while typing, and the DDD check before sending.
        b.type("#attendant-profile input[name=phone]", "20987654321")
        b.click("#attendant-profile input[name=email]")
        b.wait_text("#attendant-profile .phone-problem", "DDD 20 não existe")
        b.type("#attendant-profile input[name=phone]", "11987654321")
        b.until(lambda: b.value("#attendant-profile input[name=phone]") == "(11) 98765-4321", "the phone mask")
        b.type("#attendant-profile input[name=email]", "maria.souza@empresa.com.br")

        # Photo: "Selecionar Imagem" and the preview before sending.
        chooser = b.find("#image-file")
        b.script("arguments[0].hidden = false", chooser)
        chooser.send_keys(self.image_path)
        b.script("arguments[0].hidden = true", chooser)
        b.wait("#image-preview img")

        # Hours: every day 00:00-24:00 (so the attendant can work whenever the test runs), then an overnight
        # range on Sunday that overlaps Monday's 00:00: refused before sending, beside Sunday, where it was typed.
        always = b.find('.hours-editor input[name="hours-always"]')
        assert always.is_selected(), "a new attendant has no hour limit"
        always.click()
        # A week of days off is warned of (the attendant could neither log in nor get chats), until a day has hours.
        b.wait_text(".hours-editor .week-off", "Todos os dias da semana estão de folga")
        b.click_text(".hours-editor .quick button", "Todos os dias")
        b.until(lambda: not b.find(".hours-editor .week-off").is_displayed(), "the days-off warning gone")
        b.click('.day[data-day="sun"] button.add')
        b.type('.day[data-day="sun"] .interval:last-child input.start', "22:00")
        b.type('.day[data-day="sun"] .interval:last-child input.end', "06:00")

        # Department.
        b.click_text("#department-picker label", "Suporte")
        b.click("#save")
        error = b.until(lambda: next((e for e in b.all(".day .error") if e.text), None),
                        "the overlap error next to a day of the week")
        b.shot("07-perfil-erro-horario")
        assert error.text == "22:00 às 06:00 (continua na segunda) sobrepõe 00:00 às 24:00.", error.text
        assert b.find('.day[data-day="sun"] .error').text == error.text, "shown on Sunday, where it was typed"
        b.click('.day[data-day="sun"] .interval:last-child button.icon')
        # An overnight range shows split at midnight once saved: Saturday 22:00 to Sunday 06:00, both days free.
        b.click('.day[data-day="sat"] .interval:last-child button.icon')
        b.click('.day[data-day="sun"] .interval:last-child button.icon')
        b.click('.day[data-day="sat"] button.add')
        b.type('.day[data-day="sat"] .interval:last-child input.start', "22:00")
        b.type('.day[data-day="sat"] .interval:last-child input.end', "06:00")
        b.click("#save")
        b.wait_text(".notices", "Atendente salvo")
        b.until(lambda: [b.value('.day[data-day="sat"] .interval input.end'),
                         b.value('.day[data-day="sun"] .interval input.end')] == ["24:00", "06:00"],
                "the overnight range drawn as saved: Saturday until midnight, Sunday until 06:00")
        # Back to every day, all day, so the attendant can work whenever the test runs.
        b.click_text(".hours-editor .quick button", "Todos os dias")
        b.click("#save")
        b.until(lambda: self.setup.call("attendant.get", {"id": self.attendant_id})["hours"]["week"].get("sat")
                == [["00:00", "24:00"]], "every day all day again")
        b.script("window.scrollTo(0, 0)")
        b.shot("08-perfil-salvo")
        b.script("document.getElementById('department-picker').scrollIntoView({block: 'center'})")
        b.shot("08-perfil-salvo-horarios-departamento")

        saved = self.setup.call("attendant.get", {"id": self.attendant_id})
        assert saved["name"] == ATTENDANT_NAME and saved["login"] == ATTENDANT_LOGIN, saved
        assert saved["phone"] == "+5511987654321", saved["phone"]
        assert saved["email"] == "maria.souza@empresa.com.br"
        assert saved["departments"] == ["suporte"], saved["departments"]
        assert saved["hasImage"] is True
        assert saved["hours"] != "always" and saved["hours"]["week"]["sun"] == [["00:00", "24:00"]], saved["hours"]
        image = self.setup.call("attendant.image", {"id": self.attendant_id})
        assert base64.b64decode(image["base64"]) == png() and image["contentType"] == "image/png"

    def admin_list_shows_attendant(self):
        b = self.admin
        b.click_text(".side-menu a", "Atendentes")
        b.expect(f'#attendants-table tr[data-id="{self.attendant_id}"]', lambda row: all(
            text in row.text for text in (ATTENDANT_NAME, ATTENDANT_LOGIN, "Offline", "sem avaliações", "Sim")),
            "name, login, Offline, no rating, active")
        b.wait(f'#attendants-table tr[data-id="{self.attendant_id}"] .avatar img')
        b.shot("09-atendentes-lista")

    def keyboard_and_screen_reader(self):
        """What the keyboard and a screen reader rely on: one live region for notices (not the whole screen, whose
        clocks tick), an attendant's profile reached by a link, a named presence switch, the desk's tabs moved by
        the arrow keys and keeping the focus through a redraw, and who wrote each message."""
        from selenium.webdriver.common.keys import Keys
        a, d = self.admin, self.desk
        live = a.script("return [document.getElementById('app').getAttribute('aria-live'),"
                        " document.getElementById('notices').getAttribute('aria-live')]")
        assert live == [None, "polite"], live
        a.click_text(".side-menu a", "Atendentes")
        link = f'#attendants-table tr[data-id="{self.attendant_id}"] td.name a'
        a.script(f"document.querySelector('{link}').focus()")
        assert d.find("#presence").get_attribute("aria-label").startswith("Disponível para atendimento: ")
        # The list is drawn again for a push (the attendant's presence): the keyboard stays on the link.
        now = "Ausente" if d.all("#presence:checked") else "Online"
        d.click(".presence-switch .slider")
        d.wait_text("#presence-label", now)
        a.wait_text(f'#attendants-table tr[data-id="{self.attendant_id}"] .presence', now)
        assert a.script(f"return document.activeElement === document.querySelector('{link}')"), "focus kept"
        if now == "Online":  # away, so the chat below waits in the queue
            d.click(".presence-switch .slider")
            d.wait_text("#presence-label", "Ausente")
        a.find(link).send_keys(Keys.ENTER)
        a.wait("#attendant-profile")
        a.click_text("#attendant-profile button", "← Atendentes")
        d.click("#tab-fila")
        d.find("#tab-fila").send_keys(Keys.ARROW_RIGHT)
        d.until(lambda: d.script("return document.activeElement.id") == "tab-potenciais"
                and d.find("#tab-potenciais").get_attribute("aria-selected") == "true",
                "ArrowRight opens Potenciais, with the focus on it")
        assert d.find("#tab-fila").get_attribute("tabindex") == "-1", "only the open tab is a Tab stop"
        d.find("#tab-potenciais").send_keys(Keys.ARROW_LEFT)
        d.until(lambda: d.script("return document.activeElement.id") == "tab-fila", "ArrowLeft back to Fila")
        # A chat joining the queue redraws the tabs ("Fila (1)"): the focus stays on the tab.
        waiting = self.bot.call("conversation.open", {
            "externalId": "wa-5511933332222-1", "contact": {"phone": "+5511933332222", "name": "Davi Rocha"},
            "department": "suporte", "text": "Alguém aí?"})
        try:
            d.wait_text("#tab-fila", "Fila (")
            d.wait_text("#waiting-list", "Davi Rocha")
            assert d.script("return document.activeElement.id") == "tab-fila"
            pick = d.find(f'#waiting-list [data-id="{waiting["id"]}"] button.take')
            assert pick.get_attribute("aria-label") == "Pegar a conversa com Davi Rocha"
            pick.click()
            d.wait_text("#chat-contact", "Davi Rocha")
            said = d.script("return [...document.querySelectorAll('#messages li.message .visually-hidden')]"
                            ".map((s) => s.textContent)")
            assert said == ["Davi Rocha: "], said
            d.type("#reply-text", "Estou aqui.\n")
            d.until(lambda: d.script("return [...document.querySelectorAll('#messages li.message .visually-hidden')]"
                                     ".map((s) => s.textContent).join('|')") == "Davi Rocha: |Você: ",
                    "the reply said to be the attendant's")
            # "Transferir" opens its form with the focus in it; Escape closes it and goes back to the button.
            d.click("#transfer-open")
            d.until(lambda: d.script("return document.activeElement.id") == "transfer-department",
                    "the focus in the transfer form")
            assert d.find("#transfer-open").get_attribute("aria-expanded") == "true"
            d.find("#transfer-department").send_keys(Keys.ESCAPE)
            d.until(lambda: d.script("return document.activeElement.id") == "transfer-open"
                    and d.find("#transfer-panel").get_attribute("hidden") is not None,
                    "Escape closes it, the focus back on Transferir")
            assert d.find("#transfer-open").get_attribute("aria-expanded") == "false"
            # A message in the open chat while the tab is out of sight is unread there, and the title counts it
            # until the tab is looked at again.
            d.script("Object.defineProperty(document, 'hidden', {configurable: true, get: () => true})")
            self.bot.call("conversation.message", {"id": waiting["id"], "text": "Ainda aí?"})
            d.until(lambda: d.driver.title == "(1) atende", "the hidden tab's title counting the message")
            d.script("Object.defineProperty(document, 'hidden', {configurable: true, get: () => false});"
                     " document.dispatchEvent(new Event('visibilitychange'))")
            d.until(lambda: d.driver.title == "atende", "read once the tab is looked at")
            # Closed from the keyboard, the keyboard goes on in the pane (the wrap-up's or the closed chat's button).
            d.script("document.getElementById('close-chat').focus()")
            d.find("#close-chat").send_keys(Keys.ENTER)
            d.wait_text("#close-chat", "Confirmar encerramento")
            d.find("#close-chat").send_keys(Keys.ENTER)
            d.until(lambda: d.script("return document.activeElement.id") in ("finish-wrap-up", "dismiss-chat"),
                    "the focus on what the closed chat's pane offers")
        finally:
            if self.setup.call("conversation.get", {"id": waiting["id"]})["state"] != "closed":
                self.bot.call("conversation.close", {"id": waiting["id"]})
        # A settings change about something else leaves a search being typed in the agenda as it is.
        if d.all("#tab-agenda"):
            d.click("#tab-agenda")
            d.type("#contacts-query", "Bea")
            before = self.setup.call("settings.get")["attendantsCanRemovePotentials"]
            d.script("document.getElementById('tab-agenda').dataset.before = 'yes'")
            self.setup.call("settings.update", {"attendantsCanRemovePotentials": not before})
            self.setup.call("settings.update", {"attendantsCanRemovePotentials": before})
            # The tabs are drawn again for each settings.changed: once the mark is gone, the pushes were handled.
            d.until(lambda: d.script("return !document.getElementById('tab-agenda').dataset.before"),
                    "the settings pushes handled")
            assert d.value("#contacts-query") == "Bea"
            assert d.script("return document.activeElement.id") == "contacts-query"
            d.click("#tab-fila")

    def attendant_logs_in(self):
        d = self.desk
        d.login(ATTENDANT_LOGIN, ATTENDANT_PASSWORD)
        d.wait_text("#me", ATTENDANT_NAME)
        d.wait("#me-photo img")  # the photo the admin gave the account, beside the name
        d.wait_text("#presence-label", "Online")
        d.shot("10-mesa-vazia")
        # The admin's list follows without a reload (attendant.changed push).
        self.admin.wait_text(f'#attendants-table tr[data-id="{self.attendant_id}"] .presence', "Online")

    def bot_opens_chat_and_attendant_replies(self):
        d = self.desk
        chat = self.bot.call("conversation.open", {
            "externalId": "wa-5511912345678-1", "contact": {"phone": "+5511912345678", "name": "João Pereira"},
            "department": "suporte", "text": "Olá, meu pedido não chegou."})
        self.chat_id = chat["id"]
        d.expect(f'#my-chats .chat-item[data-id="{self.chat_id}"]',
                 lambda item: "João Pereira" in item.text and "unread" in item.get_attribute("class"),
                 "the new chat, marked unread")
        d.wait("#my-chats .waiting-reply .since")
        self.bot.call("conversation.message", {"id": self.chat_id, "text": "Pedido 4521."})
        d.wait_text("#my-chats .unread-count", "")
        d.shot("11-mesa-nova-conversa")
        d.click_text("#my-chats .chat-item", "João Pereira")
        d.wait_text("#messages", "Olá, meu pedido não chegou.")
        d.wait_text("#messages", "Pedido 4521.")
        # Times in the account's zone (system.ping's timezone), though this browser is set to Tokyo's.
        assert d.script("return Intl.DateTimeFormat().resolvedOptions().timeZone") == "Asia/Tokyo"
        zone = self.setup.call("system.ping").get("timezone", "America/Sao_Paulo")
        first = d.find("#messages .from-contact time")
        at = datetime.datetime.fromisoformat(first.get_attribute("datetime").replace("Z", "+00:00"))
        local = at.astimezone(zoneinfo.ZoneInfo(zone)).strftime("%H:%M")
        assert first.text.endswith(local), (first.text, local, zone)
        # The attendant is told whose times these are (its computer is in another zone).
        if zone == "America/Manaus":
            d.wait_text("#zone-note", "Horários de Manaus (GMT-4)")
        d.expect(f'#my-chats .chat-item[data-id="{self.chat_id}"]',
                 lambda item: "unread" not in item.get_attribute("class"), "no unread mark once the chat is open")
        d.type("#reply-text", "Bom dia, João! Vou verificar o pedido 4521.")
        d.click("#reply-send")
        reply = self.bot.event("conversation.reply", lambda e: e["conversation"]["id"] == self.chat_id)
        assert reply["message"]["text"] == "Bom dia, João! Vou verificar o pedido 4521.", reply
        d.wait_text("#messages .from-attendant", "Vou verificar o pedido 4521.")
        d.until(lambda: not d.all(f'#my-chats .chat-item[data-id="{self.chat_id}"] .waiting-reply'),
                "the waiting-for-reply clock stopped after the reply")
        # A message from the contact while the chat is open shows up in the transcript.
        self.bot.call("conversation.message", {"id": self.chat_id, "text": "Obrigado!"})
        d.wait_text("#messages .from-contact", "Obrigado!")
        d.shot("12-mesa-conversa")
        # Reading older messages, the attendant is not pulled down by a new one.
        for index in range(25):
            self.bot.call("conversation.message", {"id": self.chat_id, "text": f"Linha {index + 1} do relato."})
        d.wait_text("#messages", "Linha 25 do relato.")
        d.until(lambda: d.script("const l = document.getElementById('messages');"
                                 "return l.scrollHeight > l.clientHeight + 100"), "a transcript taller than its pane")
        d.script("document.getElementById('messages').scrollTop = 0")
        self.bot.call("conversation.message", {"id": self.chat_id, "text": "Mais uma coisa."})
        d.wait_text("#messages", "Mais uma coisa.")
        assert d.script("return document.getElementById('messages').scrollTop") == 0, "the view jumped down"

        self.admin.wait_text(f'#attendants-table tr[data-id="{self.attendant_id}"] .open-chats', "1")

    def bot_closes_and_rates(self):
        d = self.desk
        # The attendant is typing when the contact ends the chat: the focus is not moved onto the closed chat's
        # buttons, where the next key would act on them.
        d.script("document.getElementById('reply-text').focus()")
        self.bot.call("conversation.close", {"id": self.chat_id})
        d.until(lambda: not d.all(f'#my-chats .chat-item[data-id="{self.chat_id}"]'),
                "the closed chat left Minhas conversas")
        d.wait_text("#closed-note", "Conversa encerrada")
        assert d.script("return document.activeElement.id") not in ("finish-wrap-up", "dismiss-chat")
        self.bot.call("conversation.rate", {"id": self.chat_id, "score": 4})
        a = self.admin
        a.expect(f'#attendants-table tr[data-id="{self.attendant_id}"] .rating',
                 lambda cell: cell.text == "4,0 (1 avaliação)", "the new rating, 4,0 (1 avaliação)")
        a.wait_text(f'#attendants-table tr[data-id="{self.attendant_id}"] .open-chats', "0")
        a.wait_text(f'#attendants-table tr[data-id="{self.attendant_id}"] .presence', "Online")
        a.shot("13-atendentes-nota")
        d.shot("14-mesa-encerrada")

    def attendant_takes_from_queue(self):
        """Away: nothing is assigned; the chat waits in Fila and "Pegar" takes it."""
        d = self.desk
        d.click(".presence-switch .slider")
        d.wait_text("#presence-label", "Ausente")
        self.admin.wait_text(f'#attendants-table tr[data-id="{self.attendant_id}"] .presence', "Ausente")
        chat = self.bot.call("conversation.open", {
            "externalId": "wa-5521998887777-1", "contact": {"phone": "+5521998887777", "name": "Carla Lima"},
            "department": "suporte", "text": "Preciso trocar um produto.", "priority": 7})
        d.wait_text("#waiting-list .chat-item", "Carla Lima")
        # The priority is in sight, whatever the length of the department's name after it.
        badge = f'#waiting-list .chat-item[data-id="{chat["id"]}"] .badge'
        d.wait_text(badge, "prioridade 7")
        seen = d.script("const badge = document.querySelector(arguments[0]);"
                        " const line = badge.closest('small').getBoundingClientRect();"
                        " const box = badge.getBoundingClientRect();"
                        " return box.width > 0 && box.left >= line.left - 1 && box.right <= line.right + 1;", badge)
        assert seen, "the priority badge cut off its line"
        d.shot("15-mesa-fila")
        d.click(f'#waiting-list .chat-item[data-id="{chat["id"]}"] button.take')
        d.wait_text("#chat-contact", "Carla Lima")
        d.wait_text("#my-chats .chat-item", "Carla Lima")
        d.until(lambda: not d.all(f'#waiting-list .chat-item[data-id="{chat["id"]}"]'), "the queue emptied")
        # Transfer back to the department queue: it leaves this desk.
        d.click("#transfer-open")
        d.wait("#transfer-department")
        d.shot("16-mesa-transferir")
        d.click("#transfer-send")
        d.until(lambda: not d.all(f'#my-chats .chat-item[data-id="{chat["id"]}"]'), "the transferred chat left")
        self.bot.call("conversation.close", {"id": chat["id"]})

    def supervisor_board(self):
        a = self.admin
        a.click_text(".side-menu a", "Supervisão")
        a.expect('#board-departments .tile[data-id="suporte"]',
                 lambda tile: "Aguardando" in tile.text and "Nível de serviço" in tile.text, "the department tile")
        a.wait_text("#board-attendants", ATTENDANT_NAME)
        a.shot("19-supervisao")
        a.click_text(".side-menu a", "Configurações")
        a.wait("#settings-form")
        a.shot("25-configuracoes")
        a.click_text(".side-menu a", "Administradores")
        a.wait("#admins-table")
        a.shot("26-administradores")

    def board_routes_potential(self):
        """A contact who has not chosen a department shows under Potenciais on the board; the supervisor sends it to
        a department's queue (conversation.route), and it leaves the list."""
        a = self.admin
        a.click_text(".side-menu a", "Supervisão")
        chat = self.bot.call("conversation.open", {
            "externalId": "wa-5547911112299-1", "contact": {"phone": "+5547911112299", "name": "Otávio Prado"},
            "text": "Quero a segunda via do boleto"})
        assert chat["state"] == "potential", chat
        row = f'#board-potentials-list tr[data-id="{chat["id"]}"]'
        a.wait_text(row, "Otávio Prado")
        a.wait_text(f"{row} .last-message", "“Quero a segunda via do boleto”")
        under = a.script("const cell = document.querySelector(arguments[0] + ' .last-message').closest('td');"
                         " const said = cell.querySelector('.last-message').getBoundingClientRect();"
                         " return said.left - cell.getBoundingClientRect().left < 20;", row)
        assert under, "what the contact said starts its own line under the name"
        from selenium.webdriver.support.ui import Select
        assert not a.find(f"{row} button").is_enabled(), "Encaminhar waits for a department"
        Select(a.find(f"{row} select.route")).select_by_value("suporte")
        a.until(lambda: a.find(f"{row} button").is_enabled(), "Encaminhar once a department is chosen")
        a.script(f"document.querySelector('{row}').scrollIntoView({{block: 'center'}})")
        a.shot("19b-supervisao-potenciais")
        a.click(f"{row} button")
        a.wait_text(".notices", "Otávio Prado foi para a fila de")
        a.until(lambda: not a.all(row), "the routed contact gone from the potentials")
        routed = self.setup.call("conversation.get", {"id": chat["id"]})
        assert routed["department"] == "suporte" and routed["state"] != "potential", routed
        self.bot.call("conversation.close", {"id": chat["id"]})

    def lists_fit_narrow_screens(self):
        """At a phone's width and a tablet's (360 and 768 px) the lists show every row's name and buttons with no
        sideways scrolling: Departamentos' "Editar"/"Excluir", the board's waiting chats (priority, "Encaminhar
        para") and potentials, Administradores' "Editar". A value that wraps goes on under itself, not under its
        caption."""
        a = self.admin
        # Nobody serves it; its name wraps in a card at 360 px.
        # Every routing rule set: the list still fits a laptop's screen.
        self.setup.call("department.create", {
            "id": "sem-equipe", "name": "Sem equipe para atender neste momento", "offerTimeout": 30,
            "replyTimeout": 300, "wrapUp": 60, "waitAlert": 600,
            "overflow": {"after": 3600, "department": "suporte"}})
        waiting = self.bot.call("conversation.open", {
            "externalId": "wa-5548911113300-1", "contact": {"phone": "+5548911113300", "name": "Rita Estreita"},
            "department": "sem-equipe", "text": "Oi"})
        potential = self.bot.call("conversation.open", {
            "externalId": "wa-5548911113301-1", "contact": {"phone": "+5548911113301", "name": "Tito Estreito"}})
        screens = [("Departamentos", "#departments-table", "#departments-table tbody tr"),
                   ("Supervisão", "#board-waiting", f'#board-waiting tr[data-id="{waiting["id"]}"]'),
                   ("Supervisão", "#board-potentials-list", f'#board-potentials-list tr[data-id="{potential["id"]}"]')]
        screens.append(("Atendentes", "#attendants-table", "#attendants-table tbody tr .name"))
        if self.features.get("admin accounts"):
            screens.append(("Administradores", "#admins-table", "#admins-table tbody tr"))
        try:
            for width, height in ((360, 740), (768, 1024), (1280, 800)):  # a phone, a tablet, a laptop
                a.driver.set_window_size(width, height)
                for menu, list_css, row_css in screens:
                    a.click_text(".side-menu a", menu)
                    a.wait(row_css)
                    outside = a.script(
                        "const width = document.documentElement.clientWidth;"
                        "const wide = document.documentElement.scrollWidth > width + 1;"
                        "const list = document.querySelector(arguments[0]);"
                        "const parts = [...list.querySelectorAll("
                        "  'tbody tr td:first-child, tbody button, tbody select')];"
                        "return (wide ? ['the page scrolls sideways'] : []).concat(parts.filter((e) => {"
                        "  const r = e.getBoundingClientRect(); return r.left < 0 || r.right > width || !r.width;"
                        "}).map((e) => (e.getAttribute('aria-label') || e.textContent).trim().slice(0, 40)));",
                        list_css)
                    # Every word of every row in sight and unbroken (a badge squeezed to one letter a line
                    # breaks its word), and in a card each value starts right of its caption.
                    misplaced = a.script(
                        "const width = document.documentElement.clientWidth; const bad = [];"
                        "const list = document.querySelector(arguments[0]);"
                        "const rows = list.querySelector('tbody') || list;"
                        "const walker = document.createTreeWalker(rows, NodeFilter.SHOW_TEXT);"
                        "let previousCell = null;"
                        "while (walker.nextNode()) { const node = walker.currentNode;"
                        "  const text = node.textContent.trim(); if (!text) continue;"
                        "  const range = document.createRange(); range.selectNodeContents(node);"
                        "  const rects = [...range.getClientRects()].filter((r) => r.width);"
                        "  if (!rects.length || node.parentElement.closest('select')) continue;"
                        "  if (rects.some((r) => r.left < -1 || r.right > width + 1)) bad.push('out: ' + text);"
                        "  if (!/\\s/.test(text) && text.length <= 12 && rects.length > 1) bad.push('broken: ' + text);"
                        "  const cell = node.parentElement.closest('td[data-label]');"
                        "  const caption = cell && getComputedStyle(cell, '::before');"
                        "  if (caption && caption.display === 'inline-block' && caption.content !== 'none'"
                        "      && !cell.querySelector('.row-actions')) {"
                        "    const start = cell.getBoundingClientRect().left + 9 * 16;"
                        "    if (rects.some((r) => r.left < start)) bad.push('under its caption: ' + text);"
                        "    if (cell !== previousCell && rects[0].left > start + 0.6 * 16 + 2)"
                        "      bad.push('pushed right: ' + text); }"
                        "  previousCell = cell; }"
                        "return bad;", list_css)
                    a.script("document.querySelector(arguments[0]).scrollIntoView()", list_css)
                    a.shot(f"19c-lista-{list_css.strip('#')}-{width}")
                    assert outside == [], f"{menu} at {width} px, out of sight: {outside}"
                    assert misplaced == [], f"{menu} at {width} px: {misplaced}"
            # Where each line of the waiting chat's department begins: all under the first line's start.
            a.driver.set_window_size(360, 740)
            a.click_text(".side-menu a", "Supervisão")
            a.wait(screens[1][2])
            starts = a.script(
                "const row = document.querySelector(arguments[0]);"
                "const cell = [...row.querySelectorAll('td')].find((c) => c.dataset.label === 'Departamento');"
                "const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT); const starts = [];"
                "while (walker.nextNode()) { const range = document.createRange();"
                "  range.selectNodeContents(walker.currentNode);"
                "  for (const rect of range.getClientRects()) if (rect.width) starts.push(Math.round(rect.left)); }"
                "return [starts, Math.round(cell.getBoundingClientRect().left)];", screens[1][2])
            lines, cell_left = starts
            assert len(lines) >= 2 and max(lines) - min(lines) <= 1 and min(lines) > cell_left + 100, \
                f"the department's lines start at {lines} (its card at {cell_left})"
        finally:
            a.driver.set_window_size(1400, 900)
            for chat in (waiting, potential):
                self.bot.call("conversation.close", {"id": chat["id"]})
            self.setup.call("department.delete", {"id": "sem-equipe"})

    def attendant_potentials_and_agenda(self):
        """Potentials with "Remover" (the admin allowed it) and the bot's contact agenda."""
        d = self.desk
        potential = self.bot.call("conversation.open", {
            "externalId": "wa-5531977776666-1", "contact": {"phone": "+5531977776666", "name": "Pedro Alves"},
            "text": "Oi"})
        self.bot.call("contact.save", {"phone": "+5511955554444", "name": "Beatriz Costa", "cidade": "Florianópolis",
                                       "cliente_desde": 2019, "vip": True, "planos": ["Fibra", "TV"],
                                       "pedido": {"numero": "PED-88213", "valor": "R$ 1.249,90"}})
        self.bot.call("contact.save", {"phone": "+5511955554445", "name": "Beatriz Dias"})
        d.click("#tab-potenciais")
        d.wait_text("#potentials-list", "Pedro Alves")
        # With what the contact said last, to tell where it should go.
        d.wait_text(f'#potentials-list .chat-item[data-id="{potential["id"]}"] .last-message', "“Oi”")
        # On its own line under the name, however short.
        lefts = d.script("const item = document.querySelector(arguments[0]);"
                         " return ['.contact', '.last-message'].map((css) =>"
                         "   Math.round(item.querySelector(css).getBoundingClientRect().left));",
                         f'#potentials-list .chat-item[data-id="{potential["id"]}"]')
        assert lefts[0] == lefts[1], f"the name and what was said start at {lefts}"
        d.shot("17-mesa-potenciais")
        # The list follows the daemon's potentials.changed while the tab is open, with no click: a contact arrives,
        # then an admin removes it.
        arriving = self.bot.call("conversation.open", {
            "externalId": "wa-5531977776666-3", "contact": {"phone": "+5531977776668", "name": "Renata Dias"}})
        d.wait_text("#potentials-list", "Renata Dias")
        self.setup.call("potentials.remove", {"id": arriving["id"]})
        d.until(lambda: not d.all(f'#potentials-list .chat-item[data-id="{arriving["id"]}"]'),
                "the potential an admin removed gone without a click")
        d.click(f'#potentials-list .chat-item[data-id="{potential["id"]}"] button.danger')
        d.until(lambda: not d.all(f'#potentials-list .chat-item[data-id="{potential["id"]}"]'),
                "the removed potential gone")
        assert self.setup.call("conversation.get", {"id": potential["id"]})["state"] == "removed"
        d.click("#tab-agenda")
        d.wait_text("#contacts-list", "Beatriz Costa")
        d.wait_text("#contacts-list", "(11) 95555-4444")
        # What else the bot keeps of a contact opens under it, with its own keys; one without more does not open.
        d.type("#contacts-query", "beatriz\n")
        d.wait_text("#contacts-list", "Beatriz Dias")
        d.click_text("#contacts-list summary", "Beatriz Costa")
        d.wait_text("#contacts-list details[open] dl", "Florianópolis")
        details = d.find("#contacts-list details[open]").text
        for text in ("Cidade", "Cliente desde\n2019", "Vip\nSim", "Planos\nFibra, TV",
                     "Pedido\nnumero: PED-88213 · valor: R$ 1.249,90", "Atualizado em"):
            assert text in details, f"{text!r} in {details!r}"
        plain = d.script("return [...document.querySelectorAll('#contacts-list li')]"
                         ".filter((li) => li.textContent.includes('Beatriz Dias'))"
                         ".map((li) => li.querySelector('details') === null)")
        assert plain == [True], plain
        d.shot("18-mesa-agenda")
        # The admin turns both permissions off: the desk follows at once (settings.changed), with no reload and
        # no click on the desk: "Remover" leaves the potentials shown, then the Agenda tab goes.
        self.bot.call("conversation.open", {
            "externalId": "wa-5531977776666-2", "contact": {"phone": "+5531977776667", "name": "Paula Reis"}})
        d.click("#tab-potenciais")
        d.wait_text("#potentials-list", "Paula Reis")
        d.wait("#potentials-list button.danger")
        a = self.admin
        a.click_text(".side-menu a", "Atendentes")
        for name in ("attendantsCanRemovePotentials", "attendantsCanViewBotContacts"):
            a.click(f'#permissions [data-field="{name}"] .slider')
            a.until(lambda: self.setup.call("settings.get")[name] is False, f"{name} off")
            if name == "attendantsCanRemovePotentials":
                d.until(lambda: not d.all("#potentials-list button.danger") and d.all("#tab-agenda"),
                        "no Remover while the Agenda tab stays")
        d.wait_text("#potentials-list", "Paula Reis")
        d.until(lambda: not d.all("#potentials-list button.danger") and not d.all("#tab-agenda"),
                "no Remover and no Agenda tab")
        d.shot("19-mesa-sem-permissoes")
        # And back on: "Remover" and the Agenda come back the same way.
        for name in ("attendantsCanRemovePotentials", "attendantsCanViewBotContacts"):
            a.click(f'#permissions [data-field="{name}"] .slider')
            a.until(lambda: self.setup.call("settings.get")[name] is True, f"{name} on")
        d.until(lambda: d.all("#tab-agenda"), "the Agenda tab back")
        d.click("#tab-potenciais")
        d.wait("#potentials-list button.danger")
        d.click("#tab-fila")

    def offer_accept_and_wrap_up(self):
        """A department with offers and wrap-up, made in the UI: the offer's countdown, Aceitar, then the wrap-up."""
        self.need("offers")
        a = self.admin
        a.click_text(".side-menu a", "Departamentos")
        a.click("#add-department")
        a.type("#department-form input[name=id]", "vendas")
        a.type("#department-form input[name=name]", "Vendas")
        a.type("#department-form input[name=offerTimeout]", "2")  # below the 5 s minimum: refused, next to it
        a.type("#department-form input[name=wrapUp]", "120")
        a.click("#department-form button[type=submit]")
        a.expect('#department-form [data-field="offerTimeout"]', lambda f: "has-error" in f.get_attribute("class"),
                 "the range error next to the offer timeout")
        # To a screen reader as well: the input is marked invalid, named by its label alone and described by its
        # hint and the error.
        tied = a.script("const i = document.querySelector('#department-form input[name=offerTimeout]');"
                        " const text = (ids) => ids.split(' ').map((id) => document.getElementById(id).textContent);"
                        " return [i.getAttribute('aria-invalid'), text(i.getAttribute('aria-labelledby')),"
                        " text(i.getAttribute('aria-describedby')).pop()];")
        assert tied[0] == "true" and len(tied[1]) == 1 and tied[2], tied
        a.type("#department-form input[name=offerTimeout]", "300")
        a.click("#department-form button[type=submit]")
        a.wait_text('#departments-table tr[data-id="vendas"]', "5 min")
        # The form closed: the keyboard is on the saved department's row (its Editar), not the top of the page.
        a.until(lambda: a.script("return document.activeElement.closest('#departments-table tr[data-id=\"vendas\"]')"
                                 " !== null"), "the focus on the saved department's row")
        a.shot("20-departamentos-ofertas")
        saved = next(d for d in self.setup.call("department.list")["departments"] if d["id"] == "vendas")
        assert saved["offerTimeout"] == 300 and saved["wrapUp"] == 120, saved
        self.setup.call("attendant.update", {"id": self.attendant_id, "departments": ["suporte", "vendas"]})
        d = self.desk
        d.click("#tab-fila")
        self.desk_online()
        chat = self.bot.call("conversation.open", {
            "externalId": "wa-5541966665555-1", "contact": {"phone": "+5541966665555", "name": "Rita Gomes"},
            "department": "vendas", "text": "Quero comprar."})
        d.wait_text("#offers .offer", "Rita Gomes")
        d.wait_text(".notices", "Nova conversa oferecida: Rita Gomes")  # seen even with the offers out of sight
        d.wait_text("#offers .offer .last-message", "“Quero comprar.”")  # what the contact wants, before accepting
        d.expect("#offers .offer .countdown", lambda c: re.fullmatch(r"[1-5] min( \d\d s)?", c.text),
                 "the countdown to offerExpiresAt, at most 5 min")
        # Supervisão counts the offered chat with the waiting ones, and lists it, whose offer it waits on.
        a.click_text(".side-menu a", "Supervisão")
        a.wait_text('.tile[data-id="vendas"] .waiting', "(+1 oferecida)")
        a.wait_text("#board-waiting", "Rita Gomes (aguardando o aceite de")
        a.expect('.tile[data-id="vendas"] .oldest', lambda e: re.fullmatch(r"[1-9]\d* s", e.text),
                 "the offered chat's wait, growing, as the longest (nobody else waits in vendas)")
        d.shot("21-mesa-oferta")
        # Nobody else serves vendas: a declined chat is offered here again at once, and its card must stay (the
        # new offer's push comes before the decline's reply).
        first = self.setup.call("conversation.get", {"id": chat["id"]})
        d.click(f'#offers .offer[data-id="{chat["id"]}"] button.decline')
        d.until(lambda: self.setup.call("conversation.get", {"id": chat["id"]}).get("offerExpiresAt")
                not in (None, first["offerExpiresAt"]), "offered again after the decline")
        # A request on the same socket answered after the decline's reply: once its answer is drawn, the desk has
        # handled that reply too (answers come back in order).
        d.click("#tab-potenciais")
        d.wait("#potentials-list")
        assert any("Rita Gomes" in offer.text for offer in d.all("#offers .offer")), "the new offer is still shown"
        d.click("#tab-fila")
        d.click(f'#offers .offer[data-id="{chat["id"]}"] button.accept')
        d.wait_text("#chat-contact", "Rita Gomes")
        d.until(lambda: not d.all("#offers .offer"), "the offer gone once accepted")
        # "Encerrar" asks once more: one click ends nothing for the contact.
        d.click("#close-chat")
        d.wait_text("#close-chat", "Confirmar encerramento")
        assert self.setup.call("conversation.get", {"id": chat["id"]})["state"] == "assigned", "one click closed it"
        d.click("#close-chat")
        d.wait("#finish-wrap-up")
        d.shot("22-mesa-pos-atendimento")
        d.click("#finish-wrap-up")
        d.until(lambda: not d.all("#wrap-up"), "the wrap-up bar gone")
        d.until(lambda: self.setup.call("attendant.get", {"id": self.attendant_id})["wrappingChats"] == 0,
                "the slot freed")

    def wrap_up_survives_reload(self):
        """A reload during a wrap-up: the desk reads it back from the daemon (conversation.wrapping) and shows it
        under "Pós-atendimento" with the time left and "Finalizar", which frees the slot."""
        self.need("offers")
        if not self.session_resume:
            raise Skip("the server at --url resumes no session (see --resumes)")
        d = self.desk
        chat = self.bot.call("conversation.open", {
            "externalId": "wa-5541955554444-1",
            "contact": {"phone": "+5541955554444", "name": "Lucas Prado de Albuquerque Magalhães Nogueira"},
            "department": "vendas", "text": "Mais uma dúvida."})
        d.wait_text("#offers .offer", "Lucas Prado")
        d.click(f'#offers .offer[data-id="{chat["id"]}"] button.accept')
        d.wait_text("#chat-contact", "Lucas Prado")
        self.close_open_chat()
        d.wait("#finish-wrap-up")
        d.wait_text("#wrapping", "Lucas Prado")
        d.driver.refresh()
        d.wait_text("#me", ATTENDANT_NAME)
        item = f'#wrapping .wrap-up-item[data-id="{chat["id"]}"]'
        d.wait_text(item, "Lucas Prado")
        d.expect(f"{item} .countdown", lambda c: re.fullmatch(r"(1 min( \d\d s)?|2 min|\d\d? s)", c.text),
                 "the time left of the 2 min wrap-up")
        d.wait(f"{item} button.finish-wrap-up")
        assert self.setup.call("attendant.get", {"id": self.attendant_id})["wrappingChats"] == 1
        # To the keyboard the contact's name is the button that opens it (no button nested in another).
        assert d.find(item).get_attribute("role") is None and d.find(f"{item} .contact").tag_name == "button"
        # A name too long for the list is cut at its end with "…", not centred and cut at both ends.
        cut = d.script("const name = document.querySelector(arguments[0]); const range = document.createRange();"
                       " range.selectNodeContents(name);"
                       " return [name.scrollWidth > name.clientWidth, getComputedStyle(name).textOverflow,"
                       "  Math.round(range.getClientRects()[0].left - name.getBoundingClientRect().left)];",
                       f"{item} .contact")
        assert cut[0] and cut[1] == "ellipsis" and 0 <= cut[2] <= 2, f"overflows, text-overflow, start: {cut}"
        d.click(f"{item} .contact")
        d.wait_text("#chat-contact", "Lucas Prado")
        d.wait("#wrap-up #finish-wrap-up")
        d.shot("22b-mesa-pos-atendimento-recarregada")
        # "Fechar" closes the pane only: the running wrap-up stays listed with its button.
        d.click("#dismiss-chat")
        d.until(lambda: not d.all("#wrap-up"), "the pane closed")
        d.wait(f"{item} button.finish-wrap-up")
        d.click(f"{item} button.finish-wrap-up")
        d.until(lambda: not d.all("#wrapping .wrap-up-item") and not d.all("#wrap-up"),
                "the wrap-up gone from the list and the pane")
        d.until(lambda: self.setup.call("attendant.get", {"id": self.attendant_id})["wrappingChats"] == 0,
                "the slot freed")

    def read_in_one_tab_reads_in_all(self):
        """The attendant has the desk open in two tabs: a chat opened in one is no longer marked unread in the
        other."""
        d = self.desk
        self.desk_online()
        chat = self.bot.call("conversation.open", {
            "externalId": "wa-5521977776666-1", "contact": {"phone": "+5521977776666", "name": "Bruna Lopes"},
            "department": "suporte", "text": "Oi, tudo bem?"})
        assert chat["state"] == "assigned", chat
        item = f'#my-chats .chat-item[data-id="{chat["id"]}"]'
        d.expect(item, lambda e: "unread" in e.get_attribute("class"), "the new chat marked in the first tab")
        first = d.driver.current_window_handle
        d.driver.switch_to.new_window("tab")
        try:
            d.open()
            d.expect(item, lambda e: "unread" in e.get_attribute("class"), "the chat marked in the second tab")
            d.driver.switch_to.window(first)
            d.click(f"{item} .contact")
            d.wait_text("#chat-contact", "Bruna Lopes")
            d.driver.switch_to.window([w for w in d.driver.window_handles if w != first][0])
            d.expect(item, lambda e: "unread" not in e.get_attribute("class"),
                     "read in the first tab, so no longer marked in the second")
            # Reloaded, the second tab does not mark again what was read (the read marks of this browser).
            d.driver.refresh()
            d.wait(f"{item} .waiting-reply")  # the history was read: its unread count would be drawn by now
            assert "unread" not in d.find(item).get_attribute("class"), "read before the reload"
            # A message after the reading is unread, and stays so through a reload.
            self.bot.call("conversation.message", {"id": chat["id"], "text": "Ainda está aí?"})
            d.wait(f"{item} .unread-count")
            d.driver.refresh()
            d.wait(f"{item} .waiting-reply")
            d.expect(f"{item} .unread-count", lambda e: e.text == "1", "only the message after the reading")
        finally:
            # The second tab is a second connection of the attendant: it must not outlive this step.
            d.close_other_windows(first)
            self.bot.call("conversation.close", {"id": chat["id"]})
        d.until(lambda: not d.all(item), "the closed chat gone from the list")

    def serve_new_department(self, id_, name, **settings):
        """Creates a department with `settings` and adds it to the attendant's; returns the departments before."""
        self.setup.call("department.create", {"id": id_, "name": name, **settings})
        departments = self.setup.call("attendant.get", {"id": self.attendant_id})["departments"]
        self.setup.call("attendant.update", {"id": self.attendant_id,
                                             "departments": sorted(set(departments) | {id_})})
        return departments

    def open_on_desk(self, phone, name, department, text):
        """The bot opens a chat (externalId from the phone) that goes to the desk's attendant, and the desk opens
        it; returns the chat and its item's selector in "Minhas conversas"."""
        chat = self.bot.call("conversation.open", {
            "externalId": f"wa-{phone.lstrip('+')}-1", "contact": {"phone": phone, "name": name},
            "department": department, "text": text})
        item = f'#my-chats .chat-item[data-id="{chat["id"]}"]'
        self.desk.click(f"{item} .contact")
        self.desk.wait_text("#chat-contact", name)
        return chat, item

    def reply_timeout_keeps_draft(self):
        """A chat taken back for want of a reply while the attendant was typing one: the notice says the draft is
        kept, and it is there again when the attendant takes the chat back from the queue."""
        self.need("offers")
        departments = self.serve_new_department("retorno-curto", "Retorno curto", replyTimeout=10)
        d = self.desk
        self.desk_online()
        chat, item = self.open_on_desk("+5531955554444", "Rita Campos", "retorno-curto", "Preciso de ajuda.")
        d.type("#reply-text", "Oi, Rita, estou vendo o seu pedido")
        # Away meanwhile, so the chat taken back waits in the queue instead of coming straight back.
        d.click(".presence-switch .slider")
        d.wait_text("#presence-label", "Ausente")
        d.wait_text(".notices", "Seu rascunho fica guardado, caso ela volte para você.")
        d.until(lambda: not d.all(item), "the chat gone from my chats")
        d.click(f'#waiting-list .chat-item[data-id="{chat["id"]}"] button.take')
        d.wait(item)
        d.click(f"{item} .contact")
        d.wait_text("#chat-contact", "Rita Campos")
        assert d.value("#reply-text") == "Oi, Rita, estou vendo o seu pedido", "the draft came back with the chat"
        self.bot.call("conversation.close", {"id": chat["id"]})
        self.desk_online()
        d.until(lambda: not d.all(item), "the closed chat gone from the list")
        self.setup.call("attendant.update", {"id": self.attendant_id, "departments": departments})

    def reply_countdown(self):
        """A department that takes unanswered chats back: the desk shows the time left to reply, in the list and
        above the transcript, and both go once the attendant replies, here or from another device. A draft stays
        with its chat."""
        self.need("offers")
        self.serve_new_department("retorno", "Retorno", replyTimeout=120)
        d = self.desk
        self.desk_online()
        chat = self.bot.call("conversation.open", {
            "externalId": "wa-5531944443333-1",
            "contact": {"phone": "+5531944443333", "name": "Paula Reis Albuquerque"},
            "department": "retorno", "text": "Alguém aí?"})
        assert chat["state"] == "assigned" and chat.get("replyDueAt"), chat
        item = f'#my-chats .chat-item[data-id="{chat["id"]}"]'
        d.wait_text(item, "Paula Reis")
        d.expect(f"{item} .reply-due .countdown", lambda c: re.fullmatch(r"(2 min|1 min( \d\d s)?)", c.text),
                 "the time left of the 2 min reply timeout, in the list")
        # Under the name, which keeps its line whole.
        placed = d.script("const item = document.querySelector(arguments[0]);"
                          " const name = item.querySelector('.contact');"
                          " return [item.querySelector('.reply-due').getBoundingClientRect().top"
                          "   >= name.getBoundingClientRect().bottom - 1, name.scrollWidth <= name.clientWidth];", item)
        assert placed == [True, True], f"countdown under the name, name whole: {placed}"
        d.click(f"{item} .contact")
        d.wait_text("#chat-contact", "Paula Reis")
        d.wait_text("#reply-due", "sem resposta, a conversa volta para a fila")
        d.shot("22c-mesa-prazo-de-resposta")
        # A draft stays with its chat while another one is open.
        other = self.bot.call("conversation.open", {
            "externalId": "wa-5531933332222-1", "contact": {"phone": "+5531933332222", "name": "Téo Alves"},
            "department": "retorno", "text": "Bom dia."})
        d.type("#reply-text", "Oi, Paula! Já vou ver.")
        d.click(f'#my-chats .chat-item[data-id="{other["id"]}"] .contact')
        d.wait_text("#chat-contact", "Téo Alves")
        assert d.value("#reply-text") == "", "the other chat's box is empty"
        d.click(f"{item} .contact")
        d.wait_text("#chat-contact", "Paula Reis")
        assert d.value("#reply-text") == "Oi, Paula! Já vou ver.", "the draft came back with its chat"
        d.click("#reply-send")
        d.wait_text("#messages .from-attendant", "Já vou ver.")
        d.until(lambda: not d.all("#reply-due") and not d.all(f"{item} .reply-due"),
                "the clock gone from the pane and the list after the reply")
        assert "replyDueAt" not in self.setup.call("conversation.get", {"id": chat["id"]})
        assert d.value("#reply-text") == "", "the box empties once the reply is sent"
        # A reply from the attendant's other device shows here too, and stops this desk's clocks for that chat.
        phone = SocketClient(self.socket_path)
        try:
            phone.call("auth.login", {"login": ATTENDANT_LOGIN, "password": ATTENDANT_PASSWORD})
            other_item = f'#my-chats .chat-item[data-id="{other["id"]}"]'
            d.click(f"{other_item} .contact")
            d.wait_text("#chat-contact", "Téo Alves")
            d.wait("#reply-due")
            d.wait(f"{other_item} .waiting-reply")
            phone.call("conversation.reply", {"id": other["id"], "text": "Respondido pelo celular."})
            d.wait_text("#messages .from-attendant", "Respondido pelo celular.")
            d.until(lambda: not d.all("#reply-due") and not d.all(f"{other_item} .reply-due")
                    and not d.all(f"{other_item} .waiting-reply"), "the clocks of the chat answered elsewhere gone")
        finally:
            phone.close()
        # A rename made elsewhere reaches the open chat's header without a reload (department.changed), and leaves
        # the rest of the pane alone: the transfer form being filled stays open.
        d.click("#transfer-open")
        d.until(lambda: d.find("#chat .transfer").is_displayed(), "the transfer form open")
        self.setup.call("department.update", {"id": "retorno", "name": "Retorno rápido"})
        d.wait_text("#chat .chat-head", "Retorno rápido")
        assert d.find("#chat .transfer").is_displayed(), "the transfer form stays open through the rename"
        for closing in (chat, other):
            self.bot.call("conversation.close", {"id": closing["id"]})
        d.until(lambda: not d.all(item), "the closed chat gone from the list")

    def second_device_agrees(self):
        """What the attendant does on another device shows on this desk: a presence choice, a declined offer
        (gone, with someone else to take it) and a finished wrap-up; an expired clock reads "expirando…" alone."""
        self.need("offers")
        d = self.desk
        self.desk_online()
        phone = SocketClient(self.socket_path)
        helper = SocketClient(self.socket_path)
        try:
            phone.call("auth.login", {"login": ATTENDANT_LOGIN, "password": ATTENDANT_PASSWORD})
            phone.call("presence.set", {"presence": "away"})
            d.wait_text("#presence-label", "Ausente")
            assert not d.find("#presence").is_selected(), "the switch follows the other device"
            phone.call("presence.set", {"presence": "online"})
            d.wait_text("#presence-label", "Online")
            # A colleague in vendas, so that a declined offer goes to her.
            self.setup.call("attendant.create", {"name": "Lia Campos", "login": "lia@empresa.com.br",
                                                 "password": "Lia123456", "departments": ["vendas"]})
            chat = self.bot.call("conversation.open", {
                "externalId": "wa-5541977776666-1", "contact": {"phone": "+5541977776666", "name": "Vera Dias"},
                "department": "vendas", "text": "Tem desconto?"})
            card = f'#offers .offer[data-id="{chat["id"]}"]'
            d.wait_text(card, "Vera Dias")
            helper.call("auth.login", {"login": "lia@empresa.com.br", "password": "Lia123456"})
            phone.call("conversation.decline", {"id": chat["id"]})
            d.until(lambda: not d.all(card), "the offer declined on the phone gone from the desk")
            # Lia declines too: back here, accepted on the phone (its message unread on this desk), closed here, its
            # wrap-up finished on the phone.
            helper.call("conversation.decline", {"id": chat["id"]})
            d.wait_text(card, "Vera Dias")
            phone.call("conversation.accept", {"id": chat["id"]})
            mine = f'#my-chats .chat-item[data-id="{chat["id"]}"]'
            d.wait_text(f"{mine} .unread-count", "1")
            assert d.find(f"{mine} .unread-count").get_attribute("aria-label") == "1 mensagem não lida"
            d.until(lambda: d.driver.title == "(1) atende", "the tab's title counting the unread message")
            d.until(lambda: not d.all(card), "the offer accepted on the phone gone from the desk")
            d.click(f"{mine} .contact")
            d.wait_text("#chat-contact", "Vera Dias")
            d.until(lambda: d.driver.title == "atende", "read: the title counts nothing")
            self.close_open_chat()
            item = f'#wrapping .wrap-up-item[data-id="{chat["id"]}"]'
            d.wait(item)
            phone.call("conversation.finishWrapUp", {"id": chat["id"]})
            d.until(lambda: not d.all(item) and not d.all("#wrap-up"), "the wrap-up finished on the phone gone")
        finally:
            phone.close()
            helper.close()
        # A transfer that nobody else can take comes straight back, and the desk says so and keeps the chat.
        back, item = self.open_on_desk("+5541966660000", "Rui Sales", "retorno", "Oi")
        d.click("#transfer-open")
        from selenium.webdriver.support.ui import Select
        Select(d.wait("#transfer-department")).select_by_value("retorno")
        d.click("#transfer-send")
        d.wait_text(".notices", "a conversa voltou para você")
        d.wait(item)
        assert self.setup.call("conversation.get", {"id": back["id"]})["attendantId"] == self.attendant_id
        self.bot.call("conversation.close", {"id": back["id"]})
        # A countdown whose time is up says "expirando…" without "expira em" before it.
        d.script("""
            const now = Date.now();
            window.atendePanel.rpc.emit("event", {type: "conversation.offered", conversation: {
                id: 99998, externalId: "late", contact: {phone: "+5511900002222", name: "Oferta Vencida"},
                channel: "whatsapp", department: "vendas", state: "offered", priority: 0,
                openedAt: new Date(now).toISOString(), queuedAt: new Date(now).toISOString(),
                offeredAt: new Date(now - 5000).toISOString(),
                offerExpiresAt: new Date(now - 1000).toISOString()}});""")
        late = '#offers .offer[data-id="99998"] .expires'
        d.until(lambda: d.all(late) and d.find(late).text == "expirando…", "only expirando… once the time is up")
        d.script("""window.atendePanel.rpc.emit("event", {type: "conversation.revoked", reason: "offer-expired",
            conversation: {id: 99998, externalId: "late", contact: {phone: "+5511900002222"}, channel: "whatsapp",
            department: "vendas", state: "queued", priority: 0, openedAt: new Date().toISOString()}});""")
        d.until(lambda: not d.all('#offers .offer[data-id="99998"]'), "the played offer gone")
        # The supervisor sees how the day's offers of each attendant ended.
        a = self.admin
        a.click_text(".side-menu a", "Supervisão")
        row = f'#board-attendants tr[data-id="{self.attendant_id}"] .offers'
        a.expect(row, lambda cell: "aceita" in cell.text and "recusada" in cell.text,
                 "accepted and declined offers counted on the board")
        # And how long its chats of the day took, from its assignment to the close.
        a.expect("#board-attendants thead", lambda head: "duração média" in head.text.lower(),
                 "the board's column of average handling time")
        a.expect(f'#board-attendants tr[data-id="{self.attendant_id}"] .handle',
                 lambda cell: cell.text not in ("", "—"), "the average handling time of the closed chats")

    def offer_card_from_push(self):
        """On a daemon without offers, a conversation.offered push replayed in the page still draws the offer card
        with its countdown, and Recusar reports the daemon's answer (method not found) and drops the card."""
        if self.features.get("offers"):
            raise Skip("covered by offer_accept_and_wrap_up against the daemon itself")
        d = self.desk
        d.script("""
            const now = Date.now();
            window.atendePanel.rpc.emit("event", {type: "conversation.offered", conversation: {
                id: 9999, externalId: "fake", contact: {phone: "+5511900001111", name: "Oferta Simulada"},
                channel: "whatsapp", department: "suporte", state: "offered", priority: 0,
                openedAt: new Date(now).toISOString(), queuedAt: new Date(now).toISOString(),
                offeredAt: new Date(now).toISOString(), offerExpiresAt: new Date(now + 45000).toISOString()}});""")
        d.wait_text("#offers .offer", "Oferta Simulada")
        d.expect("#offers .offer .countdown", lambda c: c.text.endswith(" s") and int(c.text[:-2]) <= 45,
                 "the countdown to offerExpiresAt")
        d.shot("21-mesa-oferta")
        d.click('#offers .offer[data-id="9999"] button.decline')
        d.until(lambda: not d.all("#offers .offer"), "the declined offer gone")
        d.wait_text(".notices", "O servidor ainda não tem esta função")

    def profile_fits_a_phone(self):
        """At a phone's width (390 px) every control of the attendant's profile is on screen: each day's "+" and
        each interval's "x" in the hours grid, and the buttons at the bottom."""
        a = self.admin
        a.driver.set_window_size(390, 844)
        try:
            a.open(f"#/atendentes/{self.attendant_id}")
            a.wait("#attendant-profile")
            a.wait(".day button.add")
            outside = a.driver.execute_script(
                "const width = document.documentElement.clientWidth;"
                "return [...document.querySelectorAll('.day button, #attendant-profile .actions button')]"
                "  .filter((b) => { const r = b.getBoundingClientRect(); return r.left < 0 || r.right > width; })"
                "  .map((b) => (b.title || b.textContent).trim());")
            a.driver.execute_script("document.querySelector('.week-grid').scrollIntoView()")
            a.shot("08-perfil-celular")
            assert outside == [], f"off screen at 390 px: {outside}"
            # "Sem restrição de horário" wraps beside its checkbox, not on a line of its own under it.
            apart = a.script("const [box, text] = ['input', 'span'].map((t) => document.querySelector("
                             "  `.hours-editor label.check > ${t}`).getBoundingClientRect());"
                             "return text.top - box.bottom")
            assert apart < 0, f"the text starts {apart} px under its checkbox"
            # On a touch screen every button is at least 40 px a side (the hours' "+" and "×" were 28x20).
            a.driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 1})
            try:
                small = a.script("return [...document.querySelectorAll('#logout, #attendant-profile button')]"
                                 "  .filter((b) => b.offsetParent).map((b) => [(b.title || b.textContent).trim(),"
                                 "    b.getBoundingClientRect()]).filter(([, r]) => r.height < 40 || r.width < 40)"
                                 "  .map(([name, r]) => `${name} ${Math.round(r.width)}x${Math.round(r.height)}`)")
                a.shot("08-perfil-celular-toque")
                assert small == [], f"too small to tap: {small}"
            finally:
                a.driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": False})
            # The menu's five screens and the attendants' list (cards: status and rating in sight) fit too.
            a.click_text(".side-menu a", "Atendentes")
            a.wait(f'#attendants-table tr[data-id="{self.attendant_id}"]')
            outside = a.driver.execute_script(
                "const width = document.documentElement.clientWidth;"
                "return [...document.querySelectorAll('.side-menu a, #attendants-table td.presence, "
                "  #attendants-table td.rating, #attendants-table td.active')]"
                "  .filter((e) => { const r = e.getBoundingClientRect(); return r.left < 0 || r.right > width; })"
                "  .map((e) => e.textContent.trim());")
            a.shot("09-atendentes-celular")
            assert outside == [], f"off screen at 390 px: {outside}"
        finally:
            a.driver.set_window_size(1400, 900)

    def desk_fits_a_phone(self):
        """At 390 px the desk's lists are in full on the page (no box of their own cutting rows off), and opening a
        chat brings it into sight below them."""
        d = self.desk
        d.click("#tab-fila")
        chat = self.bot.call("conversation.open", {
            "externalId": "wa-5511922220069-1", "contact": {"phone": "+5511922220069", "name": "Bia Telles"},
            "department": "suporte", "text": "Olá pelo celular"})
        # Enough chats to fill her five places and wait in the queue besides: the lists are taller than the screen.
        chats = [self.bot.call("conversation.open", {
            "externalId": f"wa-55119222200{70 + n}-1", "contact": {"phone": f"+55119222200{70 + n}",
                                                                "name": f"Contato {n}"},
            "department": "suporte", "text": "Oi"}) for n in range(8)]
        d.driver.set_window_size(390, 844)
        try:
            item = f'#my-chats .chat-item[data-id="{chat["id"]}"]'
            d.wait(item)
            nested = d.script("const s = document.querySelector('.desk-side');"
                              "return s.scrollHeight > s.clientHeight + 1"
                              "  && getComputedStyle(s).overflowY !== 'visible'")
            assert not nested, "the side lists scroll inside a box of their own"
            # Her five places are taken: the queue's items are one name over its department, beside "Pegar",
            # and the reason "Pegar" is off is written above them (a tooltip never shows on a phone).
            d.wait("#waiting-list .waiting-item button.take:disabled")
            d.wait_text("#at-limit", "limite de 5 conversas")
            shapes = d.script("return [...document.querySelectorAll('#waiting-list .waiting-item')].map((li) => {"
                              "  const r = li.getBoundingClientRect();"
                              "  const s = li.querySelector('.who small').getBoundingClientRect();"
                              "  return [li.textContent, Math.round(r.height), s.top >= r.top && s.bottom <= r.bottom];"
                              "})")
            assert shapes, "no waiting items"
            for text, height, inside in shapes:
                assert height <= 72 and inside, f"{text!r}: {height} px high, department inside: {inside}"
            d.script("document.getElementById('waiting-list').scrollIntoView()")
            d.shot("13c-mesa-fila-no-limite")
            d.click(f"{item} .contact")
            d.wait_text("#chat-contact", "Bia Telles")
            d.until(lambda: d.script("const r = document.getElementById('chat-contact').getBoundingClientRect();"
                                     "return r.top >= 0 && r.bottom <= window.innerHeight"), "the chat in sight")
            # The header's phone is one piece (Transferir and Encerrar go under the name when they do not fit).
            lines = d.script("return document.querySelector('#chat-meta .phone').getClientRects().length")
            assert lines == 1, f"the phone broken over {lines} lines"
            # Three notices at once: the newest two show, off the reply box.
            d.module_call("dom.js", "['Aviso 1', 'Aviso 2', 'Aviso 3'].map((text) => m.notice(text))")
            shown = d.script("const box = document.getElementById('reply-form').getBoundingClientRect();"
                             "return [...document.querySelectorAll('.notices .notice')].map((n) => {"
                             "  const r = n.getBoundingClientRect();"
                             "  return [n.textContent, r.bottom > box.top && r.top < box.bottom]; })")
            assert [text for text, _ in shown] == ["Aviso 2", "Aviso 3"], shown
            assert not any(over for _, over in shown), f"over the reply box: {shown}"
            d.shot("13b-mesa-celular")
            # The transfer form fits too, with a colleague whose long name fills its picker.
            long_name = self.setup.call("attendant.create", {
                "name": "Juliana Cristina de Oliveira Santos", "login": "juliana.santos@empresa.com.br",
                "password": "Juliana1234", "departments": ["suporte"]})
            d.click("#transfer-open")
            d.until(lambda: any("Juliana" in o.text for o in d.all("#transfer-colleague option")),
                    "the colleague listed")
            widths = d.script("return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            wide = d.script("return [...document.querySelectorAll('body *')].filter((e) =>"
                            " e.getBoundingClientRect().right > document.documentElement.clientWidth)"
                            ".map((e) => e.tagName + '.' + e.className + '#' + e.id)")
            assert widths[0] <= widths[1], f"the transfer form widens the page: {widths} {wide}"
            d.click("#transfer-open")
            self.setup.call("attendant.update", {"id": long_name["id"], "active": False})
            # A chat of the list opens from the keyboard too (Enter on the focused item).
            from selenium.webdriver.common.keys import Keys
            other = f'#my-chats .chat-item[role="button"]:not([data-id="{chat["id"]}"])'
            name = d.find(f"{other} .contact").text
            d.find(other).send_keys(Keys.ENTER)
            d.wait_text("#chat-contact", name)
        finally:
            d.driver.set_window_size(1400, 900)
            for opened in chats + [chat]:
                if self.setup.call("conversation.get", {"id": opened["id"]})["state"] != "closed":
                    self.bot.call("conversation.close", {"id": opened["id"]})

    def profile_subject(self):
        """An attendant of its own for the profile's form steps (made once, over the socket): Monday 08:00-12:00."""
        if not getattr(self, "subject_id", None):
            self.subject_id = self.setup.call("attendant.create", {
                "name": "Joana Prado", "login": "joana.prado@empresa.com.br", "password": "Joana1234",
                "departments": [], "hours": {"timezone": "America/Sao_Paulo", "week": {"mon": [["08:00", "12:00"]]}},
            })["id"]
        return self.subject_id

    def hours_new_interval_saves(self):
        """"+" adds an interval with real times (not placeholders): saved as it came, on a day off (08:00 to 18:00)
        and after a day's last interval; one emptied is refused beside its day before anything is sent."""
        a = self.admin
        id_ = self.profile_subject()
        a.open(f"#/atendentes/{id_}")
        a.wait("#attendant-profile")
        a.click('.day[data-day="sat"] button.add')
        # The grid is drawn anew: the keyboard goes on from the new interval's start, not the top of the page.
        a.until(lambda: a.script("const e = document.activeElement; return e.matches('.day[data-day=\"sat\"] "
                                 ".interval:last-child input.start')"), "the focus on Saturday's new interval")
        assert a.find('.day[data-day="sat"] button.add').get_attribute("aria-label") == "Adicionar intervalo em Sábado"
        a.click('.day[data-day="mon"] button.add')
        shown = [a.value(f'.day[data-day="{day}"] .interval:last-child input.{end}')
                 for day in ("sat", "mon") for end in ("start", "end")]
        assert shown == ["08:00", "18:00", "12:00", "14:00"], shown
        a.shot("30-perfil-novo-intervalo")
        a.type('.day[data-day="sat"] .interval:last-child input.end', "")
        a.click("#save")
        a.wait_text('.day[data-day="sat"] .error', "Preencha o início e o fim do intervalo")
        a.type('.day[data-day="sat"] .interval:last-child input.end', "18:00")
        a.click("#save")
        a.wait_text(".notices", "Atendente salvo")
        week = self.setup.call("attendant.get", {"id": id_})["hours"]["week"]
        assert week.get("sat") == [["08:00", "18:00"]], week
        assert week.get("mon") == [["08:00", "12:00"], ["12:00", "14:00"]], week
        # Saved with Enter in an interval: the week drawn again as saved keeps the keyboard in that interval.
        from selenium.webdriver.common.keys import Keys
        end = '.day[data-day="mon"] .interval:last-child input.end'
        a.type(end, "15:00")
        a.script(f"document.querySelector('{end}').dataset.before = 'yes'")  # to tell the redrawn grid
        a.find(end).send_keys(Keys.ENTER)
        a.until(lambda: self.setup.call("attendant.get", {"id": id_})["hours"]["week"].get("mon")
                == [["08:00", "12:00"], ["12:00", "15:00"]], "saved with Enter")
        a.until(lambda: a.script(f"const e = document.querySelector('{end}');"
                                 " return !e.dataset.before && document.activeElement === e"),
                "the grid drawn again as saved, the focus in the same interval")

    def profile_warns_unsaved_changes(self):
        """Leaving a profile with unsaved changes asks first ("← Atendentes", the menu, closing the tab); "Cancelar"
        keeps the form as typed. A second "Salvar" at the end of the form saves, and then leaving asks nothing."""
        a = self.admin
        id_ = self.profile_subject()
        a.open(f"#/atendentes/{id_}")
        a.wait("#attendant-profile")
        a.click_text("#attendant-profile button", "← Atendentes")  # nothing changed: no question
        a.wait("#attendants-table")
        a.open(f"#/atendentes/{id_}")
        a.type("#attendant-profile input[name=email]", "joana.prado@empresa.com.br")

        def refused(leave, what):
            leave()
            alert = a.until(lambda: a.driver.switch_to.alert, f"a confirmation after {what}")
            assert "não salvas" in alert.text, alert.text
            alert.dismiss()
            assert a.driver.current_url.endswith(f"#/atendentes/{id_}"), a.driver.current_url
            assert a.value("#attendant-profile input[name=email]") == "joana.prado@empresa.com.br", "kept"
        refused(lambda: a.click_text("#attendant-profile button", "← Atendentes"), "← Atendentes")
        refused(lambda: a.click_text(".side-menu a", "Departamentos"), "a menu item")
        assert a.find(".side-menu a.active").text == "Atendentes", "the menu still on the form's screen"
        assert a.closing_asks(), "closing the tab asks first"
        bottom = a.find("#save-bottom")
        a.script("arguments[0].scrollIntoView({block: 'center'})", bottom)
        a.shot("31-perfil-salvar-no-fim")
        bottom.click()
        a.wait_text(".notices", "Atendente salvo")
        assert self.setup.call("attendant.get", {"id": id_})["email"] == "joana.prado@empresa.com.br"
        assert not a.closing_asks(), "saved: closing the tab asks nothing"
        a.click_text(".side-menu a", "Departamentos")
        a.wait("#departments-table")

    def create_form_warns_unsaved_changes(self):
        '''"Cancelar" on an empty "Novo atendente" asks nothing; with a name typed it asks first (dismissed: the form
        stays as typed; accepted: back to the list, nothing created), and so does closing the tab.'''
        a = self.admin
        a.open("#/atendentes")
        a.click("#add-attendant")
        a.wait("#create-attendant")
        a.click_text("#create-attendant button", "Cancelar")  # nothing typed: no question
        a.wait("#attendants-table")
        before = len(self.setup.call("attendant.list")["attendants"])
        a.click("#add-attendant")
        a.type("#create-attendant input[name=name]", "Rascunho Silva")
        assert a.closing_asks(), "closing the tab asks first"
        a.click_text("#create-attendant button", "Cancelar")
        alert = a.until(lambda: a.driver.switch_to.alert, "a confirmation after Cancelar")
        assert "não salvas" in alert.text, alert.text
        alert.dismiss()
        assert a.value("#create-attendant input[name=name]") == "Rascunho Silva", "kept as typed"
        a.click_text("#create-attendant button", "Cancelar")
        a.until(lambda: a.driver.switch_to.alert, "the confirmation again").accept()
        a.wait("#attendants-table")
        assert not a.closing_asks(), "the list asks nothing on closing"
        assert len(self.setup.call("attendant.list")["attendants"]) == before, "nothing was created"

    def profile_shows_every_error(self):
        """A phone with an unknown DDD, 0 simultaneous chats and "joana@" as e-mail: one "Salvar" shows the three
        errors at once, each beside its field, and sends nothing."""
        a = self.admin
        id_ = self.profile_subject()
        before = self.setup.call("attendant.get", {"id": id_})
        a.open(f"#/atendentes/{id_}")
        a.wait("#attendant-profile")
        a.type("#attendant-profile input[name=phone]", "2098765432")
        a.type("#attendant-profile input[name=maxChats]", "0")
        a.type("#attendant-profile input[name=email]", "joana@")
        a.click("#save")
        a.wait_text('#attendant-profile [data-field="phone"] .error', "DDD 20 não existe")
        a.wait_text('#attendant-profile [data-field="maxChats"] .error', "de 1 a 1000")
        a.wait_text('#attendant-profile [data-field="email"] .error', "Falta o domínio depois do @")
        a.script("document.querySelector('[data-field=\"phone\"]').scrollIntoView({block: 'center'})")
        a.shot("32-perfil-todos-os-erros")
        assert self.setup.call("attendant.get", {"id": id_}) == before, "nothing was sent"
        a.type("#attendant-profile input[name=phone]", "11987650000")
        a.type("#attendant-profile input[name=maxChats]", "3")
        a.type("#attendant-profile input[name=email]", "joana@empresa.com.br")
        a.click("#save")
        a.wait_text(".notices", "Atendente salvo")
        a.until(lambda: not [e for e in a.all("#attendant-profile .error") if e.text], "the errors gone")
        saved = self.setup.call("attendant.get", {"id": id_})
        assert (saved["phone"], saved["maxChats"], saved["email"]) == ("+5511987650000", 3, "joana@empresa.com.br")

    def photo_checked_before_sending(self):
        """Not an image: refused beside the photo before anything is sent. Too large for one frame: reduced to a
        JPEG in the browser, then sent."""
        a = self.admin
        a.open(f"#/atendentes/{self.attendant_id}")
        a.wait("#attendant-profile")
        folder = os.path.dirname(self.image_path)
        text_path = os.path.join(folder, "notas.png")
        with open(text_path, "w") as file:
            file.write("isto não é uma imagem")
        big_path = os.path.join(folder, "grande.png")
        with open(big_path, "wb") as file:
            file.write(png(800, 800, noise=True))
        chooser = a.find("#image-file")
        a.script("arguments[0].hidden = false", chooser)
        chooser.send_keys(text_path)
        a.wait_text('[data-field="image"] .error', "PNG, JPEG ou WebP")
        chooser = a.find("#image-file")
        chooser.send_keys(big_path)
        a.script("arguments[0].hidden = true", chooser)
        a.wait_text(".notices", "foi reduzida")
        a.shot("29-perfil-foto-reduzida")
        a.click("#save")
        a.wait_text(".notices", "Atendente salvo")
        image = self.setup.call("attendant.image", {"id": self.attendant_id})
        assert image["contentType"] == "image/jpeg", image["contentType"]
        assert len(base64.b64decode(image["base64"])) < 786240

    def hours_exceptions_and_holidays(self):
        """A date exception in the profile and a holiday in Configurações; a date that does not exist is refused
        beside its row before anything is sent."""
        a = self.admin
        a.open(f"#/atendentes/{self.attendant_id}")
        a.wait("#attendant-profile")
        a.click_text(".hours-editor button", "+ Exceção")
        a.until(lambda: a.script("return document.activeElement === "
                                 "document.querySelector('.exception:last-child .exception-date')"),
                "the keyboard in the new row's date")
        a.type(".exception:last-child .exception-date", "31022031")
        a.expect(".exception:last-child .exception-date", lambda i: i.get_attribute("value") == "31/02/2031",
                 "the date mask")
        a.click("#save")
        a.wait_text(".exception:last-child .error", "31/02/2031 não existe no calendário.")
        a.type(".exception:last-child .exception-date", "25/12/2030")
        assert a.find(".exception:last-child .remove-exception").get_attribute("aria-label") \
            == "Remover exceção 25/12/2030", "the button names the date typed"
        # Overlapping intervals: the message names the interval, without the request's field path.
        a.type(".exception:last-child .exception-intervals", "08:00-12:00, 11:00-13:00")
        a.click("#save")
        a.expect(".exception:last-child .error", lambda e: "sobrepõe" in e.text.lower() and "[" not in e.text
                 and "intervals" not in e.text, "the overlap named in Portuguese only")
        a.type(".exception:last-child .exception-intervals", "")
        self.need("holidays")
        a.click("#save")
        a.wait_text(".notices", "Atendente salvo")
        a.until(lambda: self.setup.call("attendant.get", {"id": self.attendant_id})["hours"].get("exceptions")
                == [{"date": "2030-12-25", "intervals": []}], "the exception saved as a day off")
        a.script("document.querySelector('.exception:last-child').scrollIntoView({block: 'center'})")
        a.shot("27-perfil-excecao")
        a.click_text(".side-menu a", "Configurações")
        # Every problem at once, each on the input it is about: a date that does not exist, a holiday without a
        # name, one date twice, too many missed offers.
        before = self.setup.call("settings.get")["holidays"]
        typed = [("31/02/2031", "Não existe"), ("02/01/2031", ""), ("03/01/2031", "Um"), ("03/01/2031", "Dois")]
        for date, name in typed:
            a.click("#add-holiday")
            a.type(".holiday:last-child .holiday-date", date)
            a.type(".holiday:last-child .holiday-name", name)
        if a.all("#settings-form input[name=maxMissedOffers]"):
            a.type("#settings-form input[name=maxMissedOffers]", "150")
        a.click("#settings-form button[type=submit]")
        a.until(lambda: len([e for e in a.all("#settings-form .holiday .error") if e.text]) == 3,
                "three holidays refused at once")
        marked = a.script("return [...document.querySelectorAll('#settings-form .holiday')].map((row) =>"
                          " [...row.querySelectorAll('[aria-invalid]')].map((i) => i.dataset.part).join())")
        assert marked == ["date", "name", "", "date"], marked
        if a.all("#settings-form input[name=maxMissedOffers]"):
            a.wait_text('#settings-form [data-field="maxMissedOffers"] .error', "Deve estar entre 0 e 100")
            a.type("#settings-form input[name=maxMissedOffers]", "2")
        assert self.setup.call("settings.get")["holidays"] == before, "nothing saved"
        a.shot("28b-configuracoes-erros")
        for _ in typed:
            a.click(".holiday:last-child .remove-holiday")
        a.click("#add-holiday")
        a.type(".holiday:last-child .holiday-date", "01/01/2031")
        a.type(".holiday:last-child .holiday-name", "Confraternização Universal")
        a.click("#settings-form button[type=submit]")
        a.wait_text(".notices", "Configurações salvas")
        a.until(lambda: self.setup.call("settings.get")["holidays"]
                == [{"date": "2031-01-01", "name": "Confraternização Universal"}], "the holiday saved")
        a.shot("28-configuracoes-feriado")
        # The attendant's hours say which account holidays are days off (the date as typed, not a day early).
        a.open(f"#/atendentes/{self.attendant_id}")
        a.wait_text("#attendant-profile .holidays-note", "01/01/2031 Confraternização Universal")

    def offer_and_wrap_up_played(self):
        """On a daemon without offers and wrap-up, the page plays them: a real queued chat is offered by a replayed
        push, Aceitar takes it for real, and Encerrar closes it for real with a wrap-up added to the answer."""
        if self.features.get("offers"):
            raise Skip("covered by offer_accept_and_wrap_up against the daemon itself")
        d = self.desk
        d.click("#tab-fila")
        if d.all("#presence:checked"):
            d.click(".presence-switch .slider")
            d.wait_text("#presence-label", "Ausente")
        chat = self.bot.call("conversation.open", {
            "externalId": "wa-5571922221111-1", "contact": {"phone": "+5571922221111", "name": "Igor Melo"},
            "department": "suporte", "text": "Bom dia"})
        d.wait_text("#waiting-list", "Igor Melo")
        d.script("""
            window.atendePanel.answer({
                "conversation.accept": (params, call) => call("conversation.take", {id: params.id}),
                "conversation.close": async (params, call) => ({...(await call("conversation.close", params)),
                    wrapUpUntil: new Date(Date.now() + 90000).toISOString()}),
                "conversation.finishWrapUp": () => ({ok: true}),
            });
            const chat = arguments[0];
            window.atendePanel.rpc.emit("event", {type: "conversation.offered", conversation: {...chat,
                state: "offered", offeredAt: new Date().toISOString(),
                offerExpiresAt: new Date(Date.now() + 30000).toISOString()}});""", chat)
        try:
            d.click(f'#offers .offer[data-id="{chat["id"]}"] button.accept')
            d.wait_text("#chat-contact", "Igor Melo")
            d.wait_text("#my-chats", "Igor Melo")
            self.close_open_chat()
            d.expect("#wrap-up .countdown", lambda c: re.fullmatch(r"1 min( \d\d s)?|\d+ s", c.text),
                     "the wrap-up countdown, at most 1 min 30 s")
            d.shot("22-mesa-pos-atendimento")
            d.click("#finish-wrap-up")
            d.until(lambda: not d.all("#wrap-up") and not d.all("#chat-contact"), "the wrap-up finished")
            assert self.setup.call("conversation.get", {"id": chat["id"]})["state"] == "closed"
        finally:
            d.script("window.atendePanel.answer(null)")

    def board_moves_played(self):
        """On a daemon without conversation.list, the page plays it: a chat held by an attendant who is not online
        is listed, and Mover sends conversation.transfer to the department chosen."""
        if self.features.get("conversation.list"):
            raise Skip("covered by supervisor_moves_stranded_chat against the daemon itself")
        a = self.admin
        a.script("""
            window.movedWith = null;
            window.atendePanel.answer({
                "conversation.list": (params) => ({conversations: params.state !== "assigned" ? [] : [{
                    id: 7777, externalId: "x", contact: {phone: "+5511977778888", name: "Contato Parado"},
                    channel: "whatsapp", department: "suporte", state: "assigned", attendantId: 424242,
                    openedAt: new Date().toISOString(), assignedAt: new Date().toISOString()}]}),
                "conversation.transfer": (params) => { window.movedWith = params; return {id: params.id}; },
            });""")
        try:
            a.click_text(".side-menu a", "Supervisão")
            a.wait_text("#board-stranded", "Contato Parado")
            a.shot("24-supervisao-offline")
            a.click('#board-stranded tr[data-id="7777"] button')
            a.until(lambda: a.script("return window.movedWith") == {"id": 7777, "department": "suporte"},
                    "conversation.transfer {id, department}")
        finally:
            a.script("window.atendePanel.answer(null)")

    def admin_accounts(self):
        self.need("admin accounts")
        a = self.admin
        a.click_text(".side-menu a", "Administradores")
        if self.daemon_owned:  # the account this run made (a server at --url may log its admin in otherwise)
            a.wait_text("#admins-table", self.admin_login)
        a.wait("#admins-table")
        a.click("#add-admin")
        a.click_text("#admin-form button", "Cancelar")  # nothing typed: closes without a question
        a.until(lambda: not a.all("#admin-form"), "the empty form closed")
        a.click("#add-admin")
        a.type("#admin-form input[name=name]", "Bruno")
        a.type("#admin-form input[name=login]", ATTENDANT_LOGIN)  # taken by the attendant: 1009
        # The password rules are ticked as they are met, as in the attendant's form; a weak one is not sent.
        a.type("#admin-form input[name=password]", "senha")
        rules = {li.get_attribute("data-rule"): li.get_attribute("class")
                 for li in a.all("#admin-form .password-rules li")}
        assert rules == {"length": "missing", "digit": "missing", "upper": "missing", "lower": "ok"}, rules
        a.click("#admin-form button[type=submit]")
        # What the page can tell, at once: the surname missing and the weak password.
        a.wait_text('#admin-form [data-field="password"] .error', "A senha não cumpre as regras abaixo.")
        a.wait_text('#admin-form [data-field="name"] .error', "Informe nome e sobrenome.")
        # Cancelar with something typed asks first; dismissed, the form stays as it was.
        a.click_text("#admin-form button", "Cancelar")
        a.until(lambda: a.driver.switch_to.alert.dismiss() or True, "the question before dropping what was typed")
        assert a.value("#admin-form input[name=name]") == "Bruno"
        # So does "Editar" on a row, which would replace the form.
        a.click("#admins-table tbody tr button")
        a.until(lambda: a.driver.switch_to.alert.dismiss() or True, "the question before replacing the form")
        assert a.value("#admin-form input[name=name]") == "Bruno", "the typed form kept"
        a.type("#admin-form input[name=name]", "Bruno Supervisor")
        a.type("#admin-form input[name=password]", "Bruno1234")
        a.click("#admin-form button[type=submit]")
        a.wait_text('#admin-form [data-field="login"] .error', "Este login já está em uso.")
        a.type("#admin-form input[name=login]", "bruno@empresa.com.br")
        a.click("#admin-form button[type=submit]")
        a.wait_text("#admins-table", "bruno@empresa.com.br")
        a.until(lambda: a.script("return document.activeElement.closest('#admins-table tr') !== null"
                                 " && document.activeElement.closest('tr').textContent.includes('bruno@')"),
                "the focus on the new account's row")
        a.shot("23-administradores")
        # An account made elsewhere (atendectl admin add) shows on the open list without a reload (admin.changed).
        a.script("window.atendeNotReloaded = true")
        made = self.setup.call("admin.create", {"name": "Carla Gerente", "login": "carla@empresa.com.br",
                                                "password": "Carla1234"})
        a.wait_text("#admins-table", "carla@empresa.com.br")
        self.setup.call("admin.delete", {"id": made["id"]})
        a.until(lambda: "carla@empresa.com.br" not in a.find("#admins-table").text, "the deleted account gone")
        assert a.script("return window.atendeNotReloaded === true"), "the page was reloaded"

    def admin_screens_follow_settings(self):
        """Another admin's settings change (here over the Unix socket, as atendectl makes it) shows at once on the
        open Atendentes and Configurações screens, from settings.changed, with no reload; a field the admin is
        editing keeps what was typed (with a notice when the daemon's value under it changed), and Salvar sends it."""
        a = self.admin
        before = self.setup.call("settings.get")
        a.click_text(".side-menu a", "Atendentes")
        a.wait('#permissions input[name="attendantsCanRemovePotentials"]')
        a.script("window.atendeNotReloaded = true")
        name = "attendantsCanRemovePotentials"
        for value in (not before[name], before[name]):
            self.setup.call("settings.update", {name: value})
            a.expect(f'#permissions input[name="{name}"]', lambda switch: switch.is_selected() == value,
                     f"the switch {'on' if value else 'off'}, as the other admin left it")
        self.need("holidays")
        a.click_text(".side-menu a", "Configurações")
        a.type("#settings-form input[name=maxMissedOffers]", "7")  # being edited, not saved
        restrict = not before["restrictAccessToHours"]
        self.setup.call("settings.update", {"restrictAccessToHours": restrict, "maxMissedOffers": 9,
                                            "holidays": before["holidays"] + [{"date": "2031-04-21",
                                                                               "name": "Tiradentes"}]})
        a.expect('#settings-form input[name="restrictAccessToHours"]', lambda switch: switch.is_selected() == restrict,
                 "the hours switch as the other admin left it")
        a.until(lambda: [e.get_attribute("value") for e in a.all(".holiday-name")][-1:] == ["Tiradentes"],
                "the other admin's holiday listed")
        a.wait_text(".notices", "mudaram em outra sessão")
        # A warning looks like one: red (a stray line in the style sheet once dropped the rule).
        colour = a.script("const n = [...document.querySelectorAll('.notice.bad')].pop();"
                          "return n ? getComputedStyle(n).backgroundColor : null")
        assert colour == "rgb(192, 57, 43)", colour
        assert a.value("#settings-form input[name=maxMissedOffers]") == "7", "the edited field kept what was typed"
        assert a.script("return window.atendeNotReloaded === true"), "the page was reloaded"
        a.shot("29-configuracoes-ao-vivo")
        a.click("#settings-form button[type=submit]")
        a.until(lambda: self.setup.call("settings.get")["maxMissedOffers"] == 7, "the edited field saved")
        saved = self.setup.call("settings.get")
        assert saved["restrictAccessToHours"] == restrict, "Salvar sent the screen's older hours switch"
        assert [h["name"] for h in saved["holidays"]][-1:] == ["Tiradentes"], saved["holidays"]
        # Put back by the other admin: nothing is being edited now, so every field follows.
        self.setup.call("settings.update", {key: before[key] for key in
                                            ("restrictAccessToHours", "maxMissedOffers", "holidays")})
        a.expect("#settings-form input[name=maxMissedOffers]",
                 lambda i: i.get_attribute("value") == str(before["maxMissedOffers"]), "the saved field follows")
        a.expect('#settings-form input[name="restrictAccessToHours"]',
                 lambda switch: switch.is_selected() == before["restrictAccessToHours"], "the hours switch back")
        a.until(lambda: len(a.all(".holiday")) == len(before["holidays"]), "the holiday gone")
        assert a.script("return window.atendeNotReloaded === true"), "the page was reloaded"

    def transfer_to_colleague(self):
        """Transferir to a named colleague (by name where the daemon lists colleagues, else by number): the chat
        leaves this desk and reaches the colleague's connection."""
        colleague = self.setup.call("attendant.create", {
            "name": "Carlos Lima", "login": "carlos@empresa.com.br", "password": "Carlos1234",
            "departments": ["suporte"]})
        other = SocketClient(self.socket_path)
        try:
            d = self.desk
            d.click("#tab-fila")
            self.desk_online()
            chat = self.bot.call("conversation.open", {
                "externalId": "wa-5511922220003-1", "contact": {"phone": "+5511922220003", "name": "Davi Prado"},
                "department": "suporte", "text": "Quero falar com o Carlos"})
            d.click_text("#my-chats .chat-item", "Davi Prado")
            d.click("#transfer-open")
            picker = d.wait("#transfer-colleague")
            # Carlos logs in while the form is open: coming to choose reads who can take it again.
            if picker.tag_name == "select":
                from selenium.webdriver.support.ui import Select
                carlos = lambda: next(o for o in Select(d.find("#transfer-colleague")).options if "Carlos" in o.text)
                assert not carlos().is_enabled() and "Offline" in carlos().text, carlos().text
            other.call("auth.login", {"login": "carlos@empresa.com.br", "password": "Carlos1234"})
            other.call("presence.set", {"presence": "away"})  # nothing routed to Carlos by itself
            if picker.tag_name == "select":
                d.script("document.querySelector('#transfer-department').focus();"
                         " document.querySelector('#transfer-colleague').focus()")
                d.until(lambda: carlos().is_enabled() and "Ausente" in carlos().text, "Carlos ready to be chosen")
                others = [o.get_attribute("value") for o in Select(d.find("#transfer-department")).options
                          if o.get_attribute("value") != "suporte"]
                if others:
                    # Carlos serves only suporte: for another department he is not offered.
                    Select(d.find("#transfer-department")).select_by_value(others[0])
                    d.until(lambda: not any("Carlos" in o.text for o in Select(d.find("#transfer-colleague")).options),
                            f"Carlos not offered for {others[0]}")
                    Select(d.find("#transfer-department")).select_by_value("suporte")
                d.until(lambda: Select(d.find("#transfer-colleague")).select_by_visible_text(
                    next(o.text for o in Select(d.find("#transfer-colleague")).options if "Carlos" in o.text))
                    or True, "Carlos chosen by name")
            else:
                d.type("#transfer-colleague", str(colleague["id"]))
            d.shot("31-mesa-transferir-colega")
            d.click("#transfer-send")
            d.until(lambda: not d.all(f'#my-chats .chat-item[data-id="{chat["id"]}"]'), "the chat left this desk")
            event = other.event("conversation.assigned", lambda e: e["conversation"]["id"] == chat["id"])
            assert event["conversation"]["attendantId"] == colleague["id"], event
            # Carlos passes it back: the transcript here shows both transfers, by whom and to whom.
            other.call("conversation.transfer", {"id": chat["id"], "attendantId": self.attendant_id})
            item = f'#my-chats .chat-item[data-id="{chat["id"]}"]'
            d.wait(item)
            d.click(f"{item} .contact")
            d.wait_text("#messages", "Transferida por Carlos Lima para você")
            assert "Transferida por você para Carlos Lima" in d.find("#messages").text
            self.bot.call("conversation.close", {"id": chat["id"]})
        finally:
            other.close()
        self.colleague_id = colleague["id"]

    def admin_deletes_attendant(self):
        """"Excluir atendente" (after the confirmation) removes the colleague; the list drops it."""
        self.need("attendant.delete")
        a = self.admin
        a.open(f"#/atendentes/{self.colleague_id}")
        a.wait_text("#attendant-profile h1", "Carlos Lima")
        a.click_text("#attendant-profile button", "Excluir atendente")
        a.until(lambda: a.driver.switch_to.alert.accept() or True, "the confirmation accepted")
        a.wait_text(".notices", "Atendente excluído")
        a.until(lambda: not a.all(f'#attendants-table tr[data-id="{self.colleague_id}"]') and a.all(
            "#attendants-table"), "Carlos off the list")
        try:
            self.setup.call("attendant.get", {"id": self.colleague_id})
            raise AssertionError("the deleted attendant is still there")
        except RpcFailure as failure:
            assert failure.code == 1004, failure

    def board_shows_overflow_origin(self):
        """A chat that overflowed from a department nobody serves shows on the board in its new queue, saying where
        it came from."""
        self.need("conversation.list")
        # Neither is served, so the chat waits in both: it overflows after 10 s and stays on the list.
        self.setup.call("department.create", {"id": "destino", "name": "Destino"})
        self.setup.call("department.create", {"id": "transbordo", "name": "Transbordo",
                                              "overflow": {"after": 10, "department": "destino"}})
        chat = self.bot.call("conversation.open", {
            "externalId": "wa-5511933330001-1", "contact": {"phone": "+5511933330001", "name": "Nina Transbordo"},
            "department": "transbordo", "text": "Olá"})
        a = self.admin
        a.click_text(".side-menu a", "Supervisão")
        row = f'#board-waiting tr[data-id="{chat["id"]}"]'
        a.wait_text(row, "Nina Transbordo")
        a.until(lambda: self.setup.call("conversation.get", {"id": chat["id"]}).get("overflowedFrom") == "transbordo",
                "the chat overflowed after 10 s")
        a.wait_text(f"{row} .overflowed", "(veio de Transbordo)")
        self.bot.call("conversation.close", {"id": chat["id"]})

    def board_sets_priority(self):
        """The board lists the waiting chats; a priority chosen there is set on the chat (conversation.setPriority)
        and reorders the list."""
        self.need("conversation.list")
        d = self.desk
        if d.all("#presence:checked"):
            d.click(".presence-switch .slider")
            d.wait_text("#presence-label", "Ausente")
        first = self.bot.call("conversation.open", {
            "externalId": "wa-5511911110001-1", "contact": {"phone": "+5511911110001", "name": "Primeiro Cliente"},
            "department": "suporte", "text": "1"})
        second = self.bot.call("conversation.open", {
            "externalId": "wa-5511911110002-1", "contact": {"phone": "+5511911110002", "name": "Segundo Cliente"},
            "department": "suporte", "text": "2"})
        a = self.admin
        a.click_text(".side-menu a", "Supervisão")
        a.expect("#board-waiting tbody", lambda body: body.text.index("Primeiro") < body.text.index("Segundo"),
                 "both waiting, in arrival order")
        from selenium.webdriver.support.ui import Select
        # A push while a priority picker has the focus (and no touch holds the list): the list is drawn again around
        # the very same picker element, so a dropdown open on it stays open; its row's other cells are new.
        picker = f"#board-waiting tr[data-id=\"{first['id']}\"] select.priority"
        a.script(f"const p = document.querySelector('{picker}'); p.focus(); p.keptForTest = true;"
                 f"p.closest('tr').cells[2].keptForTest = true;")
        third = self.bot.call("conversation.open", {
            "externalId": "wa-5511911110003-1", "contact": {"phone": "+5511911110003", "name": "Terceiro Cliente"},
            "department": "suporte", "text": "3"})
        a.wait_text("#board-waiting tbody", "Terceiro Cliente")
        assert a.script(f"return document.activeElement === document.querySelector('{picker}')"), \
            "the picker lost its focus"
        assert a.script("return document.activeElement.keptForTest === true"), "the picker was replaced"
        assert a.script(f"return !document.querySelector('{picker}').closest('tr').cells[2].keptForTest"), \
            "the row's wait cell was not drawn again"
        a.expect("#board-waiting tbody", lambda body: body.text.index("Primeiro") < body.text.index("Segundo")
                 < body.text.index("Terceiro"), "the rows in queue order around the kept picker")
        a.script("document.activeElement.blur()")
        self.bot.call("conversation.close", {"id": third["id"]})
        Select(a.find(f'#board-waiting tr[data-id="{second["id"]}"] select.priority')).select_by_value("5")
        a.until(lambda: self.setup.call("conversation.get", {"id": second["id"]})["priority"] == 5,
                "the priority set on the chat")
        a.expect("#board-waiting tbody", lambda body: body.text.index("Segundo") < body.text.index("Primeiro"),
                 "the prioritised chat first")
        a.shot("30-supervisao-fila")
        a.click(".screen-head h1")  # done choosing: the list follows the pushes again at once
        for chat in (first, second):
            self.bot.call("conversation.close", {"id": chat["id"]})
        a.until(lambda: not a.all(f'#board-waiting tr[data-id="{first["id"]}"]'), "the closed chats gone")

    def board_hands_off_waiting_chat(self):
        """A chat waiting past its department's target is counted on the board and its wait marked; one waiting in
        a department with a longer target is not. The supervisor hands the late one straight to an attendant on a
        break (conversation.transfer); a push while the destination is chosen does not lose the choice."""
        self.need("conversation.list")
        d = self.desk
        if d.all("#presence:checked"):
            d.click(".presence-switch .slider")
            d.wait_text("#presence-label", "Ausente")
        before = next(x for x in self.setup.call("department.list")["departments"] if x["id"] == "suporte")
        self.setup.call("department.update", {"id": "suporte", "serviceLevel": 1})
        try:
            chat = self.bot.call("conversation.open", {
                "externalId": "wa-5511922220001-1", "contact": {"phone": "+5511922220001", "name": "Rita Campos"},
                "department": "suporte", "text": "Estou esperando."})
            assert chat["state"] == "queued", chat
            a = self.admin
            a.click_text(".side-menu a", "Supervisão")
            row = f'#board-waiting tr[data-id="{chat["id"]}"]'
            a.wait_text(row, "Rita Campos")
            a.expect('#board-departments .tile[data-id="suporte"] .overdue', lambda e: e.text == "1"
                     and "late" in e.get_attribute("class"), "one chat waiting past the 1 s target")
            a.wait_text('#board-departments .tile[data-id="suporte"]', "Esperando há mais de 1 s")
            a.wait(f"{row} .since.late")
            a.until(lambda: a.find(f"{row} .visually-hidden").get_attribute("hidden") is None,
                    "the late wait said in words too (for a screen reader)")
            a.shot("31-supervisao-alem-da-meta")
            from selenium.webdriver.support.ui import Select
            assert not a.find(f"{row} .hand-off + button").is_enabled(), "nothing to send before a choice"
            # The destinations are read as the picker opens (the attendants as they are then).
            a.click(f"{row} select.hand-off")
            a.until(lambda: f"a:{self.attendant_id}" in [o.get_attribute("value")
                                                          for o in a.all(f"{row} select.hand-off option")],
                    "the attendant on a break offered once the picker opens")
            Select(a.find(f"{row} select.hand-off")).select_by_value(f"a:{self.attendant_id}")
            a.script(f"window.sendButton = document.querySelector('{row} .hand-off + button')")
            # A push while the destination is chosen: a chat in a department with a 1 min target.
            other = self.bot.call("conversation.open", {
                "externalId": "wa-5511922220002-1", "contact": {"phone": "+5511922220002", "name": "Davi Moura"},
                "department": "vendas", "text": "Olá."})
            other_row = f'#board-waiting tr[data-id="{other["id"]}"]'
            a.until(lambda: a.script("return document.getElementById('board-waiting').dataset.deferred === 'true'"),
                    "the list held while a destination is chosen")
            assert not a.all(other_row), "not drawn under the supervisor's choice"
            assert a.find("#board-waiting-paused").is_displayed(), "the list says it waits for the choice"
            assert a.script("return window.sendButton.isConnected"), "the button is the one the supervisor saw"
            assert a.find(f"{row} select.hand-off").get_attribute("value") == f"a:{self.attendant_id}", \
                "the choice kept through the push"
            a.click(f"{row} .hand-off + button")
            a.until(lambda: self.setup.call("conversation.get", {"id": chat["id"]}).get("attendantId")
                    == self.attendant_id, "the chat handed to the attendant")
            a.until(lambda: not a.all(row), "the chat off the waiting list")
            a.wait_text("#notices", f"Conversa encaminhada para {ATTENDANT_NAME}.")
            a.expect('#board-departments .tile[data-id="suporte"] .overdue', lambda e: e.text == "0",
                     "nobody waiting past the target any more")
            a.wait_text(other_row, "Davi Moura")
            a.until(lambda: a.script("return document.activeElement.closest('#board-waiting tr') !== null"),
                    "the keyboard on the row now in the handed-off chat's place")
            assert not a.all(f"{other_row} .since.late"), "a wait under its department's 1 min target is not marked"
            assert a.find(f"{other_row} .visually-hidden").get_attribute("hidden") is not None
            a.expect('#board-departments .tile[data-id="vendas"] .overdue', lambda e: e.text == "0"
                     and "late" not in e.get_attribute("class"), "nothing past the 1 min target")
            d.wait_text("#my-chats", "Rita Campos")
            if self.daemon_owned:
                # The transcript names the admin account that handed it over.
                d.click_text("#my-chats .chat-item", "Rita Campos")
                d.wait_text("#messages", "Transferida por Ana Administradora para você")
            # A picker opened and left without a choice: once the focus leaves it, a new chat shows up.
            a.click(f"{other_row} select.hand-off")
            a.click(".screen-head h1")
            third = self.bot.call("conversation.open", {
                "externalId": "wa-5511922220033-1", "contact": {"phone": "+5511922220033", "name": "Caio Nunes"},
                "department": "vendas", "text": "Bom dia."})
            third_row = f'#board-waiting tr[data-id="{third["id"]}"]'
            a.wait_text(third_row, "Caio Nunes")
            # Chosen, then taken by the attendant before the supervisor sends it: nothing moves.
            a.click(f"{third_row} select.hand-off")
            Select(a.find(f"{third_row} select.hand-off")).select_by_value("d:suporte")
            taken = self.setup.call("conversation.transfer", {"id": third["id"], "attendantId": self.attendant_id})
            assert taken["state"] == "assigned", taken
            a.until(lambda: a.script("return document.getElementById('board-waiting').dataset.deferred === 'true'"),
                    "the list read again after the chat was taken, its redraw held")
            a.click(f"{third_row} .hand-off + button")
            a.wait_text("#notices", "Caio Nunes não está mais aguardando: nada foi encaminhado.")
            after = self.setup.call("conversation.get", {"id": third["id"]})
            assert after["attendantId"] == self.attendant_id and after["department"] == "vendas", after
            a.until(lambda: not a.all(third_row), "the taken chat off the waiting list")
            for closing in (chat, other, third):
                self.bot.call("conversation.close", {"id": closing["id"]})
            d.until(lambda: "Rita Campos" not in d.find("#my-chats").text, "the closed chat gone from the desk")
        finally:
            self.setup.call("department.update", {"id": "suporte", "serviceLevel": before.get("serviceLevel", 60)})

    def supervisor_moves_stranded_chat(self):
        """A chat whose attendant went offline is listed on the board and moved back to its queue."""
        self.need("conversation.list")
        chat = self.bot.call("conversation.open", {
            "externalId": "wa-5551944443333-1", "contact": {"phone": "+5551944443333", "name": "Lucas Rocha"},
            "department": "suporte", "text": "Alguém aí?"})
        d = self.desk
        self.desk_online()
        d.wait_text("#my-chats", "Lucas Rocha")
        # Sair with a chat open asks first: dismissed, the desk stays; accepted, the attendant leaves.
        d.click("#logout")
        alert = d.until(lambda: d.driver.switch_to.alert, "a question before leaving with a chat open")
        assert alert.text.startswith("A conversa aberta fica com você"), alert.text
        alert.dismiss()
        d.wait_text("#my-chats", "Lucas Rocha")
        d.click("#logout")
        d.until(lambda: d.driver.switch_to.alert, "the question again").accept()
        d.wait("#login-form")
        a = self.admin
        a.click_text(".side-menu a", "Supervisão")
        a.wait_text("#board-stranded", "Lucas Rocha")
        a.shot("24-supervisao-offline")
        # A double click moves it once (the button waits for the first move).
        from selenium.webdriver.common.action_chains import ActionChains
        ActionChains(a.driver).double_click(a.find(f'#board-stranded tr[data-id="{chat["id"]}"] button')).perform()
        a.until(lambda: self.setup.call("conversation.get", {"id": chat["id"]})["state"] == "queued",
                "the chat back in the queue")
        time.sleep(0.5)  # a second move would have been answered by now
        moved = a.script("return [...document.querySelectorAll('.notices .notice')]"
                         ".filter((n) => n.textContent.startsWith('Conversa encaminhada')).length")
        assert moved == 1, f"{moved} moves said"
        a.until(lambda: not a.all(f'#board-stranded tr[data-id="{chat["id"]}"]'), "the moved chat off the list")

    def reconnect_resumes(self):
        """The socket drops: the banner shows, the client reconnects, the session resumes (cookie) and pushes flow
        to the desk again."""
        if not self.session_resume:
            raise Skip("the server at --url resumes no session (see --resumes)")
        d = self.desk
        self.desk_online()
        d.script("window.atendePanel.rpc.socket.close()")
        d.until(lambda: d.find("#connection").is_displayed() or d.script("return window.atendePanel.rpc.connected"),
                "the drop noticed")
        d.until(lambda: d.script("return window.atendePanel.rpc.connected") and not d.find("#connection")
                .is_displayed(), "reconnected, banner gone")
        d.wait_text("#me", ATTENDANT_NAME)
        chat = self.bot.call("conversation.open", {
            "externalId": "wa-5561933332222-1", "contact": {"phone": "+5561933332222", "name": "Sofia Nunes"},
            "department": "suporte", "text": "Voltei."})
        d.wait_text("#my-chats", "Sofia Nunes")
        # A message that arrives while the socket is down shows once it is back: the open chat is read again.
        d.click_text("#my-chats .chat-item", "Sofia Nunes")
        d.wait_text("#messages", "Voltei.")
        d.script("window.atendePanel.rpc.stop()")
        d.until(lambda: not d.script("return window.atendePanel.rpc.connected"), "the socket down")
        self.bot.call("conversation.message", {"id": chat["id"], "text": "Chegou com a conexão caída."})
        time.sleep(0.3)
        assert "Chegou com a conexão caída." not in d.find("#messages").text, "no push while down"
        d.script("window.atendePanel.rpc.start()")
        d.wait_text("#messages", "Chegou com a conexão caída.")
        self.bot.call("conversation.close", {"id": chat["id"]})
        d.until(lambda: "Sofia Nunes" not in d.find("#my-chats").text, "the closed chat gone")

    def zone_change_reaches_open_desk(self):
        """The operator changes `timezone` and reloads: the open desk hears it (system.changed) and shows the new
        zone at once, without a reload of the page or a reconnect."""
        if not self.daemon:
            raise Skip("the server at --url is not this runner's to reload")
        d = self.desk
        d.wait_text("#zone-note", "Horários de Manaus (GMT-4)")
        d.script("window.atendePanel.rpc.socket.zoneStep = true")  # gone if the page had to reconnect
        try:
            self.daemon.reload_with_timezone("America/Sao_Paulo")
            d.wait_text("#zone-note", "Horários de São Paulo (GMT-3)")
            assert json.loads(d.module_call("clock.js", "m.timeZone()")) == "America/Sao_Paulo"
        finally:
            self.daemon.reload_with_timezone("America/Manaus")
        d.wait_text("#zone-note", "Horários de Manaus (GMT-4)")
        assert d.script("return window.atendePanel.rpc.socket.zoneStep === true"), "the page reconnected"

    def reload_keeps_session(self):
        if not self.session_resume:
            raise Skip("the server at --url resumes no session (see --resumes)")
        d = self.desk
        # A chat whose message came in just before the reload is marked unread after it (not answered yet).
        chat = self.bot.call("conversation.open", {
            "externalId": "wa-5511922220099-1", "contact": {"phone": "+5511922220099", "name": "Rita Lopes"},
            "department": "suporte", "text": "Alguém aí?"})
        d.driver.refresh()
        d.wait_text("#me", ATTENDANT_NAME)
        assert chat["state"] == "assigned" and chat.get("attendantId") == self.attendant_id, chat
        d.wait(f'#my-chats .chat-item.unread[data-id="{chat["id"]}"]')
        self.bot.call("conversation.close", {"id": chat["id"]})
        self.admin.driver.refresh()
        self.admin.wait(".side-menu")
        # A reload is no new start of work: an attendant who set Ausente stays so (no chat routed meanwhile).
        if not d.all("#presence:not(:checked)"):
            d.click(".presence-switch .slider")
        d.wait_text("#presence-label", "Ausente")
        d.until(lambda: self.setup.call("attendant.get", {"id": self.attendant_id})["presence"] == "away",
                "the daemon has her away")
        d.driver.refresh()
        d.wait_text("#me", ATTENDANT_NAME)
        d.wait_text("#presence-label", "Ausente")
        assert self.setup.call("attendant.get", {"id": self.attendant_id})["presence"] == "away", "a reload kept away"
        d.click(".presence-switch .slider")
        d.wait_text("#presence-label", "Online")
        # The chat that was open, and what was being typed in it, come back after a reload of the tab.
        kept = self.bot.call("conversation.open", {
            "externalId": "wa-5511922220098-1", "contact": {"phone": "+5511922220098", "name": "Caio Nunes"},
            "department": "suporte", "text": "Preciso de ajuda."})
        d.click(f'#my-chats .chat-item[data-id="{kept["id"]}"] .contact')
        d.wait_text("#chat-contact", "Caio Nunes")
        d.type("#reply-text", "Caio, estou verificando")
        d.driver.refresh()
        d.wait_text("#me", ATTENDANT_NAME)
        d.wait_text("#chat-contact", "Caio Nunes")
        d.until(lambda: d.value("#reply-text") == "Caio, estou verificando", "the draft back in its chat")
        self.bot.call("conversation.close", {"id": kept["id"]})
        d.until(lambda: not d.all(f'#my-chats .chat-item[data-id="{kept["id"]}"]'), "the closed chat gone")

    def profile_shows_a_locked_login(self):
        """Five wrong passwords lock an attendant's login: the profile says until when, and Desbloquear ends it.
        Before that, the profile shows no Desbloquear."""
        self.need("attendant.delete")  # the same v2 supervision methods: attendant.delete and attendant.unlock
        a = self.admin
        a.open(f"#/atendentes/{self.attendant_id}")
        a.wait("#attendant-profile")
        a.until(lambda: a.all("#unlock-login") and not a.find("#unlock-login").is_displayed()
                or not a.all("#unlock-login"), "no Desbloquear on a login that is not locked")
        a.open("#/atendentes")
        other = SocketClient(self.socket_path)
        try:
            for _ in range(5):
                try:
                    other.call("auth.login", {"login": ATTENDANT_LOGIN, "password": "Errada123"})
                except RpcFailure:
                    pass
        finally:
            other.close()
        a.open(f"#/atendentes/{self.attendant_id}")
        a.wait_text("#attendant-profile .badge.locked", "Login bloqueado até")
        a.until(lambda: a.find("#attendant-profile .profile-summary #unlock-login").is_displayed(),
                "Desbloquear shown beside the lock, at the top of the profile")
        a.shot("34-login-bloqueado")
        # A push about the attendant draws the summary again: the keyboard stays on Desbloquear.
        a.script("document.getElementById('unlock-login').focus();"
                 " document.querySelector('.profile-summary .badge').dataset.before = 'yes'")
        name = self.setup.call("attendant.get", {"id": self.attendant_id})["name"]
        self.setup.call("attendant.update", {"id": self.attendant_id, "name": name})  # changes nothing but pushes
        a.until(lambda: a.script("return !document.querySelector('.profile-summary .badge').dataset.before"),
                "the summary drawn again for the push")
        assert a.script("return document.activeElement.id") == "unlock-login", "the focus kept on Desbloquear"
        # The phone is described by its hint, the DDD warning and its error, as every other field.
        described = a.find("#attendant-profile input[name=phone]").get_attribute("aria-describedby").split()
        assert "phone-problem" in described and len(described) == 3, described
        a.click("#unlock-login")
        a.wait_text(".notices", "Login desbloqueado")
        a.until(lambda: not a.all("#attendant-profile .badge.locked"), "the lock badge gone")
        assert "lockedUntil" not in self.setup.call("attendant.get", {"id": self.attendant_id})

    def number_fields_refuse_bad_input(self):
        """A number field left empty or holding what is not a number is refused next to it, never read as 0 or off."""
        self.need("holidays")
        a = self.admin
        before = self.setup.call("settings.get")
        a.click_text(".side-menu a", "Configurações")
        a.type("#settings-form input[name=maxMissedOffers]", "")
        a.click("#settings-form button[type=submit]")
        a.wait_text('#settings-form [data-field="maxMissedOffers"] .error', "Informe um número inteiro (0 = nunca)")
        assert self.setup.call("settings.get")["maxMissedOffers"] == before["maxMissedOffers"], "nothing saved"
        a.type("#settings-form input[name=maxMissedOffers]", str(before["maxMissedOffers"]))
        was = next(d for d in self.setup.call("department.list")["departments"] if d["id"] == "suporte")
        a.click_text(".side-menu a", "Departamentos")
        a.click('#departments-table tr[data-id="suporte"] button')
        a.type("#department-form input[name=waitAlert]", "9-")
        a.click("#department-form button[type=submit]")
        a.wait_text('#department-form [data-field="waitAlert"] .error', "Digite só números (segundos)")
        a.shot("33-numero-invalido")
        now = next(d for d in self.setup.call("department.list")["departments"] if d["id"] == "suporte")
        assert now == was, (was, now)  # the typo turned nothing on or off
        a.click_text("#department-form button", "Cancelar")
        a.accept_alert_if_any()

    def admin_deactivates_attendant(self):
        """"Ativo" off in the profile ends the attendant's session at once (session.ended); on again, it logs in."""
        d = self.desk
        if d.all("#login-form"):
            d.login(ATTENDANT_LOGIN, ATTENDANT_PASSWORD)
        d.wait_text("#me", ATTENDANT_NAME)
        a = self.admin
        a.open(f"#/atendentes/{self.attendant_id}")
        a.wait("#attendant-profile")
        a.click('#attendant-profile [data-field="active"] .slider')
        a.click("#save")
        a.wait_text(".notices", "Atendente salvo")
        d.wait_text("#login-form .warning", "Seu acesso foi desativado")
        d.shot("32-acesso-desativado")
        # Logging in again while deactivated says why, in words for the attendant (not "Sem permissão"); the page
        # has a socket again at once (the daemon closed the old one).
        d.until(lambda: d.script("return window.atendePanel.rpc.connected"), "a new socket")
        d.type("#login-form input[name=login]", ATTENDANT_LOGIN)
        d.type("#login-form input[name=password]", ATTENDANT_PASSWORD)
        d.click("#login-form button[type=submit]")
        d.wait_text("#login-form", "Seu acesso está desativado; fale com o administrador.")
        a.click_text(".side-menu a", "Atendentes")
        a.expect(f'#attendants-table tr[data-id="{self.attendant_id}"] .active', lambda c: c.text == "Não",
                 "Ativo: Não in the list")
        a.click(f'#attendants-table tr[data-id="{self.attendant_id}"]')
        a.click('#attendant-profile [data-field="active"] .slider')
        a.click("#save")
        a.wait_text(".notices", "Atendente salvo")
        assert self.setup.call("attendant.get", {"id": self.attendant_id})["active"] is True

    def logout(self):
        """Sair ends the session: the login form, and after a reload still the login form."""
        d = self.desk
        d.open()
        d.until(lambda: d.all("#login-form") or d.all("#me"), "the login form or the desk")
        if d.all("#login-form"):
            d.type("#login-form input[name=login]", ATTENDANT_LOGIN)
            d.type("#login-form input[name=password]", ATTENDANT_PASSWORD)
            d.click("#login-form button[type=submit]")
        d.wait_text("#me", ATTENDANT_NAME)
        # A second window of the same browser leaves with the first: nobody stays present in a forgotten window.
        first = d.driver.current_window_handle
        d.driver.switch_to.new_window("tab")
        try:
            d.open()
            d.wait_text("#me", ATTENDANT_NAME)
            d.driver.switch_to.window(first)
            d.click("#logout")
            d.accept_alert_if_any()  # chats still open from the steps before
            d.wait("#login-form")
            if self.session_resume:
                d.driver.switch_to.window([w for w in d.driver.window_handles if w != first][0])
                d.wait_text("#login-form .warning", "Você saiu do painel em outra janela.")
        finally:
            d.close_other_windows(first)
        if self.session_resume:
            # The session ended with the logout: a reload asks for the password again.
            d.driver.refresh()
            d.wait("#login-form")
            d.until(lambda: not d.all("#me"), "no desk after the reload")
        if self.admin.all("#attendants-table"):
            self.admin.wait_text(f'#attendants-table tr[data-id="{self.attendant_id}"] .presence', "Offline")

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--atended", default=os.path.join(ROOT, ".build", "debug", "atended"))
    parser.add_argument("--url", help="use a server already running at this URL (development)")
    parser.add_argument("--socket", help="its Unix socket (with --url)")
    parser.add_argument("--admin", default=f"{ADMIN_LOGIN}:{ADMIN_PASSWORD}", help="LOGIN:PASSWORD (with --url)")
    parser.add_argument("--resumes", action="store_true",
                        help="the server at --url resumes sessions from a cookie (as atended does)")
    parser.add_argument("--only", help="comma-separated steps to run (with the steps they need; development)")
    parser.add_argument("--screenshots", default=os.path.join(ROOT, ".build", "panel-screenshots"))
    options = parser.parse_args()

    print("panel browser tests (chromium + chromium-driver)", flush=True)
    missing = browser_tools()
    if missing:
        print(f"panel: missing {', '.join(missing)}: run `make panel-deps` (apt-get install chromium "
              "chromium-driver python3-selenium)")
        print("panel: 0 passed, 1 failed, 0 skipped")
        return 2

    daemon = None
    if options.url:
        base_url, socket_path, resume = options.url.rstrip("/"), options.socket, options.resumes
    else:
        daemon = Daemon(options.atended)
        try:
            daemon.start()
        except Skip as reason:
            print(f"panel: SKIPPED: {reason}")
            print("panel: 0 passed, 0 failed, 1 skipped")
            daemon.stop()
            return 0
        base_url, socket_path, resume = daemon.url, daemon.socket_path, True

    suite = Suite(base_url, socket_path, options.screenshots, options.admin.split(":", 1), resume, daemon is not None)
    suite.daemon = daemon
    try:
        suite.start()
        steps = [
            ("first_admin", [], suite.first_admin),
            ("formatters", [], suite.formatters),
            ("login_refused", ["first_admin"], suite.login_refused),
            ("login_throttled", ["first_admin"], suite.login_throttled),
            ("admin_logs_in", ["first_admin"], suite.admin_logs_in),
            ("admin_creates_department", ["admin_logs_in"], suite.admin_creates_department),
            ("admin_sets_permissions", ["admin_logs_in"], suite.admin_sets_permissions),
            ("admin_creates_attendant", ["admin_creates_department", "admin_sets_permissions"],
             suite.admin_creates_attendant),
            ("admin_list_shows_attendant", ["admin_creates_attendant"], suite.admin_list_shows_attendant),
            ("attendant_logs_in", ["admin_list_shows_attendant"], suite.attendant_logs_in),
            ("bot_opens_chat_and_attendant_replies", ["attendant_logs_in"],
             suite.bot_opens_chat_and_attendant_replies),
            ("bot_closes_and_rates", ["bot_opens_chat_and_attendant_replies"], suite.bot_closes_and_rates),
            ("attendant_takes_from_queue", ["attendant_logs_in"], suite.attendant_takes_from_queue),
            ("keyboard_and_screen_reader", ["attendant_logs_in"], suite.keyboard_and_screen_reader),
            ("attendant_potentials_and_agenda", ["attendant_logs_in", "admin_sets_permissions"],
             suite.attendant_potentials_and_agenda),
            ("offer_accept_and_wrap_up", ["attendant_logs_in"], suite.offer_accept_and_wrap_up),
            ("wrap_up_survives_reload", ["offer_accept_and_wrap_up"], suite.wrap_up_survives_reload),
            ("read_in_one_tab_reads_in_all", ["attendant_logs_in"], suite.read_in_one_tab_reads_in_all),
            ("reply_countdown", ["attendant_logs_in"], suite.reply_countdown),
            ("reply_timeout_keeps_draft", ["attendant_logs_in"], suite.reply_timeout_keeps_draft),
            ("second_device_agrees", ["offer_accept_and_wrap_up", "reply_countdown"], suite.second_device_agrees),
            ("offer_card_from_push", ["attendant_logs_in"], suite.offer_card_from_push),
            ("offer_and_wrap_up_played", ["attendant_logs_in"], suite.offer_and_wrap_up_played),
            ("supervisor_board", ["admin_logs_in"], suite.supervisor_board),
            ("board_routes_potential", ["admin_creates_department"], suite.board_routes_potential),
            ("board_moves_played", ["admin_logs_in"], suite.board_moves_played),
            ("lists_fit_narrow_screens", ["admin_creates_attendant"], suite.lists_fit_narrow_screens),
            ("profile_fits_a_phone", ["admin_creates_attendant"], suite.profile_fits_a_phone),
            ("desk_fits_a_phone", ["attendant_logs_in"], suite.desk_fits_a_phone),
            ("photo_checked_before_sending", ["admin_creates_attendant"], suite.photo_checked_before_sending),
            ("hours_exceptions_and_holidays", ["admin_creates_attendant"], suite.hours_exceptions_and_holidays),
            ("hours_new_interval_saves", ["admin_logs_in"], suite.hours_new_interval_saves),
            ("profile_warns_unsaved_changes", ["admin_logs_in"], suite.profile_warns_unsaved_changes),
            ("profile_shows_every_error", ["admin_logs_in"], suite.profile_shows_every_error),
            ("create_form_warns_unsaved_changes", ["admin_logs_in"], suite.create_form_warns_unsaved_changes),
            ("admin_accounts", ["admin_creates_attendant"], suite.admin_accounts),
            ("admin_screens_follow_settings", ["admin_logs_in"], suite.admin_screens_follow_settings),
            ("reconnect_resumes", ["attendant_logs_in"], suite.reconnect_resumes),
            ("zone_change_reaches_open_desk", ["attendant_logs_in"], suite.zone_change_reaches_open_desk),
            ("reload_keeps_session", ["attendant_logs_in"], suite.reload_keeps_session),
            ("number_fields_refuse_bad_input", ["admin_creates_department"], suite.number_fields_refuse_bad_input),
            ("profile_shows_a_locked_login", ["admin_creates_attendant"], suite.profile_shows_a_locked_login),
            ("transfer_to_colleague", ["attendant_logs_in"], suite.transfer_to_colleague),
            ("admin_deletes_attendant", ["transfer_to_colleague"], suite.admin_deletes_attendant),
            ("board_sets_priority", ["attendant_logs_in"], suite.board_sets_priority),
            ("board_shows_overflow_origin", ["attendant_logs_in"], suite.board_shows_overflow_origin),
            ("board_hands_off_waiting_chat", ["attendant_logs_in", "offer_accept_and_wrap_up"],
             suite.board_hands_off_waiting_chat),
            ("supervisor_moves_stranded_chat", ["attendant_logs_in"], suite.supervisor_moves_stranded_chat),
            ("admin_deactivates_attendant", ["attendant_logs_in"], suite.admin_deactivates_attendant),
            ("logout", ["attendant_logs_in"], suite.logout),
        ]
        if options.only:
            wanted = set(options.only.split(","))
            needed = {name: needs for name, needs, _ in steps}
            while True:
                more = wanted | {need for name in wanted for need in needed.get(name, [])}
                if more == wanted:
                    break
                wanted = more
            steps = [entry for entry in steps if entry[0] in wanted]
        for name, needs, step in steps:
            suite.run(name, needs, step)
    except Exception as error:  # noqa: BLE001 - the set-up itself failed
        traceback.print_exc()
        suite.results.append(("setup", "failed", str(error)))
    finally:
        suite.stop()
        if daemon:
            if any(status == "failed" for _, status, _ in suite.results):
                print("---- atended log ----")
                print(open(daemon.log_path).read()[-4000:])
            daemon.stop()

    counts = {status: sum(1 for _, s, _ in suite.results if s == status) for status in ("passed", "failed", "skipped")}
    print(f"screenshots: {options.screenshots}")
    print(f"panel: {counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
