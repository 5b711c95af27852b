// format.js: how the panel writes values for people in Brazil: dates dd/mm/aaaa, 24-hour times, phones
// "(11) 98765-4321" (the daemon stores E.164 "+5511987654321"), ratings "4,5", durations "3 min 05 s",
// and the Portuguese words for the daemon's states. Pure functions, no DOM. Dates and times are written in the
// account's time zone and "now" is the daemon's clock (clock.js).

import { onTimeZone, serverNow, timeZone, zoneLabel } from "./clock.js";

let dateFormat = null;
let timeFormat = null;
function buildFormats(zone) {
    const options = (parts) => ({ ...parts, timeZone: zone });
    dateFormat = new Intl.DateTimeFormat("pt-BR", options({ day: "2-digit", month: "2-digit", year: "numeric" }));
    timeFormat = new Intl.DateTimeFormat("pt-BR", options({ hour: "2-digit", minute: "2-digit", hour12: false }));
}
buildFormats(timeZone());
onTimeZone(buildFormats);

const channelNames = { whatsapp: "WhatsApp", telegram: "Telegram", instagram: "Instagram", messenger: "Messenger",
    webchat: "Chat do site", sms: "SMS", email: "E-mail" };

/** A chat's channel as people write it ("whatsapp" → "WhatsApp"); an unknown one as the bot named it. */
export function channel(name) {
    return channelNames[String(name).toLowerCase()] || name;
}

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

/** "04/12/2026 14:05"; only the time when it is today (in the account's zone). */
export function dateTime(value, now = serverNow()) {
    const when = toDate(value);
    if (!when) return "";
    const day = date(when);
    if (day === date(now)) return time(when);
    return `${day} ${time(when)}`;
}

/**
 * A login refused outside the working hours (1011), with what the daemon says of it: the holiday that closes the
 * day and when the hours begin again ("Fora do horário de atendimento (feriado: Natal). Seu horário começa em
 * 26/12/2026 às 08:00.").
 */
export function outOfHoursText(data, now = serverNow()) {
    const holiday = data && data.holiday ? ` (feriado: ${data.holiday})` : "";
    let text = `Fora do horário de atendimento${holiday}.`;
    const opens = data && toDate(data.opensAt);
    if (opens) {
        // In the account's zone, which the attendant's own hours may not be in: named.
        const zone = ` (horário de ${zoneLabel(timeZone() || Intl.DateTimeFormat().resolvedOptions().timeZone)})`;
        text += date(opens) === date(now) ? ` Seu horário começa às ${time(opens)}${zone}.`
            : ` Seu horário começa em ${date(opens)} às ${time(opens)}${zone}.`;
    }
    return text;
}

/** "2026-12-04" (the wire's dates) as "04/12/2026". */
export function isoDay(day) {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day || "");
    return match ? `${match[3]}/${match[2]}/${match[1]}` : day || "";
}

