// departments.js: the "Departamentos" screen: the list with each department's routing settings, and a form to
// create or edit one (strategy, offer and reply timeouts, wrap-up, overflow, wait alert, priority step, service
// level). Only members that differ from what is stored (or, when creating, from the defaults) are sent, so a
// daemon that does not know a setting yet only refuses it when it is actually used.

import { h, fill, field, clearErrors, showError, showErrors, notice, floppyIcon, labelCells, closeInlineForm,
    watchChanges, leaveUnchangedOrAsk } from "./dom.js";
import * as format from "./format.js";
import { InputProblem } from "./hours.js";

/** The routing settings of contract v2 with their defaults; null means "off". */
const defaults = { offerTimeout: null, replyTimeout: null, wrapUp: 0, overflow: null, waitAlert: null,
    priorityStep: 600, serviceLevel: 60 };

/**
 * The settings in seconds: key, label, hint, whether empty means off, and the daemon's range (checked here too, so
 * every problem of the form shows at once instead of one per save).
 */
const seconds = [
    ["offerTimeout", "Tempo para aceitar a oferta (s)", "Vazio: atribuição direta. 5 a 3600 s.", true, [5, 3600]],
    ["replyTimeout", "Tempo máximo sem resposta (s)", "Vazio: sem limite. 10 a 86400 s.", true, [10, 86400]],
    ["wrapUp", "Pós-atendimento (s)", "Tempo em que a vaga fica reservada após encerrar. 0 a 900 s.", false,
        [0, 900]],
    ["waitAlert", "Alerta de espera (s)", "Vazio: sem alerta. 10 a 86400 s.", true, [10, 86400]],
    ["priorityStep", "Passo de prioridade (s)", "0 a 86400 s.", false, [0, 86400]],
    ["serviceLevel", "Meta de nível de serviço (s)", "Tempo de resposta-alvo. 1 a 3600 s.", false, [1, 3600]],
];
const overflowRange = [10, 86400];

/** The problem of a number of seconds typed as `text` (`bad`: the field holds something not a number), or null. */
function secondsProblem(text, bad, nullable, [low, high]) {
    if (bad) return "digite só números (segundos)";
    if (text === "") return nullable ? null : "informe um número de segundos";
    const number = Number(text);
    if (!Number.isInteger(number)) return "número inteiro";
    return number < low || number > high ? `deve estar entre ${low} e ${high}` : null;
}

function value(department, key) {
    return department && key in department ? department[key] : defaults[key];
}

