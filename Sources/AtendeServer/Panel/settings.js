// settings.js: the "Configurações" screen: account settings other than the two permissions (which sit on the
// Atendentes screen, as in the help page): access only within hours, what happens to an absent attendant's chats,
// missed offers before "Ausente", and the holidays (days off for everyone whose hours are not "always").
// The form follows settings.changed (another admin's or atendectl's change) without a reload: a field still showing
// what the daemon last said takes the new value; a field the admin has edited keeps what was typed (a notice says
// so when the daemon's value under it changed), and "Salvar" sends only what differs from the newest settings.

import { h, fill, field, toggle, clearErrors, showError, showErrors, notice, floppyIcon, nameAfter } from "./dom.js";
import { parseDay, dayProblem, showDay, maskDay, InputProblem } from "./hours.js";

// Short enough for a phone's width: a native select shows its choice on one line, cut where it does not fit.
const requeueLabels = {
    none: "Continuam com ele",
    unanswered: "As sem resposta voltam à fila",
    all: "Todas voltam à fila",
};

/** Draws the settings screen; returns {stop}. */
export function settingsView(root, { rpc, store }) {
    const settings = store.settings || {};
    const restrict = toggle("restrictAccessToHours", "Atendentes só acessam dentro do horário de atendimento",
        settings.restrictAccessToHours);
    const requeue = h("select", { name: "requeueOnOffline" }, Object.entries(requeueLabels).map(([key, label]) =>
        h("option", { value: key, selected: key === (settings.requeueOnOffline || "unanswered") }, label)));
    const missed = h("input", { name: "maxMissedOffers", type: "number", min: 0, max: 100,
        value: settings.maxMissedOffers === undefined ? 2 : settings.maxMissedOffers });
    const holidays = h("div", { class: "holidays" });
    const rows = [];
    const form = h("form", { class: "card form", id: "settings-form", novalidate: true, onsubmit: save },
        h("div", { class: "screen-head" }, h("h1", {}, "Configurações"),
            h("button", { type: "submit", class: "primary save", title: "Salvar" }, floppyIcon(),
                h("span", {}, "Salvar"))),
        restrict,
        // Shown only when the daemon has them (contract v2), so an older one is not asked for what it lacks.
        "requeueOnOffline" in settings
            ? field("requeueOnOffline", "Quando o atendente fica offline, as conversas dele…", requeue) : null,
        "maxMissedOffers" in settings
            ? field("maxMissedOffers", "Ofertas perdidas seguidas até ficar Ausente (0 = nunca)", missed,
                "0 a 100.") : null,
        h("h2", {}, "Feriados"),
        h("p", { class: "hint" }, "Dia de folga para todos os atendentes com horário definido, exceto quem tem uma "
            + "exceção para a data."),
        h("div", { dataset: { field: "holidays" } }, holidays, h("small", { class: "error", role: "alert" })),
        h("button", { type: "button", class: "secondary small", id: "add-holiday",
            onclick: () => addHoliday({ date: "", name: "" }).focus() }, "+ Feriado"),  // the new row's date
        h("div", { class: "form-error", dataset: { field: "_" } }, h("small", { class: "error" })));
    root.append(form);

    function addHoliday(holiday) {
        const date = maskDay(h("input", { class: "holiday-date", value: showDay(holiday.date),
            dataset: { part: "date" }, placeholder: "dd/mm/aaaa", size: 10,
            inputmode: "numeric",  // digits only: the mask adds the "/"
            "aria-label": "Data do feriado" }));
        const name = h("input", { class: "holiday-name", value: holiday.name, placeholder: "Nome do feriado",
            dataset: { part: "name" },
            "aria-label": "Nome do feriado" });
        const entry = { date, name, row: null };
        // A group: an error marks the one input it is about (data-part), not both.
        entry.row = h("div", { class: "holiday", dataset: { group: "" } }, date, name,
            nameAfter(h("button", { type: "button", class: "icon remove-holiday", title: "Remover feriado",
                onclick: () => {
                    entry.row.remove();
                    rows.splice(rows.indexOf(entry), 1);
                    form.querySelector("#add-holiday").focus();  // its row is gone: on from "+ Feriado"
                } }, "×"), "Remover feriado", name),
            h("small", { class: "error", role: "alert" }));
        rows.push(entry);
        holidays.append(entry.row);
        return date;
    }

    for (const holiday of settings.holidays || []) addHoliday(holiday);

    // What the form last drew from the daemon; a field that differs from it is one the admin edited.
    let drawn = settings;
    let saving = false;
    // Each field: what it shows now, what it shows for given settings, and how to show them.
    const shows = (input, show, property = "value") =>
        ({ read: () => input[property], show, put: (s) => { input[property] = show(s); } });
    const fields = [
        shows(restrict.querySelector("input"), (s) => s.restrictAccessToHours === true, "checked"),
        shows(requeue, (s) => s.requeueOnOffline || "unanswered"),
        shows(missed, (s) => String(s.maxMissedOffers ?? 2)),
        { read: () => JSON.stringify(rows.map((entry) => [entry.date.value, entry.name.value])),
            show: (s) => JSON.stringify((s.holidays || []).map((holiday) => [showDay(holiday.date), holiday.name])),
            put: (s) => {
                rows.length = 0;
                holidays.replaceChildren();
                for (const holiday of s.holidays || []) addHoliday(holiday);
            } },
    ];

    /** Brings the form to the store's settings, keeping what the admin edited. */
    function follow() {
        const next = store.settings || {};
        if (saving || next === drawn) return;  // the save draws its own answer
        let kept = false;
        for (const entry of fields) {
            const mine = entry.read();
            if (mine === entry.show(drawn)) {
                if (mine !== entry.show(next)) entry.put(next);
            } else if (entry.show(next) !== entry.show(drawn) && mine !== entry.show(next)) {
                kept = true;
            }
        }
        drawn = next;
        if (kept) notice("As configurações mudaram em outra sessão; o que você editou foi mantido.", "bad");
    }

    async function save(event) {
        event.preventDefault();
        clearErrors(form);
        const current = store.settings || {};
        const update = {};
        const restrictValue = form.querySelector('input[name="restrictAccessToHours"]').checked;
        if (restrictValue !== current.restrictAccessToHours) update.restrictAccessToHours = restrictValue;
        if ("requeueOnOffline" in current && requeue.value !== current.requeueOnOffline) {
            update.requeueOnOffline = requeue.value;
        }
        // Every problem of the form at once, each at its place (the daemon would refuse them one per save).
        const problems = [];
        if ("maxMissedOffers" in current) {
            // Empty or not a number (a number field reads such input as ""): never taken as 0, "never".
            const count = Number(missed.value);
            if (missed.validity.badInput || missed.value.trim() === "" || !Number.isInteger(count) || count < 0) {
                problems.push(new InputProblem("maxMissedOffers", "informe um número inteiro (0 = nunca)"));
            } else if (count > 100) {
                problems.push(new InputProblem("maxMissedOffers", "deve estar entre 0 e 100"));
            } else if (count !== current.maxMissedOffers) {
                update.maxMissedOffers = count;
            }
        }
        const seen = new Map();  // date → the row that has it first
        const list = rows.map((entry, index) => {
            entry.row.dataset.field = `holidays[${index}]`;
            const date = parseDay(entry.date.value);
            const name = entry.name.value.trim();
            if (!date) {
                problems.push(new InputProblem(`holidays[${index}].date`, dayProblem(entry.date.value)));
            } else if (seen.has(date)) {
                problems.push(new InputProblem(`holidays[${index}].date`, "já há um feriado nesta data"));
            } else {
                seen.set(date, index);
            }
            // One message a row: its date's problem first.
            if (date && !name && !problems.some((p) => p.field === `holidays[${index}].date`)) {
                problems.push(new InputProblem(`holidays[${index}].name`, "informe o nome do feriado"));
            }
            return { date, name };
        });
        if (problems.length) {
            showErrors(form, problems);
            return;
        }
        if (JSON.stringify(list) !== JSON.stringify(current.holidays || [])) update.holidays = list;
        if (Object.keys(update).length === 0) {
            notice("Nada mudou.");
            return;
        }
        saving = true;
        try {
            const saved = await rpc.call("settings.update", update);
            saving = false;
            // The daemon's answer as the form (holidays in its order); then the store, which the form now matches.
            for (const entry of fields) entry.put(saved);
            drawn = saved;
            store.putSettings(saved);
            notice("Configurações salvas.");
        } catch (error) {
            saving = false;
            follow();
            showError(form, error);
        }
    }

    const stop = store.watch((what) => {
        if (what === "settings" || what === "all") follow();
    });
    return { stop };
}
