import VictorAuthorization
import VictorDocuments
import VictorPersonas

/// libFuzzer entry: every document reader must end in a value or a located error, within the
/// fuzzer's time and memory limits, for any bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDocuments(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? DocumentReader().read(bytes: bytes, file: "fuzz.yaml")
    _ = try? AuthorizationConfiguration.parse(bytes: bytes, file: "fuzz.yaml")
    if let text = String(validating: bytes, as: UTF8.self) {
        _ = try? PersonaDocument.decode(text, file: "fuzz.yaml")
        _ = try? AdaptationRuleSet.decode(text, file: "fuzz.yaml")
        _ = try? AuthorizationTestCase.parse(text, file: "fuzz.yaml")
        // Whatever the configuration reader accepts, its writer writes so it reads back equal.
        if let configuration = try? AuthorizationConfiguration.parse(text, file: "fuzz.yaml") {
            let again = try? AuthorizationConfiguration.parse(configuration.yaml(), file: "again.yaml")
            precondition(again == configuration, "YAML round trip changed the configuration")
            let json = try? AuthorizationConfiguration.parse(configuration.json(), file: "again.json")
            precondition(json == configuration, "JSON round trip changed the configuration")
        }
    }
    return 0
}