/** Draws the departments screen; returns {stop}. */
export function departmentsView(root, { rpc, store }) {
    const table = h("table", { class: "list", id: "departments-table" });
    const editor = h("div", { class: "department-editor" });
    root.append(
        h("div", { class: "screen-head" },
            h("h1", {}, "Departamentos"),
            h("button", { class: "round primary", id: "add-department", title: "Novo departamento",
                "aria-label": "Novo departamento", onclick: () => edit(null) }, "+")),
        editor, table);

    function describe(seconds) {
        return seconds === null || seconds === undefined ? "—" : format.duration(seconds);
    }

    /**
     * The routing rules a department has, one short phrase each ("Oferta 30 s · Pós-atendimento 1 min"), or "—":
     * a column for each would make the table wider than a laptop's screen, mostly with dashes.
     */
    function rules(d) {
        const phrases = [];
        if (d.offerTimeout) phrases.push(`Oferta ${format.duration(d.offerTimeout)}`);
        if (d.replyTimeout) phrases.push(`Sem resposta ${format.duration(d.replyTimeout)}`);
        if (value(d, "wrapUp")) phrases.push(`Pós-atendimento ${format.duration(value(d, "wrapUp"))}`);
        if (d.overflow) {
            const to = (store.departments.get(d.overflow.department) || { name: d.overflow.department }).name;
            phrases.push(`Transbordo após ${format.duration(d.overflow.after)} → ${to}`);
        }
        if (d.waitAlert) phrases.push(`Alerta ${format.duration(d.waitAlert)}`);
        if (phrases.length === 0) return "—";
        return phrases.flatMap((phrase, index) => [index > 0 ? " · " : null, h("span", { class: "rule" }, phrase)]);
    }

    function drawList() {
        const departments = store.departmentList();
        fill(table,
            h("thead", {}, h("tr", {}, ["Nome", "Identificador", "Estratégia", "Regras", "Nível de serviço", ""]
                .map((t) => h("th", {}, t)))),
            h("tbody", {}, departments.length === 0
                ? h("tr", {}, h("td", { colspan: 6, class: "empty" }, "Nenhum departamento ainda."))
                : departments.map((d) => h("tr", { dataset: { id: d.id } },
                    h("td", {}, d.name), h("td", { class: "mono" }, d.id),
                    h("td", {}, format.strategyLabels[d.strategy] || d.strategy),
                    h("td", { class: "rules" }, rules(d)),
                    h("td", {}, describe(value(d, "serviceLevel"))),
                    h("td", {}, h("div", { class: "row-actions" },
                        h("button", { class: "secondary small", onclick: () => edit(d),
                            "aria-label": `Editar ${d.name}` }, "Editar"),
                        h("button", { class: "danger small", onclick: () => remove(d),
                            "aria-label": `Excluir ${d.name}` }, "Excluir")))))));
        labelCells(table);
    }

    const closeEditor = (id) => closeInlineForm(editor, table, id, document.getElementById("add-department"));

    function edit(department) {
        if (!leaveUnchangedOrAsk(editor.querySelector("form"))) return;  // another one open, with changes
        const creating = department === null;
        const id = h("input", { name: "id", value: creating ? "" : department.id, disabled: !creating,
            pattern: "[a-z0-9-]{1,64}", placeholder: "ex.: vendas" });
        const name = h("input", { name: "name", value: creating ? "" : department.name });
        const strategy = h("select", { name: "strategy" }, Object.entries(format.strategyLabels).map(([key, label]) =>
            h("option", { value: key, selected: key === (creating ? "least-busy" : department.strategy) }, label)));
        const inputs = {};
        for (const [key] of seconds) {
            const current = value(department, key);
            inputs[key] = h("input", { name: key, type: "number", min: 0, value: current === null ? "" : current });
        }
        const overflow = value(department, "overflow");
        const overflowAfter = h("input", { name: "overflow.after", type: "number", min: 10,
            value: overflow ? overflow.after : "", "aria-label": "Transbordo: após quantos segundos" });
        const overflowTo = h("select", { name: "overflow.department", "aria-label": "Transbordo: para qual fila" },
            h("option", { value: "" }, "Sem transbordo"),
            store.departmentList().filter((d) => creating || d.id !== department.id).map((d) =>
                h("option", { value: d.id, selected: overflow && overflow.department === d.id }, d.name)));
        const form = h("form", { class: "card form", id: "department-form", novalidate: true, onsubmit: save },
            h("h2", {}, creating ? "Novo departamento" : `Editar ${department.name}`),
            h("div", { class: "grid-2" },
                field("id", "Identificador", id, "Letras minúsculas, números e hífen."),
                field("name", "Nome", name),
                field("strategy", "Estratégia de distribuição", strategy),
                seconds.map(([key, label, hint]) => field(key, label, inputs[key], hint)),
                h("div", { class: "field", dataset: { field: "overflow" } },
                    h("span", { class: "field-label" }, "Transbordo"),
                    h("div", { class: "inline" }, "após ", overflowAfter, " s para ", overflowTo),
                    h("small", { class: "hint" }, "A conversa que esperou esse tempo passa para outra fila."),
                    h("small", { class: "error", role: "alert" }))),
            h("div", { class: "form-error", dataset: { field: "_" } }, h("small", { class: "error", role: "alert" })),
            h("div", { class: "actions" },
                h("button", { type: "button", class: "secondary", onclick: () => {
                    if (leaveUnchangedOrAsk(form)) closeEditor(creating ? null : department.id);
                } }, "Cancelar"),
                h("button", { type: "submit", class: "primary save", title: "Salvar" }, floppyIcon(),
                    h("span", {}, "Salvar"))));
        fill(editor, form);
        watchChanges(form);
        (creating ? id : name).focus();

        /** The settings as typed, or every problem of the form (in its order) thrown as an array. */
        function read() {
            const problems = [];
            if (creating && !/^[a-z0-9-]{1,64}$/.test(id.value.trim())) {
                problems.push(new InputProblem("id", "use de 1 a 64 letras minúsculas, números ou hífens"));
            }
            if (!name.value.trim()) problems.push(new InputProblem("name", "informe o nome"));
            const wanted = { name: name.value.trim(), strategy: strategy.value };
            for (const [key, , , nullable, range] of seconds) {
                const text = inputs[key].value.trim();
                // A number field holding something that is not a number reads as "": that must not turn it off.
                const problem = secondsProblem(text, inputs[key].validity.badInput, nullable, range);
                if (problem) problems.push(new InputProblem(key, problem));
                wanted[key] = text === "" ? null : Number(text);
            }
            if (overflowTo.value) {
                const text = overflowAfter.value.trim();
                // (a field holding something not a number reads as "": say that, not that it is empty)
                const problem = text === "" && !overflowAfter.validity.badInput ? "informe após quantos segundos"
                    : secondsProblem(text, overflowAfter.validity.badInput, false, overflowRange);
                if (problem) problems.push(new InputProblem("overflow.after", problem));
                wanted.overflow = { after: Number(text), department: overflowTo.value };
            } else {
                wanted.overflow = null;
            }
            if (problems.length) throw problems;
            return wanted;
        }

        async function save(event) {
            event.preventDefault();
            clearErrors(form);
            let wanted;
            try {
                wanted = read();
            } catch (problems) {
                showErrors(form, problems);
                return;
            }
            const params = creating ? { id: id.value.trim() } : { id: department.id };
            for (const [key, wantedValue] of Object.entries(wanted)) {
                const before = creating ? (key in defaults ? defaults[key] : key === "strategy" ? "least-busy" : "")
                    : value(department, key);
                if (key === "name" || JSON.stringify(wantedValue) !== JSON.stringify(before)) params[key] = wantedValue;
            }
            try {
                const saved = await rpc.call(creating ? "department.create" : "department.update", params);
                store.putDepartment(saved);
                closeEditor(saved.id);
                notice(creating ? "Departamento criado." : "Departamento salvo.");
            } catch (error) {
                showError(form, error);
            }
        }
    }

    async function remove(department) {
        if (!confirm(`Excluir o departamento ${department.name}?`)) return;
        try {
            await rpc.call("department.delete", { id: department.id });
            store.departments.delete(department.id);
            store.changed("departments");
            notice("Departamento excluído.");
        } catch (error) {
            notice(format.errorText(error), "bad");
        }
    }

    drawList();
    const stop = store.watch((what) => {
        if (what === "departments" || what === "all") drawList();
    });
    return { stop };
}
