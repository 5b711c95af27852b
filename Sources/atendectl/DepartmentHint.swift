// DepartmentHint: department ids are slugs (`vendas`), while people type the name they see (`Vendas`). When the
// daemon does not know a department, the hint lists the ids (with their names) and names the likely one; when a
// chat sent to a department is left waiting, a warning says nobody there could take it now.

import AtendeClient
import AtendeProtocol

/// Advice about department ids.
enum DepartmentHint {
    /// `error` with a hint when it is about an unknown department (1004 or a departments field).
    static func explain(_ error: Error, department: String, _ run: Invocation) throws -> Error {
        guard case ClientError.rpc(let rpc) = error, rpc.code == RPCErrorCode.notFound
                || (rpc.data?["field"]?.stringValue ?? "").hasPrefix("department") else { return error }
        guard let list = try? run.call("department.list")["departments"]?.arrayValue else { return error }
        let known = list.compactMap { item -> (id: String, name: String)? in
            guard let id = item["id"]?.stringValue else { return nil }
            return (id, item["name"]?.stringValue ?? id)
        }
        guard !known.contains(where: { $0.id == department }) else { return error }
        let wanted = department.lowercased()
        let guess = known.first { $0.name.lowercased() == wanted || $0.id == wanted }
        let ids = known.map { "\($0.id) (\($0.name))" }.joined(separator: ", ")
        var hint = "departments are named by id: " + (ids.isEmpty ? "there are none yet" : ids)
        if let guess { hint = "did you mean '\(guess.id)'? " + hint }
        return Failure.daemon(rpc, hint: hint)
    }

    /// `explain` for a list of departments: the one the error's field (`departments[1]`) names.
    static func explain(_ error: Error, departments: JSON?, _ run: Invocation) throws -> Error {
        guard case ClientError.rpc(let rpc) = error, let field = rpc.data?["field"]?.stringValue,
              field.hasPrefix("departments["), let index = Int(field.dropFirst(12).dropLast()),
              let name = departments?.arrayValue?[safe: index]?.stringValue else { return error }
        return try explain(error, department: name, run)
    }

    /// Warns on stderr when a chat just sent to a department is waiting: nobody there could take it now.
    static func warnIfWaiting(_ conversation: JSON) {
        guard conversation["state"]?.stringValue == "queued" else { return }
        let department = conversation["department"]?.stringValue ?? "the department"
        Output.stderr("warning: nobody in \(department) can take it now (no attendant of it is online, inside "
            + "working hours and below capacity); it waits in the queue\n")
    }
}

extension Array {
    /// The element at `index`, or nil when out of range.
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
