import CMosquitto

/// `mosquitto_lib_init` must run once per process before any client exists; Swift runs a global's
/// initializer exactly once, thread-safely.
private let mosquittoLibraryInitialized: Void = {
    _ = mosquitto_lib_init()
}()

func ensureMosquittoLibraryInitialized() {
    _ = mosquittoLibraryInitialized
}

/// The `struct mosquitto *`. libmosquitto's API is thread-safe once its threaded loop runs, which is
/// why the raw pointer may cross threads.
struct MosquittoHandle: @unchecked Sendable {
    let raw: OpaquePointer
}
