// attendant-form.js: creating an attendant (name and surname, login, password with its rules shown live, "Enviar")
// and then its profile: photo ("Selecionar Imagem", checked and previewed before sending), phone with mask and
// DDD check, e-mail, "Ativo", "HORÁRIOS DE ATENDIMENTO", "DEPARTAMENTO", saved with the floppy-disk button.
// The daemon has the last word: every error it returns is shown next to the field it names.

import { h, fill, field, toggle, clearErrors, showError, showErrors, notice, floppyIcon, askBeforeClosing, keepFocus }
    from "./dom.js";
import * as format from "./format.js";
import { timeZone } from "./clock.js";
import { hoursEditor, InputProblem, showDay } from "./hours.js";

/**
 * The largest image sent, in bytes of the file. The daemon takes up to 1 MiB, but the request carries it as base64
 * (4 bytes for every 3) in one WebSocket frame, and a frame may not exceed `maxLineBytes` (1 MiB by default): so
 * 3/4 of that, less room for the rest of the request.
 */
export const maxImageBytes = Math.floor((1024 * 1024 - 256) / 4) * 3;

/** The longest side of a photo that had to be reduced to fit. */
const reducedSide = 512;

/** Redraws an image that is too large as a JPEG of at most `reducedSide` pixels a side; null if it cannot. */
async function reduce(file) {
    try {
        const bitmap = await createImageBitmap(file);
        const scale = Math.min(1, reducedSide / Math.max(bitmap.width, bitmap.height));
        const canvas = document.createElement("canvas");
        canvas.width = Math.max(1, Math.round(bitmap.width * scale));
        canvas.height = Math.max(1, Math.round(bitmap.height * scale));
        canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
        const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
        return blob ? new Uint8Array(await blob.arrayBuffer()) : null;
    } catch (error) {
        return null;
    }
}

/** A password input with the rules ticked off while typing. */
export function passwordInput(name, required) {
    // The rules describe the input (read when it is focused), and are not a live region: redrawn at every key,
    // they would be read out at every key.
    const rules = h("ul", { class: "password-rules", id: `password-rules-${name}` });
    const input = h("input", { name, type: "password", autocomplete: "new-password", required,
        "aria-describedby": rules.id });
    const draw = () => fill(rules, format.passwordRules(input.value).map((rule) =>
        h("li", { class: rule.ok ? "ok" : "missing", dataset: { rule: rule.key } },
            (rule.ok ? "✓ " : "• ") + rule.label)));
    input.addEventListener("input", draw);
    draw();
    return { input, rules, ok: () => format.passwordRules(input.value).every((rule) => rule.ok) };
}

/** "+" → the create form; after "Enviar" the profile of the new attendant opens. */
export function attendantCreateView(root, { rpc, store, go }) {
    const name = h("input", { name: "name", autocomplete: "off", required: true });
    const login = h("input", { name: "login", autocomplete: "off", required: true,
        placeholder: "usualmente o e-mail" });
    const password = passwordInput("password", true);
    const submit = h("button", { type: "submit", class: "primary", id: "send" }, "Enviar");
    const form = h("form", { class: "card form", id: "create-attendant", novalidate: true, onsubmit: send },
        h("h1", {}, "Novo atendente"),
        field("name", "Nome", name, "Nome e sobrenome do atendente"),
        field("login", "Usuário", login, "O login do atendente; usualmente o e-mail"),
        field("password", "Senha", password.input),
        password.rules,
        h("div", { class: "form-error", dataset: { field: "_" } }, h("small", { class: "error", role: "alert" })),
        h("div", { class: "actions" },
            h("button", { type: "button", class: "secondary", onclick: () => go("#/atendentes") }, "Cancelar"),
            submit));
    root.append(form);
    name.focus();
    let created = false;
    // As on the profile: leaving with something typed and not sent asks first, closing the tab or reloading too.
    const unsaved = () => !created && [name.value, login.value, password.input.value].some((value) => value !== "");
    const stopAsking = askBeforeClosing(unsaved);

    async function send(event) {
        event.preventDefault();
        clearErrors(form);
        // Every problem found here at once, each beside its field.
        const problems = [];
        if (format.nameProblem(name.value)) problems.push(new InputProblem("name", format.nameProblem(name.value)));
        if (!login.value.trim()) problems.push(new InputProblem("login", "informe o usuário"));
        if (!password.ok()) problems.push(new InputProblem("password", "a senha não cumpre as regras abaixo"));
        showErrors(form, problems);
        if (problems.length > 0) return;
        submit.disabled = true;
        try {
            const attendant = await rpc.call("attendant.create", {
                name: name.value.trim(), login: login.value.trim(), password: password.input.value, departments: [],
            });
            store.putAttendant(attendant);
            created = true;
            notice("Atendente criado. Agora preencha o perfil.");
            go(`#/atendentes/${attendant.id}`);
        } catch (error) {
            showError(form, error);
        } finally {
            submit.disabled = false;
        }
    }

    return { stop: stopAsking, unsaved };
}

