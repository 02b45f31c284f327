import Foundation

/// Gathers the alert events that arrive close together (`linger`, at most `maxBatch`) so that one routing
/// statement and one dispatch pass serve them all; under a burst of thousands of events this is what keeps
/// up, while a single event waits only `linger`. Each caller gets its own event's outcome back.
actor AlertEventBatcher<Event: Sendable, Outcome: Sendable> {
    typealias Process = @Sendable ([Event]) async -> [Outcome]

    private struct Entry {
        let event: Event
        let continuation: CheckedContinuation<Outcome, Never>
    }

    private let linger: Duration
    private let maxBatch: Int
    private let process: Process
    private var waiting: [Entry] = []
    private var draining = false

    /// `process` gets a batch and returns one outcome per event, in order.
    init(linger: Duration, maxBatch: Int, process: @escaping Process) {
        self.linger = linger; self.maxBatch = maxBatch; self.process = process
    }

    func submit(_ event: Event) async -> Outcome {
        await withCheckedContinuation { continuation in
            waiting.append(Entry(event: event, continuation: continuation))
            if !draining {
                draining = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        try? await Task.sleep(for: linger)
        while !waiting.isEmpty {
            let batch = Array(waiting.prefix(maxBatch))
            waiting.removeFirst(batch.count)
            // Events arriving while this batch is processed join the next one.
            let outcomes = await process(batch.map(\.event))
            for (entry, outcome) in zip(batch, outcomes) { entry.continuation.resume(returning: outcome) }
        }
        draining = false
    }
}
