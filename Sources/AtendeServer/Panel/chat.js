// chat.js: the desk's transcript pane: the messages of one chat (conversation.history, then pushes), the reply
// box (with a draft kept per chat while the chat is the attendant's), and the actions on the chat: transfer (to a
// department, or to a named colleague), close, and after closing the wrap-up with its "Finalizar pós-atendimento"
// button.

import { h, fill, clearErrors, showError, notice, announce } from "./dom.js";
import * as format from "./format.js";
import { serverNow } from "./clock.js";

/**
 * A pane bound to `desk` (the DeskState). `open(id)` shows a chat; `received(message)` appends a pushed one.
 */
export class ChatPane {
    constructor(rpc, desk) {
        this.rpc = rpc;
        this.desk = desk;
        this.id = null;
        this.messages = [];
        this.colleagues = null;  // [{id, name}] when the daemon lets an attendant list them
        this.authors = null;     // whether conversation.history takes `authors` (null: not asked yet)
        // What was typed and not sent, per chat: kept when another chat is opened or a push redraws the pane, and,
        // with the chat that was open, across a reload of this tab (sessionStorage, per attendant).
        this.storageKey = desk.me ? `atende.desk.${desk.me.id}` : null;
        const saved = this.readSaved();
        this.drafts = new Map(Object.entries(saved.drafts || {}).map(([id, text]) => [Number(id), text]));
        this.reopen = typeof saved.open === "number" ? saved.open : null;
        this.element = h("section", { class: "chat", id: "chat" });
        this.drawEmpty();
    }

    readSaved() {
        try {
            return (this.storageKey && JSON.parse(sessionStorage.getItem(this.storageKey) || "{}")) || {};
        } catch (error) {
            return {};
        }
    }

    save() {
        if (!this.storageKey) return;
        try {
            sessionStorage.setItem(this.storageKey,
                JSON.stringify({ open: this.id, drafts: Object.fromEntries(this.drafts) }));
        } catch (error) {
            // Storage full or off: drafts still live in this page.
        }
    }

    /** The chat that was open before a reload (once). */
    takeReopen() {
        const id = this.reopen;
        this.reopen = null;
        return id;
    }

    drawEmpty() {
        fill(this.element, h("div", { class: "chat-empty" },
            h("p", {}, "Escolha uma conversa na lista ou aguarde uma nova.")));
    }

    /** Shows chat `id` (reads its history). */
    async open(id) {
        this.id = id;
        this.save();
        this.messages = [];
        this.transfers = [];
        this.draw();
        await this.refresh(true);
    }

    /**
     * Reads the open chat's transcript (again), keeping what is shown until it comes: after a reconnect, messages
     * pushed while the socket was down are lost, and a chat opened meanwhile could not be read at all.
     */
    async refresh(toBottom = null) {
        const id = this.id;
        if (id === null) return;
        try {
            const history = await this.history(id);
            if (this.id !== id) return;
            this.messages = history.messages;
            this.transfers = history.transfers || [];
        } catch (error) {
            if (this.id !== id) return;
            notice(format.errorText(error), "bad");
        }
        if (!this.list || !this.list.isConnected) {
            this.draw();
            return;
        }
        // Only the transcript: the reply box keeps its caret and an open transfer form stays; an error of the
        // dropped socket under the box goes. At the bottom, the view follows what came meanwhile.
        const list = this.list;
        const following = toBottom !== null ? toBottom
            : list.scrollHeight - list.scrollTop - list.clientHeight < 40;
        this.drawMessages(following);
        this.drawMeta();  // its time too (the zone may have changed)
        if (this.form) clearErrors(this.form);
    }

    /** The transcript, with who wrote each attendant message when the daemon tells (`authors`). */
    async history(id) {
        if (this.authors !== false) {
            try {
                const history = await this.rpc.call("conversation.history", { id, authors: true });
                this.authors = true;
                return history;
            } catch (error) {
                if (error.code !== -32602) throw error;
                this.authors = false;  // an older daemon: ask plainly from now on
            }
        }
        return this.rpc.call("conversation.history", { id });
    }

