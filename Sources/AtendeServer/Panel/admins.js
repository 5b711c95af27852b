// admins.js: the "Administradores" screen: admin accounts (admin.list/create/update/delete). Their logins share
// one namespace with the attendants' (the daemon answers 1009 for a taken one, shown under "Usuário").

import { h, fill, field, clearErrors, showError, showErrors, notice, floppyIcon, labelCells, closeInlineForm,
    watchChanges, leaveUnchangedOrAsk } from "./dom.js";
import * as format from "./format.js";
import { passwordInput } from "./attendant-form.js";
import { InputProblem } from "./hours.js";

/** Draws the admin accounts screen; returns {stop}. */
export function adminsView(root, { rpc, me }) {
    const table = h("table", { class: "list", id: "admins-table" });
    const editor = h("div", {});
    const problem = h("p", { class: "warning", hidden: true });
    root.append(
        h("div", { class: "screen-head" },
            h("h1", {}, "Administradores"),
            h("button", { class: "round primary", id: "add-admin", title: "Novo administrador",
                "aria-label": "Novo administrador", onclick: () => edit(null) }, "+")),
        problem, editor, table);
    let admins = [];

    async function load() {
        try {
            admins = (await rpc.call("admin.list", {})).admins || [];
            problem.hidden = true;
        } catch (error) {
            admins = [];
            problem.hidden = false;
            problem.textContent = `${format.errorText(error)} (admin.list)`;
        }
        draw();
    }

    function draw() {
        fill(table,
            h("thead", {}, h("tr", {}, ["Nome", "Usuário", "Criado em", ""].map((t) => h("th", {}, t)))),
            h("tbody", {}, admins.map((admin) => {
                const mine = me && me.id === admin.id;
                return h("tr", { dataset: { id: admin.id } },
                    h("td", {}, admin.name, mine ? h("span", { class: "muted" }, " (você)") : null),
                    h("td", {}, admin.login), h("td", {}, format.date(admin.createdAt)),
                    h("td", {}, h("div", { class: "row-actions" },
                        h("button", { class: "secondary small", onclick: () => edit(admin),
                            "aria-label": `Editar ${admin.name}` }, "Editar"),
                        // Deleting the account in use would end this very session: another admin does it.
                        mine ? null : h("button", { class: "danger small", onclick: () => remove(admin),
                            "aria-label": `Excluir ${admin.name}` }, "Excluir"))));
            })));
        labelCells(table);
    }

    const closeEditor = (id) => closeInlineForm(editor, table, id, document.getElementById("add-admin"));

    function edit(admin) {
        if (!leaveUnchangedOrAsk(editor.querySelector("form"))) return;  // another one open, with changes
        const creating = admin === null;
        const name = h("input", { name: "name", value: creating ? "" : admin.name });
        const login = h("input", { name: "login", value: creating ? "" : admin.login, autocomplete: "off" });
        const password = passwordInput("password", creating);
        const form = h("form", { class: "card form", id: "admin-form", novalidate: true, onsubmit: save },
            h("h2", {}, creating ? "Novo administrador" : `Editar ${admin.name}`),
            field("name", "Nome", name),
            field("login", "Usuário", login),
            field("password", creating ? "Senha" : "Nova senha", password.input,
                creating ? null : "Em branco mantém a atual."),
            password.rules,
            h("div", { class: "form-error", dataset: { field: "_" } }, h("small", { class: "error" })),
            h("div", { class: "actions" },
                h("button", { type: "button", class: "secondary", onclick: () => {
                    if (leaveUnchangedOrAsk(form)) closeEditor(creating ? null : admin.id);
                } }, "Cancelar"),
                h("button", { type: "submit", class: "primary save", title: "Salvar" }, floppyIcon(),
                    h("span", {}, "Salvar"))));
        fill(editor, form);
        watchChanges(form);
        name.focus();

        async function save(event) {
            event.preventDefault();
            clearErrors(form);
            // Every problem found here at once, as in the attendant's form (a login taken is the daemon's to say).
            const problems = [];
            if (format.nameProblem(name.value)) problems.push(new InputProblem("name", format.nameProblem(name.value)));
            if (!login.value.trim()) problems.push(new InputProblem("login", "informe o usuário"));
            if ((creating || password.input.value) && !password.ok()) {
                problems.push(new InputProblem("password", "a senha não cumpre as regras abaixo"));
            }
            if (problems.length) {
                showErrors(form, problems);
                return;
            }
            const params = creating ? {} : { id: admin.id };
            if (creating || name.value.trim() !== admin.name) params.name = name.value.trim();
            if (creating || login.value.trim() !== admin.login) params.login = login.value.trim();
            if (creating || password.input.value) params.password = password.input.value;
            try {
                const saved = await rpc.call(creating ? "admin.create" : "admin.update", params);
                fill(editor);
                notice("Administrador salvo.");
                await load();
                // Unless another form was opened meanwhile (Editar on another row during the list's read).
                if (editor.childElementCount === 0) closeEditor(saved && saved.id);
            } catch (error) {
                showError(form, error);
            }
        }
    }

    async function remove(admin) {
        if (!confirm(`Excluir o administrador ${admin.name}?`)) return;
        try {
            await rpc.call("admin.delete", { id: admin.id });
            notice("Administrador excluído.");
            load();
        } catch (error) {
            notice(format.errorText(error), "bad");
        }
    }

    load();
    // Another admin's change (or atendectl's) arrives as admin.changed, to this monitoring connection.
    const stopEvents = rpc.on("event", (event) => {
        if (event.type === "admin.changed") load();
    });
    return { stop: stopEvents };
}
