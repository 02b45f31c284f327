import Foundation
import NIOCore
import NIOHTTP1

/// Per connection: gathers one request, records it, answers as the receiver's behaviour says.
final class WebhookRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let log: RequestLog
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var keepBody = true

    init(log: RequestLog) { self.log = log }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = nil
            keepBody = log.keepsBodies
        case .body(var chunk):
            // Count-only mode drops bodies so a benchmark measures the sender, not this buffer.
            guard keepBody else { return }
            if body == nil { body = chunk } else { body!.writeBuffer(&chunk) }
        case .end:
            guard let head else { return }
            self.head = nil
            let request = ReceivedRequest(
                method: head.method.rawValue, uri: head.uri,
                headers: head.headers.map { (name: $0.name, value: $0.value) },
                body: body.map { Data($0.readableBytesView) } ?? Data(), receivedAt: Date())
            body = nil
            respond(to: head, with: log.record(request), context: context)
        }
    }

    private func respond(to request: HTTPRequestHead, with behaviour: WebhookReceiver.Behaviour,
                         context: ChannelHandlerContext) {
        let status: Int, text: String
        switch behaviour {
        case .hang: return
        case .countOnly: (status, text) = (200, WebhookReceiver.Behaviour.okBody)
        case .respond(let s, let b): (status, text) = (s, b)
        }
        var buffer = context.channel.allocator.buffer(capacity: text.utf8.count)
        buffer.writeString(text)
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "content-length", value: String(buffer.readableBytes))
        let keepAlive = request.isKeepAlive
        if !keepAlive { headers.add(name: "connection", value: "close") }
        let head = HTTPResponseHead(version: request.version, status: HTTPResponseStatus(statusCode: status),
                                    headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            written.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
