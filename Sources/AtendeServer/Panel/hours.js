// hours.js: the "HORÁRIOS DE ATENDIMENTO" editor. A week grid (Segunda..Domingo) with any number of intervals a
// day, typed as "HH:MM"; a range that ends before it starts (22:00 → 06:00) runs overnight and is split at
// midnight for the wire (mon 22:00-24:00 + tue 00:00-06:00), since the daemon keeps each day's intervals inside
// that day. Date exceptions replace one date's week intervals (none = day off). "Sem restrição" is "always".

import { h, fill, nameAfter } from "./dom.js";
import { zoneLabel } from "./clock.js";

export const days = [
    ["mon", "Segunda"], ["tue", "Terça"], ["wed", "Quarta"], ["thu", "Quinta"],
    ["fri", "Sexta"], ["sat", "Sábado"], ["sun", "Domingo"],
];

const timezones = ["America/Sao_Paulo", "America/Manaus", "America/Cuiaba", "America/Belem", "America/Fortaleza",
    "America/Recife", "America/Bahia", "America/Porto_Velho", "America/Boa_Vista", "America/Rio_Branco",
    "America/Noronha"];

/** A local problem with what was typed, shaped like a daemon error so it shows the same way. */
export class InputProblem extends Error {
    constructor(field, reason) {
        super(reason);
        this.code = -32602;
        this.data = { field, reason };
        this.local = true;  // found by the panel, in Portuguese already
    }
    get field() { return this.data.field; }
    get reason() { return this.data.reason; }
}

/**
 * The interval "+" adds to a day that has `intervals`: 08:00 to 18:00 on a day off, else the two hours after the
 * last one. Real values, not placeholders: an interval left as typed saves (an empty one was refused on save).
 */
export function nextInterval(intervals) {
    const last = intervals.length ? normalizeTime(intervals[intervals.length - 1][1]) : null;
    if (!last || last === "24:00" || last === "00:00") return ["08:00", "18:00"];
    const [hours, minutes] = last.split(":").map(Number);
    const end = Math.min(hours + 2, 24);
    return [last, end === 24 ? "24:00" : `${String(end).padStart(2, "0")}:${String(minutes).padStart(2, "0")}`];
}

/** "8", "0800", "8:00", "08:00:00" → "08:00" (or "08:00:00"); null when it is not a time. */
export function normalizeTime(text) {
    const raw = String(text || "").trim();
    let match = /^(\d{1,2})(?::?(\d{2}))?(?::(\d{2}))?$/.exec(raw);
    if (!match) return null;
    const hours = Number(match[1]);
    const minutes = Number(match[2] || 0);
    const seconds = match[3] === undefined ? null : Number(match[3]);
    if (hours > 24 || minutes > 59 || (seconds !== null && seconds > 59)) return null;
    if (hours === 24 && (minutes > 0 || seconds)) return null;
    const two = (n) => String(n).padStart(2, "0");
    return `${two(hours)}:${two(minutes)}` + (seconds === null ? "" : `:${two(seconds)}`);
}

/**
 * The wire's week from per-day [start, end] rows, splitting overnight ranges at midnight. Overlaps are refused
 * here, on the day the user typed the range on: the daemon would name the day a split range's second half
 * falls on, where nothing was typed.
 */
export function weekFromRows(rows) {
    const week = {};
    const typedOn = new Map();  // each interval added → [the day it was typed on, "22:00 às 06:00"]
    function add(day, interval, origin, typed) {
        (week[day] = week[day] || []).push(interval);
        typedOn.set(interval, [origin, typed]);
    }
    days.forEach(([day], index) => {
        for (const [rawStart, rawEnd] of rows[day] || []) {
            if (!String(rawStart).trim() || !String(rawEnd).trim()) {
                throw new InputProblem(`hours.week.${day}`, "preencha o início e o fim do intervalo (hh:mm)");
            }
            const start = normalizeTime(rawStart);
            const end = normalizeTime(rawEnd);
            if (!start) throw new InputProblem(`hours.week.${day}`, `horário inválido: "${rawStart}"`);
            if (!end) throw new InputProblem(`hours.week.${day}`, `horário inválido: "${rawEnd}"`);
            if (start === "24:00") throw new InputProblem(`hours.week.${day}`, "24:00 só pode ser o fim");
            if (start === end) throw new InputProblem(`hours.week.${day}`, "início e fim iguais");
            const typed = `${start} às ${end}`;
            if (end === "00:00" || end === "24:00" || end > start) {
                add(day, [start, end === "00:00" ? "24:00" : end], day, typed);
            } else {
                const next = days[(index + 1) % 7][0];
                add(day, [start, "24:00"], day, typed);
                add(next, ["00:00", end], day, typed);
            }
        }
    });
    for (const [day, label] of days) {
        const list = (week[day] || []).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
        for (let i = 1; i < list.length; i++) {
            if (list[i][0] >= list[i - 1][1]) continue;
            const [first, second] = [typedOn.get(list[i - 1]), typedOn.get(list[i])];
            // Named on the day a range was typed on, the one that spills over from the day before first.
            const [origin, typed] = second[0] !== day ? second : first;
            const other = (origin === first[0] && typed === first[1]) ? second[1] : first[1];
            const where = origin === day ? "" : ` (continua ${day === "sat" || day === "sun" ? "no" : "na"} `
                + `${label.toLowerCase()})`;
            throw new InputProblem(`hours.week.${origin}`, `${typed}${where} sobrepõe ${other}`);
        }
    }
    return week;
}

