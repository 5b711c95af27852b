// admin-store.js: what the admin screens show, kept current by pushes. The connection subscribes to the monitor
// pushes first (monitor.subscribe, as `atendectl top` does) and then reads the lists, so no change falls between
// the snapshot and the pushes. attendant.changed and department.changed patch the lists; settings.changed (any
// admin's or atendectl's settings.update) replaces the settings; queue.changed and potentials.changed make
// stats.get be read again (at most every quarter second, since a busy queue pushes often). Views subscribe with
// `watch` and redraw on change; nothing is polled.

export class AdminStore {
    constructor(rpc) {
        this.rpc = rpc;
        this.attendants = new Map();
        this.departments = new Map();
        this.settings = null;
        this.stats = null;
        this.statsAt = 0;
        this.watchers = new Set();
        this.statsTimer = null;
        this.statsDue = false;
        this.problem = null;
        this.stopEvents = rpc.on("event", (event) => this.apply(event));
    }

    /** Calls `watcher(what)` after each change ("attendants", "departments", "stats", "settings", "all"). */
    watch(watcher) {
        this.watchers.add(watcher);
        return () => this.watchers.delete(watcher);
    }

    changed(what) {
        for (const watcher of [...this.watchers]) watcher(what);
    }

    stop() {
        this.stopEvents();
        clearTimeout(this.statsTimer);
        this.watchers.clear();
    }

    /** Subscribes and reads everything (again after a reconnect). */
    async load() {
        try {
            await this.rpc.call("monitor.subscribe", {});
        } catch (error) {
            this.problem = "Atualizações automáticas indisponíveis (monitor.subscribe).";
        }
        const [departments, attendants, settings] = await Promise.all([
            this.rpc.call("department.list", {}),
            this.rpc.call("attendant.list", {}),
            this.rpc.call("settings.get", {}),
        ]);
        this.departments = new Map(departments.departments.map((d) => [d.id, d]));
        this.attendants = new Map(attendants.attendants.map((a) => [a.id, a]));
        this.settings = settings;
        await this.readStats();
        this.changed("all");
    }

    async readStats() {
        try {
            this.stats = await this.rpc.call("stats.get", {});
            this.statsAt = Date.now();
        } catch (error) {
            this.stats = null;
        }
    }

    /** Reads stats.get soon: once now, then at most every 250 ms while pushes keep coming. */
    statsSoon() {
        if (this.statsTimer) {
            this.statsDue = true;
            return;
        }
        const run = async () => {
            this.statsDue = false;
            await this.readStats();
            this.changed("stats");
            this.statsTimer = setTimeout(() => {
                this.statsTimer = null;
                if (this.statsDue) this.statsSoon();
            }, 250);
        };
        this.statsTimer = -1;
        run();
    }

    apply(event) {
        switch (event.type) {
        case "attendant.changed":
            if (event.attendant && event.deleted) {
                // As department.changed says a deletion, should the daemon say one for attendants.
                this.attendants.delete(event.attendant.id);
                this.changed("attendants");
            } else if (event.attendant) {
                this.attendants.set(event.attendant.id, event.attendant);
                this.changed("attendants");
                this.statsSoon();
            }
            break;
        case "attendant.deleted":
            if (event.attendant) this.attendants.delete(event.attendant.id);
            this.changed("attendants");
            break;
        case "department.changed":
            if (event.deleted) this.departments.delete(event.department.id);
            else this.departments.set(event.department.id, event.department);
            this.changed("departments");
            this.statsSoon();
            break;
        case "settings.changed":
            if (event.settings) {
                this.settings = event.settings;
                this.changed("settings");
            }
            break;
        case "potentials.changed":
            this.changed("potentials");  // the board reads the list again
            this.statsSoon();
            break;
        case "queue.changed":
            this.statsSoon();
            break;
        default:
            if (event.type && event.type.startsWith("conversation.")) this.statsSoon();
        }
    }

    /** Keeps a result the admin's own call returned (the push may come later, or not at all). */
    putAttendant(attendant) {
        this.attendants.set(attendant.id, attendant);
        this.changed("attendants");
    }

    putDepartment(department) {
        this.departments.set(department.id, department);
        this.changed("departments");
    }

    putSettings(settings) {
        this.settings = settings;
        this.changed("settings");
    }

    /** Attendants sorted by name (pt-BR collation). */
    attendantList() {
        return [...this.attendants.values()].sort((a, b) => a.name.localeCompare(b.name, "pt-BR"));
    }

    departmentList() {
        return [...this.departments.values()].sort((a, b) => a.name.localeCompare(b.name, "pt-BR"));
    }
}
