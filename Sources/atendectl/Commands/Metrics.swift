// Metrics: `atendectl metrics` (admin) prints the daemon's Prometheus text exposition (metrics.get) exactly as
// it came, so it can be piped into a file for node_exporter's textfile collector or read by eye.

import AtendeProtocol

/// `metrics`.
enum MetricsCommand {
    static let all: [Command] = [
        Command(["metrics"], "",
                summary: "the daemon's metrics in the Prometheus text format (admin)",
                details: """
                    Prints the text of metrics.get as it is: '# HELP' and '# TYPE' comments and one
                    'name{labels} value' line per sample. With --json: {contentType, text}. For node_exporter's
                    textfile collector the daemon can also write the same text to a file itself (config key
                    metricsFile).

                    examples:
                      atendectl metrics
                      atendectl metrics | grep '^atende_waiting_conversations'
                    """,
                run: metrics),
    ]

    static func metrics(_ run: Invocation) throws {
        try run.arguments.expectPositionals(atMost: 0)
        try run.admin()
        let result = try run.call("metrics.get")
        run.emit(result) {
            let text = result["text"]?.stringValue ?? ""
            Output.raw(text.isEmpty || text.hasSuffix("\n") ? text : text + "\n")
        }
    }
}
