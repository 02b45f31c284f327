import NIOCore

/// One SMTP reply: the code and the text of every line (`250-a`, `250 b` -> 250, ["a", "b"]).
struct SMTPReply: Sendable, Equatable {
    var code: Int
    var lines: [String]
    var text: String { lines.joined(separator: " / ") }
}

/// Splits the byte stream into CRLF lines, groups multi-line replies, and hands each reply to the one caller
/// waiting for it (or queues it until someone asks). Lives on the channel's event loop only.
final class SMTPReplyHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// A server that streams a line without end must not grow our memory without bound.
    private static let maxLineLength = 64 * 1024

    private let eventLoop: any EventLoop
    private var context: ChannelHandlerContext?
    private var pending = ByteBuffer()
    private var partialLines: [String] = []
    private var replies: [SMTPReply] = []
    private var waiter: (promise: EventLoopPromise<SMTPReply>, timer: Scheduled<Void>)?
    private var failure: Error?
    /// A failed write only says "closed"; the error or close that caused it explains more, so it waits.
    private var writeFailure: Error?

    init(eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    /// Writes `line` (when given, CRLF appended) and returns the next reply, failing with `timeoutError` when
    /// none completes within `timeout`.
    func exchange(_ line: String?, timeout: TimeAmount, timeoutError: Error) -> EventLoopFuture<SMTPReply> {
        let promise = eventLoop.makePromise(of: SMTPReply.self)
        guard let context else {
            promise.fail(failure ?? ChannelError("SMTP connection is not open"))
            return promise.futureResult
        }
        guard waiter == nil else {
            promise.fail(ChannelError("SMTP client bug: two commands awaiting one reply"))
            return promise.futureResult
        }
        // The closures run on this loop; NIOLoopBound says so to the compiler.
        let this = NIOLoopBound(self, eventLoop: eventLoop)
        let timer = eventLoop.scheduleTask(in: timeout) { this.value.finishWaiter(.failure(timeoutError)) }
        waiter = (promise, timer)
        if let line {
            let written = context.eventLoop.makePromise(of: Void.self)
            written.futureResult.whenFailure { this.value.writeFailed($0) }
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: line + "\r\n")), promise: written)
        }
        deliver()
        return promise.futureResult
    }

    /// After STARTTLS nothing read in plain text may be taken as coming from the TLS session.
    func discardBufferedInput() {
        pending.clear()
        partialLines.removeAll()
        replies.removeAll()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        pending.writeBuffer(&bytes)
        while let newline = pending.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let length = newline - pending.readerIndex
            var line = pending.readString(length: length) ?? ""
            pending.moveReaderIndex(forwardBy: 1)
            if line.hasSuffix("\r") { line.removeLast() }
            parse(line)
        }
        pending.discardReadBytes()
        if pending.readableBytes > Self.maxLineLength {
            fail(ChannelError("SMTP server sent a line longer than \(Self.maxLineLength) bytes"), context: context)
        }
        deliver()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if failure == nil { failure = writeFailure ?? ChannelError("SMTP server closed the connection") }
        deliver()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        fail(error, context: context)
    }

    private func writeFailed(_ error: Error) {
        if writeFailure == nil { writeFailure = error }
        context?.close(promise: nil)
    }

    private func parse(_ line: String) {
        let bytes = Array(line.utf8)
        guard bytes.count >= 3, bytes.prefix(3).allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let code = Int(String(decoding: bytes.prefix(3), as: UTF8.self)),
              bytes.count == 3 || bytes[3] == UInt8(ascii: " ") || bytes[3] == UInt8(ascii: "-") else {
            if let context { fail(ChannelError("SMTP server sent a malformed reply line: \(line.prefix(200))"), context: context) }
            return
        }
        partialLines.append(bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : "")
        if bytes.count == 3 || bytes[3] == UInt8(ascii: " ") {
            replies.append(SMTPReply(code: code, lines: partialLines))
            partialLines.removeAll()
        }
    }

    private func fail(_ error: Error, context: ChannelHandlerContext) {
        if failure == nil { failure = error }
        deliver()
        context.close(promise: nil)
    }

    /// Completes the waiter with a queued reply, or with the connection's failure once nothing is queued.
    private func deliver() {
        guard waiter != nil else { return }
        if !replies.isEmpty {
            finishWaiter(.success(replies.removeFirst()))
        } else if let failure {
            finishWaiter(.failure(failure))
        }
    }

    private func finishWaiter(_ result: Result<SMTPReply, Error>) {
        guard let waiter else { return }
        self.waiter = nil
        waiter.timer.cancel()
        waiter.promise.completeWith(result)
    }
}
