// admin.js: the admin area: a header, the side menu (Atendentes, Departamentos, Supervisão, Administradores,
// Configurações) and the screen the address names (#/atendentes, #/atendentes/novo, #/atendentes/12, ...).
// One AdminStore feeds every screen, so switching screens reads nothing again.

import { h, fill } from "./dom.js";
import { AdminStore } from "./admin-store.js";
import { attendantsView } from "./attendants.js";
import { attendantCreateView, attendantProfileView } from "./attendant-form.js";
import { departmentsView } from "./departments.js";
import { boardView } from "./board.js";
import { adminsView } from "./admins.js";
import { settingsView } from "./settings.js";
import { zoneNote } from "./clock.js";

const menu = [
    ["#/atendentes", "Atendentes"],
    ["#/departamentos", "Departamentos"],
    ["#/supervisao", "Supervisão"],
    ["#/administradores", "Administradores"],
    ["#/configuracoes", "Configurações"],
];

/** Draws the admin area into `root`; returns {stop, resync}. */
export function adminArea(root, rpc, { admin, onLogout }) {
    const store = new AdminStore(rpc);
    const content = h("section", { class: "content", id: "content" });
    const nav = h("nav", { class: "side-menu", "aria-label": "Menu lateral" });
    const status = h("span", { class: "store-status" });
    root.append(h("div", { class: "admin-layout" },
        h("header", { class: "topbar" },
            h("span", { class: "brand" }, "atende"),
            h("span", { class: "role" }, admin && admin.name ? `${admin.name} · Administrador` : "Administrador"),
            status,
            h("span", { class: "zone-note", id: "zone-note" }, zoneNote()),
            h("button", { class: "link", id: "logout", onclick: () => { if (mayLeave()) onLogout(); } }, "Sair")),
        nav, content));

    let view = null;
    let loaded = false;
    let shown = null;  // the address the current view was drawn for

    /** Whether the current view may go: yes, unless it has unsaved changes and the admin wants to keep them. */
    function mayLeave() {
        return !(view && view.unsaved && view.unsaved())
            || confirm("Há alterações não salvas neste atendente. Sair sem salvar?");
    }

    function route() {
        const hash = location.hash || "#/atendentes";
        if (shown !== null && hash !== shown && !mayLeave()) {
            history.replaceState(null, "", shown);  // back to the form's address; the form was never left
            return;
        }
        shown = hash;
        fill(nav, menu.map(([href, label]) => h("a", { href, class: hash.startsWith(href) ? "active" : null },
            label)));
        if (view) view.stop();
        view = null;
        fill(content);
        if (!loaded) {
            content.append(h("p", { class: "loading" }, "Carregando…"));
            return;
        }
        const parts = hash.slice(2).split("/");
        const context = { rpc, store, me: admin || null, go: (to) => { location.hash = to; } };
        switch (parts[0]) {
        case "atendentes":
            if (parts[1] === "novo") view = attendantCreateView(content, context);
            else if (parts[1]) view = attendantProfileView(content, context, Number(parts[1]));
            else view = attendantsView(content, context);
            break;
        case "departamentos": view = departmentsView(content, context); break;
        case "supervisao": view = boardView(content, context); break;
        case "administradores": view = adminsView(content, context); break;
        case "configuracoes": view = settingsView(content, context); break;
        default: location.hash = "#/atendentes";
        }
    }

    async function load() {
        // After a reconnect the views redraw from the store's "all" change; only the first load draws the screen,
        // so a form being filled in keeps what was typed.
        const first = !loaded;
        try {
            await store.load();
            loaded = true;
            status.textContent = store.problem || "";
        } catch (error) {
            status.textContent = "Falha ao carregar: " + error.message;
        }
        if (first) route();
    }

    window.addEventListener("hashchange", route);
    route();
    load();

    return {
        stop() {
            window.removeEventListener("hashchange", route);
            if (view) view.stop();
            store.stop();
        },
        resync() {
            load();
        },
    };
}