function toDate(value) {
    if (!value && value !== 0) return null;
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
export function timeLeft(until, now = serverNow()) {
    const left = (Date.parse(until) - now) / 1000;
    return Number.isNaN(left) ? "" : left > 0 ? duration(Math.ceil(left)) : "expirando…";
}

/** Seconds since an ISO time, at `now` (ms). */
export function secondsSince(value, now = serverNow()) {
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

// The small words between names ("Maria da Conceição"), which initials skip.
const nameParticles = new Set(["da", "das", "de", "do", "dos", "e", "di", "du", "del", "van", "von"]);

/** A person's initials for an avatar: the first and last names' ("Maria da Conceição Albuquerque" → "MA"). */
export function initials(name) {
    const words = String(name || "").trim().split(/\s+/).filter(Boolean);
    const names = words.filter((word) => !nameParticles.has(word.toLowerCase()));
    const chosen = names.length ? names : words;
    const first = [...(chosen[0] || "")][0] || "";
    const last = chosen.length > 1 ? [...chosen[chosen.length - 1]][0] : "";
    return (first + last).toUpperCase();
}

/** How a contact is named on screen: its name, else its phone. */
export function contactLabel(contact) {
    return contact.name || contactPhone(contact.phone);
}

/**
 * What the bot keeps of a contact besides its name and phone, as [label, text] pairs in the agenda's order: the
 * bot's own keys ("cliente_desde" → "Cliente desde"), yes/no in Portuguese, lists joined, a nested object as its
 * members ("numero: PED-1 · valor: R$ 10,00").
 */
export function contactDetails(contact) {
    const shown = (value) => {
        if (value === true) return "Sim";
        if (value === false) return "Não";
        if (value === null || value === undefined) return "—";
        // As the bot wrote it, with a decimal comma: 2019 stays a year, not "2.019".
        if (typeof value === "number") return String(value).replace(".", ",");
        if (Array.isArray(value) && value.every((item) => typeof item !== "object" || item === null)) {
            return value.map(shown).join(", ");
        }
        // An object the bot nested: its members as "key: value", in the same words.
        if (typeof value === "object") {
            return Object.entries(value).map(([key, inner]) => `${key.replace(/[_-]+/g, " ")}: ${shown(inner)}`)
                .join(" · ");
        }
        return String(value);
    };
    return Object.entries(contact)
        .filter(([key]) => !["name", "phone", "updatedAt"].includes(key))
        .map(([key, value]) => {
            const words = key.replace(/[_-]+/g, " ").replace(/([a-zà-ÿ])([A-Z])/g, "$1 $2").trim().toLowerCase();
            return [words.charAt(0).toUpperCase() + words.slice(1), shown(value)];
        });
}

/** A contact's phone: Brazilian numbers as `phone`, others as they are. */
export function contactPhone(text) {
    return String(text || "").startsWith("+55") ? phone(text) : String(text || "");
}

/** Why a typed person's name will be refused (the daemon wants a name and a surname), or null. */
export function nameProblem(text) {
    return String(text || "").trim().split(/\s+/).length < 2 ? "informe nome e sobrenome" : null;
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

/**
 * Why a typed e-mail will be refused, in Portuguese, or null when it looks right. Empty is fine (optional). The
 * daemon's common refusals, found before sending so they show with the form's other problems; it checks the rest.
 */
export function emailProblem(text) {
    const email = String(text || "").trim();
    if (!email) return null;
    const parts = email.split("@");
    if (parts.length !== 2) return "O e-mail deve ter exatamente um @.";
    const [local, domain] = parts;
    if (!local) return "Falta o nome antes do @.";
    if (!domain) return "Falta o domínio depois do @.";
    const labels = domain.split(".");
    if (labels.length < 2) return "O domínio precisa de um ponto, como em exemplo.com.br.";
    if (labels.some((label) => !label)) return "O domínio tem um ponto fora do lugar.";
    if (!/^[A-Za-z]{2,}$/.test(labels[labels.length - 1])) return "O final do domínio deve ter pelo menos 2 letras.";
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

/**
 * What an attendant is told when the presence it asked for is not the one it got: "online" asked outside its
 * working hours is kept as its choice, and takes effect when the hours begin.
 */
export function presenceNote(wanted, presence) {
    if (wanted === "online" && presence === "off-hours") {
        return "Você está fora do horário de atendimento: ficará online quando ele começar.";
    }
    return null;
}

/**
 * What an attendant leaving the desk is asked about the open chats that will go back to their queues once the
 * presence grace runs out (DeskState.returningOnLeave). Null when none will.
 */
export function leavingQuestion(openChats) {
    if (!openChats) return null;
    const which = openChats === 1 ? "A conversa aberta fica" : `As ${openChats} conversas abertas ficam`;
    return `${which} com você por pouco tempo e depois volta${openChats === 1 ? "" : "m"} para a fila. `
        + "Sair mesmo assim?";
}

/** A contact's words as quoted beside its name: “Quero a segunda via”. */
export function said(text) {
    return `“${text}”`;
}

/** A contact's words cut to `limit` characters (as potentials.list cuts its lastMessages), on one line. */
export function excerpt(text, limit = 200) {
    const line = String(text).replace(/\s+/g, " ").trim();
    const characters = [...line];
    return characters.length > limit ? `${characters.slice(0, limit).join("")}…` : line;
}

/** Why the board has no attendant to hand a chat to: nobody serves its department, or nobody can take it now. */
export function nobodyToHandTo(departmentServed) {
    return departmentServed ? "ninguém disponível agora (no limite, offline ou fora do horário)"
        : "ninguém atende este departamento";
}

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
    1010: "Não é possível fazer isso.",
    1011: "Fora do horário de atendimento.",
    1012: "Limite de conversas simultâneas atingido.",
    1029: "Muitas tentativas. Aguarde e tente de novo.",
};

// A conflict (1009) said for the field it is about: "Já existe um cadastro com este valor." left the admin guessing.
const conflictTexts = {
    login: "Este login já está em uso.",
};

const stateWords = {
    potential: "potencial", queued: "na fila", offered: "oferecida", assigned: "em atendimento",
    closed: "encerrada", removed: "removida",
};

// The daemon's reasons and refusals (English, written for developers) as a user reads them: the patterns the
// panel's forms and buttons can meet. What is not listed keeps the daemon's words.
const reasonTexts = [
    [/^must be between (-?\d+) and (-?\d+)$/, (m) => `deve estar entre ${m[1]} e ${m[2]}`],
    [/^must be an integer from (-?\d+)( \(off\))? to (-?\d+)$/,
        (m) => `deve ser um número inteiro de ${m[1]}${m[2] ? " (desligado)" : ""} a ${m[3]}`],
    [/^must be at most (\d+) characters$/, (m) => `deve ter no máximo ${m[1]} caracteres`],
    [/^must be at least (\d+) characters$/, (m) => `deve ter pelo menos ${m[1]} caracteres`],
    [/^(already in use|already exists)$/, () => ""],
    [/^must be an integer$/, () => "deve ser um número inteiro"],
    [/^must be a boolean/, () => "deve ser sim ou não"],
    [/^longer than (\d+) characters$/, (m) => `deve ter no máximo ${m[1]} caracteres`],
    [/^longer than (\d+) bytes/, (m) => `passa do limite de ${Math.round(Number(m[1]) / 1024)} KB`],
    [/^must be a name of 1 to (\d+) bytes$/,
        (m) => `informe um nome de até ${m[1]} caracteres (letras com acento contam como 2)`],
    [/^must be none, unanswered or all$/, () => "escolha uma das opções"],
    [/^must be an ISO 8601 time$/, () => "deve ser uma data e hora válidas"],
    [/^must be an IANA time zone name/, () => "escolha um fuso horário da lista"],
    [/^unknown time zone/, () => "fuso horário desconhecido"],
    [/^is listed twice$/, () => "aparece duas vezes"],
    [/^mobile numbers have 9 digits starting with 9$/, () => "celular tem 9 dígitos, começando com 9"],
    [/^has open chats$/, () => "o atendente tem conversas abertas (encerre ou transfira antes)"],
    [/^is required$/, () => "é obrigatório"],
    [/^(is empty|must not be empty)$/, () => "não pode ficar vazio"],
    [/^must not contain control characters$/, () => "não pode conter caracteres de controle"],
    [/^must not contain spaces$/, () => "não pode conter espaços"],
    [/^may contain only a-z, 0-9 and '-'$/, () => "use só letras minúsculas sem acento, números e hífen"],
    [/^must have a first name and a surname/, () => "informe nome e sobrenome"],
    [/^must contain exactly one @$/, () => "o e-mail deve ter exatamente um @"],
    [/^needs a name before the @$/, () => "falta o nome antes do @"],
    [/^needs a domain after the @$/, () => "falta o domínio depois do @"],
    [/^the domain needs a dot/, () => "o domínio precisa de um ponto, como em exemplo.com.br"],
    [/^the top-level domain must be 2 letters at least$/, () => "o final do domínio deve ter pelo menos 2 letras"],
    [/^the domain may contain only /, () => "o domínio só pode ter letras, números, hífens e pontos"],
    [/^the domain has an empty label/, () => "o domínio tem um ponto fora do lugar"],
    [/^the part before @ has a misplaced dot$/, () => "a parte antes do @ tem um ponto fora do lugar"],
    [/^the part before @ has a character not allowed there$/, () => "a parte antes do @ tem um caractere inválido"],
    [/^the part before @ must be at most (\d+) characters$/,
        (m) => `a parte antes do @ deve ter no máximo ${m[1]} caracteres`],
    [/^must contain a digit/, () => "a senha precisa de um número (0-9)"],
    [/^must contain an upper-case letter$/, () => "a senha precisa de uma letra maiúscula"],
    [/^must contain a lower-case letter$/, () => "a senha precisa de uma letra minúscula"],
    [/^unknown area code (\d+)$/, (m) => `DDD ${m[1]} não existe`],
    [/^only Brazilian numbers/, () => "só números do Brasil (+55)"],
    [/^has (\d+) digits; expected a 2-digit area code/,
        (m) => `tem ${m[1]} dígitos; informe DDD e número (8 ou 9 dígitos)`],
    [/^overlaps (\d\d:\d\d(?::\d\d)?)-(\d\d:\d\d(?::\d\d)?)$/, (m) => `sobrepõe o intervalo ${m[1]} às ${m[2]}`],
    [/^start must be before end$/, () => "o início deve ser antes do fim"],
    [/^the day is given twice$/, () => "o dia aparece duas vezes"],
    [/^the same date as holidays\[\d+\]$/, () => "já há um feriado nesta data"],
    [/^overlaps exception \d+: the date is given twice$/, () => "já há uma exceção nesta data"],
    [/^must be a date like/, () => "deve ser uma data válida (dd/mm/aaaa)"],
    [/^not a PNG, JPEG or WebP image$/, () => "a imagem deve ser PNG, JPEG ou WebP"],
    [/^the image is \d+ bytes; the limit is 1 MiB$/, () => "a imagem passa do limite de 1 MB"],
    [/^no department '(.*)'$/, (m) => `o departamento "${m[1]}" não existe`],
    [/^attendant is not logged in$/, () => "o atendente não está conectado"],
    [/^attendant is away$/, () => "o atendente está ausente"],
    // The code's own text says it ("Fora do horário de atendimento."), for the attendant and for an admin alike.
    [/^attendant is outside working hours$/, () => ""],
    [/^attendant is inactive$/, () => "o atendente está inativo"],
    [/^attendant does not serve department '(.*)'$/, (m) => `o atendente não atende o departamento "${m[1]}"`],
    // Read by the attendant who tried to take a chat as well as by an admin transferring one: no "o atendente".
    // (after "Limite de conversas simultâneas atingido:", so the limit is not said twice)
    [/^attendant already holds (\d+) of (\d+)/, (m) => `${m[1]} de ${m[2]} conversas em andamento`],
    [/^attendant \d+ has \d+ open chats?/, () => "o atendente tem conversas abertas (encerre ou transfira antes)"],
    [/^department '.*' has open chats$/, () => "o departamento tem conversas abertas"],
    [/^department '.*' is served by (\d+) attendant/,
        (m) => `o departamento ainda é atendido por ${m[1]} atendente(s)`],
    [/^conversation is already with that attendant$/, () => "a conversa já está com esse atendente"],
    [/^conversation is no longer offered to you$/, () => "a conversa não está mais oferecida a você"],
    [/^conversation is offered to another attendant$/, () => "a conversa está oferecida a outro atendente"],
    [/^conversation is not waiting in a department queue$/, () => "a conversa não está na fila de um departamento"],
    [/^conversation is (\w+)/, (m) => `a conversa está ${stateWords[m[1]] || m[1]}`],
    [/^the offer has expired$/, () => "a oferta expirou"],
    [/^not your conversation$/, () => "a conversa não é sua"],
    [/^conversation was already rated$/, () => "a conversa já foi avaliada"],
    [/^only closed conversations can be rated$/, () => "só conversas encerradas podem ser avaliadas"],
];

/** The daemon's reason in Portuguese, or null when the panel does not know it. */
export function reasonText(reason) {
    for (const [pattern, text] of reasonTexts) {
        const match = pattern.exec(reason);
        if (match) return text(match);
    }
    return null;
}

/**
 * A daemon error (RpcError) in Portuguese: the code's sentence, with the daemon's reason (or, for a refusal, its
 * message) translated when the panel knows it, else in the daemon's words in parentheses. A problem the panel found
 * itself (InputProblem) is already in Portuguese.
 */
export function errorText(error) {
    if (error.data && typeof error.data.retryAfter === "number") {
        return `Muitas tentativas. Tente de novo em ${duration(error.data.retryAfter)}.`;
    }
    if (error.code === 1009 && conflictTexts[error.field]) return conflictTexts[error.field];
    const base = errorTexts[String(error.code)] || error.message || "Erro.";
    if (error.local) return sentence(error.reason || base);
    const said = error.reason || (error.code >= 1003 && error.code <= 1012 && error.message) || null;
    if (!said) return base;
    // A refusal's message starts with its kind ("forbidden: attendant is inactive"): the reason is what follows.
    const plain = reasonText(said.replace(/^forbidden: /, ""));
    if (plain === "") return base;
    if (plain) return error.code === -32602 ? sentence(plain) : `${base.replace(/\.$/, ":")} ${plain}.`;
    return error.reason ? `${base.replace(/\.$/, "")} (${said}).` : base;
}

/** "deve ter..." → "Deve ter...." with one final period. */
function sentence(text) {
    const trimmed = text.trim().replace(/\.+$/, "");
    return trimmed.charAt(0).toUpperCase() + trimmed.slice(1) + ".";
}
