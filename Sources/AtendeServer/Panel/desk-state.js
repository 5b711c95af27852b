// desk-state.js: what the attendant desk knows (its chats, offers, the waiting list, unread marks and since when
// each contact waits for a reply), kept by one queue.list snapshot and then by the pushes; the actions that change
// it (accept, decline, take) live here too, so the view only draws.

import { notice } from "./dom.js";
import * as format from "./format.js";
import { serverNow } from "./clock.js";

const backAgain = "Ninguém mais pode atender agora: a conversa voltou a ser oferecida a você.";

/** Why a chat left the attendant without its doing (`conversation.revoked`), as the attendant reads it. */
export function revokedText(who, reason) {
    switch (reason) {
    case "offer-expired": return `A oferta de ${who} expirou: a conversa voltou para a fila.`;
    case "reply-timeout": return `Sem resposta a tempo: a conversa com ${who} voltou para a fila.`;
    case "offline": return `Você ficou offline: a conversa com ${who} voltou para a fila.`;
    case "away": return `Você ficou ausente por ofertas perdidas: a oferta de ${who} voltou para a fila.`;
    case "rescinded": return `A oferta de ${who} foi cancelada (a conversa foi encerrada ou encaminhada).`;
    default: return `A conversa com ${who} foi retirada (${reason}).`;
    }
}

/** What the desk knows, kept by the snapshot and the pushes. */
export class DeskState {
    constructor(rpc, me) {
        this.rpc = rpc;
        this.me = me;
        this.presence = me ? me.presence : "online";
        this.settings = null;
        this.departments = new Map();
        this.mine = new Map();
        this.offers = new Map();
        /** What the contact of each offered chat said last (id → text), so the attendant knows what it is about. */
        this.offerWords = new Map();
        /** Chats declined here lately (id → when): one offered again at once is said to have come back. */
        this.declinedAt = new Map();
        this.wrapping = new Map();
        this.waiting = [];
        this.unread = new Map();       // chat id → contact messages not seen yet
        this.fresh = new Set();        // chats assigned and not opened yet
        this.leaving = new Set();      // chats this desk is closing or transferring (their pushes need no notice)
        this.arriving = new Set();     // chats this desk is taking or accepting (likewise)
        this.waitingSince = new Map();  // chat id → time of the oldest contact message not answered yet
        this.queueTimer = null;
        this.pane = null;
        this.onChange = () => {};
        this.onSelect = () => {};
        this.stopEvents = rpc.on("event", (event) => this.apply(event));
        // The attendant's other tabs in this browser: a chat read in one is read in all. (Another device does not
        // hear it: the daemon keeps no read marks; a reply from anywhere clears them, conversation.replied.)
        this.readChannel = me && me.id && typeof BroadcastChannel === "function"
            ? new BroadcastChannel(`atende.desk.read.${me.id}`) : null;
        if (this.readChannel) this.readChannel.onmessage = (message) => this.readElsewhere(message.data);
        this.onVisible = () => this.seen();
        if (typeof document !== "undefined") document.addEventListener("visibilitychange", this.onVisible);
        // Messages another tab showed as they came: this tab's push of one may arrive after the other tab's word.
        this.seenElsewhere = new Set();
        // When each chat was last read in this browser (kept in localStorage, per attendant), so a reload or a new
        // tab does not mark again what was read.
        this.readMarksKey = me && me.id ? `atende.desk.read.${me.id}` : null;
    }

    /** The read marks of this browser: chat id → when it was last read (ms). */
    readMarks() {
        if (!this.readMarksKey) return {};
        try {
            return JSON.parse(localStorage.getItem(this.readMarksKey) || "{}") || {};
        } catch (error) {
            return {};
        }
    }

    /** Notes that `id` was read now; marks of chats no longer this attendant's are dropped. */
    saveReadMark(id) {
        if (!this.readMarksKey) return;
        const marks = this.readMarks();
        marks[id] = serverNow();
        for (const key of Object.keys(marks)) if (!this.mine.has(Number(key)) && Number(key) !== id) delete marks[key];
        try {
            localStorage.setItem(this.readMarksKey, JSON.stringify(marks));
        } catch (error) {
            // A full or forbidden storage: the marks are this tab's only.
        }
    }

