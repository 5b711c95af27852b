// desk.js: the attendant's desk. The left column holds the presence switch, the offers (with the time left to
// accept), "Minhas conversas" (unread marks, how long the contact has waited for a reply, and where the department
// takes unanswered chats back, the time left to reply since the chat was assigned), the chats in wrap-up (time
// left, "Finalizar"; read again after a reload) and tabs for the waiting list of the attendant's departments, the
// potentials and the bot's contact agenda (each when the account settings allow; they follow the admin's switches
// as `settings.changed` arrives). The right side is the ChatPane. Everything changes on pushes; a one-second tick
// only redraws the clocks.

import { h, fill, keepFocus, notice } from "./dom.js";
import * as format from "./format.js";
import { serverNow, zoneNote } from "./clock.js";
import { ChatPane } from "./chat.js";
import { DeskState } from "./desk-state.js";

/** Draws the desk into `root`; returns {stop, resync}. */
export function deskView(root, rpc, { attendant, onLogout }) {
    const desk = new DeskState(rpc, attendant);
    const pane = new ChatPane(rpc, desk);
    desk.pane = pane;

    // Named for what it turns on, and the state seen beside it (drawPresence).
    const presence = h("input", { type: "checkbox", role: "switch", id: "presence", onchange: setPresence });
    const presenceLabel = h("span", { class: "switch-label", id: "presence-label" });
    const offers = h("section", { class: "offers", id: "offers" });
    const mine = h("ul", { class: "chat-list", id: "my-chats", "aria-labelledby": "my-chats-title" });
    const wrapping = h("section", { class: "wrapping", id: "wrapping" });
    const tabs = h("div", { class: "tabs", role: "tablist" });
    const tabBody = h("div", { class: "tab-body", id: "tab-body", role: "tabpanel" });
    root.append(h("div", { class: "desk-layout" },
        h("header", { class: "topbar" },
            h("span", { class: "brand" }, "atende"),
            h("span", { class: "me", id: "me" }, photo(), attendant ? attendant.name : "Atendente"),
            h("label", { class: "switch presence-switch" }, presence, h("span", { class: "slider" }), presenceLabel),
            h("span", { class: "zone-note", id: "zone-note" }, zoneNote()),
            h("button", { class: "link", id: "logout", onclick: leave }, "Sair")),
        h("h1", { class: "visually-hidden" }, "Mesa de atendimento"),
        h("aside", { class: "desk-side" },
            offers,
            h("h2", { id: "my-chats-title" }, "Minhas conversas"), mine,
            wrapping,
            tabs, tabBody),
        pane.element));

    let tab = "fila";
    /** The settings the open tab's body depends on, as last drawn: a settings.changed about something else (or
     * the same settings read again after a reconnect) does not wipe a search being typed or reload a list. */
    let tabSettings = null;
    const currentTabSettings = () => (tab === "potenciais"
        ? String((desk.settings || {}).attendantsCanRemovePotentials) : "");
    const tabSettingsChanged = () => currentTabSettings() !== tabSettings;

    /** The attendant's own photo beside the name (its initials until it arrives, or without one). */
    function photo() {
        const element = h("span", { class: "avatar small", id: "me-photo", "aria-hidden": "true" },
            format.initials(attendant ? attendant.name : ""));
        if (attendant && attendant.hasImage) {
            rpc.call("attendant.image", { id: attendant.id }).then((image) => {
                fill(element, h("img", { src: `data:${image.contentType};base64,${image.base64}`, alt: "" }));
            }).catch(() => {});
        }
        return element;
    }

    function leave() {
        const question = format.leavingQuestion(desk.returningOnLeave());
        if (question && !window.confirm(question)) return;
        onLogout();
    }

    function setPresence() {
        const wanted = presence.checked ? "online" : "away";
        rpc.call("presence.set", { presence: wanted }).then((result) => {
            desk.presence = result.presence;
            drawPresence();
            const note = format.presenceNote(wanted, result.presence);
            if (note) notice(note);
        }).catch((error) => {
            notice(format.errorText(error), "bad");
            drawPresence();
        });
    }

    function drawPresence() {
        presence.checked = desk.presence === "online";
        presenceLabel.textContent = format.presenceLabels[desk.presence] || desk.presence || "—";
        // The name holds what is seen beside the switch (WCAG's label in name).
        presence.setAttribute("aria-label", `Disponível para atendimento: ${presenceLabel.textContent}`);
        presenceLabel.className = `switch-label presence-${desk.presence}`;
    }

    function drawOffers() {
        keepFocus(offers, drawOfferCards, mine);
    }

    function drawOfferCards() {
        const list = desk.offerList();
        offers.hidden = list.length === 0;
        fill(offers, list.length ? h("h2", {}, "Novas conversas oferecidas") : null, list.map((c) =>
            h("div", { class: "offer card", dataset: { id: c.id } },
                h("strong", {}, format.contactLabel(c.contact)),
                h("span", { class: "muted" }, ` ${(desk.departments.get(c.department) || { name: "" }).name}`),
                c.priority ? h("span", { class: "badge" }, `prioridade ${c.priority}`) : null,
                desk.offerWords.get(c.id) ? h("div", { class: "muted last-message" },
                    format.said(desk.offerWords.get(c.id))) : null,
                h("div", { class: "offer-row" },
                    h("span", { class: "expires" }, h("span", { class: "countdown-prefix" }, "expira em "),
                        h("span", { class: "countdown", dataset: { until: c.offerExpiresAt || "" } },
                            format.timeLeft(c.offerExpiresAt))),
                    h("button", { class: "primary small accept", onclick: () => desk.accept(c.id),
                        "aria-label": `Aceitar a conversa com ${format.contactLabel(c.contact)}` }, "Aceitar"),
                    h("button", { class: "secondary small decline", onclick: () => desk.decline(c.id),
                        "aria-label": `Recusar a conversa com ${format.contactLabel(c.contact)}` },
                        "Recusar")))));
    }

    function drawMine() {
        keepFocus(mine, drawMyChats);
    }

    function drawMyChats() {
        const chats = [...desk.mine.values()];
        // The tab's title counts what is unread, for an attendant working in another tab or window.
        const unreadTotal = chats.reduce((sum, c) => sum + (desk.unread.get(c.id) || 0), 0);
        document.title = unreadTotal ? `(${unreadTotal}) atende` : "atende";
        fill(mine, chats.length === 0 ? h("li", { class: "empty" }, "Nenhuma conversa aberta.") : chats.map((c) => {
            const unread = desk.unread.get(c.id) || 0;
            const marked = unread > 0 || desk.fresh.has(c.id);
            const waitingSince = desk.waitingSince.get(c.id);
            return h("li", { class: `chat-item${pane.id === c.id ? " selected" : ""}${marked ? " unread" : ""}`,
                dataset: { id: c.id }, ...opens(c.id) },
            h("span", { class: "contact", title: format.contactLabel(c.contact) }, format.contactLabel(c.contact)),
            unread ? h("span", { class: "unread-count", title: "Mensagens não lidas",
                "aria-label": format.count(unread, "mensagem não lida", "mensagens não lidas") },
            String(unread)) : null,
            waitingSince ? h("span", { class: "waiting-reply", title: "Tempo que o contato aguarda sua resposta" },
                "aguarda ", h("span", { class: "since", dataset: { since: waitingSince } })) : null,
            replyDue(c) ? h("span", { class: "reply-due",
                title: "Sem sua resposta até lá, a conversa volta para a fila" },
            h("span", { class: "countdown-prefix" }, "responda em "),
            h("span", { class: "countdown", dataset: { until: c.replyDueAt } }, format.timeLeft(c.replyDueAt)))
                : null);
        }));
    }

    /** What makes a list item open chat `id`: a click, and Enter or Space on it (it is a button to the keyboard and
     * to a screen reader; a key on a button inside it, such as "Finalizar", is that button's). */
    function opens(id) {
        return {
            role: "button", tabindex: 0, onclick: () => select(id),
            onkeydown: (event) => {
                if (event.target !== event.currentTarget || (event.key !== "Enter" && event.key !== " ")) return;
                event.preventDefault();
                select(id);
            },
        };
    }

    /** Whether the chat is taken back if its attendant does not reply in time (the department's reply timeout). */
    function replyDue(c) {
        return c.replyDueAt && Date.parse(c.replyDueAt) > serverNow();
    }

    /** The chats whose wrap-up runs: the time left and the button that frees the slot now. */
    function drawWrapping() {
        keepFocus(wrapping, drawWrapUps, mine);
    }

    function drawWrapUps() {
        const list = desk.runningWrapUps();
        wrapping.hidden = list.length === 0;
        fill(wrapping, list.length ? h("h2", {}, "Pós-atendimento") : null, h("ul", { class: "chat-list" },
            // The item opens the chat on a click; to the keyboard the contact's name is the button that does (a
            // button inside a button, "Finalizar", would be hidden from some screen readers).
            list.map((c) => h("li", { class: `chat-item wrap-up-item${pane.id === c.id ? " selected" : ""}`,
                dataset: { id: c.id, until: c.wrapUpUntil }, onclick: () => select(c.id) },
            h("button", { type: "button", class: "contact plain", title: format.contactLabel(c.contact),
                "aria-label": `Abrir a conversa com ${format.contactLabel(c.contact)} (em pós-atendimento)` },
            format.contactLabel(c.contact)),
            h("span", { class: "countdown", dataset: { until: c.wrapUpUntil } }, format.timeLeft(c.wrapUpUntil)),
            h("button", { class: "primary small finish-wrap-up",
                "aria-label": `Finalizar o pós-atendimento de ${format.contactLabel(c.contact)}`, onclick: (event) => {
                event.stopPropagation();
                desk.finishWrapUp(c.id);
            } }, "Finalizar")))));
    }

    /** Draws the tab buttons, and the open tab's body when it is the queue or `reopen` (a search being typed in
     * the agenda is not wiped by a queue push). */
    function drawTabs(reopen) {
        const settings = desk.settings || {};
        const available = [["fila", `Fila (${desk.waiting.length})`], ["potenciais", "Potenciais"]];
        if (settings.attendantsCanViewBotContacts) available.push(["agenda", "Agenda"]);
        if (!available.some(([key]) => key === tab)) {
            tab = "fila";
            reopen = true;
        }
        // A redraw (a queue push) keeps the focus on the tab that had it; the arrow keys move between tabs and
        // only the open one is a stop of the Tab key (the WAI-ARIA tabs pattern).
        const focused = tabs.contains(document.activeElement) ? document.activeElement.id : null;
        const choose = (key) => {
            tab = key;
            drawTabs(true);
            document.getElementById(`tab-${key}`)?.focus();
        };
        fill(tabs, available.map(([key, label], index) => h("button", { role: "tab",
            class: key === tab ? "active" : null, id: `tab-${key}`, "aria-selected": String(key === tab),
            "aria-controls": "tab-body", tabindex: key === tab ? "0" : "-1", onclick: () => choose(key),
            onkeydown: (event) => {
                const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
                if (!step) return;
                event.preventDefault();
                choose(available[(index + step + available.length) % available.length][0]);
            } }, label)));
        tabBody.setAttribute("aria-labelledby", `tab-${tab}`);
        if (focused) document.getElementById(focused)?.focus();
        if (tab === "fila" || reopen) tabSettings = currentTabSettings();
        if (tab === "fila") drawWaiting();
        else if (!reopen) return;
        else if (tab === "potenciais") drawPotentials();
        else drawAgenda();
    }

    function drawWaiting() {
        keepFocus(tabBody, drawWaitingList);
    }

    function drawWaitingList() {
        const room = desk.hasRoom();
        // Why "Pegar" is off, said once above the list: a title tooltip never shows on a phone.
        const full = room || desk.waiting.length === 0 ? null : h("p", { class: "hint at-limit", id: "at-limit" },
            `Você está no seu limite de ${desk.me.maxChats} conversas simultâneas: encerre uma conversa (ou `
            + "finalize um pós-atendimento) para pegar outra da fila.");
        fill(tabBody, full, h("ul", { class: "chat-list", id: "waiting-list" }, desk.waiting.length === 0
            ? h("li", { class: "empty" }, "Ninguém aguardando nos seus departamentos.")
            : desk.waiting.map((c) => h("li", { class: "chat-item waiting-item", dataset: { id: c.id } },
                // The name over its department, so a row of the narrow list keeps "Pegar" on its line.
                h("span", { class: "who" },
                    h("span", { class: "contact", title: format.contactLabel(c.contact) },
                        format.contactLabel(c.contact)),
                    // The priority first: a long department name is cut at its end, never the priority.
                    h("small", { class: "muted", title: departmentName(c.department) },
                        c.priority ? h("span", { class: "badge" }, `prioridade ${c.priority}`) : null,
                        departmentName(c.department))),
                h("span", { class: "since", dataset: { since: c.queuedAt || c.openedAt } }),
                h("button", { class: "primary small take", onclick: () => desk.take(c.id), disabled: !room,
                    "aria-label": `Pegar a conversa com ${format.contactLabel(c.contact)}`,
                    "aria-describedby": room ? null : "at-limit" }, "Pegar")))));
    }

    /** The potentials again, soon and in place (the pushes of a busy second make one read, and the list shown
     * stays until the new one replaces it, with the page where it was). */
    let potentialsTimer = null;
    function potentialsSoon() {
        if (potentialsTimer) return;
        potentialsTimer = setTimeout(() => {
            potentialsTimer = null;
            if (tab === "potenciais") drawPotentials({ inPlace: true });
        }, 500);
    }

    async function drawPotentials({ inPlace = false } = {}) {
        if (!inPlace) fill(tabBody, h("p", { class: "loading" }, "Carregando…"));
        let potentials = [];
        let said = {};
        try {
            const result = await rpc.call("potentials.list", { lastMessages: true });
            potentials = result.potentials;
            said = result.lastMessages || {};
        } catch (error) {
            fill(tabBody, h("p", { class: "warning" }, format.errorText(error)));
            return;
        }
        if (tab !== "potenciais") return;
        const canRemove = desk.settings && desk.settings.attendantsCanRemovePotentials;
        fill(tabBody,
            h("button", { class: "link", onclick: drawPotentials }, "Atualizar"),
            h("ul", { class: "chat-list", id: "potentials-list" }, potentials.length === 0
                ? h("li", { class: "empty" }, "Nenhum potencial.")
                : potentials.map((c) => h("li", { class: "chat-item", dataset: { id: c.id } },
                    h("span", { class: "contact", title: format.contactLabel(c.contact) },
                        format.contactLabel(c.contact)),
                    h("span", { class: "muted" }, format.dateTime(c.openedAt)),
                    said[c.id] ? h("span", { class: "muted last-message" }, format.said(said[c.id].text)) : null,
                    canRemove ? h("button", { class: "danger small",
                        "aria-label": `Remover ${format.contactLabel(c.contact)} dos potenciais`, onclick: async () => {
                        try {
                            await rpc.call("potentials.remove", { id: c.id });
                            notice("Contato removido dos potenciais.");
                            drawPotentials();
                        } catch (error) {
                            notice(format.errorText(error), "bad");
                        }
                    } }, "Remover") : null))));
    }

    function drawAgenda() {
        const query = h("input", { type: "search", placeholder: "Nome ou telefone", id: "contacts-query",
            "aria-label": "Buscar contato por nome ou telefone" });
        const list = h("ul", { class: "chat-list", id: "contacts-list" });
        const search = async () => {
            try {
                const params = query.value.trim() ? { query: query.value.trim() } : {};
                const contacts = (await rpc.call("contacts.list", params)).contacts;
                fill(list, contacts.length === 0 ? h("li", { class: "empty" }, "Nenhum contato.")
                    : contacts.map(agendaItem));
            } catch (error) {
                fill(list, h("li", { class: "warning" }, format.errorText(error)));
            }
        };
        fill(tabBody, h("form", { class: "inline", onsubmit: (event) => {
            event.preventDefault();
            search();
        } }, query, h("button", { type: "submit", class: "secondary small" }, "Buscar")), list);
        search();
    }

    function departmentName(id) {
        return (desk.departments.get(id) || { name: id }).name;
    }

    /**
     * One contact of the agenda: its name and phone; what else the bot keeps of it (city, customer since...)
     * opens under it, as the bot wrote it, with when it was last saved.
     */
    function agendaItem(contact) {
        const who = [h("span", { class: "contact" }, contact.name || ""),
            h("span", { class: "muted" }, format.contactPhone(contact.phone))];
        const details = format.contactDetails(contact);
        if (details.length === 0) return h("li", { class: "agenda-item" }, h("div", { class: "who" }, who));
        return h("li", { class: "agenda-item" }, h("details", {},
            h("summary", { class: "who" }, who),
            h("dl", {}, details.flatMap(([label, value]) => [h("dt", {}, label), h("dd", {}, value)])),
            contact.updatedAt ? h("p", { class: "muted small" }, `Atualizado em ${format.dateTime(contact.updatedAt)}`)
                : null));
    }

    function select(id) {
        desk.markRead(id);
        pane.open(id);
        drawMine();
        drawWrapping();
        // On a phone the chat is below the lists: bring it into sight.
        if (window.matchMedia("(max-width: 719px)").matches) pane.element.scrollIntoView({ block: "start" });
    }

    function tick() {
        const now = serverNow();
        for (const clock of root.querySelectorAll(".since")) {
            clock.textContent = format.duration(format.secondsSince(clock.dataset.since, now));
        }
        // A wrap-up whose time ran out left the daemon's count: it leaves the list too.
        if ([...wrapping.querySelectorAll(".wrap-up-item")].some((item) => Date.parse(item.dataset.until) <= now)) {
            drawWrapping();
        }
        // And from the open chat: its wrap-up bar gives way to the closed chat's.
        const bar = root.querySelector("#wrap-up .countdown");
        if (bar && Date.parse(bar.dataset.until) <= now) pane.draw();
        for (const clock of root.querySelectorAll(".countdown")) {
            const left = (Date.parse(clock.dataset.until) - now) / 1000;
            clock.textContent = format.timeLeft(clock.dataset.until, now);
            clock.classList.toggle("urgent", left < 10);
            // "expira em expirando…" reads wrong: once the time is up only "expirando…" stays.
            const prefix = clock.previousElementSibling;
            if (prefix && prefix.classList.contains("countdown-prefix")) prefix.hidden = left <= 0;
        }
    }

    desk.onChange = (what) => {
        if (what.has("presence")) drawPresence();
        if (what.has("offers")) drawOffers();
        if (what.has("mine")) drawMine();
        if (what.has("wrapping") || what.has("pane")) drawWrapping();
        // The waiting list's "Pegar" follows the room left, which the attendant's own chats change.
        if (what.has("waiting") || what.has("settings") || what.has("mine") || what.has("offers")
            || what.has("wrapping")) {
            drawTabs(what.has("settings") && tabSettingsChanged());
        }
        if (what.has("potentials") && tab === "potenciais") potentialsSoon();
        if (what.has("pane")) pane.draw();
        tick();
    };
    desk.onSelect = select;

    drawPresence();
    drawOffers();
    drawMine();
    drawWrapping();
    drawTabs(true);
    // After a reload the chat that was open comes back (when it is still this attendant's, or in wrap-up).
    desk.load().then(() => {
        const id = pane.takeReopen();
        if (id !== null && desk.find(id)) select(id);
    });
    const ticker = setInterval(tick, 1000);

    return {
        stop() {
            clearInterval(ticker);
            document.title = "atende";
            desk.stop();
        },
        resync() {
            // The lists and the open chat are read again: pushes sent while the socket was down are lost.
            desk.load().then(() => {
                // The potentials may have changed while the socket was down (the agenda keeps its search).
                if (tab === "potenciais") drawPotentials({ inPlace: true });
                if (pane.id === null) return;
                if (desk.find(pane.id)) pane.refresh();
                else pane.close();
            });
        },
    };
}
