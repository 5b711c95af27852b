// rpc-client.js: the panel's JSON-RPC 2.0 client over the WebSocket at /rpc (one message per text frame).
// Requests get increasing ids and a promise; pushes ({method: "event"}) go to the listeners. When the socket drops,
// every pending call fails with a "disconnected" error and the client reconnects with a growing delay (1 s to 5 s:
// an attendant's presence grace, 60 s by default, is not to be spent waiting for the next try); listeners of "open"
// then read their snapshots again, since pushes sent while the socket was down are lost.

/** An error answered by the daemon (or made here when the socket is gone). */
export class RpcError extends Error {
    constructor(code, message, data) {
        super(message);
        this.code = code;
        this.data = data || null;
    }

    /** The param the daemon named in `data.field`, if any. */
    get field() {
        return this.data && typeof this.data.field === "string" ? this.data.field : null;
    }

    /** The daemon's reason in `data.reason`, if any. */
    get reason() {
        return this.data && typeof this.data.reason === "string" ? this.data.reason : null;
    }
}

/** The code of the error a call gets when the socket closes before its answer (not a JSON-RPC code). */
export const DISCONNECTED = -1;

export class RpcClient {
    /**
     * A client for `url`; by default `rpc` beside the page (ws: or wss: as the page), so a panel that a reverse
     * proxy serves under a path prefix (https://host/atende/) finds its socket under the same prefix.
     */
    constructor(url) {
        if (!url) {
            const beside = new URL("rpc", location.href);
            beside.protocol = beside.protocol === "https:" ? "wss:" : "ws:";
            beside.hash = "";
            url = beside.href;
        }
        this.url = url;
        this.nextId = 1;
        this.pending = new Map();
        this.listeners = { event: new Set(), open: new Set(), close: new Set() };
        this.socket = null;
        this.retryDelay = 1000;
        this.retryTimer = null;
        this.stopped = false;
    }

    /** Subscribes to "event" (a push's params), "open" or "close"; returns a function that unsubscribes. */
    on(kind, listener) {
        this.listeners[kind].add(listener);
        return () => this.listeners[kind].delete(listener);
    }

    get connected() {
        return this.socket !== null && this.socket.readyState === WebSocket.OPEN;
    }

    /** Opens the socket (and keeps reopening it after drops until `stop`). */
    start() {
        this.stopped = false;
        this.open();
    }

    /** Closes the socket and stops reconnecting. */
    stop() {
        this.stopped = true;
        clearTimeout(this.retryTimer);
        if (this.socket) this.socket.close(1000);
    }

    /** Closes the socket now and opens a new one (a new session: the cookie decides who it is). */
    reconnect() {
        if (this.socket) {
            const old = this.socket;
            this.socket = null;
            old.onclose = null;
            old.close(1000);
            this.failPending();
            this.emit("close");
        }
        this.open();
    }

    /** Calls `method` with `params`; resolves with the result or rejects with an RpcError. */
    call(method, params) {
        if (!this.connected) {
            return Promise.reject(new RpcError(DISCONNECTED, "sem conexão com o servidor"));
        }
        const id = this.nextId++;
        const message = { jsonrpc: "2.0", id, method };
        if (params !== undefined) message.params = params;
        return new Promise((resolve, reject) => {
            this.pending.set(id, { resolve, reject, method });
            this.socket.send(JSON.stringify(message));
        });
    }

    open() {
        clearTimeout(this.retryTimer);
        let socket;
        try {
            socket = new WebSocket(this.url);
        } catch (error) {
            this.scheduleRetry();
            return;
        }
        this.socket = socket;
        socket.onopen = () => {
            this.retryDelay = 1000;
            this.emit("open");
        };
        socket.onmessage = (frame) => this.receive(frame.data);
        socket.onclose = () => {
            if (this.socket !== socket) return;
            this.socket = null;
            this.failPending();
            this.emit("close");
            this.scheduleRetry();
        };
    }

    scheduleRetry() {
        if (this.stopped) return;
        this.retryTimer = setTimeout(() => this.open(), this.retryDelay);
        this.retryDelay = Math.min(this.retryDelay * 2, 5000);
    }

    failPending() {
        const calls = [...this.pending.values()];
        this.pending.clear();
        for (const call of calls) call.reject(new RpcError(DISCONNECTED, "conexão perdida"));
    }

    receive(text) {
        let message;
        try {
            message = JSON.parse(text);
        } catch (error) {
            console.warn("atende: a frame that is not JSON", text);
            return;
        }
        for (const one of Array.isArray(message) ? message : [message]) this.dispatch(one);
    }

    dispatch(message) {
        if (message.method === "event" && message.params) {
            this.emit("event", message.params);
            return;
        }
        const call = this.pending.get(message.id);
        if (!call) return;
        this.pending.delete(message.id);
        if (message.error) {
            const { code, message: text, data } = message.error;
            call.reject(new RpcError(code, text, data));
        } else {
            call.resolve(message.result);
        }
    }

    emit(kind, value) {
        for (const listener of [...this.listeners[kind]]) {
            try {
                listener(value);
            } catch (error) {
                console.error(`atende: a ${kind} listener failed`, error);
            }
        }
    }
}