    stop() {
        this.stopEvents();
        clearTimeout(this.queueTimer);
        if (this.readChannel) this.readChannel.close();
        if (typeof document !== "undefined") document.removeEventListener("visibilitychange", this.onVisible);
    }

    /** The tab is looked at again: what arrived in the open chat meanwhile is read now. */
    seen() {
        if (typeof document === "undefined" || document.hidden || !this.pane || this.pane.id === null) return;
        if (!this.unread.has(this.pane.id)) return;
        this.markRead(this.pane.id);
        this.changed("mine");
    }

    /** The attendant sees this chat here (and `message`, just shown in it): read in all its tabs. */
    markRead(id, message = null) {
        this.unread.delete(id);
        this.fresh.delete(id);
        this.saveReadMark(id);
        if (this.readChannel) this.readChannel.postMessage({ read: id, message });
    }

    /** Another tab of this attendant showed the chat. */
    readElsewhere(data) {
        const id = data && data.read;
        if (data && data.message !== null && data.message !== undefined) {
            if (this.seenElsewhere.size > 500) this.seenElsewhere.clear();
            this.seenElsewhere.add(data.message);
        }
        if (!this.unread.has(id) && !this.fresh.has(id)) return;
        this.unread.delete(id);
        this.fresh.delete(id);
        this.changed("mine");
    }

    changed(...what) {
        this.onChange(new Set(what));
    }

    /** Whether the attendant has room for one more chat: its chats, offers held and running wrap-ups count. */
    hasRoom() {
        const max = this.me && this.me.maxChats;
        if (!max) return true;
        return this.mine.size + this.offers.size + this.runningWrapUps().length < max;
    }

    /** A chat the desk shows, wherever it is. */
    find(id) {
        return this.mine.get(id) || this.offers.get(id) || this.wrapping.get(id)
            || this.waiting.find((c) => c.id === id) || null;
    }

    async load() {
        const [settings, departments, wrapping] = await Promise.all([
            this.rpc.call("settings.get", {}).catch(() => null),
            this.rpc.call("department.list", {}).catch(() => ({ departments: [] })),
            // A reload during a wrap-up finds it here (an older daemon without the method: none).
            this.rpc.call("conversation.wrapping", {}).catch(() => ({ conversations: [] })),
        ]);
        this.settings = settings;
        this.departments = new Map(departments.departments.map((d) => [d.id, d]));
        for (const chat of wrapping.conversations) this.wrapping.set(chat.id, chat);
        await this.readQueue();
        // What was read before a reload is not known here: the messages still unanswered are marked unread. A later
        // load (after a dropped connection) keeps the marks this page knows.
        const first = !this.loaded;
        this.loaded = true;
        await Promise.all([...this.mine.keys()].map((id) => this.readWaitingSince(id, first)));
        this.changed("mine", "offers", "waiting", "settings", "presence", "wrapping");
    }

    async readQueue() {
        try {
            const queue = await this.rpc.call("queue.list", {});
            this.mine = new Map();
            this.offers = new Map();
            for (const chat of queue.assigned) {
                if (chat.state === "offered") this.offers.set(chat.id, chat);
                else this.mine.set(chat.id, chat);
            }
            this.waiting = queue.waiting;
            for (const id of this.offerWords.keys()) if (!this.offers.has(id)) this.offerWords.delete(id);
            for (const id of this.offers.keys()) if (!this.offerWords.has(id)) this.readOfferWords(id);
        } catch (error) {
            notice(format.errorText(error), "bad");
        }
    }

    /** The queue again, soon (several queue.changed in a row make one read). */
    queueSoon() {
        if (this.queueTimer) return;
        this.queueTimer = setTimeout(async () => {
            this.queueTimer = null;
            const before = new Set(this.mine.keys());
            await this.readQueue();
            for (const id of this.mine.keys()) if (!before.has(id)) this.readWaitingSince(id);
            this.changed("waiting", "mine", "offers");
        }, 150);
    }

