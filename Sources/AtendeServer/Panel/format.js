// format.js: how the panel writes values for people in Brazil: dates dd/mm/aaaa, 24-hour times, phones
// "(11) 98765-4321" (the daemon stores E.164 "+5511987654321"), ratings "4,5", durations "3 min 05 s",
// and the Portuguese words for the daemon's states. Pure functions, no DOM.

const dateFormat = new Intl.DateTimeFormat("pt-BR", { day: "2-digit", month: "2-digit", year: "numeric" });
const timeFormat = new Intl.DateTimeFormat("pt-BR", { hour: "2-digit", minute: "2-digit", hour12: false });

/** "04/12/2026" from an ISO time (or a Date). */
export function date(value) {
    const when = toDate(value);
    return when ? dateFormat.format(when) : "";
}

/** "14:05" from an ISO time. */
export function time(value) {
    const when = toDate(value);
    return when ? timeFormat.format(when) : "";
}

/** "04/12/2026 14:05"; only the time when it is today. */
export function dateTime(value, now = new Date()) {
    const when = toDate(value);
    if (!when) return "";
    if (when.toDateString() === now.toDateString()) return time(when);
    return `${date(when)} ${time(when)}`;
}

/** "2026-12-04" (the wire's dates) as "04/12/2026". */
export function isoDay(day) {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day || "");
    return match ? `${match[3]}/${match[2]}/${match[1]}` : day || "";
}

function toDate(value) {
    if (!value) return null;
    const when = value instanceof Date ? value : new Date(value);
    return Number.isNaN(when.getTime()) ? null : when;
}