    close() {
        // The keyboard was on one of the chat's buttons: it goes on from the attendant's list of chats. Not from
        // the reply box: keys typed for the gone chat must not open another one.
        const active = document.activeElement;
        const focused = this.element.contains(active) && !active.matches("input, textarea, select");
        this.id = null;
        this.save();
        this.drawEmpty();
        const list = document.getElementById("my-chats");
        if (focused && list) {
            list.setAttribute("tabindex", "-1");
            (list.querySelector(".chat-item") || list).focus();
        }
    }

    /** A contact's message pushed for the open chat. */
    received(message) {
        if (this.messages.some((m) => m.id !== undefined && m.id === message.id)) return;
        this.messages.push(message);
        // Someone reading older messages is not pulled down by a new one; at the bottom, the view follows it.
        const list = this.list;
        const following = !list || message.from === "attendant"
            || list.scrollHeight - list.scrollTop - list.clientHeight < 40;
        this.drawMessages(following);
    }

    conversation() {
        return this.desk.find(this.id);
    }

    draw() {
        const chat = this.conversation();
        // A button of the pane that had the focus has it again once drawn anew; closed from the keyboard
        // ("Encerrar" had it), the focus goes on to what the pane offers now, not the top of the page. Not from the
        // reply box: a chat the contact ended while the attendant typed must not take the next Space or Enter as
        // "Finalizar".
        const active = document.activeElement;
        const button = active && this.element.contains(active) && active.matches("button[id]") ? active.id : null;
        if (!chat) {
            this.drawEmpty();
            return;
        }
        const mine = chat.state === "assigned";
        const contact = format.contactLabel(chat.contact);
        this.list = h("ol", { class: "messages", id: "messages", "aria-label": `Mensagens com ${contact}` });
        this.reply = h("textarea", { name: "text", id: "reply-text", rows: 3, placeholder: "Escreva a resposta…",
            "aria-label": `Resposta para ${contact}`,
            disabled: !mine, oninput: () => {
                if (this.reply.value) this.drafts.set(chat.id, this.reply.value);
                else this.drafts.delete(chat.id);
                this.save();
            }, onkeydown: (event) => {
                if (event.key === "Enter" && !event.shiftKey) {
                    event.preventDefault();
                    this.send();
                }
            } });
        if (mine) this.reply.value = this.drafts.get(chat.id) || "";
        this.form = h("form", { class: "reply", id: "reply-form", onsubmit: (event) => {
            event.preventDefault();
            this.send();
        } },
        h("div", { class: "reply-row", dataset: { field: "text" } }, this.reply,
            h("button", { type: "submit", class: "primary", id: "reply-send", disabled: !mine }, "Enviar"),
            h("small", { class: "error", role: "alert" })),
        h("div", { dataset: { field: "_" } }, h("small", { class: "error", role: "alert" })));
        this.transfer = h("div", { class: "transfer", id: "transfer-panel", hidden: true });
        fill(this.element,
            h("header", { class: "chat-head" },
                h("div", { class: "chat-who" },
                    h("h2", { id: "chat-contact" }, contact),
                    h("span", { class: "muted", id: "chat-meta" }, this.meta(chat))),
                h("div", { class: "chat-actions" },
                    mine ? h("button", { class: "secondary", id: "transfer-open", onclick: () => this.openTransfer(),
                        "aria-expanded": "false", "aria-controls": "transfer-panel" }, "Transferir") : null,
                    mine ? h("button", { class: "danger", id: "close-chat",
                        onclick: (event) => this.confirmClose(event.currentTarget) }, "Encerrar") : null)),
            this.transfer,
            mine ? this.replyDueBar(chat) : null,
            this.wrapUpBar(chat),
            this.list,
            mine ? this.form : h("div", { class: "closed-note", id: "closed-note" },
                h("span", { class: "muted" }, chat.state === "closed" && chat.closedAt
                    ? `Conversa encerrada em ${format.dateTime(chat.closedAt)}`
                    : format.stateLabels[chat.state] || chat.state),
                h("button", { class: "secondary small", id: "dismiss-chat", onclick: () => {
                    this.desk.dismiss(chat.id);
                } }, "Fechar")));
        this.drawMessages();
        if (mine) this.reply.focus();
        else if (button === "close-chat") this.element.querySelector("#finish-wrap-up, #dismiss-chat")?.focus();
        else if (button) this.element.querySelector(`#${CSS.escape(button)}`)?.focus();
    }