    /**
     * Finds, from the history, since when the contact has waited for a reply; with `markUnread` (the desk just
     * loaded, or the chat came from elsewhere), the contact's messages since the last reply count as unread.
     */
    async readWaitingSince(id, markUnread = false) {
        try {
            const { messages } = await this.rpc.call("conversation.history", { id, limit: 50 });
            const readAt = this.readMarks()[id] || 0;
            let since = null;
            let unanswered = 0;
            for (const message of messages) {
                if (message.from === "attendant") {
                    since = null;
                    unanswered = 0;
                } else {
                    if (!since) since = message.at;
                    // Read already in this browser (before a reload, or in another tab): not unread again.
                    if (message.from === "contact" && Date.parse(message.at) > readAt) unanswered += 1;
                }
            }
            if (since) this.waitingSince.set(id, since);
            else this.waitingSince.delete(id);
            if (markUnread && unanswered > 0 && !this.unread.has(id) && this.pane.id !== id) {
                this.unread.set(id, unanswered);
            }
            this.changed("mine");
        } catch (error) {
            // The clock stays off for this chat.
        }
    }

    /** Reads what the contact of offered chat `id` said last (the offered attendant may read its history). */
    async readOfferWords(id) {
        this.offerWords.set(id, "");  // asked once per offer
        try {
            const { messages } = await this.rpc.call("conversation.history", { id, limit: 20 });
            const last = messages.filter((m) => m.from === "contact").pop();
            if (!last || !this.offers.has(id)) return;
            this.offerWords.set(id, format.excerpt(last.text));
            this.changed("offers");
        } catch (error) {
            // The card goes without it.
        }
    }

    apply(event) {
        const chat = event.conversation;
        switch (event.type) {
        case "conversation.offered":
            // A notice too: on a phone the offers sit at the top of a long page, out of sight while reading.
            if (!this.offers.has(chat.id)) {
                notice(this.offerText(chat));
                this.readOfferWords(chat.id);  // again for an offer made again: the contact may have said more
            }
            this.offers.set(chat.id, chat);
            this.changed("offers");
            break;
        case "conversation.revoked": {
            // A reply being typed when the chat was taken back is kept: it comes back with the chat, should the
            // chat come back to this attendant (and the notice says so).
            const drafted = this.pane.drafts.has(chat.id);
            this.offers.delete(chat.id);
            this.offerWords.delete(chat.id);
            if (this.mine.delete(chat.id)) this.changed("mine");
            this.changed("offers");
            notice(revokedText(format.contactLabel(chat.contact), event.reason)
                + (drafted ? " Seu rascunho fica guardado, caso ela volte para você." : ""), "bad");
            if (this.pane.id === chat.id) this.pane.close();
            break;
        }
        case "conversation.assigned":
            this.offers.delete(chat.id);
            this.offerWords.delete(chat.id);
            this.mine.set(chat.id, chat);
            // Not taken here (accepted in another tab, or come from an offer): its messages arrived while it was
            // not this desk's, so they are counted unread from the history.
            this.readWaitingSince(chat.id, !this.arriving.has(chat.id));
            this.changed("mine", "offers");
            if (this.arriving.has(chat.id)) break;  // taken or accepted here: it opens on screen
            // Marked new; its messages (the opening text included) arrive as conversation.message and count.
            this.fresh.add(chat.id);
            notice(`Nova conversa: ${format.contactLabel(chat.contact)}`);
            break;
        case "conversation.message":
            if (this.mine.has(chat.id)) this.mine.set(chat.id, chat);
            if (!this.waitingSince.has(chat.id)) this.waitingSince.set(chat.id, event.message.at);
            if (this.pane.id === chat.id) {
                this.pane.received(event.message);
                // Shown in a tab the attendant is looking at: read in its other tabs too. In a tab out of sight it
                // is unread until the tab is looked at again (the tab's title counts it meanwhile).
                if (typeof document === "undefined" || !document.hidden) this.markRead(chat.id, event.message.id);
                else if (!this.seenElsewhere.delete(event.message.id)) {
                    this.unread.set(chat.id, (this.unread.get(chat.id) || 0) + 1);
                }
            } else if (!this.seenElsewhere.delete(event.message.id)) {
                this.unread.set(chat.id, (this.unread.get(chat.id) || 0) + 1);
            }
            this.changed("mine");
            break;
        case "department.changed": {
            // Renamed, made or deleted elsewhere: the names on this desk follow (the open chat's header too).
            const department = event.department;
            if (event.deleted) this.departments.delete(department.id);
            else this.departments.set(department.id, department);
            this.changed("mine", "offers", "waiting");
            this.pane.drawMeta();  // the open chat's header line, nothing else of the pane
            break;
        }
        case "conversation.updated": {
            // Declined or wrapped up from another tab or device: gone from here too, unless offered here again.
            const me = this.me && this.me.id;
            if (this.offers.has(chat.id) && !(chat.state === "offered" && chat.attendantId === me)) {
                this.offers.delete(chat.id);
                this.changed("offers");
            }
            if (this.wrapping.has(chat.id) && !(chat.wrapUpUntil && Date.parse(chat.wrapUpUntil) > serverNow())) {
                this.wrapUpFinished(chat.id);
            }
            break;
        }
        case "conversation.replied":
            // This attendant answered from another tab or device: the contact no longer waits here either.
            if (this.mine.has(chat.id)) this.mine.set(chat.id, chat);
            this.waitingSince.delete(chat.id);
            this.unread.delete(chat.id);
            if (this.pane.id === chat.id) {
                this.pane.received(this.authored(event.message));
                this.pane.clockStopped(chat);
            }
            this.changed("mine");
            break;
        case "conversation.closed":
            if (this.mine.has(chat.id) && !this.leaving.has(chat.id)) {
                notice(`Conversa com ${format.contactLabel(chat.contact)} encerrada.`);
            }
            this.closed(chat);
            break;
        case "conversation.transferred":
            if (this.mine.has(chat.id) && !this.leaving.has(chat.id)) {
                notice(`Conversa com ${format.contactLabel(chat.contact)} foi `
                    + "transferida.");
            }
            this.lost(chat.id);
            break;
        case "queue.changed":
            this.queueSoon();
            break;
        case "potentials.changed":
            this.changed("potentials");  // the list is read again where it is shown
            break;
        case "settings.changed":
            // An admin changed what attendants may do: "Remover" and the agenda follow at once.
            this.settings = event.settings;
            this.changed("settings");
            break;
        case "presence.changed":
            this.presence = event.presence;
            this.changed("presence");
            if (event.reason === "missed-offers") notice("Você ficou Ausente por perder ofertas seguidas.", "bad");
            break;
        default:
            break;
        }
    }

