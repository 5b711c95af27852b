// dom.js: the few DOM helpers the views share: building elements, showing a daemon error next to the input it
// names (data-field on the input's wrapper, matching `data.field` of a -32602 or 1004 error), and short notices.

import { errorText } from "./format.js";

/** Builds an element: h("button", {class: "x", onclick: f}, "text", child...). */
export function h(tag, attributes, ...children) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
        if (value === null || value === undefined || value === false) continue;
        if (name.startsWith("on") && typeof value === "function") {
            element.addEventListener(name.slice(2), value);
        } else if (name === "class") {
            element.className = value;
        } else if (name === "dataset") {
            Object.assign(element.dataset, value);
        } else if (name === "value" || name === "checked" || name === "selected" || name === "disabled") {
            element[name] = value;
        } else {
            element.setAttribute(name, value === true ? "" : value);
        }
    }
    append(element, children);
    return element;
}

function append(element, children) {
    for (const child of children) {
        if (child === null || child === undefined || child === false) continue;
        if (Array.isArray(child)) append(element, child);
        else element.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
}

/**
 * Runs `draw` (a redraw of `container`) keeping the keyboard's place in it: the element that had the focus again if
 * the redraw kept one like it (same id, the item of the same data-id, or the same kind of element in it), else the
 * first control of the item now where the focused one was, else `fallback` (made focusable). A redraw that removes
 * the focused element would otherwise send the focus back to the top of the page.
 */
export function keepFocus(container, draw, fallback = container) {
    const active = document.activeElement;
    if (!active || active === document.body || !container.contains(active)) {
        draw();
        return;
    }
    const item = active.closest("[data-id]");
    const index = item ? [...container.querySelectorAll("[data-id]")].indexOf(item) : -1;
    const classes = [...active.classList].map((name) => `.${CSS.escape(name)}`).join("");
    const itemSelector = item ? `[data-id="${CSS.escape(item.dataset.id)}"]` : null;
    const selector = active.id ? `#${CSS.escape(active.id)}` : active === item ? itemSelector
        : item ? `${itemSelector} ${active.tagName.toLowerCase()}${classes}` : null;
    draw();
    if (document.activeElement && document.activeElement !== document.body) return;  // the redraw placed it
    // Each candidate only if it took the focus (a control hidden or disabled by the redraw does not).
    const took = (element) => {
        element?.focus();
        return element && document.activeElement === element;
    };
    if (selector && took(container.querySelector(selector))) return;
    const items = [...container.querySelectorAll("[data-id]")];
    const near = index >= 0 && items.length ? items[Math.min(index, items.length - 1)] : null;
    const focusable = "button:not([disabled]), a, [tabindex]";
    // The same kind of control first ("Finalizar" after "Finalizar"): Enter pressed again does the same thing.
    const alike = near && active !== item ? near.querySelector(`${active.tagName.toLowerCase()}${classes}`) : null;
    if (alike && took(alike)) return;
    if (near && took(near.matches(focusable) ? near : near.querySelector(focusable))) return;
    if (!fallback.matches("button, a, input, select, textarea, [tabindex]")) fallback.setAttribute("tabindex", "-1");
    fallback.focus();
}

/**
 * Closes a list's inline form (empties `editor`) and gives the keyboard back to where the form came from: the first
 * button of row `id` in `table` (its "Editar"), else `fallback` (the list's "+").
 */
export function closeInlineForm(editor, table, id, fallback) {
    fill(editor);
    const row = id === null || id === undefined ? null
        : table.querySelector(`tr[data-id="${CSS.escape(String(id))}"] button`);
    (row || fallback)?.focus();
}

/** What `form`'s fields hold now, as one string. */
function formValues(form) {
    return JSON.stringify([...form.querySelectorAll("input, select, textarea")]
        .map((input) => (input.type === "checkbox" ? input.checked : input.value)));
}

/** Each inline form's `formValues` as it opened (`watchChanges`). */
const openedValues = new WeakMap();

/** Remembers what `form` holds as it opens, for `leaveUnchangedOrAsk`. */
export function watchChanges(form) {
    openedValues.set(form, formValues(form));
}

/**
 * Whether an inline form may be closed or replaced: there is none (null), nothing was typed in it since it opened
 * (`watchChanges`), or the admin agrees to drop what was.
 */
export function leaveUnchangedOrAsk(form) {
    return !form || !openedValues.has(form) || formValues(form) === openedValues.get(form)
        || confirm("Há alterações não salvas neste formulário. Descartar?");
}

/** Names `button` `words` followed by what `input` holds, now and as it is typed ("Remover feriado Natal"). */
export function nameAfter(button, words, input) {
    const name = () => button.setAttribute("aria-label", `${words} ${input.value}`.trim());
    name();
    input.addEventListener("input", name);
    return button;
}

/** Replaces the children of `element`. */
export function fill(element, ...children) {
    element.replaceChildren();
    append(element, children);
    return element;
}

let nextFieldId = 0;

/**
 * A labelled field: <label class="field" data-field=name><span>label</span>input<small class=error></label>. An
 * input, select or textarea is named by the label alone and described by the hint and the error (a screen reader
 * otherwise reads the hint as part of the name, and an error as unrelated to the field).
 */
export function field(name, label, input, hint) {
    const id = `field-${++nextFieldId}`;
    const labelText = h("span", { class: "field-label", id: `${id}-label` }, label);
    const hintText = hint ? h("small", { class: "hint", id: `${id}-hint` }, hint) : null;
    const errorSlot = h("small", { class: "error", role: "alert", id: `${id}-error` });
    if (input instanceof Element && input.matches("input, select, textarea")) {
        input.setAttribute("aria-labelledby", labelText.id);
        const described = [input.getAttribute("aria-describedby"), hintText && hintText.id, errorSlot.id];
        input.setAttribute("aria-describedby", described.filter(Boolean).join(" "));
    }
    return h("label", { class: "field", dataset: { field: name } }, labelText, input, hintText, errorSlot);
}

/**
 * Gives each body cell of `table` its column's heading as data-label, which a narrow screen shows beside the value
 * when the rows are stacked as cards (style.css): a table scrolled sideways hid its buttons or its names. The first
 * column names the row and is the card's title, and a column without a heading (the buttons) needs no caption.
 * Returns the table.
 */
export function labelCells(table) {
    const headings = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    for (const row of table.querySelectorAll("tbody tr")) {
        [...row.children].forEach((cell, index) => {
            if (index > 0 && headings[index] && cell.colSpan === 1) cell.dataset.label = headings[index];
        });
    }
    return table;
}

/** Removes the error marks of `container`. */
export function clearErrors(container) {
    for (const marked of container.querySelectorAll(".has-error")) marked.classList.remove("has-error");
    for (const slot of container.querySelectorAll(".error")) slot.textContent = "";
    for (const input of container.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
}

/**
 * Shows `error` next to the field it names inside `container`: the element with data-field equal to the name,
 * or to a shorter prefix of it ("hours.week.mon[1]" → "hours.week.mon" → "hours.week" → "hours"); without a
 * match, in the container's general slot (data-field="_"). Returns the element that shows it.
 */
export function showError(container, error) {
    const name = error.field || "_";
    let target = null;
    for (let candidate = name; candidate; candidate = shorter(candidate)) {
        target = container.querySelector(`[data-field="${CSS.escape(candidate)}"]`);
        if (target) break;
    }
    target = target || container.querySelector('[data-field="_"]');
    if (!target) {
        notice(errorText(error), "bad");
        return null;
    }
    target.classList.add("has-error");
    const slot = target.querySelector(".error") || target;
    const shown = target.dataset.field;
    // A group may name the input an error is about ("holidays[1].date": its data-part="date"), which is then
    // marked and needs no words to say where.
    const partName = error.field && shown !== name ? /^\.([A-Za-z]+)/.exec(name.slice(shown.length))?.[1] : null;
    const partInput = partName ? target.querySelector(`[data-part="${partName}"]`) : null;
    let where = "";
    // A day's intervals are sent sorted (weekFromRows), not as typed, so their number would mislead: the message
    // names the interval. A refusal about the request's target (`id`) is not about anything typed in the form.
    if (error.field && shown !== name && !name.startsWith("hours.week.") && !partInput) {
        if (shown !== "_") where = part(name.slice(shown.length));
        else if (error.code === -32602) where = `${error.field}: `;
    }
    const text = errorText(error);
    // "data: Já há uma exceção nesta data." says the place twice: the place goes when the message names it, unless
    // it has a number ("intervalo 2" says which one).
    const word = /\d/.test(where) ? "" : where.replace(/[:\s]+$/, "");
    slot.textContent = placed(word && text.toLowerCase().includes(word) ? "" : where, text);
    // A group of controls (data-group: the hours editor, its week) is refused as a whole: none of its inputs is
    // the wrong one, so none is marked invalid; the keyboard goes to its first control.
    const group = target.hasAttribute("data-group");
    const input = target.matches("input, select, textarea") ? target
        : partInput || (group ? null : target.querySelector("input, select, textarea"));
    if (input) input.setAttribute("aria-invalid", "true");
    const focus = input || (group ? target.querySelector("input, select, textarea, button") : null);
    if (focus && typeof focus.focus === "function") focus.focus();
    return target;
}

/**
 * A message after the name of its place: "tempo: deve estar entre 10 e 86400." (a word that starts the message in
 * capitals, like "DDD", stays as it is).
 */
export function placed(where, text) {
    if (!where || !/^\p{Lu}(?!\p{Lu})/u.test(text)) return where + text;
    return where + text.charAt(0).toLowerCase() + text.slice(1);
}

/** Shows every one of `problems` next to its field; the first in the form (listed first) takes the focus. */
export function showErrors(container, problems) {
    for (const problem of [...problems].reverse()) showError(container, problem);
}

/**
 * What a field name adds to the element that shows it: "[1]" → "item 2: ", ".date" → "data: ",
 * ".intervals[1]" → "intervalo 2: " (the first member and index only: the element is that close to it).
 */
function part(rest) {
    const [, member, index] = /^(?:\.([A-Za-z]+))?(?:\[(\d+)\])?/.exec(rest);
    if (!member && index === undefined) return "";
    const words = { date: "data", name: "nome", intervals: "intervalo", after: "tempo", department: "departamento" };
    const word = member ? words[member] || member : "item";
    return index === undefined ? `${word}: ` : `${word} ${Number(index) + 1}: `;
}

function shorter(name) {
    const bracket = name.lastIndexOf("[");
    const dot = name.lastIndexOf(".");
    const cut = Math.max(bracket, dot);
    return cut > 0 ? name.slice(0, cut) : "";
}

/** Says `text` to a screen reader only (a visually hidden live region): what the eye sees on the page already. */
export function announce(text) {
    const area = document.getElementById("announcer");
    if (!area) return;
    // Emptied first, so the same sentence twice in a row is read twice.
    area.textContent = "";
    setTimeout(() => { area.textContent = text; }, 50);
}

/** A short message at the bottom of the screen ("ok" or "bad"), gone after a few seconds. */
export function notice(text, kind = "ok") {
    const area = document.getElementById("notices");
    if (!area) return;
    // (the area is the page's live region: each notice added to it is read once)
    const item = h("div", { class: `notice ${kind}` }, text);
    area.append(item);
    // The newest two: on a phone a third one stacked over most of the transcript.
    while (area.childElementCount > 2) area.firstElementChild.remove();
    if (!area.dataset.placed) {
        area.dataset.placed = "true";
        const place = () => placeNotices(area);
        for (const event of ["scroll", "resize"]) window.addEventListener(event, place, { passive: true });
    }
    placeNotices(area);
    setTimeout(() => item.remove(), kind === "bad" ? 8000 : 4000);
}

/**
 * Lifts the notices above the desk's reply box when they would lie over it (a phone's desk scrolled to the open
 * chat): the attendant would type unseen. Elsewhere they stay where style.css puts them.
 */
function placeNotices(area) {
    area.style.bottom = "";
    const reply = document.getElementById("reply-form");
    if (!reply || area.childElementCount === 0) return;
    const box = reply.getBoundingClientRect();
    const over = area.getBoundingClientRect();
    const overlaps = over.bottom > box.top && over.top < box.bottom && over.left < box.right && over.right > box.left;
    if (overlaps && box.top > over.height + 16) area.style.bottom = `${window.innerHeight - box.top + 8}px`;
}

/** The floppy-disk icon of the save buttons (inline SVG: nothing is fetched). */
export function floppyIcon() {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "20");
    svg.setAttribute("height", "20");
    svg.setAttribute("aria-hidden", "true");
    svg.innerHTML = '<path fill="currentColor" d="M17 3H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2V7l-4-4z'
        + 'm-5 16a3 3 0 1 1 0-6 3 3 0 0 1 0 6zm3-10H5V5h10v4z"/>';
    return svg;
}

/** A switch: a checkbox styled as a toggle, with its label. */
export function toggle(name, label, checked, onchange) {
    const input = h("input", { type: "checkbox", role: "switch", name, checked, onchange });
    return h("label", { class: "switch", dataset: { field: name } },
        input, h("span", { class: "slider", "aria-hidden": "true" }), h("span", { class: "switch-label" }, label),
        h("small", { class: "error", role: "alert" }));
}

/**
 * Makes closing or reloading the tab ask first while `unsaved()` is true (the browser words the question itself);
 * returns the function that stops asking, for the view's `stop`.
 */
export function askBeforeClosing(unsaved) {
    const warn = (event) => {
        if (!unsaved()) return;
        event.preventDefault();
        event.returnValue = "";
    };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
}
