import Foundation
import VictorPersonas

/// libFuzzer entry: any text as a persona's system prompt template either renders or fails with
/// a readable error, within the fuzzer's limits.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTemplates(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let template = String(validating: UnsafeBufferPointer(start: data, count: size), as: UTF8.self) else {
        return 0
    }
    let persona = Persona(
        id: "fuzz",
        name: "Fuzz",
        description: "fuzzed template",
        personality: .curious,
        communicationStyle: .casual,
        promptTemplates: PromptTemplates(system: template)
    )
    let manager = PersonaManager()
    let adapted = manager.adapt(persona, to: ["task_type": "debugging"])
    _ = try? PersonaManager.systemPrompt(for: adapted)
    return 0
}