    async accept(id) {
        const offered = this.offers.get(id);
        this.arriving.add(id);
        try {
            const chat = await this.rpc.call("conversation.accept", { id });
            this.offers.delete(id);
            this.mine.set(id, chat);
            this.readWaitingSince(id);
            this.changed("offers", "mine");
            this.onSelect(id);
        } catch (error) {
            this.arriving.delete(id);
            notice(format.errorText(error), "bad");
            if (this.offers.get(id) === offered) this.offers.delete(id);
            this.changed("offers");
        }
    }

    /** A reply of this attendant's (from this tab or another), with its author as the history gives it. */
    authored(message) {
        return message.attendant || !this.me ? message
            : { ...message, attendant: { id: this.me.id, name: this.me.name } };
    }

    /** The notice for an offer: a chat declined here moments ago comes back when nobody else can take it. */
    offerText(chat, now = Date.now()) {
        const declinedAt = this.declinedAt.get(chat.id);
        this.declinedAt.delete(chat.id);
        if (declinedAt !== undefined && now - declinedAt < 10_000) return backAgain;
        return `Nova conversa oferecida: ${format.contactLabel(chat.contact)}`;
    }

    /**
     * The chats that go back to their queues once the presence grace of an attendant who leaves runs out
     * (settings' requeueOnOffline: "unanswered", the default, only those it has not replied to; "none", none).
     */
    returningOnLeave() {
        const policy = (this.settings && this.settings.requeueOnOffline) || "unanswered";
        if (policy === "none") return 0;
        const chats = [...this.mine.values()];
        return policy === "all" ? chats.length : chats.filter((c) => !c.firstReplyAt).length;
    }

    /** The offers, the highest priority first, then the oldest. */
    offerList() {
        return [...this.offers.values()].sort((a, b) => (b.priority || 0) - (a.priority || 0)
            || String(a.offeredAt || "").localeCompare(String(b.offeredAt || "")));
    }

