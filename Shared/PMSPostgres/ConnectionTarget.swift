import CLibPQ

/// Where a connection URL points, for messages; never includes the password.
struct ConnectionTarget: Sendable, CustomStringConvertible {
    let host: String?
    let port: String?
    let database: String?
    let user: String?
    /// libpq's complaint when the URL itself is malformed.
    let parseError: String?

    init(url: String) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(url, &errorMessage) else {
            host = nil; port = nil; database = nil; user = nil
            parseError = errorMessage.map { String(cString: $0).asOneLine } ?? "invalid connection URL"
            if let errorMessage { PQfreemem(errorMessage) }
            return
        }
        defer { PQconninfoFree(options) }
        var values: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { values[String(cString: keyword)] = String(cString: value) }
            option += 1
        }
        host = values["host"] ?? values["hostaddr"]
        port = values["port"]
        database = values["dbname"]
        user = values["user"]
        parseError = nil
    }

    var description: String {
        "\(host ?? "localhost"):\(port ?? "5432")/\(database ?? user ?? "default")"
    }
}
