import Hummingbird
import Logging

/// Turns every failure into a JSON `{"detail": …}` answer: API errors with their status, an unmatched
/// route as 404 (or 405 with `Allow` when the path exists for another method), framework errors with
/// their status, and anything unexpected as 500 (logged).
struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return error.response
        } catch let error as HTTPError where error.status == .notFound {
            // Handlers throw APIError; a bare HTTPError 404 comes from the router: no route matched.
            let allowed = APIRoutes.methods(at: request.uri.path)
            guard !allowed.isEmpty else { return APIResponse.error(.notFound, detail: "Not Found") }
            return APIResponse.error(.methodNotAllowed, detail: "Method Not Allowed",
                                     headers: [.allow: allowed.map(\.rawValue).joined(separator: ", ")])
        } catch let error as HTTPError {
            return APIResponse.error(error.status, detail: error.body ?? error.status.reasonPhrase, headers: error.headers)
        } catch {
            logger.error("scheduler API request failed", metadata: [
                "event": "api_error", "method": "\(request.method.rawValue)", "path": "\(request.uri.path)",
                "error": "\(error)"])
            return APIResponse.error(.internalServerError, detail: "internal error: \(error)")
        }
    }
}