    async decline(id) {
        // The chat may be offered here again at once (nobody else can take it): that new offer's push comes
        // before this reply and replaces the entry, and must stay on screen.
        const declined = this.offers.get(id);
        // Set before the call: the new offer's push may come before its reply. Old entries go (a chat declined and
        // never offered here again).
        for (const [old, at] of this.declinedAt) if (Date.now() - at > 10_000) this.declinedAt.delete(old);
        this.declinedAt.set(id, Date.now());
        try {
            await this.rpc.call("conversation.decline", { id });
        } catch (error) {
            this.declinedAt.delete(id);
            notice(format.errorText(error), "bad");
        }
        if (this.offers.get(id) === declined) this.offers.delete(id);
        else if (this.offers.has(id)) {
            this.declinedAt.delete(id);
            notice(backAgain);
        }
        this.changed("offers");
    }

    async take(id) {
        this.arriving.add(id);
        try {
            const chat = await this.rpc.call("conversation.take", { id });
            this.waiting = this.waiting.filter((c) => c.id !== id);
            this.mine.set(id, chat);
            this.readWaitingSince(id);
            this.changed("waiting", "mine");
            this.onSelect(id);
        } catch (error) {
            this.arriving.delete(id);
            notice(format.errorText(error), "bad");
        }
    }

    /** The attendant answered: the contact no longer waits. */
    replied(chat) {
        if (this.mine.has(chat.id)) this.mine.set(chat.id, chat);
        this.waitingSince.delete(chat.id);
        this.changed("mine");
    }

    /** The chat left this attendant (transferred, taken back). */
    lost(id) {
        this.pane.forget(id);
        this.arriving.delete(id);
        this.mine.delete(id);
        this.unread.delete(id);
        this.fresh.delete(id);
        this.waitingSince.delete(id);
        if (this.pane.id === id) this.pane.close();
        this.changed("mine");
    }

    closed(chat) {
        this.pane.forget(chat.id);
        const wasMine = this.mine.delete(chat.id) || this.offers.delete(chat.id);
        this.arriving.delete(chat.id);
        this.unread.delete(chat.id);
        this.fresh.delete(chat.id);
        this.waitingSince.delete(chat.id);
        if (chat.wrapUpUntil && Date.parse(chat.wrapUpUntil) > serverNow()) this.wrapping.set(chat.id, chat);
        if (this.pane.id === chat.id) {
            // Keep the transcript on screen, now read-only (and with the wrap-up bar while it runs).
            if (!this.wrapping.has(chat.id)) this.wrapping.set(chat.id, chat);
            this.changed("pane");
        }
        if (wasMine) this.changed("mine", "offers");
        this.changed("wrapping");
    }

    /** The closed chats whose wrap-up still runs, the one ending first first. */
    runningWrapUps(now = serverNow()) {
        return [...this.wrapping.values()]
            .filter((c) => c.wrapUpUntil && Date.parse(c.wrapUpUntil) > now)
            .sort((a, b) => Date.parse(a.wrapUpUntil) - Date.parse(b.wrapUpUntil) || a.id - b.id);
    }

    /** Takes a closed chat off the screen. */
    dismiss(id) {
        // A chat whose wrap-up still runs stays under "Pós-atendimento": only the pane closes.
        if (!this.runningWrapUps().some((c) => c.id === id)) this.wrapping.delete(id);
        this.leaving.delete(id);
        if (this.pane.id === id) this.pane.close();
        this.changed("wrapping");
    }

    wrapUpFinished(id) {
        this.wrapping.delete(id);
        if (this.pane.id === id) this.pane.close();
        this.changed("wrapping");
    }

    /** Ends a wrap-up from the list or the pane (the slot is free at once). */
    async finishWrapUp(id) {
        try {
            await this.rpc.call("conversation.finishWrapUp", { id });
            this.wrapUpFinished(id);
        } catch (error) {
            // 1010: it had already ended (its time ran out, or another tab finished it).
            if (error.code === 1010) this.wrapUpFinished(id);
            else notice(format.errorText(error), "bad");
        }
    }
}
