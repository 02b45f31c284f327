import CLibPQ
import Logging

/// Receives server notices (e.g. "relation already exists, skipping") so libpq does not print them to stderr.
final class NoticeSink: Sendable {
    let logger: Logger

    init(logger: Logger) { self.logger = logger }

    /// Installs the processor; the caller keeps `self` alive for as long as `connection` exists.
    func install(on connection: OpaquePointer) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        _ = PQsetNoticeProcessor(connection, { context, message in
            guard let context, let message else { return }
            let sink = Unmanaged<NoticeSink>.fromOpaque(context).takeUnretainedValue()
            sink.logger.debug("PostgreSQL notice: \(String(cString: message).asOneLine)")
        }, context)
    }
}
