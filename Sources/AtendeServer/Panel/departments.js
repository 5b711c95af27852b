// departments.js: the "Departamentos" screen: the list with each department's routing settings, and a form to
// create or edit one (strategy, offer and reply timeouts, wrap-up, overflow, wait alert, priority step, service
// level). Only members that differ from what is stored (or, when creating, from the defaults) are sent, so a
// daemon that does not know a setting yet only refuses it when it is actually used.

import { h, fill, field, clearErrors, showError, notice, floppyIcon, labelCells, closeInlineForm } from "./dom.js";
import * as format from "./format.js";
import { InputProblem } from "./hours.js";

/** The routing settings of contract v2 with their defaults; null means "off". */
const defaults = { offerTimeout: null, replyTimeout: null, wrapUp: 0, overflow: null, waitAlert: null,
    priorityStep: 600, serviceLevel: 60 };

const seconds = [
    ["offerTimeout", "Tempo para aceitar a oferta (s)", "Vazio: atribuição direta. 5 a 3600 s.", true],
    ["replyTimeout", "Tempo máximo sem resposta (s)", "Vazio: sem limite. 10 a 86400 s.", true],
    ["wrapUp", "Pós-atendimento (s)", "Tempo em que a vaga fica reservada após encerrar. 0 a 900 s.", false],
    ["waitAlert", "Alerta de espera (s)", "Vazio: sem alerta. 10 a 86400 s.", true],
    ["priorityStep", "Passo de prioridade (s)", "0 a 86400 s.", false],
    ["serviceLevel", "Meta de nível de serviço (s)", "Tempo de resposta-alvo. 1 a 3600 s.", false],
];

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
                h("button", { type: "button", class: "secondary",
                    onclick: () => closeEditor(creating ? null : department.id) }, "Cancelar"),
                h("button", { type: "submit", class: "primary save", title: "Salvar" }, floppyIcon(),
                    h("span", {}, "Salvar"))));
        fill(editor, form);
        (creating ? id : name).focus();

        function read() {
            const wanted = { name: name.value.trim(), strategy: strategy.value };
            for (const [key, , , nullable] of seconds) {
                const text = inputs[key].value.trim();
                // A number field holding something that is not a number reads as "": that must not turn it off.
                if (inputs[key].validity.badInput) throw new InputProblem(key, "digite só números (segundos)");
                if (text === "" && !nullable) throw new InputProblem(key, "informe um número de segundos");
                const number = text === "" ? null : Number(text);
                if (number !== null && !Number.isInteger(number)) throw new InputProblem(key, "número inteiro");
                wanted[key] = number;
            }
            if (overflowTo.value) {
                const after = Number(overflowAfter.value);
                if (overflowAfter.validity.badInput || !overflowAfter.value || !Number.isInteger(after)) {
                    throw new InputProblem("overflow.after", "informe após quantos segundos");
                }
                wanted.overflow = { after, department: overflowTo.value };
            } else {
                wanted.overflow = null;
            }
            return wanted;
        }

        async function save(event) {
            event.preventDefault();
            clearErrors(form);
            let wanted;
            try {
                wanted = read();
            } catch (problem) {
                showError(form, problem);
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
