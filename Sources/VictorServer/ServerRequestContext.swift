public import Hummingbird
import NIOCore

/// The context of one request: Hummingbird's own, plus the request id the access log and the
/// `X-Request-ID` response header carry.
public struct ServerRequestContext: RequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// The request's id: the client's `X-Request-ID` when it is a short printable token, a new
    /// one otherwise.
    public var requestID: String
    /// The channel the request arrived on.
    let channel: any Channel

    /// The client's address, for the access log: formatted only when asked for, not for
    /// every request whether or not an access log is written.
    public var remoteAddress: String? { channel.remoteAddress?.ipAddress }

    /// Creates the context of a request arriving on `source`'s channel.
    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        requestID = ""
        channel = source.channel
    }
}
