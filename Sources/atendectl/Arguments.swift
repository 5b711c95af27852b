// Arguments: the command line split into global options, the command words, and the command's own options and
// positional arguments. Each command declares the options it takes; anything else is a usage error (exit 2)
// that names the option. `--name value` and `--name=value` both work, `--` ends the options, and the global
// options (--address, --socket, --token, --json, --help) are accepted anywhere before `--`.

/// An option a command accepts.
struct OptionSpec: Sendable {
    /// The long name without dashes, e.g. `max-chats`.
    let name: String
    /// The placeholder of its value in help, e.g. `N`; nil for a flag.
    let value: String?
    /// One line for `--help`.
    let help: String
    /// It may be given more than once (each value counts); any other option given twice is refused, since only one
    /// of two values could win.
    var repeatable = false

    /// A flag (no value).
    static func flag(_ name: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, value: nil, help: help)
    }

    /// An option with a value.
    static func value(_ name: String, _ placeholder: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, value: placeholder, help: help)
    }

    /// An option with a value that may be given several times.
    static func values(_ name: String, _ placeholder: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, value: placeholder, help: help, repeatable: true)
    }
}

/// The options every command accepts.
struct GlobalOptions {
    /// The endpoint list from --address, if given.
    var address: String?
    /// The socket path from --socket, if given.
    var socket: String?
    /// The admin token from --token, if given.
    var token: String?
    /// --json: print the daemon's result as JSON.
    var json = false
    /// --help or -h.
    var help = false
    /// Everything that is not a global option, in order.
    var rest: [String] = []
    /// The global options whose value was the next argument (`--token VALUE`), with that value: when no command
    /// is left, the value may be the command, taken for the value of an option that had none.
    var separateValues: [(option: String, value: String)] = []

    /// The global options as help lines.
    static let specs: [OptionSpec] = [
        .value("address", "LIST",
               "HOST:PORT endpoints (and socket paths), comma-separated, tried in order (default: $ATENDE_ADDRESS)"),
        .value("socket", "PATH",
               "the daemon's socket (default: $ATENDE_SOCKET, else var/atende.sock, else /run/atende/atende.sock)"),
        .value("token", "TOKEN", "admin token (default: $ATENDE_ADMIN_TOKEN; none: allowed by user id)"),
        .flag("json", "print the daemon's JSON result, one line, for scripts (an error too, on stderr)"),
        .flag("help", "show help for the command"),
    ]

    /// Pulls the global options out of `arguments` (without the program name).
    static func extract(_ arguments: [String]) throws(Failure) -> GlobalOptions {
        var options = GlobalOptions()
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" {
                options.rest += arguments[index...]
                break
            }
            let (name, inline) = splitOption(argument)
            switch name {
            case "--address", "--socket", "--token":
                let value: String
                if let inline {
                    value = inline
                } else {
                    guard index + 1 < arguments.count else { throw .usage("\(name) needs a value") }
                    index += 1
                    value = arguments[index]
                    options.separateValues.append((name, value))
                }
                guard !value.isEmpty else { throw .usage("\(name) needs a value") }
                let given = name == "--address" ? options.address : name == "--socket" ? options.socket : options.token
                guard given == nil else { throw .usage("\(name) is given twice; give it once") }
                switch name {
                case "--address": options.address = value
                case "--socket": options.socket = value
                default: options.token = value
                }
            case "--json" where inline == nil:
                options.json = true
            case "--help" where inline == nil, "-h" where inline == nil:
                options.help = true
            default:
                options.rest.append(argument)
            }
            index += 1
        }
        return options
    }

    /// The placeholder of a global option's value in help ("TOKEN" for --token).
    static func placeholder(_ option: String) -> String {
        specs.first { "--" + $0.name == option }?.value ?? "VALUE"
    }

    /// `--name=value` as ("--name", "value"); anything else as (argument, nil).
    static func splitOption(_ argument: String) -> (String, String?) {
        guard argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") else { return (argument, nil) }
        return (String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
    }
}

/// A command's options and positional arguments, parsed against its `OptionSpec`s.
struct ParsedArguments {
    /// The positional arguments, in order.
    var positionals: [String] = []
    /// Every value given for each option (flags get an empty string per use).
    var values: [String: [String]] = [:]

    /// Parses `arguments` (after the command words).
    init(_ arguments: [String], specs: [OptionSpec], command: String) throws(Failure) {
        var index = 0
        var optionsEnded = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if optionsEnded || !argument.hasPrefix("-") || argument == "-" {
                positionals.append(argument)
                continue
            }
            if argument == "--" {
                optionsEnded = true
                continue
            }
            let (name, inline) = GlobalOptions.splitOption(argument)
            guard name.hasPrefix("--"), let spec = specs.first(where: { "--" + $0.name == name }) else {
                throw .usage("unknown option '\(name)' for '\(command)' (see: atendectl \(command) --help)")
            }
            if spec.value != nil && !spec.repeatable && values[spec.name] != nil {
                throw .usage("--\(spec.name) is given twice; give it once")
            }
            if spec.value == nil {
                guard inline == nil else { throw .usage("--\(spec.name) takes no value") }
                values[spec.name, default: []].append("")
            } else if let inline {
                values[spec.name, default: []].append(inline)
            } else {
                guard index < arguments.count else { throw .usage("--\(spec.name) needs a value \(spec.value!)") }
                values[spec.name, default: []].append(arguments[index])
                index += 1
            }
        }
    }

    /// Whether the flag was given.
    func flag(_ name: String) -> Bool { values[name] != nil }

    /// The last value given for the option.
    func value(_ name: String) -> String? { values[name]?.last }

    /// The option's value as an integer in `range`.
    func int(_ name: String, in range: ClosedRange<Int>) throws(Failure) -> Int? {
        guard let text = value(name) else { return nil }
        guard let number = Int(text), range.contains(number) else {
            throw .usage("--\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// The positional argument at `index`, named `name` in the error when it is missing.
    func positional(_ index: Int, _ name: String) throws(Failure) -> String {
        guard index < positionals.count else { throw .usage("missing \(name)") }
        return positionals[index]
    }

    /// Fails unless there are at most `count` positional arguments.
    func expectPositionals(atMost count: Int) throws(Failure) {
        guard positionals.count <= count else {
            throw .usage("unexpected argument '\(positionals[count])'")
        }
    }

    /// A conversation id (`12` or `#12`) from the positional argument at `index`.
    func conversationID(_ index: Int) throws(Failure) -> Int64 {
        let text = try positional(index, "conversation ID")
        let digits = text.hasPrefix("#") ? String(text.dropFirst()) : text
        guard let id = Int64(digits), id > 0 else { throw .usage("'\(text)' is not a conversation ID (a number)") }
        return id
    }
}
