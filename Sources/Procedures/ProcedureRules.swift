import Core
import Foundation

/// Validation of catalogue entries (pure).
public enum ProcedureRules {
    /// National procedure codes: `1.001612`, optionally followed by a local suffix.
    public static func isValidCode(_ code: String) -> Bool {
        let parts = code.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard code.count <= 60, parts.count == 2, (1...2).contains(parts[0].count), parts[0].allSatisfy(\.isNumber) else { return false }
        let rest = parts[1]
        let digits = rest.prefix(6)
        guard digits.count == 6, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
        return rest.dropFirst(6).allSatisfy { $0.isASCII && ($0.isNumber || $0.isUppercase || $0 == ".") }
    }

    /// Checks one procedure; `row` prefixes field names in batch imports.
    public static func validate(_ procedure: Procedure, row: Int? = nil) -> [ValidationError] {
        var errors: [ValidationError] = []
        let prefix = row.map { "procedures[\($0)]." } ?? ""
        func fail(_ field: String, _ vi: String, _ en: String) { errors.append(ValidationError(field: prefix + field, messageVi: vi, messageEn: en)) }
        if !isValidCode(procedure.code) {
            fail(
                "code",
                "Mã thủ tục \"\(procedure.code)\" không hợp lệ (vd. 1.001612)",
                "Invalid procedure code \"\(procedure.code)\" (e.g. 1.001612)"
            )
        }
        if procedure.name.trimmingCharacters(in: .whitespaces).isEmpty || procedure.name.count > 500 {
            fail("name", "Tên thủ tục phải có 1–500 ký tự", "Name must be 1–500 characters")
        }
        if procedure.fieldCode.isEmpty || procedure.fieldCode.count > 50 || procedure.fieldName.isEmpty || procedure.fieldName.count > 200 {
            fail("field", "Lĩnh vực (mã và tên) là bắt buộc", "The field (code and name) is required")
        }
        if let agency = procedure.agencyIdentifier {
            if (try? AgencyIdentifier(agency)) == nil {
                fail("agencyIdentifier", "Mã cơ quan \(agency) không hợp lệ", "Invalid agency identifier \(agency)")
            }
        } else if !["province", "commune"].contains(procedure.agencyLevel ?? "") {
            fail(
                "agencyLevel",
                "Cần cơ quan thực hiện hoặc cấp thực hiện (province, commune)",
                "An implementing agency or level (province, commune) is required"
            )
        }
        if !(0...365).contains(procedure.processingDays) {
            fail("processingDays", "Thời hạn giải quyết phải từ 0 đến 365 ngày làm việc", "Processing time must be 0–365 working days")
        }
        for (i, fee) in procedure.fees.enumerated() where fee.amount < 0 || fee.name.isEmpty {
            fail("fees[\(i)]", "Phí, lệ phí cần tên và số tiền không âm", "A fee needs a name and a non-negative amount")
        }
        if procedure.documents.isEmpty { fail("documents", "Cần ít nhất một thành phần hồ sơ", "At least one required document is needed") }
        for (i, document) in procedure.documents.enumerated() where document.name.isEmpty || !(1...20).contains(document.copies) {
            fail("documents[\(i)]", "Thành phần hồ sơ cần tên và số bản 1–20", "A document needs a name and 1–20 copies")
        }
        if procedure.steps.isEmpty { fail("steps", "Cần ít nhất một bước xử lý", "At least one processing step is needed") }
        for (i, step) in procedure.steps.enumerated() {
            if step.name.isEmpty || step.days < 0 {
                fail("steps[\(i)]", "Bước xử lý cần tên và số ngày không âm", "A step needs a name and non-negative days")
            }
            if let agency = step.agencyIdentifier, (try? AgencyIdentifier(agency)) == nil {
                fail("steps[\(i)].agencyIdentifier", "Mã cơ quan \(agency) không hợp lệ", "Invalid agency identifier \(agency)")
            }
            if step.role == .citizen || step.role == .systemAdmin || step.role == .auditor {
                fail("steps[\(i)].role", "Vai trò xử lý phải là vai trò cán bộ", "A step's role must be a staff role")
            }
        }
        if procedure.steps.reduce(0, { $0 + $1.days }) > procedure.processingDays {
            fail("steps", "Tổng thời gian các bước vượt thời hạn giải quyết", "The steps' days exceed the processing time")
        }
        if let cutoff = procedure.cutoffTime, LocalTime(cutoff) == nil {
            fail("cutoffTime", "Giờ chốt phải có dạng HH:mm", "Cut-off time must be HH:mm")
        }
        if procedure.resultName.isEmpty { fail("resultName", "Cần tên kết quả giải quyết", "The result's name is required") }
        return errors
    }
}
