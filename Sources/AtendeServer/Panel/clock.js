// clock.js: the daemon's clock and time zone, as the panel counts and shows time. Deadlines (an offer's, a reply's,
// a wrap-up's) and waits come from the daemon's clock, and an office computer's clock may be minutes off: the
// panel reads the daemon's time with `system.ping` at each connection and counts from it. Times are shown in the
// account's zone (the daemon's `timezone`), where its working hours and "today" are counted, whatever zone the
// browser is set to.

let offsetMillis = 0;
let zone = "America/Sao_Paulo";
const listeners = new Set();

/** Now, by the daemon's clock (ms since the epoch). */
export function serverNow() {
    return Date.now() + offsetMillis;
}

/** The account's IANA time zone. */
export function timeZone() {
    return zone;
}

/** How far the browser's clock is behind the daemon's (ms; negative when ahead). */
export function clockOffset() {
    return offsetMillis;
}

/** Runs `listener` whenever the zone changes (formatters are rebuilt). */
export function onTimeZone(listener) {
    listeners.add(listener);
}

/**
 * Takes what a `system.ping` answered (`time`, `timezone`), with the browser's time when it was sent and when the
 * answer came: the daemon's time is taken as of the middle of the round trip. An offset under a second is noise.
 */
export function adopt(pong, sentAt, receivedAt) {
    const serverTime = Date.parse(pong && pong.time);
    if (!Number.isNaN(serverTime)) {
        const offset = serverTime - (sentAt + receivedAt) / 2;
        offsetMillis = Math.abs(offset) < 1000 ? 0 : Math.round(offset);
    }
    const named = pong && typeof pong.timezone === "string" ? pong.timezone : "";
    if (named && named !== zone && validZone(named)) {
        zone = named;
        for (const listener of listeners) listener(zone);
    }
}

/** Asks the daemon (`system.ping`, allowed before login) and adopts its answer; a failure changes nothing. */
export async function sync(rpc) {
    const sentAt = Date.now();
    try {
        const pong = await rpc.call("system.ping", {});
        adopt(pong, sentAt, Date.now());
    } catch (error) {
        // An older daemon or a dropped socket: the browser's clock and the default zone stay.
    }
}

// The zones of Brazil as people name them (IANA writes the cities without accents).
const cityNames = { Sao_Paulo: "São Paulo", Cuiaba: "Cuiabá", Belem: "Belém", Maceio: "Maceió",
    Araguaina: "Araguaína", Santarem: "Santarém", Noronha: "Fernando de Noronha", Bahia: "Salvador",
    Eirunepe: "Eirunepé" };

/**
 * "Horários de Manaus (GMT-4)" when the account's zone is not the browser's (an attendant elsewhere reads the
 * account's times and should know it), else "".
 */
export function zoneNote(browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone) {
    if (!zone || zone === browserZone) return "";
    return `Horários de ${zoneLabel(zone)}`;
}

/** A zone as people name it, with its offset now: "America/Sao_Paulo" → "São Paulo (GMT-3)". */
export function zoneLabel(name) {
    const last = name.split("/").pop();
    const city = cityNames[last] || last.replace(/_/g, " ");
    if (!validZone(name)) return city;
    const offset = new Intl.DateTimeFormat("pt-BR", { timeZone: name, timeZoneName: "shortOffset" })
        .formatToParts(new Date(serverNow())).find((part) => part.type === "timeZoneName");
    return `${city}${offset ? ` (${offset.value})` : ""}`;
}

function validZone(name) {
    try {
        new Intl.DateTimeFormat("pt-BR", { timeZone: name });
        return true;
    } catch (error) {
        return false;
    }
}