/** The kind of image in `bytes` by its first bytes, as the daemon checks it; null when not PNG, JPEG or WebP. */
export function imageKind(bytes) {
    const starts = (...values) => values.every((value, index) => bytes[index] === value);
    if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return "image/png";
    if (starts(0xff, 0xd8, 0xff)) return "image/jpeg";
    if (starts(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42
        && bytes[11] === 0x50) return "image/webp";
    return null;
}

function kilobytes(count) {
    return `${Math.ceil(count / 1024).toLocaleString("pt-BR")} KB`;
}

function base64Of(bytes) {
    let binary = "";
    for (let index = 0; index < bytes.length; index += 0x8000) {
        binary += String.fromCharCode(...bytes.subarray(index, index + 0x8000));
    }
    return btoa(binary);
}

/** The profile of attendant `id`. */
export function attendantProfileView(root, { rpc, store, go }, id) {
    let attendant = store.attendants.get(id);
    let lockedUntil = null;
    const holidayNote = h("p", { class: "hint holidays-note" });
    const unlockButton = h("button", { type: "button", class: "secondary small", id: "unlock-login", hidden: true,
        onclick: unlock }, "Desbloquear login");
    if (!attendant) {
        root.append(h("p", { class: "warning" }, "Atendente não encontrado."),
            h("a", { href: "#/atendentes" }, "Voltar para Atendentes"));
        return { stop() {} };
    }

    const name = h("input", { name: "name", value: attendant.name, required: true });
    const login = h("input", { name: "login", value: attendant.login, required: true });
    const password = passwordInput("password", false);
    const phone = h("input", { name: "phone", value: format.phone(attendant.phone), inputmode: "tel",
        placeholder: "(11) 98765-4321", autocomplete: "off" });
    const phoneHint = h("small", { class: "phone-problem", "aria-live": "polite", id: "phone-problem" });
    // The DDD warning below the hint, and among what describes the input.
    const phoneField = field("phone", "Telefone", phone, "DDD + número. Opcional.");
    phoneField.querySelector(".hint").after(phoneHint);
    phone.setAttribute("aria-describedby", `${phone.getAttribute("aria-describedby")} ${phoneHint.id}`);
    const email = h("input", { name: "email", type: "email", value: attendant.email || "", autocomplete: "off" });
    const active = toggle("active", "Ativo", attendant.active);
    const maxChats = h("input", { name: "maxChats", type: "number", min: 1, max: 1000, value: attendant.maxChats });
    const fileInput = h("input", { type: "file", accept: "image/png,image/jpeg,image/webp", hidden: true,
        id: "image-file", onchange: chooseImage });
    const preview = h("div", { class: "image-preview", id: "image-preview" },
        h("span", { class: "placeholder" }, "Sem imagem"));
    const hours = hoursEditor(attendant.hours, timeZone());
    const departmentBox = h("div", { class: "department-picker", id: "department-picker" });
    const save = h("button", { type: "submit", class: "primary save", id: "save", title: "Salvar",
        "aria-label": "Salvar" }, floppyIcon(), h("span", {}, "Salvar"));
    // The same at the end of the form: on a phone the page is long and the one at the top far away.
    const saveBottom = h("button", { type: "submit", class: "primary save", id: "save-bottom" }, floppyIcon(),
        h("span", {}, "Salvar"));
    const summary = h("div", { class: "profile-summary" });
    let image = null;  // {contentType, base64} chosen and not yet sent

    phone.addEventListener("input", () => {
        const caret = phone.selectionStart === phone.value.length;
        phone.value = format.phone(phone.value);
        if (caret) phone.selectionStart = phone.selectionEnd = phone.value.length;
        phoneHint.textContent = format.phoneDigits(phone.value).length >= 10 ? format.phoneProblem(phone.value) || ""
            : "";
    });
    phone.addEventListener("blur", () => { phoneHint.textContent = format.phoneProblem(phone.value) || ""; });

    const form = h("form", { class: "card form profile", id: "attendant-profile", novalidate: true, onsubmit: send },
        h("div", { class: "screen-head" },
            h("h1", {}, attendant.name),
            save),
        summary,
        h("h2", {}, "INFORMAÇÕES GERAIS"),
        h("div", { class: "general" },
            h("div", { class: "field image-field", dataset: { field: "image" } },
                h("span", { class: "field-label" }, "Imagem"),
                preview,
                fileInput,
                h("button", { type: "button", class: "secondary", id: "select-image",
                    onclick: () => fileInput.click() }, "Selecionar Imagem"),
                h("small", { class: "hint" }, `PNG, JPEG ou WebP, até ${kilobytes(maxImageBytes)} (maiores são `
                    + "reduzidas). Opcional."),
                h("small", { class: "error", role: "alert" })),
            h("div", { class: "general-fields" },
                field("name", "Nome", name, "Nome e sobrenome"),
                field("login", "Usuário", login),
                field("password", "Nova senha", password.input, "Deixe em branco para manter a senha atual."),
                password.rules,
                phoneField,
                field("email", "E-mail", email, "Opcional."),
                field("maxChats", "Conversas simultâneas (máx.)", maxChats),
                active)),
        h("h2", {}, "HORÁRIOS DE ATENDIMENTO"),
        hours.element,
        holidayNote,
        h("h2", {}, "DEPARTAMENTO"),
        h("p", { class: "hint" }, "Somente as conversas dos departamentos escolhidos aparecem na fila de atendimento "
            + "deste atendente."),
        h("div", { dataset: { field: "departments" } }, departmentBox, h("small", { class: "error", role: "alert" })),
        h("div", { class: "form-error", dataset: { field: "_" } }, h("small", { class: "error", role: "alert" })),
        h("div", { class: "actions" }, saveBottom),
        h("div", { class: "actions danger-zone" },
            h("button", { type: "button", class: "link", onclick: () => go("#/atendentes") }, "← Atendentes"),
            h("button", { type: "button", class: "danger", onclick: remove }, "Excluir atendente")));
    root.append(form);
    let saved = null;  // what the form held when it was last in step with the daemon (set once it is drawn)
    let deleted = false;
    // Closing the tab or reloading asks first too (the browser words that question itself).
    const stopAsking = askBeforeClosing(unsaved);
    // Whether failed logins locked the attendant out is only in attendant.get (lockedUntil): the list leaves it out.
    rpc.call("attendant.get", { id }).then((full) => {
        lockedUntil = full.lockedUntil || null;
        unlockButton.hidden = !lockedUntil;
        drawSummary();
    }).catch(() => {});

    /** The account's holidays, days off for this attendant too unless it works always or has an exception. */
    function drawHolidays() {
        const holidays = (store.settings && store.settings.holidays) || [];
        fill(holidayNote, holidays.length === 0 ? null : [
            h("strong", {}, "Feriados (em Configurações): "),
            holidays.map((holiday) => `${showDay(holiday.date)} ${holiday.name}`).join(" · "),
            h("span", { class: "muted" }, ". São dias de folga, exceto para quem atende sem restrição de horário "
                + "ou tem exceção nessa data.")]);
    }

    function drawSummary() {
        // Drawn again at every push about the attendant: the keyboard stays on "Desbloquear login".
        keepFocus(summary, () => fill(summary,
            h("span", { class: `badge presence-${attendant.presence}` },
                format.presenceLabels[attendant.presence] || attendant.presence),
            h("span", {}, format.count(attendant.openChats, "conversa aberta", "conversas abertas")),
            h("span", { class: "rating" }, "Nota geral de atendimento: ",
                attendant.rating.count ? [h("strong", {}, format.rating(attendant.rating.average)),
                    ` (${format.count(attendant.rating.count, "avaliação", "avaliações")})`]
                    : h("span", { class: "muted" }, "sem avaliações")),
            attendant.lastSeenAt ? h("span", { class: "muted" }, `Visto por último ${format.dateTime(
                attendant.lastSeenAt)}`) : null,
            h("span", { class: "muted" }, `Criado em ${format.date(attendant.createdAt)}`),
            lockedUntil ? h("span", { class: "badge locked" },
                `Login bloqueado até ${format.dateTime(lockedUntil)} (após 5 tentativas com senha errada)`) : null,
            // Beside the lock it undoes, not at the foot of a long form (on a phone, screens below).
            unlockButton));
    }

    function drawDepartments() {
        const chosen = new Set([...departmentBox.querySelectorAll("input:checked")].map((input) => input.value));
        const initial = departmentBox.childElementCount === 0;
        const departments = store.departmentList();
        // Drawn again when a department changes elsewhere: the keyboard stays on its checkbox.
        keepFocus(departmentBox, () => fill(departmentBox, departments.length === 0
            ? h("p", { class: "muted" }, "Nenhum departamento. Crie um em Departamentos.")
            : departments.map((d) => h("label", { class: "chip", dataset: { id: d.id } },
                h("input", { type: "checkbox", name: "departments", value: d.id,
                    checked: initial ? attendant.departments.includes(d.id) : chosen.has(d.id) }),
                ` ${d.name}`))));
    }

    async function showImage() {
        if (!attendant.hasImage) return;
        try {
            const stored = await rpc.call("attendant.image", { id });
            if (!image) fill(preview, h("img", { src: `data:${stored.contentType};base64,${stored.base64}`,
                alt: "Imagem do atendente" }));
        } catch (error) {
            // No image after all: the placeholder stays.
        }
    }

    async function chooseImage() {
        const file = fileInput.files[0];
        if (!file) return;
        clearErrors(form.querySelector(".image-field").parentElement);
        let bytes = new Uint8Array(await file.arrayBuffer());
        let kind = imageKind(bytes);
        if (!kind) {
            showError(form, new InputProblem("image", "a imagem deve ser PNG, JPEG ou WebP"));
            fileInput.value = "";
            return;
        }
        if (bytes.length > maxImageBytes) {
            const reduced = await reduce(file);
            if (!reduced || reduced.length > maxImageBytes) {
                showError(form, new InputProblem("image", `a imagem tem ${kilobytes(bytes.length)}; o limite é `
                    + kilobytes(maxImageBytes)));
                fileInput.value = "";
                return;
            }
            notice(`A imagem tinha ${kilobytes(bytes.length)} e foi reduzida para ${kilobytes(reduced.length)}.`);
            bytes = reduced;
            kind = "image/jpeg";
        }
        image = { contentType: kind, base64: base64Of(bytes) };
        fill(preview, h("img", { src: `data:${kind};base64,${image.base64}`, alt: "Prévia da imagem" }));
    }

    /** Everything typed in the form, valid or not, as one string (compared with `saved`). */
    function typed() {
        const departments = [...departmentBox.querySelectorAll("input:checked")].map((input) => input.value);
        return JSON.stringify([name.value, login.value, password.input.value, phone.value, email.value,
            form.querySelector('input[name="active"]').checked, maxChats.value, hours.typed(), departments]);
    }

    /** Whether something typed or a photo chosen has not been saved (leaving asks first). */
    function unsaved() {
        return !deleted && (image !== null || typed() !== saved);
    }

    /**
     * The members that differ from the stored attendant (an update sends only those), and every problem found with
     * what was typed, in the form's order: all of them are shown at once, not one per "Salvar".
     */
    function changes() {
        const update = {};
        const problems = [];
        const trimmed = name.value.trim();
        if (trimmed !== attendant.name) {
            if (format.nameProblem(trimmed)) problems.push(new InputProblem("name", format.nameProblem(trimmed)));
            update.name = trimmed;
        }
        if (!login.value.trim()) problems.push(new InputProblem("login", "informe o usuário"));
        if (login.value.trim() !== attendant.login) update.login = login.value.trim();
        if (password.input.value) {
            if (!password.ok()) problems.push(new InputProblem("password", "a senha não cumpre as regras"));
            update.password = password.input.value;
        }
        const phoneProblem = format.phoneProblem(phone.value);
        if (phoneProblem) problems.push(new InputProblem("phone", phoneProblem));
        const phoneValue = format.phoneE164(phone.value);
        if (phoneValue !== (attendant.phone || null)) update.phone = phoneValue;
        const emailProblem = format.emailProblem(email.value);
        if (emailProblem) problems.push(new InputProblem("email", emailProblem));
        const emailValue = email.value.trim() || null;
        if (emailValue !== (attendant.email || null)) update.email = emailValue;
        const activeValue = form.querySelector('input[name="active"]').checked;
        if (activeValue !== attendant.active) update.active = activeValue;
        const max = Number(maxChats.value);
        if (maxChats.value.trim() === "" || !Number.isInteger(max) || max < 1 || max > 1000) {
            problems.push(new InputProblem("maxChats", "informe um número de 1 a 1000"));
        }
        if (max !== attendant.maxChats) update.maxChats = max;
        try {
            const hoursValue = hours.value();
            if (JSON.stringify(hoursValue) !== JSON.stringify(attendant.hours)) update.hours = hoursValue;
        } catch (problem) {
            problems.push(problem);
        }
        const departments = [...departmentBox.querySelectorAll("input:checked")].map((input) => input.value);
        if (JSON.stringify(departments) !== JSON.stringify(attendant.departments)) update.departments = departments;
        return { update, problems };
    }

    async function send(event) {
        event.preventDefault();
        clearErrors(form);
        const { update, problems } = changes();
        if (problems.length > 0) {
            // The phone's error takes the place of its typing hint, not a second copy of it.
            if (problems.some((problem) => problem.field === "phone")) phoneHint.textContent = "";
            showErrors(form, problems);
            return;
        }
        // A disabled button loses the focus: the keyboard gets it back when the save ends.
        const used = document.activeElement;
        save.disabled = saveBottom.disabled = true;
        try {
            if (Object.keys(update).length) {
                attendant = await rpc.call("attendant.update", { id, ...update });
                store.putAttendant(attendant);
                if (update.hours) hours.show(attendant.hours);
            }
            if (image) {
                try {
                    attendant = await rpc.call("attendant.setImage", { id, ...image });
                } catch (error) {
                    // contentType and base64 are both the image to the person filling the form.
                    throw Object.assign(error, { data: { ...(error.data || {}), field: "image" } });
                }
                image = null;
                store.putAttendant(attendant);
            }
            password.input.value = "";
            password.input.dispatchEvent(new Event("input"));
            saved = typed();
            drawSummary();
            form.querySelector("h1").textContent = attendant.name;
            notice("Atendente salvo.");
        } catch (error) {
            showError(form, error);
        } finally {
            save.disabled = saveBottom.disabled = false;
            if (document.activeElement === document.body && used && used.isConnected) used.focus();
        }
    }

    async function unlock() {
        try {
            await rpc.call("attendant.unlock", { id });
            notice("Login desbloqueado.");
            lockedUntil = null;
            unlockButton.hidden = true;
            drawSummary();
        } catch (error) {
            showError(form, error);
        }
    }

    async function remove() {
        if (!confirm(`Excluir ${attendant.name}? As conversas encerradas continuam no histórico.`)) return;
        try {
            await rpc.call("attendant.delete", { id });
            deleted = true;  // nothing left to save
            store.attendants.delete(id);
            store.changed("attendants");
            notice("Atendente excluído.");
            go("#/atendentes");
        } catch (error) {
            showError(form, error);
        }
    }

    drawSummary();
    drawDepartments();
    drawHolidays();
    showImage();
    saved = typed();
    const unwatch = store.watch((what) => {
        if (what === "attendants" || what === "all") {
            const latest = store.attendants.get(id);
            if (latest) {
                attendant = latest;
                drawSummary();
            }
        }
        if (what === "departments" || what === "all") drawDepartments();
        if (what === "settings" || what === "all") drawHolidays();
    });
    return {
        stop() {
            stopAsking();
            unwatch();
        },
        unsaved,
    };
}
