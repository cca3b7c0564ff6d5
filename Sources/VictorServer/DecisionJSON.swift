import NIOCore
import VictorAuthorization
import VictorDocuments

/// Decision records written as JSON by hand: a check answers one and a batch thousands, and
/// this is several times cheaper than `JSONEncoder`. The text is the encoder's (keys sorted,
/// slashes unescaped, `decidedBy.name` as `null` when absent, `steps` only when present), with
/// strings quoted by ``DocumentWriter/appendQuoted(_:to:)``.
enum DecisionJSON {
    /// Appends `record` as a JSON object.
    static func append(_ record: DecisionRecord, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: #"{"allowed":"#.utf8)
        bytes.append(contentsOf: (record.allowed ? "true" : "false").utf8)
        bytes.append(contentsOf: #","decidedBy":{"kind":"#.utf8)
        DocumentWriter.appendQuoted(record.decidedBy.kind, to: &bytes)
        bytes.append(contentsOf: #","name":"#.utf8)
        if let name = record.decidedBy.name {
            DocumentWriter.appendQuoted(name, to: &bytes)
        } else {
            bytes.append(contentsOf: "null".utf8)
        }
        bytes.append(contentsOf: #"},"message":"#.utf8)
        DocumentWriter.appendQuoted(record.message, to: &bytes)
        bytes.append(contentsOf: #","reason":"#.utf8)
        DocumentWriter.appendQuoted(record.reason, to: &bytes)
        if let steps = record.steps {
            bytes.append(contentsOf: #","steps":["#.utf8)
            for (index, step) in steps.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                DocumentWriter.appendQuoted(step, to: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        }
        bytes.append(UInt8(ascii: "}"))
    }

    /// One record as a JSON object.
    static func object(_ record: DecisionRecord) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(160)
        append(record, to: &bytes)
        return bytes
    }

    /// How many recently written decisions a batch remembers the JSON of.
    static let remembered = 8

    /// `{"decisions": [...]}` for a batch. A batch's decisions are mostly a few compiled ones
    /// returned again and again, so the JSON of the last ``remembered`` distinct decisions is
    /// kept and copied when an identical decision comes again (``Decision/isIdentical(to:)``).
    /// Written straight into the buffer the response sends: a batch's text is large, and an
    /// array would be copied into one.
    static func batch(_ decisions: [Decision]) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: 16 + decisions.count * 128)
        buffer.writeStaticString(#"{"decisions":["#)
        var recent: [(decision: Decision, json: [UInt8])] = []
        recent.reserveCapacity(remembered)
        var next = 0
        for (index, decision) in decisions.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
            if let known = recent.firstIndex(where: { $0.decision.isIdentical(to: decision) }) {
                buffer.writeBytes(recent[known].json)
                continue
            }
            let json = object(DecisionRecord(decision))
            buffer.writeBytes(json)
            if recent.count < remembered {
                recent.append((decision, json))
            } else {
                recent[next] = (decision, json)
                next = (next + 1) % remembered
            }
        }
        buffer.writeStaticString("]}")
        return buffer
    }
}
