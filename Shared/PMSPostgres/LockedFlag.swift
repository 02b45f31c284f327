import Foundation

/// A Bool readable from any thread without waiting for the connection's queue.
final class LockedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Bool

    init(_ value: Bool) { self.value = value }

    func get() -> Bool { lock.withLock { value } }

    func set(_ newValue: Bool) { lock.withLock { value = newValue } }
}
