// attendants.js: the "Atendentes" screen: the two account permissions as switches, the "+" that opens the create
// form, and the list (name, login, status, open chats, overall rating, active), redrawn from pushes. The switches
// follow settings.changed too, so another admin's change shows here at once.

import { h, fill, toggle, showError, clearErrors, notice, labelCells, keepFocus } from "./dom.js";
import * as format from "./format.js";

/** Draws the attendants list; returns {stop}. */
export function attendantsView(root, { rpc, store, go }) {
    const permissions = h("div", { class: "permissions card", id: "permissions" });
    const table = h("table", { class: "list", id: "attendants-table" });
    root.append(
        h("div", { class: "screen-head" },
            h("h1", {}, "Atendentes"),
            h("button", { class: "round primary", id: "add-attendant", title: "Novo atendente",
                "aria-label": "Novo atendente", onclick: () => go("#/atendentes/novo") }, "+")),
        permissions,
        table);

    const images = new Map();

    function drawPermissions() {
        const settings = store.settings || {};
        // Switches already shown are set in place, so a redraw keeps the keyboard focus where it was.
        const shown = permissions.querySelectorAll('input[role="switch"]');
        if (shown.length > 0) {
            for (const input of shown) input.checked = settings[input.name] === true;
            return;
        }
        fill(permissions,
            toggle("attendantsCanRemovePotentials", "Atendentes podem remover contatos dos potenciais",
                settings.attendantsCanRemovePotentials, change),
            toggle("attendantsCanViewBotContacts", "Atendentes podem visualizar agenda de contatos do bot",
                settings.attendantsCanViewBotContacts, change));
    }

    async function change(event) {
        const input = event.target;
        clearErrors(permissions);
        try {
            const settings = await rpc.call("settings.update", { [input.name]: input.checked });
            store.putSettings(settings);
            notice("Permissão salva.");
        } catch (error) {
            input.checked = !input.checked;
            showError(permissions, error.field ? error : Object.assign(error, { data: { field: input.name,
                reason: error.reason } }));
        }
    }

    function avatar(attendant) {
        const element = h("span", { class: "avatar" }, format.initials(attendant.name));
        if (attendant.hasImage) {
            const cached = images.get(attendant.id);
            if (cached) {
                fill(element, h("img", { src: cached, alt: "" }));
            } else if (cached === undefined) {
                images.set(attendant.id, null);
                rpc.call("attendant.image", { id: attendant.id }).then((image) => {
                    images.set(attendant.id, `data:${image.contentType};base64,${image.base64}`);
                    drawList();
                }).catch(() => {});
            }
        }
        return element;
    }

    function drawList() {
        // Pushes redraw it all day (presence, chats, ratings, a photo arriving): the keyboard keeps its row.
        keepFocus(table, drawRows);
    }

    function drawRows() {
        const attendants = store.attendantList();
        fill(table,
            h("thead", {}, h("tr", {},
                ["", "Nome", "Usuário", "Status", "Conversas abertas", "Nota geral de atendimento", "Ativo"]
                    .map((title) => h("th", { class: title === "Conversas abertas" ? "num" : null }, title)))),
            h("tbody", {}, attendants.length === 0
                ? h("tr", {}, h("td", { colspan: 7, class: "empty" }, "Nenhum atendente ainda. Clique em “+”."))
                : attendants.map((a) => h("tr", { class: "clickable", dataset: { id: a.id },
                    // The name's link follows itself (a ctrl-click opens a new tab and leaves this one here).
                    onclick: (event) => { if (!event.target.closest("a")) go(`#/atendentes/${a.id}`); } },
                h("td", {}, avatar(a)),
                // A link as well as the row's click: the keyboard and screen readers reach the profile through it.
                h("td", { class: "name" }, h("a", { href: `#/atendentes/${a.id}`, class: "row-link" }, a.name)),
                h("td", { class: "login" }, a.login),
                h("td", { class: "presence" }, h("span", { class: `badge presence-${a.presence}` },
                    format.presenceLabels[a.presence] || a.presence)),
                h("td", { class: "open-chats num" }, String(a.openChats)
                    + (a.wrappingChats ? ` (+${a.wrappingChats} pós)` : "")),
                h("td", { class: "rating" }, a.rating.count
                    ? [h("strong", {}, format.rating(a.rating.average)),
                        ` (${format.count(a.rating.count, "avaliação", "avaliações")})`]
                    : h("span", { class: "muted" }, "sem avaliações")),
                h("td", { class: "active" }, a.active ? "Sim" : h("span", { class: "muted" }, "Não"))))));
        labelCells(table);
    }

    drawPermissions();
    drawList();
    const stop = store.watch((what) => {
        if (what === "settings" || what === "all") drawPermissions();
        if (what === "attendants" || what === "all") drawList();
    });
    return { stop };
}