/** "08:00-12:00, 13:00-18:00" → [["08:00","12:00"], ["13:00","18:00"]] ("" → []: a day off). */
export function parseIntervals(text, field) {
    const intervals = [];
    for (const part of String(text || "").split(/[,;]/).map((p) => p.trim()).filter(Boolean)) {
        const match = /^(\S+)\s*(?:-|–|às|a)\s*(\S+)$/.exec(part);
        const start = match && normalizeTime(match[1]);
        const end = match && normalizeTime(match[2]);
        if (!start || !end) throw new InputProblem(field, `use HH:MM-HH:MM, separados por vírgula ("${part}")`);
        if (end !== "24:00" && end <= start) {
            throw new InputProblem(field, `o fim deve ser depois do início ("${part}")`);
        }
        intervals.push([start, end]);
    }
    return intervals;
}

/** "dd/mm/aaaa" → "aaaa-mm-dd"; null when it is not a real date. */
export function parseDay(text) {
    const match = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(String(text || "").trim());
    if (!match) return null;
    const [day, month, year] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const check = new Date(Date.UTC(year, month - 1, day));
    if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return null;
    return `${match[3]}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** What is wrong with a typed date, or null: not shaped dd/mm/aaaa, or shaped so but not a day of the calendar. */
export function dayProblem(text) {
    if (parseDay(text)) return null;
    const typed = String(text || "").trim();
    return /^\d{1,2}\/\d{1,2}\/\d{4}$/.test(typed) ? `${typed} não existe no calendário`
        : "data inválida: use dd/mm/aaaa";
}

/** "aaaa-mm-dd" → "dd/mm/aaaa". */
export function showDay(iso) {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
    return match ? `${match[3]}/${match[2]}/${match[1]}` : "";
}

/** Keeps a date input shaped "dd/mm/aaaa" while typing. */
export function maskDay(input) {
    input.addEventListener("input", () => {
        const digits = input.value.replace(/\D/g, "").slice(0, 8);
        let text = digits.slice(0, 2);
        if (digits.length > 2) text += "/" + digits.slice(2, 4);
        if (digits.length > 4) text += "/" + digits.slice(4);
        input.value = text;
    });
    return input;
}

/** Whether every day of `rows` (day → intervals) is a day off. */
export function weekIsOff(rows) {
    return days.every(([day]) => (rows[day] || []).length === 0);
}

/** The editor for an attendant's `hours`; `value()` returns the wire value or throws an InputProblem. */
export function hoursEditor(hours, defaultTimezone = "America/Sao_Paulo") {
    const always = hours === "always" || !hours;
    const current = always ? { timezone: defaultTimezone, week: {}, exceptions: [] } : hours;
    const rows = {};
    for (const [day] of days) rows[day] = (current.week[day] || []).map(([s, e]) => [s, e]);

    const alwaysBox = h("input", { type: "checkbox", name: "hours-always", checked: always, onchange: () => {
        readGrid();
        redraw();
    } });
    const zone = h("select", { name: "hours-timezone" },
        [...new Set([current.timezone || defaultTimezone, ...timezones])].map((name) =>
            h("option", { value: name, selected: name === (current.timezone || defaultTimezone) }, zoneLabel(name))));
    const grid = h("div", { class: "week-grid" });
    const exceptionList = h("div", { class: "exceptions" });
    const addExceptionButton = h("button", { type: "button", class: "secondary small",
        onclick: () => addException({ date: "", intervals: [] }).focus() }, "+ Exceção");  // the new row's date
    const exceptionRows = [];
    // Saving such a week is allowed (someone on leave), but it is easy to do by mistake: the attendant can then
    // neither log in nor get chats.
    const allOff = h("p", { class: "warning week-off", role: "status" },
        "Todos os dias da semana estão de folga: fora das exceções por data, este atendente não consegue entrar "
        + "nem recebe conversas.");
    const element = h("div", { class: "hours-editor", dataset: { field: "hours", group: "" } },
        h("label", { class: "inline check" }, alwaysBox,
            h("span", {}, "Sem restrição de horário (atende a qualquer hora)")),
        h("small", { class: "error", role: "alert" }),
        h("div", { class: "hours-body" },
            h("label", { class: "field inline", dataset: { field: "hours.timezone" } },
                h("span", { class: "field-label" }, "Fuso horário"), zone, h("small", { class: "error" })),
            h("div", { class: "quick" },
                h("button", { type: "button", class: "link", onclick: () => preset(["mon", "tue", "wed", "thu", "fri"],
                    [["08:00", "12:00"], ["13:00", "18:00"]]) }, "Seg a sex, 08:00–12:00 e 13:00–18:00"),
                h("button", { type: "button", class: "link", onclick: () => preset(days.map(([d]) => d),
                    [["00:00", "24:00"]]) }, "Todos os dias, 24 h")),
            // The week's own slot comes before the days' slots: an error on the whole week is shown there.
            h("div", { dataset: { field: "hours.week", group: "" } }, h("small", { class: "error", role: "alert" }),
                grid),
            allOff,
            h("p", { class: "hint" }, "Um intervalo que termina antes de começar (22:00 a 06:00) vai até a "
                + "meia-noite e continua no dia seguinte; ao salvar ele aparece dividido nos dois dias."),
            h("h4", {}, "Exceções por data"),
            h("p", { class: "hint" }, "Substituem os horários da semana naquela data. Sem intervalos = folga."),
            h("div", { dataset: { field: "hours.exceptions", group: "" } },
                h("small", { class: "error", role: "alert" }), exceptionList, addExceptionButton)));

    function preset(chosen, intervals) {
        for (const [day] of days) rows[day] = chosen.includes(day) ? intervals.map(([s, e]) => [s, e]) : [];
        redraw();
    }

    function readGrid() {
        for (const [day] of days) {
            const inputs = grid.querySelectorAll(`[data-day="${day}"] .interval`);
            rows[day] = [...inputs].map((row) => [row.querySelector(".start").value, row.querySelector(".end").value]);
        }
    }

    /** Draws the grid from `rows` (callers read what was typed into `rows` first when it must be kept). */
    function redraw() {
        element.querySelector(".hours-body").hidden = alwaysBox.checked;
        allOff.hidden = !weekIsOff(rows);
        // The grid drawn anew (the week as saved, a preset) keeps the keyboard on the same day, interval and part.
        const active = grid.contains(document.activeElement) ? document.activeElement : null;
        const box = active && active.closest("[data-day]");
        const place = box && {
            day: box.dataset.day,
            interval: [...box.querySelectorAll(".interval")].indexOf(active.closest(".interval")),
            part: ["start", "end", "add", "icon"].find((name) => active.classList.contains(name)),  // "+" is both
        };
        drawGrid();
        if (!place || !place.part) return;
        const day = grid.querySelector(`[data-day="${place.day}"]`);
        const interval = place.interval >= 0 ? day?.querySelectorAll(".interval")[place.interval] : null;
        const again = place.part === "add" ? day?.querySelector(".add") : interval?.querySelector(`.${place.part}`);
        again?.focus();
    }

    function drawGrid() {
        fill(grid, days.map(([day, label]) => h("div", { class: "day", dataset: { day, field: `hours.week.${day}` } },
            h("span", { class: "day-name" }, label),
            h("div", { class: "intervals" },
                rows[day].length === 0 ? h("span", { class: "off" }, "Folga") : null,
                rows[day].map(([start, end], index) => h("span", { class: "interval" },
                    h("input", { class: "start", value: start, size: 5, maxlength: 8, placeholder: "hh:mm",
                        "aria-label": `${label}: início`, inputmode: "numeric" }),
                    h("span", {}, "às"),
                    h("input", { class: "end", value: end, size: 5, maxlength: 8, placeholder: "hh:mm",
                        "aria-label": `${label}: fim`, inputmode: "numeric" }),
                    h("button", { type: "button", class: "icon", title: "Remover intervalo",
                        "aria-label": `Remover intervalo ${index + 1} de ${label}`,
                        onclick: () => {
                            readGrid();
                            rows[day].splice(index, 1);
                            redraw();
                            focusDay(day, "remove");
                        } }, "×")))),
            h("button", { type: "button", class: "icon add", title: `Adicionar intervalo (${label})`,
                "aria-label": `Adicionar intervalo em ${label}`,
                onclick: () => {
                    readGrid();
                    rows[day].push(nextInterval(rows[day]));
                    redraw();
                    focusDay(day, "add");
                } }, "+"),
            h("small", { class: "error", role: "alert" }))));
    }

    /**
     * After "+" or "×" (the grid was drawn anew): the keyboard goes on from the day it was on, at the new
     * interval's start, or at the day's last remaining interval (its "+" once it has none).
     */
    function focusDay(day, what) {
        const box = grid.querySelector(`[data-day="${day}"]`);
        if (!box) return;
        const target = what === "add" ? [...box.querySelectorAll(".interval .start")].pop()
            : [...box.querySelectorAll(".interval .icon")].pop() || box.querySelector(".add");
        target?.focus();
    }

    function addException(exception) {
        const index = exceptionRows.length;
        const dateInput = maskDay(h("input", { class: "exception-date", value: showDay(exception.date),
            placeholder: "dd/mm/aaaa", size: 10, inputmode: "numeric",  // digits only: the mask adds the "/"
            "aria-label": "Data da exceção" }));
        const intervalsInput = h("input", { class: "exception-intervals", size: 28,
            value: exception.intervals.map(([s, e]) => `${s}-${e}`).join(", "),
            placeholder: "08:00-12:00 (vazio = folga)", "aria-label": "Horários da exceção (vazio = folga)" });
        const row = h("div", { class: "exception", dataset: { field: `hours.exceptions[${index}]` } },
            dateInput, intervalsInput,
            nameAfter(h("button", { type: "button", class: "icon remove-exception", title: "Remover exceção",
                onclick: () => {
                    row.remove();
                    exceptionRows[index] = null;
                    addExceptionButton.focus();  // the row and its button are gone: the keyboard goes on from "+"
                } }, "×"), "Remover exceção", dateInput),
            h("small", { class: "error", role: "alert" }));
        exceptionRows.push({ dateInput, intervalsInput, row });
        exceptionList.append(row);
        return dateInput;
    }

    for (const exception of current.exceptions || []) addException(exception);
    redraw();

    return {
        element,
        /** Redraws the week as the daemon saved it (an overnight range now split at midnight into two days). */
        show(saved) {
            if (saved === "always" || !saved || alwaysBox.checked) return;
            for (const [day] of days) rows[day] = (saved.week[day] || []).map(([s, e]) => [s, e]);
            redraw();
        },
        /** What is typed, valid or not, as a string to compare with an earlier one (unsaved changes). */
        typed() {
            readGrid();
            return JSON.stringify([alwaysBox.checked, zone.value, rows, exceptionRows.filter(Boolean)
                .map((entry) => [entry.dateInput.value, entry.intervalsInput.value])]);
        },
        value() {
            if (alwaysBox.checked) return "always";
            readGrid();
            const value = { timezone: zone.value, week: weekFromRows(rows) };
            const exceptions = [];
            exceptionRows.forEach((entry) => {
                if (!entry) return;
                // The daemon names an exception by its index in the list sent, so the rows are renumbered so.
                const field = `hours.exceptions[${exceptions.length}]`;
                entry.row.dataset.field = field;
                const date = parseDay(entry.dateInput.value);
                if (!date) throw new InputProblem(field, dayProblem(entry.dateInput.value));
                exceptions.push({ date, intervals: parseIntervals(entry.intervalsInput.value, field) });
            });
            if (exceptions.length) value.exceptions = exceptions;
            return value;
        },
    };
}

/** A one-line summary of `hours` for lists: "Seg 08:00–18:00 · Ter ..." or "Sem restrição". */
export function hoursSummary(hours) {
    if (!hours || hours === "always") return "Sem restrição";
    const parts = days.filter(([day]) => (hours.week[day] || []).length).map(([day, label]) =>
        `${label.slice(0, 3)} ${hours.week[day].map(([s, e]) => `${s}–${e}`).join(", ")}`);
    return parts.length ? parts.join(" · ") : "Sem horários";
}