    /** The header's second line: phone, channel, department (by its current name) and when the chat opened. The
     * phone is one piece: a narrow header broke "(11) 99666-0006" at its hyphen. */
    meta(chat) {
        const department = this.desk.departments.get(chat.department) || { name: chat.department || "" };
        return [h("span", { class: "phone" }, format.contactPhone(chat.contact.phone)),
            ` · ${format.channel(chat.channel)} · ${department.name} · aberta ${format.dateTime(chat.openedAt)}`];
    }

    /** Redraws the header's second line only (a department renamed): the form, focus and scroll stay. */
    drawMeta() {
        const chat = this.conversation();
        const line = this.element.querySelector("#chat-meta");
        if (chat && line) fill(line, this.meta(chat));
    }

    /** Forgets the draft of a chat that left this attendant. */
    forget(id) {
        if (this.drafts.delete(id)) this.save();
    }

    /** The time left to reply before the chat goes back to its queue (the department's reply timeout). */
    replyDueBar(chat) {
        if (!chat.replyDueAt || Date.parse(chat.replyDueAt) <= serverNow()) return null;
        return h("div", { class: "reply-due-bar", id: "reply-due" },
            h("span", { class: "countdown-prefix" }, "Responda em "),
            h("span", { class: "countdown", dataset: { until: chat.replyDueAt } },
                format.timeLeft(chat.replyDueAt)),
            ": sem resposta, a conversa volta para a fila.");
    }

    /** After a reply (here or from another tab): the reply clock's bar goes, the rest of the pane stays. */
    clockStopped(chat) {
        if (chat.replyDueAt) return;
        const bar = this.element.querySelector("#reply-due");
        if (bar) bar.remove();
    }

    wrapUpBar(chat) {
        if (chat.state !== "closed" || !chat.wrapUpUntil || Date.parse(chat.wrapUpUntil) <= serverNow()) return null;
        return h("div", { class: "wrap-up", id: "wrap-up" },
            "Pós-atendimento: ", h("span", { class: "countdown", dataset: { until: chat.wrapUpUntil } },
                format.timeLeft(chat.wrapUpUntil)),
            h("button", { class: "primary small", id: "finish-wrap-up", onclick: () => this.finishWrapUp(chat) },
                "Finalizar pós-atendimento"));
    }

    drawMessages(toBottom = true) {
        if (!this.list) return;
        const kept = this.list.scrollTop;
        const me = this.desk.me && this.desk.me.id;
        // Transfers between the messages, where they happened, so whoever receives the chat sees who passed it on.
        const items = [...this.messages.map((m) => ({ at: m.at, message: m })),
            ...(this.transfers || []).map((t) => ({ at: t.at, transfer: t }))]
            .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
        const chat = this.conversation();
        const contact = chat ? format.contactLabel(chat.contact) : "Contato";
        // Who wrote each message, for a screen reader: the eye tells them apart by side and colour.
        const writer = (m) => (m.from === "contact" ? contact
            : m.attendant && m.attendant.id !== me ? null
                : m.from === "attendant" ? (m.attendant ? "Você" : "Atendente") : "Bot");
        fill(this.list, items.map(({ message: m, transfer }) => transfer ? this.transferLine(transfer, me)
            : h("li", { class: `message from-${m.from}` },
                m.attendant && m.attendant.id !== me ? h("span", { class: "author" }, m.attendant.name) : null,
                writer(m) ? h("span", { class: "visually-hidden" }, `${writer(m)}: `) : null,
                h("p", {}, m.text), h("time", { datetime: m.at }, format.dateTime(m.at)))));
        this.list.scrollTop = toBottom ? this.list.scrollHeight : kept;
    }