/** Seconds as "45 s", "3 min 05 s", "5 min", "2 h 07 min". */
export function duration(seconds) {
    const total = Math.max(0, Math.floor(seconds || 0));
    if (total < 60) return `${total} s`;
    const minutes = Math.floor(total / 60);
    if (minutes < 60) return total % 60 ? `${minutes} min ${String(total % 60).padStart(2, "0")} s` : `${minutes} min`;
    const hours = Math.floor(minutes / 60);
    if (hours < 24) return minutes % 60 ? `${hours} h ${String(minutes % 60).padStart(2, "0")} min` : `${hours} h`;
    return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** The time left until an ISO time, as a countdown shows it ("" when there is none). */
export function timeLeft(until, now = Date.now()) {
    const left = (Date.parse(until) - now) / 1000;
    return Number.isNaN(left) ? "" : left > 0 ? duration(Math.ceil(left)) : "expirando…";
}

/** Seconds since an ISO time, at `now` (ms). */
export function secondsSince(value, now = Date.now()) {
    const when = toDate(value);
    return when ? Math.max(0, (now - when.getTime()) / 1000) : 0;
}

/** 4.5 as "4,5"; 4 as "4,0". */
export function rating(average) {
    return (Math.round((average || 0) * 10) / 10).toLocaleString("pt-BR", {
        minimumFractionDigits: 1, maximumFractionDigits: 1,
    });
}

/** "1 avaliação", "3 avaliações": `count` with the singular or the plural word. */
export function count(number, singular, plural) {
    return `${number} ${number === 1 ? singular : plural}`;
}

/** A fraction 0..1 as "87,5%"; null as "—". */
export function percent(fraction) {
    if (fraction === null || fraction === undefined) return "—";
    return `${(fraction * 100).toLocaleString("pt-BR", { maximumFractionDigits: 1 })}%`;
}

/** The assigned Brazilian area codes (DDD), as the daemon checks them. */
export const areaCodes = new Set();
for (const [from, to] of [[11, 19], [21, 22], [24, 24], [27, 28], [31, 35], [37, 38], [41, 49], [51, 51],
    [53, 55], [61, 69], [71, 71], [73, 75], [77, 77], [79, 79], [81, 89], [91, 99]]) {
    for (let code = from; code <= to; code++) areaCodes.add(code);
}

/** The national digits (DDD + number) of what was typed or stored: drops +55 / 55 and a trunk 0. */
export function phoneDigits(text) {
    let digits = String(text || "").replace(/\D/g, "");
    if ((digits.length === 12 || digits.length === 13) && digits.startsWith("55")) digits = digits.slice(2);
    else if ((digits.length === 11 || digits.length === 12) && digits.startsWith("0")) digits = digits.slice(1);
    return digits.slice(0, 11);
}

/** "+5511987654321" (or partial digits while typing) as "(11) 98765-4321". */
export function phone(text) {
    const digits = phoneDigits(text);
    if (digits.length === 0) return "";
    if (digits.length <= 2) return `(${digits}`;
    const ddd = digits.slice(0, 2);
    const rest = digits.slice(2);
    const split = rest.length > 8 ? 5 : 4;
    if (rest.length <= split) return `(${ddd}) ${rest}`;
    return `(${ddd}) ${rest.slice(0, split)}-${rest.slice(split)}`;
}

/** A contact's phone: Brazilian numbers as `phone`, others as they are. */
export function contactPhone(text) {
    return String(text || "").startsWith("+55") ? phone(text) : String(text || "");
}

/** Why a typed phone will be refused, in Portuguese, or null when it looks right. Empty is fine (optional). */
export function phoneProblem(text) {
    const digits = phoneDigits(text);
    if (digits.length === 0) return null;
    if (digits.length < 10) return "Informe DDD + número (10 ou 11 dígitos).";
    const ddd = Number(digits.slice(0, 2));
    if (!areaCodes.has(ddd)) return `DDD ${digits.slice(0, 2)} não existe.`;
    const lead = digits[2];
    if (digits.length === 11 && lead !== "9") return "Celular tem 9 dígitos começando com 9.";
    if (digits.length === 10 && !"2345".includes(lead)) {
        return lead === "9" ? "Celular tem 9 dígitos começando com 9." : "Telefone fixo começa com 2 a 5.";
    }
    return null;
}

/** The typed phone as E.164 for the daemon, or null when empty. */
export function phoneE164(text) {
    const digits = phoneDigits(text);
    return digits.length ? `+55${digits}` : null;
}

/** The password rules the daemon applies, each with whether `password` meets it. */
export function passwordRules(password) {
    const text = password || "";
    return [
        { key: "length", label: "pelo menos 8 caracteres", ok: [...text].length >= 8 },
        { key: "digit", label: "um número", ok: /[0-9]/.test(text) },
        { key: "upper", label: "uma letra maiúscula", ok: /\p{Lu}/u.test(text) },
        { key: "lower", label: "uma letra minúscula", ok: /\p{Ll}/u.test(text) },
    ];
}

export const presenceLabels = {
    online: "Online",
    away: "Ausente",
    offline: "Offline",
    "off-hours": "Fora do horário",
};

export const stateLabels = {
    potential: "Potencial",
    queued: "Na fila",
    offered: "Oferecida",
    assigned: "Em atendimento",
    closed: "Encerrada",
    removed: "Removida",
};

export const strategyLabels = {
    "least-busy": "Menos ocupado",
    "round-robin": "Rodízio",
    "longest-idle": "Mais tempo ocioso",
    manual: "Manual (atendentes puxam da fila)",
};

const errorTexts = {
    "-32700": "Mensagem inválida.",
    "-32600": "Pedido inválido.",
    "-32601": "O servidor ainda não tem esta função.",
    "-32602": "Valor inválido.",
    "-32603": "Erro interno do servidor.",
    "-1": "Sem conexão com o servidor.",
    1001: "Usuário ou senha incorretos.",
    1003: "Sem permissão para esta ação.",
    1004: "Não encontrado.",
    1009: "Já existe um cadastro com este valor.",
    1010: "Esta ação não cabe no estado atual.",
    1011: "Fora do horário de atendimento.",
    1012: "Limite de conversas simultâneas atingido.",
    1029: "Muitas tentativas. Aguarde e tente de novo.",
};

/** A daemon error (RpcError) in Portuguese; the daemon's own reason follows in parentheses when it gave one. */
export function errorText(error) {
    const base = errorTexts[String(error.code)] || error.message || "Erro.";
    let text = base;
    if (error.reason) text = error.code === -32602 ? `Valor inválido: ${error.reason}.` : `${base} (${error.reason})`;
    if (error.data && typeof error.data.retryAfter === "number") {
        text = `Muitas tentativas. Tente de novo em ${duration(error.data.retryAfter)}.`;
    }
    return text;
}
