// board.js: the supervisor board ("Supervisão"): per department the waiting chats, the oldest wait (aged here
// every second from the last stats.get; offered chats count from when they joined the queue), the service level
// of the day and who is online; the attendants and their state; the chats held by offline attendants
// (conversation.list), each with a way to move it (conversation.transfer to a department or a colleague); and the
// waiting chats in queue order with their priority (conversation.setPriority) and a way to hand one to another
// department or straight to an attendant. The service level of the day counts chats once they are served or
// abandoned, so each department also shows how many are still waiting past its target. Figures change on pushes,
// not by polling.

import { h, fill, notice, labelCells } from "./dom.js";
import * as format from "./format.js";
import { serverNow } from "./clock.js";

/** Draws the board; returns {stop}. */
export function boardView(root, { rpc, store }) {
    const departments = h("div", { class: "board-departments", id: "board-departments" });
    const people = h("table", { class: "list", id: "board-attendants" });
    const stranded = h("div", { class: "stranded", id: "board-stranded" });
    const queue = h("div", { class: "waiting-chats", id: "board-waiting" });
    const paused = h("p", { class: "muted", id: "board-waiting-paused", hidden: true },
        "A lista será atualizada quando você terminar a escolha.");
    const potentials = h("div", { class: "potentials", id: "board-potentials-list" });
    root.append(
        h("div", { class: "screen-head" }, h("h1", {}, "Supervisão"),
            h("span", { class: "muted", id: "board-potentials" })),
        departments,
        h("h2", {}, "Atendentes"), people,
        h("h2", {}, "Conversas com atendentes offline"), stranded,
        h("h2", {}, "Fila de espera"), paused, queue,
        h("h2", {}, "Potenciais (ainda sem departamento)"), potentials);

    let held = [];
    let waiting = [];
    // conversation.list answers at most this many of each state, the newest first: a longer queue is read
    // without its oldest chats, and what is counted from the list is then a floor.
    const listLimit = 500;
    // Destinations chosen in the waiting list and not sent yet, by chat id: a redraw keeps them.
    const handOffs = new Map();
    // The focusout listener that redraws the waiting list once the supervisor leaves its controls, and the timer
    // that redraws it once a picker has been left alone a while.
    let redrawOnLeave = null;
    let redrawLater = null;
    // When the supervisor last used a control of the waiting list (a picker may be open then).
    let lastTouched = 0;
    const holdMillis = 10000;
    // A destination chosen and not sent holds the list longer, but not for ever.
    const choiceHoldMillis = 30000;
    // Chats whose hand-off is on its way: their button stays off, whatever redraws meanwhile.
    const sending = new Set();
    // Since when each listed chat has waited (ms), kept across reloads: the daemon's whole seconds, read at
    // different moments, would move it back and forth.
    const waitStarts = new Map();
    // How many priorities were asked for each chat: an older answer arriving after a newer ask draws nothing.
    const priorityAsked = new Map();
    // conversation.list answered its limit for a state: the list misses chats.
    let listCut = false;
    let heldProblem = null;
    let heldTimer = null;

    function drawDepartments() {
        const stats = store.stats || { departments: {} };
        const aged = (Date.now() - store.statsAt) / 1000;
        document.getElementById("board-potentials").textContent =
            typeof stats.potentials === "number" ? `Potenciais: ${stats.potentials}` : "";
        fill(departments, store.departmentList().map((d) => {
            const s = stats.departments[d.id] || {};
            // An offered chat waits too (since it joined the queue) until its attendant accepts: counted once the
            // list of offered chats is read (until then, or without it, the queue's figure alone, or a dash). The
            // list read after the figures may know an older wait than they do.
            const listed = waiting.filter((c) => c.department === d.id);
            const listedWaits = listed.map(waitOf);
            const known = s.waiting || listedWaits.length > 0;
            const oldest = Math.max(s.waiting ? (s.oldestWaitSeconds || 0) + aged : 0, ...listedWaits);
            const target = targetOf(d);
            // Waiting now for longer than the target: not in the day's service level until they are served or
            // abandoned, but already missing it. A queue longer than the list read is counted from the list (its
            // newest chats) and from the oldest wait: a floor, shown "≥".
            const cut = listCut;
            const overdue = Math.max(listedWaits.filter((w) => w > target).length,
                Math.floor(oldest) > target ? 1 : 0);
            const late = Math.floor(oldest) > target;
            return h("div", { class: "card tile", dataset: { id: d.id } },
                h("h3", {}, d.name),
                h("dl", {},
                    // An offered chat is in no queue but still waits for a human: counted with the waiting.
                    h("dt", {}, "Aguardando"), h("dd", { class: "waiting" }, String(s.waiting || 0),
                        s.offered ? h("small", { class: "muted" }, ` (+${s.offered} ${s.offered === 1 ? "oferecida"
                            : "oferecidas"})`) : null),
                    h("dt", {}, "Maior espera"), h("dd", { class: late ? "oldest late" : "oldest" },
                        known ? format.duration(oldest) : "—"),
                    h("dt", {}, "Em atendimento"), h("dd", {}, String(s.assigned || 0)),
                    h("dt", {}, "Atendentes online"), h("dd", {}, String(s.attendantsOnline || 0)),
                    h("dt", {}, "Nível de serviço"), h("dd", {}, typeof s.serviceLevel === "number"
                        ? `${format.percent(s.serviceLevel)} em ${format.duration(target)}`
                        : h("span", { class: "muted" }, "ainda sem atendimentos hoje")),
                    h("dt", {}, "Esperando há mais de ", h("span", { class: "unbroken" }, format.duration(target))),
                    h("dd", { class: overdue ? "overdue late" : "overdue" },
                        `${cut && overdue ? "≥ " : ""}${overdue}`),
                    h("dt", {}, "Atendidas / abandonadas"), h("dd", {}, "served" in s
                        ? `${s.served} / ${s.abandoned}` : "—"),
                    h("dt", {}, "Espera média"), h("dd", {}, s.avgAnswerSeconds !== undefined
                        && s.avgAnswerSeconds !== null ? format.duration(s.avgAnswerSeconds) : "—")));
        }));
    }

    function drawPeople() {
        const perAttendant = (store.stats && store.stats.attendants) || {};
        fill(people,
            h("thead", {}, h("tr", {}, ["Nome", "Status", "Departamentos", "Conversas", "Atendidas hoje",
                "1ª resposta média", "Duração média", "Ofertas hoje", "Nota geral"].map((t) => h("th", {
                class: ["Conversas", "Atendidas hoje"].includes(t) ? "num" : null }, t)))),
            h("tbody", {}, store.attendantList().filter((a) => a.active).map((a) => h("tr", { dataset: { id: a.id } },
                h("td", {}, a.name),
                h("td", {}, h("span", { class: `badge presence-${a.presence}` },
                    format.presenceLabels[a.presence] || a.presence)),
                h("td", {}, a.departments.map((id) => (store.departments.get(id) || { name: id }).name).join(", ")),
                // Capacity counts the slots wrap-ups hold too: "2 (+1 pós) / 3" is full (as the Atendentes list says).
                h("td", { class: "num" }, `${a.openChats}${a.wrappingChats ? ` (+${a.wrappingChats} pós)` : ""}`
                    + ` / ${a.maxChats}`),
                h("td", { class: "num" }, perAttendant[a.id] ? String(perAttendant[a.id].handled)
                    : store.stats ? "0" : "—"),
                // From its assignment to its first reply, and to the close (stats.get's attendants).
                h("td", { class: "first-reply" }, averageText(perAttendant[a.id], "avgFirstReplySeconds")),
                h("td", { class: "handle" }, averageText(perAttendant[a.id], "avgHandleSeconds")),
                h("td", { class: "offers" }, offerFigures(perAttendant[a.id] && perAttendant[a.id].offers)),
                h("td", {}, a.rating.count ? `${format.rating(a.rating.average)} (${a.rating.count})` : "—")))));
        labelCells(people);
    }

    /** An average of the day's figures as a duration, "—" when there is none yet. */
    function averageText(figures, key) {
        const seconds = figures && figures[key];
        return typeof seconds === "number" ? format.duration(seconds) : "—";
    }

    /** How the attendant's offers of the day ended: "3 aceitas · 1 recusada · 2 expiradas" ("—" when none). */
    function offerFigures(offers) {
        if (!offers) return "—";
        const parts = [[offers.accepted, "aceita", "aceitas"], [offers.declined, "recusada", "recusadas"],
            [offers.expired, "expirada", "expiradas"]].filter(([count]) => count > 0)
            .map(([count, one, many]) => `${count} ${count === 1 ? one : many}`);
        return parts.length ? parts.join(" · ") : "—";
    }

    async function loadHeld() {
        clearTimeout(heldTimer);
        heldTimer = null;
        try {
            const [assigned, offered, queued] = await Promise.all([
                rpc.call("conversation.list", { state: "assigned", limit: listLimit }),
                rpc.call("conversation.list", { state: "offered", limit: listLimit })
                    .catch(() => ({ conversations: [] })),
                rpc.call("conversation.list", { state: "queued", limit: listLimit }),
            ]);
            held = [...assigned.conversations, ...offered.conversations];
            // Offered chats wait too: listed with the queue, marked, until their attendant accepts.
            waiting = [...queued.conversations, ...offered.conversations].map(withWaitStart);
            listCut = queued.conversations.length >= listLimit || offered.conversations.length >= listLimit;
            // What was chosen or measured for chats no longer waiting is forgotten: one that comes back starts clean.
            const listed = new Set(waiting.map((c) => c.id));
            for (const id of [...handOffs.keys()]) if (!listed.has(id)) handOffs.delete(id);
            for (const id of [...waitStarts.keys()]) if (!listed.has(id)) waitStarts.delete(id);
            heldProblem = null;
        } catch (error) {
            held = [];
            waiting = [];
            heldProblem = `${format.errorText(error)} (conversation.list)`;
        }
        drawHeld();
        drawWaiting();
    }

    /**
     * Since when the contact has waited for a person (ms): from its first queue, through transfers and overflows,
     * while nobody has answered it yet (`replyWaitSeconds` of conversation.list, as the service level counts it);
     * a chat answered before and back in a queue waits since it joined this one.
     */
    function withWaitStart(chat) {
        const total = chat.firstReplyAt ? null : chat.replyWaitSeconds;
        let start = typeof total === "number" ? serverNow() - total * 1000
            : Date.parse(chat.queuedAt || chat.openedAt);
        const known = waitStarts.get(chat.id);
        if (known && known.answered === Boolean(chat.firstReplyAt)) start = Math.min(start, known.start);
        if (Number.isFinite(start)) waitStarts.set(chat.id, { start, answered: Boolean(chat.firstReplyAt) });
        return { ...chat, waitStart: start };
    }

    /** The queue order of contract v2: queuedAt less priority × the department's priorityStep, then queuedAt. */
    function queueKey(chat) {
        const department = store.departments.get(chat.department) || {};
        const step = department.priorityStep === undefined ? 600 : department.priorityStep;
        return Date.parse(chat.queuedAt || chat.openedAt) - (chat.priority || 0) * step * 1000;
    }

    /**
     * Whether the supervisor is in the middle of a choice in the waiting list: at a priority picker, or at the
     * destination picker (or its button) of a row where a destination is chosen and not sent yet.
     */
    function choosing(element) {
        if (!element || !queue.contains(element)) return false;
        const row = element.closest("tr");
        const id = row ? Number(row.dataset.id) : null;
        if (sending.has(id)) return true;
        const idle = Date.now() - lastTouched;
        if (row && element.closest(".row-actions") && handOffs.has(id)) return idle < choiceHoldMillis;
        // A picker just used may be open, or its button about to be clicked: held a while after the last touch, not
        // for as long as it keeps the focus (the list drawn again gives the focus back to the same control).
        return Boolean(element.closest("select, .row-actions")) && idle < holdMillis;
    }

    /** Which control of which row has the focus, to give it back after a redraw. */
    function focusedControl() {
        const element = document.activeElement;
        const row = element && queue.contains(element) ? element.closest("tr") : null;
        if (!row) return null;
        const which = ["select.priority", "select.hand-off", ".hand-off + button"].find((css) => element.matches(css));
        return which ? `tr[data-id="${row.dataset.id}"] ${which}` : null;
    }

    function drawWaiting(chosen = false) {
        // A supervisor in the middle of a choice keeps the controls: a push does not redraw them away (a click on
        // "Encaminhar" would land on a button replaced under the pointer). The table is drawn once the focus
        // leaves them, and says meanwhile that it waits; a choice made redraws at once (`chosen`).
        if (!chosen && choosing(document.activeElement)) {
            if (!redrawOnLeave) {
                redrawOnLeave = (event) => {
                    if (!choosing(event.relatedTarget)) drawWaiting();  // from a picker to its button: still there
                };
                queue.addEventListener("focusout", redrawOnLeave);
            }
            clearTimeout(redrawLater);
            redrawLater = setTimeout(() => drawWaiting(), 1000);  // tried again until the hold runs out
            queue.dataset.deferred = "true";  // a redraw waits for the controls
            paused.hidden = false;
            return;
        }
        if (redrawOnLeave) queue.removeEventListener("focusout", redrawOnLeave);
        redrawOnLeave = null;
        clearTimeout(redrawLater);
        redrawLater = null;
        delete queue.dataset.deferred;
        paused.hidden = true;
        const focused = focusedControl();
        const place = focused ? rowIndex(document.activeElement) : -1;
        drawWaitingList();
        const again = focused ? queue.querySelector(focused) : null;
        if (again && again !== document.activeElement) again.focus();
        else if (!again) focusNear(place);
    }

    /** The place in the waiting list of the row holding `element` (-1 if none). */
    function rowIndex(element) {
        return [...queue.querySelectorAll("tbody tr[data-id]")].findIndex((row) => row.contains(element));
    }

    /**
     * The row at `place` is gone (handed off) and the focus with it: the keyboard goes on from the row now in its
     * place, or from the list.
     */
    function focusNear(place) {
        if (place < 0 || (document.activeElement && document.activeElement !== document.body)) return;
        const rows = [...queue.querySelectorAll("tbody tr[data-id]")];
        const near = rows[Math.min(place, rows.length - 1)];
        const control = near && near.querySelector("select:not([disabled]), button:not([disabled])");
        if (control) {
            control.focus();
            return;
        }
        queue.setAttribute("tabindex", "-1");
        queue.focus();
    }

    /**
     * Puts the rows of `table` (the waiting list drawn again) in place around the row whose picker has the focus,
     * which stays in the page: replacing a focused <select> would close a dropdown the supervisor has open (a
     * native one cannot be seen from script), past the hold. The row's other cells take the new content. Returns
     * false when that row is gone from the new list (it is then drawn whole).
     */
    function keepFocusedPicker(table) {
        const picker = document.activeElement;
        const row = picker && picker.matches("select") && queue.contains(picker) ? picker.closest("tbody tr") : null;
        const fresh = row ? table.querySelector(`tbody tr[data-id="${row.dataset.id}"]`) : null;
        if (!fresh) return false;
        const rows = [...fresh.parentElement.children];
        const at = rows.indexOf(fresh);
        for (const other of [...row.parentElement.children]) if (other !== row) other.remove();
        for (const before of rows.slice(0, at)) row.before(before);
        row.after(...rows.slice(at + 1));
        [...fresh.children].forEach((cell, index) => {
            const old = row.children[index];
            if (!old) return;
            if (!old.contains(picker)) {
                old.replaceWith(cell);
                return;
            }
            // The kept picker takes what changed about its chat meanwhile (offered now: no priority change).
            const now = cell.querySelector("select");
            if (now) {
                picker.disabled = now.disabled;
                picker.title = now.title;
            }
        });
        return true;
    }

    function drawWaitingList() {
        if (heldProblem) {
            fill(queue, h("p", { class: "warning" }, heldProblem));
            return;
        }
        if (waiting.length === 0) {
            fill(queue, h("p", { class: "muted" }, "Ninguém aguardando."));
            return;
        }
        // Each department's queue together, in its order.
        const name = (chat) => (store.departments.get(chat.department) || { name: chat.department || "" }).name;
        const ordered = [...waiting].sort((a, b) => name(a).localeCompare(name(b), "pt-BR")
            || queueKey(a) - queueKey(b) || a.id - b.id);
        const table = h("table", { class: "list" },
            h("thead", {}, h("tr", {}, ["Contato", "Departamento", "Aguardando há", "Prioridade", "Encaminhar para"]
                .map((t) => h("th", {}, t)))),
            h("tbody", {}, ordered.map((c) => h("tr", { dataset: { id: c.id } },
                h("td", {}, format.contactLabel(c.contact), c.state === "offered"
                    ? h("small", { class: "muted" }, ` (aguardando o aceite de ${attendantName(c.attendantId)})`)
                    : null),
                h("td", {}, departmentName(c.department), c.overflowedFrom
                    ? h("small", { class: "muted overflowed" }, ` (veio de ${departmentName(c.overflowedFrom)})`)
                    : null),
                h("td", {}, h("span", { class: overdue(c) ? "since late" : "since",
                    dataset: { since: Number.isFinite(c.waitStart) ? new Date(c.waitStart).toISOString() : "",
                        target: targetOf(store.departments.get(c.department)) } },
                    format.duration(waitOf(c))),
                // The red says it to the eye; this says it to a screen reader.
                h("span", { class: "visually-hidden", hidden: !overdue(c) }, " (acima da meta)")),
                h("td", {}, h("select", { class: "priority",
                    "aria-label": `Prioridade de ${format.contactLabel(c.contact)}`,
                    disabled: c.state === "offered",
                    title: c.state === "offered" ? "A prioridade pode ser alterada quando a conversa voltar à fila"
                        : null,
                    onchange: (event) => setPriority(c, Number(event.target.value)) },
                [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((level) => h("option", { value: level,
                    selected: level === (c.priority || 0) }, level === 0 ? "0 (normal)" : String(level))))),
                h("td", {}, handOff(c))))));
        labelCells(table);
        if (!keepFocusedPicker(table)) fill(queue, table);
    }

    /** A department's service-level target (s; the daemon's default when it sends none). */
    function targetOf(department) {
        return (department && department.serviceLevel) || 60;
    }

    /** How long a waiting chat has waited, in whole seconds (as shown). */
    function waitOf(chat) {
        return Math.floor(format.secondsSince(chat.waitStart === undefined
            ? chat.queuedAt || chat.openedAt : chat.waitStart));
    }

    /** Whether a waiting chat has waited longer than its department's service-level target. */
    function overdue(chat) {
        return waitOf(chat) > targetOf(store.departments.get(chat.department));
    }

    /**
     * Where a waiting chat can go, and a button that sends it there: straight to an attendant of its department
     * the daemon would take it for (online, or away: a supervisor may hand a chat to someone on a break; inside
     * its hours and with room), or to another department's queue. The options are read when the picker is
     * opened, from the attendants as they are then.
     */
    function handOff(chat) {
        const who = format.contactLabel(chat.contact);
        const target = h("select", { class: "hand-off", "aria-label": `Encaminhar ${who} para` },
            h("option", { value: "" }, "Escolha…"));
        const send = h("button", { class: "small", "aria-label": `Encaminhar ${who}`, onclick: async () => {
            if (sending.has(chat.id) || !target.value) return;
            sending.add(chat.id);
            const place = rowIndex(send);  // the button loses the focus as it is disabled
            send.disabled = true;
            // Only while it still waits: one an attendant took meanwhile stays with that attendant.
            const outcome = await move(chat, target.value, { ifWaiting: true });
            sending.delete(chat.id);
            if (outcome !== "refused") {
                handOffs.delete(chat.id);
                waiting = waiting.filter((c) => c.id !== chat.id);
            }
            drawWaiting(true);
            if (!send.isConnected) focusNear(place);
        } }, "Encaminhar");
        function fillOptions() {
            const chosen = target.value || handOffs.get(chat.id) || "";
            fill(target, h("option", { value: "" }, "Escolha…"),
                h("optgroup", { label: "Atendente" }, attendantOptions(chat)),
                h("optgroup", { label: "Outro departamento (entra na fila)" }, store.departmentList()
                    .filter((d) => d.id !== chat.department)
                    .map((d) => h("option", { value: `d:${d.id}` }, d.name))));
            target.value = chosen;
            if (target.value !== chosen) handOffs.delete(chat.id);  // that destination is no longer offered
            send.disabled = !target.value || sending.has(chat.id);
        }
        // Read again each time the picker opens: the attendants as they are then.
        target.addEventListener("focus", fillOptions);
        target.addEventListener("mousedown", fillOptions);
        target.addEventListener("change", () => {
            if (target.value) handOffs.set(chat.id, target.value);
            else handOffs.delete(chat.id);
            send.disabled = !target.value;
        });
        if (handOffs.has(chat.id)) fillOptions();
        else send.disabled = true;
        if (sending.has(chat.id)) send.disabled = true;
        return h("div", { class: "row-actions" }, target, send);
    }

    /** A department's name, or its id when it is gone. */
    function departmentName(id) {
        return (store.departments.get(id) || { name: id || "—" }).name;
    }

    /** The attendants a chat can be handed to, as options; a line saying so when there is nobody. */
    function attendantOptions(chat) {
        const options = store.attendantList().filter((a) => a.id !== chat.attendantId && takes(a, chat))
            .map((a) => h("option", { value: `a:${a.id}` }, `${a.name} (${format.presenceLabels[a.presence]})`));
        if (options.length) return options;
        const served = !chat.department
            || store.attendantList().some((a) => a.active && a.departments.includes(chat.department));
        return h("option", { value: "-", disabled: true }, format.nobodyToHandTo(served));
    }

    /** Whether the daemon would hand `chat` to attendant `a` from the board (Router.transfer's rule). */
    function takes(a, chat) {
        return a.active && (a.presence === "online" || a.presence === "away")
            && (!chat.department || a.departments.includes(chat.department))
            && (!a.maxChats || a.openChats + (a.wrappingChats || 0) < a.maxChats);
    }

    function attendantName(id) {
        return (store.attendants.get(id) || { name: "atendente" }).name;
    }

    async function setPriority(chat, priority) {
        try {
            const ask = (priorityAsked.get(chat.id) || 0) + 1;
            priorityAsked.set(chat.id, ask);
            const updated = await rpc.call("conversation.setPriority", { id: chat.id, priority });
            if (priorityAsked.get(chat.id) !== ask) return;  // a later choice is on its way: it draws
            waiting = waiting.map((c) => (c.id === updated.id ? { ...updated, waitStart: c.waitStart } : c));
            notice(`Prioridade de ${format.contactLabel(chat.contact)}: ${priority}.`);
        } catch (error) {
            notice(format.errorText(error), "bad");
        }
        drawWaiting(true);  // the picker drawn again keeps the focus: a keyboard user goes on choosing
    }

    /** Reads the chats again soon after presences change (several pushes in a row make one read). */
    function heldSoon() {
        if (!heldTimer) heldTimer = setTimeout(loadHeld, 300);
    }

    function drawHeld() {
        if (heldProblem) {
            fill(stranded, h("p", { class: "warning" }, heldProblem));
            return;
        }
        const offline = held.filter((c) => {
            const owner = store.attendants.get(c.attendantId);
            return !owner || owner.presence === "offline";
        });
        if (offline.length === 0) {
            fill(stranded, h("p", { class: "muted" }, "Nenhuma conversa parada com atendente offline."));
            return;
        }
        fill(stranded, labelCells(h("table", { class: "list" },
            h("thead", {}, h("tr", {}, ["Contato", "Departamento", "Atendente", "Desde", "Mover para"]
                .map((t) => h("th", {}, t)))),
            h("tbody", {}, offline.map((c) => {
                const who = format.contactLabel(c.contact);
                const target = h("select", { "aria-label": `Mover ${who} para` },
                    h("optgroup", { label: "Departamento (volta para a fila)" },
                        store.departmentList().map((d) => h("option", { value: `d:${d.id}`,
                            selected: d.id === c.department }, d.name))),
                    h("optgroup", { label: "Atendente" }, attendantOptions(c)));
                const owner = store.attendants.get(c.attendantId);
                return h("tr", { dataset: { id: c.id } },
                    h("td", {}, format.contactLabel(c.contact)),
                    h("td", {}, (store.departments.get(c.department) || { name: c.department || "—" }).name),
                    h("td", {}, owner ? owner.name : `#${c.attendantId}`),
                    h("td", {}, format.dateTime(c.assignedAt || c.offeredAt)),
                    h("td", {}, h("div", { class: "row-actions" }, target,
                        // One move at a time: a double click would move it twice (the second taking it from
                        // where the first put it).
                        h("button", { class: "primary small", "aria-label": `Mover ${who}`, onclick: async (event) => {
                            const button = event.currentTarget;
                            if (button.disabled) return;
                            button.disabled = true;
                            if (await move(c, target.value) !== "moved") button.disabled = false;
                        } }, "Mover"))));
            })))));
    }

    /**
     * Sends a chat where the supervisor chose (`conversation.transfer`); `options.ifWaiting` only while it still
     * waits. Says how it went: "moved", "gone" (no longer waiting: nothing moved) or "refused".
     */
    async function move(conversation, where, options = {}) {
        const params = { id: conversation.id, ...options };
        if (where.startsWith("d:")) params.department = where.slice(2);
        else params.attendantId = Number(where.slice(2));
        try {
            const moved = await rpc.call("conversation.transfer", params);
            const to = moved.attendantId && moved.state !== "queued" ? attendantName(moved.attendantId)
                : (store.departments.get(moved.department) || { name: moved.department }).name;
            notice(`Conversa encaminhada para ${to}.`);
            loadHeld();
            return "moved";
        } catch (error) {
            if (options.ifWaiting && error.code === 1010 && error.field === "id") {
                const who = format.contactLabel(conversation.contact);
                notice(`${who} não está mais aguardando: nada foi encaminhado.`, "bad");
                loadHeld();
                return "gone";
            }
            notice(format.errorText(error), "bad");
            return "refused";
        }
    }

    /**
     * The contacts that have not chosen a department (potentials.list), each with a department to send it to
     * (conversation.route: it joins that queue). Read again when their number changes; while a picker of the list
     * has the focus the list waits, so a push does not take the choice away.
     */
    let potentialsStale = false;
    async function loadPotentials() {
        if (potentials.contains(document.activeElement) && document.activeElement.matches("select")) {
            potentialsStale = true;  // read when the picker is left
            return;
        }
        potentialsStale = false;
        let list;
        let said;
        try {
            const result = await rpc.call("potentials.list", { lastMessages: true });
            list = result.potentials;
            said = result.lastMessages || {};
        } catch (error) {
            fill(potentials, h("p", { class: "warning" }, format.errorText(error)));
            return;
        }
        fill(potentials, list.length === 0 ? h("p", { class: "muted" }, "Nenhum potencial.")
            : labelCells(h("table", { class: "list" },
                h("thead", {}, h("tr", {}, ["Contato", "Desde", "Encaminhar para"].map((t) => h("th", {}, t)))),
                h("tbody", {}, list.map((chat) => potentialRow(chat, said[chat.id]))))));
    }

    function potentialRow(chat, last) {
        const who = format.contactLabel(chat.contact);
        const target = h("select", { class: "route", "aria-label": `Departamento para ${who}` },
            h("option", { value: "" }, "Escolha…"),
            store.departmentList().map((d) => h("option", { value: d.id }, d.name)));
        // Off until a department is chosen, as the waiting list's "Encaminhar" is until a destination is.
        const send = h("button", { class: "small", "aria-label": `Encaminhar ${who}`, disabled: true, onclick: route },
            "Encaminhar");
        async function route() {
            if (!target.value) return;
            send.disabled = true;
            try {
                await rpc.call("conversation.route", { id: chat.id, department: target.value });
                const name = (store.departments.get(target.value) || { name: target.value }).name;
                notice(`${who} foi para a fila de ${name}.`);
                target.blur();
                loadPotentials();
            } catch (error) {
                notice(format.errorText(error), "bad");
                send.disabled = false;
            }
        }
        target.addEventListener("change", () => { send.disabled = !target.value; });
        return h("tr", { dataset: { id: chat.id } },
            // What the contact said last tells where it should go.
            h("td", {}, who, last ? h("small", { class: "muted last-message" }, ` ${format.said(last.text)}`) : null),
            h("td", {}, format.dateTime(chat.openedAt)),
            h("td", {}, h("span", { class: "row-actions" }, target, send)));
    }

    potentials.addEventListener("focusout", (event) => {
        if (potentialsStale && !potentials.contains(event.relatedTarget)) loadPotentials();
    });
    for (const kind of ["pointerdown", "keydown", "change"]) {
        queue.addEventListener(kind, () => { lastTouched = Date.now(); });
    }
    drawDepartments();
    drawPeople();
    loadHeld();
    loadPotentials();
    // Only the displayed ages move each second; the figures themselves come from stats.get after pushes.
    const ticker = setInterval(() => {
        drawDepartments();
        for (const clock of queue.querySelectorAll(".since")) {
            const waited = Math.floor(format.secondsSince(clock.dataset.since));
            clock.textContent = format.duration(waited);
            const late = waited > Number(clock.dataset.target);
            clock.classList.toggle("late", late);
            if (clock.nextElementSibling) clock.nextElementSibling.hidden = !late;
        }
    }, 1000);
    const stop = store.watch((what) => {
        drawDepartments();
        if (what !== "stats") drawPeople();
        // Presence changes strand chats; queue pushes (which bring "stats") change the waiting list.
        if (what === "attendants" || what === "all" || what === "stats") heldSoon();
        if (what === "stats") drawPeople();
        if (what === "potentials" || what === "all") loadPotentials();
    });
    return {
        stop() {
            clearInterval(ticker);
            clearTimeout(heldTimer);
            clearTimeout(redrawLater);
            stop();
        },
    };
}