    /** "Transferida por Ana para você · 04/12/2026 15:00" in the transcript. */
    transferLine(t, me) {
        const who = (person) => (person && person.id === me ? "você" : (person && person.name) || "um atendente");
        const by = t.by ? who(t.by) : (t.byAdmin && t.byAdmin.name) || "um administrador";
        const to = t.toAttendant ? who(t.toAttendant)
            : `a fila de ${(this.desk.departments.get(t.toDepartment) || { name: t.toDepartment || "" }).name}`;
        return h("li", { class: "transfer-note" },
            `Transferida por ${by} para ${to} · ${format.dateTime(t.at)}`);
    }

    async send() {
        const text = this.reply.value;
        if (!text.trim()) return;
        clearErrors(this.form);
        const id = this.id;
        try {
            const result = await this.rpc.call("conversation.reply", { id, text });
            // Only what was sent is cleared: text typed meanwhile (or in another chat) stays.
            if (this.drafts.get(id) === text) {
                this.drafts.delete(id);
                this.save();
            }
            if (this.id === id && this.reply.value === text) this.reply.value = "";
            this.desk.replied(result.conversation);
            if (this.id === id) this.clockStopped(result.conversation);
            if (this.id === id) this.received(this.desk.authored(result.message));
        } catch (error) {
            showError(this.form, error);
        }
    }

    async openTransfer() {
        const opener = this.element.querySelector("#transfer-open");
        if (!this.transfer.hidden) {
            this.closeTransfer();
            return;
        }
        const chat = this.conversation();
        // Read at each opening: who can take a chat now (their presence) changes all day.
        this.colleagues = await this.loadColleagues();
        // Another chat opened meanwhile: this form was for the one left.
        if (this.id !== chat.id || this.element.querySelector("#transfer-open") !== opener) return;
        const department = h("select", { name: "department", id: "transfer-department" },
            [...this.desk.departments.values()].map((d) => h("option", { value: d.id,
                selected: d.id === chat.department }, d.name)));
        const colleague = this.colleagues.length
            ? h("select", { name: "attendantId", id: "transfer-colleague" })
            : h("input", { name: "attendantId", id: "transfer-colleague", type: "number", min: 1, size: 6,
                placeholder: "nº do colega", title: "Número do colega (opcional)" });
        // A colleague takes the chat in the department chosen: only those who serve it are listed, and only those
        // logged in and inside their hours can be chosen (one away may: handing a chat to a named colleague is
        // the point; the daemon refuses one offline or off hours).
        const listColleagues = () => {
            if (!this.colleagues.length) return;
            const kept = colleague.value;
            const serving = this.colleagues.filter((c) => !c.departments || c.departments.includes(department.value));
            const able = (c) => !c.presence || c.presence === "online" || c.presence === "away";
            fill(colleague, [h("option", { value: "" }, "Qualquer um (fila)"),
                ...serving.map((c) => h("option", { value: c.id, disabled: !able(c) },
                    c.presence ? `${c.name} (${format.presenceLabels[c.presence] || c.presence})` : c.name))]);
            colleague.value = serving.some((c) => String(c.id) === kept && able(c)) ? kept : "";
        };
        listColleagues();
        department.addEventListener("change", listColleagues);
        // Who can take it changes while the form is open (a colleague logs in, steps away; no push tells this
        // desk): the list is read again when the attendant comes to choose from it.
        let reading = false;
        colleague.addEventListener("focus", async () => {
            if (reading || !this.colleagues.length) return;
            reading = true;
            const again = await this.loadColleagues();
            reading = false;
            // Redrawn only when someone changed: options replaced under an open picker can close it.
            const seen = (list) => JSON.stringify(list.map((c) => [c.id, c.presence, c.departments]));
            if (again.length && colleague.isConnected && seen(again) !== seen(this.colleagues)) {
                this.colleagues = again;
                listColleagues();
            }
        });
        const form = h("form", { class: "transfer-form", onsubmit: async (event) => {
            event.preventDefault();
            clearErrors(form);
            const params = { id: chat.id, department: department.value };
            if (colleague.value) params.attendantId = Number(colleague.value);
            this.desk.leaving.add(chat.id);
            try {
                const moved = await this.rpc.call("conversation.transfer", params);
                const me = this.desk.me && this.desk.me.id;
                if (moved.attendantId === me && moved.state === "assigned") {
                    // Nobody else could take it, and it came straight back (its push came before this reply).
                    this.desk.leaving.delete(chat.id);
                    notice("Ninguém mais pode atender agora: a conversa voltou para você.");
                } else {
                    notice(moved.attendantId === me && moved.state === "offered"
                        ? "Ninguém mais pode atender agora: a conversa voltou a ser oferecida a você."
                        : "Conversa transferida.");
                    this.desk.lost(chat.id);
                }
            } catch (error) {
                this.desk.leaving.delete(chat.id);
                showError(form, error);
            }
        } },
        h("label", { class: "field inline", dataset: { field: "department" } }, h("span", {}, "Departamento"),
            department, h("small", { class: "error" })),
        h("label", { class: "field inline", dataset: { field: "attendantId" } }, h("span", {}, "Colega"), colleague,
            // Why a department may list nobody: the daemon tells an attendant of the colleagues it works with.
            this.colleagues.length ? h("small", { class: "hint" }, "Colegas que atendem algum departamento seu.")
                : null,
            h("small", { class: "error" })),
        h("button", { type: "submit", class: "primary small", id: "transfer-send" }, "Transferir"),
        h("div", { dataset: { field: "_" } }, h("small", { class: "error" })));
        // Escape closes it, as a keyboard user expects of something opened by a button.
        form.addEventListener("keydown", (event) => {
            if (event.key !== "Escape") return;
            event.preventDefault();
            this.closeTransfer();
        });
        fill(this.transfer, form);
        this.transfer.hidden = false;
        opener?.setAttribute("aria-expanded", "true");
        department.focus();
    }

