// app.js: the panel's entry point. Opens the WebSocket, finds out who this page is (a reload resumes the login
// through the session cookie the server set, so nothing secret is kept here), and shows the login screen, the
// admin area or the attendant desk. When the socket comes back after a drop the current screen reads its
// snapshot again, since pushes sent meanwhile are lost. Each connection also reads the daemon's clock and time zone.

import { RpcClient } from "./rpc-client.js";
import { fill } from "./dom.js";
import { loginView } from "./login.js";
import { adminArea } from "./admin.js";
import { deskView } from "./desk.js";
import { adopt as adoptClock, sync as syncClock, zoneNote } from "./clock.js";

const rpc = new RpcClient();
const app = document.getElementById("app");
const banner = document.getElementById("connection");
let screen = null;      // the current screen: {stop(), resync()?}
let identity = null;    // {role, attendant?}

// Not a secret: the attendant record the login returned, kept for the tab's life so a reload can draw the desk
// (name, id, departments) before the server is asked again.
const remembered = "atende.identity";

let bannerTimer = null;

rpc.on("open", async () => {
    clearTimeout(bannerTimer);
    bannerTimer = null;
    banner.hidden = true;
    // The daemon's clock and zone (clock.js) are read at each connection, before any screen draws a time.
    const [who] = await Promise.all([probe(), syncClock(rpc)]);
    if (screen && identity && who && who.role === identity.role) {
        // The same page after a drop: the cookie resumed the session on the new socket.
        if (screen.resync) screen.resync();
        return;
    }
    if (screen && !identity && !who) return;  // the login screen is already up
    show(who, identity && !who ? "Sua sessão terminou. Entre novamente." : undefined);
});

rpc.on("close", () => {
    // The first retry comes after a second: a drop that heals by itself (the daemon ending a session, a restart)
    // does not flash the banner. Counted from the first drop: each failed retry closes again, and must not put
    // the banner off.
    if (bannerTimer === null) bannerTimer = setTimeout(() => { banner.hidden = false; }, 2500);
});

rpc.on("event", (event) => {
    if (event.type === "system.changed") {
        // The daemon's zone changed with a reload: the screen draws its times again in the new one.
        const now = Date.now();
        adoptClock(event, now, now);
        const note = document.getElementById("zone-note");
        if (note) note.textContent = zoneNote();
        if (screen && screen.resync) screen.resync();
        return;
    }
    if (event.type === "session.ended") {
        const why = { deactivated: "Seu acesso foi desativado.", deleted: "Seu acesso foi removido.",
            "password-changed": "Sua senha foi alterada. Entre com a nova senha.",
            logout: "Você saiu do painel em outra janela." }[event.reason] || "Sua sessão terminou.";
        forget();
        show(null, why);
        // The daemon closes this socket after the event: a new one now, so the login form works at once rather
        // than answering "Sem conexão" until the retry.
        rpc.reconnect();
    }
});

/**
 * Who this connection is, without credentials: `auth.session` answers {role, attendant | admin}, role null when
 * nobody is logged in on this socket (no session cookie, or it ended).
 */
async function probe() {
    try {
        const session = await rpc.call("auth.session", {});
        if (session.role === "attendant") return { role: "attendant", attendant: session.attendant };
        if (session.role === "admin") return { role: "admin", admin: session.admin };
        return null;
    } catch (error) {
        if (error.code !== -32601) return null;
    }
    return probeByRole();
}

/** For a daemon without auth.session: one call that attendants may make and admins may not (1001: nobody). */
async function probeByRole() {
    try {
        await rpc.call("queue.list", { limit: 1 });
        const saved = JSON.parse(sessionStorage.getItem(remembered) || "null");
        return { role: "attendant", attendant: saved && saved.attendant };
    } catch (error) {
        if (error.code === 1003) {
            const saved = JSON.parse(sessionStorage.getItem(remembered) || "null");
            return { role: "admin", admin: saved && saved.admin };
        }
        return null;
    }
}

function show(who, message) {
    if (screen) screen.stop();
    screen = null;
    identity = who;
    fill(app);
    if (!who) {
        screen = loginView(app, rpc, { message, onLogin: loggedIn });
    } else if (who.role === "admin") {
        screen = adminArea(app, rpc, { admin: who.admin, onLogout: logout });
    } else {
        screen = deskView(app, rpc, { attendant: who.attendant, onLogout: logout });
    }
}

function loggedIn(result) {
    const role = result.role || (result.login ? "attendant" : "admin");
    const who = role === "attendant" ? { role, attendant: result } : { role, admin: result.name ? result : null };
    sessionStorage.setItem(remembered, JSON.stringify(who));
    if (!location.hash || location.hash === "#") location.hash = role === "admin" ? "#/atendentes" : "#/mesa";
    show(who);
}

async function logout() {
    try {
        await rpc.call("auth.logout", {});
    } catch (error) {
        // The session ends with the socket anyway: reconnecting below drops it on this side.
    }
    forget();
    location.hash = "";
    rpc.reconnect();
    show(null);
}

function forget() {
    sessionStorage.removeItem(remembered);
    // The desk's open chat and drafts (chat.js) go with the session, and so do its read marks (desk-state.js).
    for (const key of Object.keys(sessionStorage)) if (key.startsWith("atende.desk.")) sessionStorage.removeItem(key);
    for (const key of Object.keys(localStorage)) if (key.startsWith("atende.desk.read.")) localStorage.removeItem(key);
}

// For the browser tests and the console: the client, to inspect calls or replay a push (nothing secret in it),
// and `answer`, which puts a function in front of some methods (tests use it to play contract features a daemon
// does not have yet); `answer(null)` takes it away.
const call = rpc.call.bind(rpc);
window.atendePanel = {
    rpc,
    answer(table) {
        rpc.call = table ? (method, params) => (table[method] ? Promise.resolve().then(() =>
            table[method](params, call)) : call(method, params)) : call;
    },
};

rpc.start();
