import Foundation

extension String {
    /// libpq's multi-line messages ("...\n\tThis probably means...") on one line, for logs and descriptions.
    var asOneLine: String {
        split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .joined(separator: " ")
    }
}