    /** Hides the transfer form; the keyboard goes back to "Transferir". */
    closeTransfer() {
        this.transfer.hidden = true;
        const opener = this.element.querySelector("#transfer-open");
        opener?.setAttribute("aria-expanded", "false");
        opener?.focus();
    }

    /**
     * Colleagues by name: `attendant.colleagues` (those who share a department with this attendant), else
     * `attendant.list` where the role allows it; with neither the form asks for a colleague's number.
     */
    async loadColleagues() {
        const me = this.desk.me && this.desk.me.id;
        for (const method of ["attendant.colleagues", "attendant.list"]) {
            try {
                const result = await this.rpc.call(method, {});
                return result.attendants.filter((a) => a.id !== me && a.active !== false);
            } catch (error) {
                // Not there, or not for this role: try the next way.
            }
        }
        return [];
    }

    /**
     * "Encerrar" asks once more ("Confirmar encerramento", for 8 s) before it ends the chat for the contact; the
     * question is said aloud too (the button keeps the focus, so Enter again confirms).
     */
    confirmClose(button) {
        if (button.dataset.confirming) {
            this.closeChat();
            return;
        }
        button.dataset.confirming = "true";
        button.textContent = "Confirmar encerramento";
        announce("Confirme o encerramento: ative o botão de novo em até 8 segundos.");
        setTimeout(() => {
            delete button.dataset.confirming;
            button.textContent = "Encerrar";
        }, 8000);
    }

    async closeChat() {
        const chat = this.conversation();
        this.desk.leaving.add(chat.id);
        try {
            const closed = await this.rpc.call("conversation.close", { id: chat.id });
            this.desk.closed(closed);
            notice("Conversa encerrada.");
        } catch (error) {
            this.desk.leaving.delete(chat.id);
            showError(this.form, error);
        }
    }

    finishWrapUp(chat) {
        return this.desk.finishWrapUp(chat.id);
    }
}
