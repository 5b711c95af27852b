// login.js: the one login form for attendants and admins (auth.login answers with the role). The password only
// travels in the auth.login call; the server keeps the session in an HttpOnly cookie, so nothing is stored here.

import { h, field, clearErrors, showError } from "./dom.js";
import { InputProblem } from "./hours.js";
import * as format from "./format.js";

/** Draws the login form into `root`; calls `onLogin(result)` after a successful auth.login. */
export function loginView(root, rpc, { message, onLogin }) {
    const login = h("input", { name: "login", autocomplete: "username", required: true, autofocus: true });
    const password = h("input", { name: "password", type: "password", autocomplete: "current-password",
        required: true });
    const button = h("button", { type: "submit", class: "primary" }, "Entrar");
    const form = h("form", { class: "card login-card", id: "login-form", novalidate: true, onsubmit: submit },
        h("h1", { class: "brand" }, "atende"),
        h("p", { class: "subtitle" }, "Acesso de atendentes e administradores"),
        message ? h("p", { class: "warning" }, message) : null,
        field("login", "Usuário", login),
        field("password", "Senha", password),
        h("div", { class: "form-error", dataset: { field: "_" } }, h("small", { class: "error", role: "alert" })),
        button);
    root.append(h("div", { class: "login-screen" }, form));
    login.focus();
    firstAdminHint();

    /**
     * A daemon with no admin account yet (its first start) says so: the first one is made on the server. The form
     * is marked once the daemon answered (data-first-admin="checked").
     */
    async function firstAdminHint() {
        let needed = false;
        try {
            needed = (await rpc.call("system.ping", {})).firstAdminNeeded === true;
        } catch (error) {
            // An older daemon, or the socket went: no hint.
        }
        form.dataset.firstAdmin = "checked";
        if (!needed || form.querySelector(".first-admin")) return;
        form.insertBefore(h("p", { class: "hint first-admin", id: "first-admin", role: "status" },
            "Ainda não há nenhum administrador. Crie o primeiro no servidor, com o comando ",
            h("code", {}, "atendectl admin add --name \"Nome Sobrenome\" --login seu@email.com.br"),
            " (ele pede a senha), e entre com esse usuário."), form.querySelector("[data-field=login]"));
    }

    async function submit(event) {
        event.preventDefault();
        clearErrors(form);
        // Nothing typed is no wrong password: say what is missing, next to it.
        if (!login.value.trim()) return showError(form, new InputProblem("login", "informe o usuário"));
        if (!password.value) return showError(form, new InputProblem("password", "informe a senha"));
        button.disabled = true;
        try {
            const result = await rpc.call("auth.login", { login: login.value.trim(), password: password.value });
            password.value = "";
            onLogin(result);
        } catch (error) {
            password.value = "";
            // A wrong login or password names no field: it belongs to the form, not to one input. A deactivated
            // attendant is told so in its own words (the daemon refuses with 1003, "attendant is inactive").
            // Out of hours, it is told why (a holiday) and when its hours begin.
            const inactive = error.code === 1003 && /inactive/.test(error.message || "");
            showError(form, error.code === 1001 ? { ...error, field: "_", code: 1001, data: null, reason: null }
                : inactive ? new InputProblem("_", "seu acesso está desativado; fale com o administrador")
                    : error.code === 1011 ? new InputProblem("_", format.outOfHoursText(error.data)) : error);
        } finally {
            button.disabled = false;
            // The disabled button lost the focus: the password, cleared, is what is typed again.
            if (document.activeElement === document.body && password.isConnected) password.focus();
        }
    }

    return { stop() {} };
}
