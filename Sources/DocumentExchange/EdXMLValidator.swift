import Core
import Foundation

/// The rules an edXML message must follow, checked when encoding and when decoding; each
/// error names its field (the element path).
public enum EdXMLValidator {
    /// Length limits used by the national axis's validator.
    // Key paths are immutable; the tables are constants.
    nonisolated(unsafe) static let limits: [(String, KeyPath<EdXMLDocument, String>, Int)] = [
        ("Subject", \.subject, 500), ("Content", \.content, 500), ("Code/CodeNumber", \.codeNumber, 11),
        ("Code/CodeNotation", \.codeNotation, 30), ("PromulgationInfo/Place", \.place, 50), ("DocumentType/TypeName", \.typeName, 100),
        ("OtherInfo/SphereOfPromulgation", \.sphereOfPromulgation, 100), ("OtherInfo/TyperNotation", \.typerNotation, 10),
    ]

    nonisolated(unsafe) static let organizationLimits: [(String, KeyPath<EdXMLOrganization, String>, Int)] = [
        ("OrganName", \.organName, 200), ("OrganizationInCharge", \.organizationInCharge, 500), ("OrganAdd", \.organAdd, 500),
        ("Email", \.email, 100), ("Telephone", \.telephone, 20), ("Fax", \.fax, 20),
    ]

    static func error(_ field: String, _ vi: String, _ en: String) -> ValidationError {
        ValidationError(field: "edXML/\(field)", messageVi: vi, messageEn: en)
    }

    public static func validate(_ document: EdXMLDocument, today: LocalDate) -> [ValidationError] {
        var errors: [ValidationError] = []
        func organization(_ org: EdXMLOrganization, _ path: String) {
            if (try? AgencyIdentifier(org.organId)) == nil {
                errors.append(error("\(path)/OrganId", "Mã định danh \"\(org.organId)\" không hợp lệ", "Invalid OrganId \"\(org.organId)\""))
            }
            if org.organName.trimmingCharacters(in: .whitespaces).isEmpty {
                errors.append(error("\(path)/OrganName", "Thiếu tên cơ quan", "OrganName is required"))
            }
            for (name, key, limit) in organizationLimits where org[keyPath: key].count > limit {
                errors.append(error("\(path)/\(name)", "\(name) dài quá \(limit) ký tự", "\(name) is longer than \(limit) characters"))
            }
        }
        organization(document.from, "From")
        if document.to.isEmpty { errors.append(error("To", "Cần ít nhất một nơi nhận", "At least one recipient is required")) }
        for (index, to) in document.to.enumerated() { organization(to, "To[\(index)]") }
        for (name, key, limit) in limits where document[keyPath: key].count > limit {
            errors.append(error(name, "\(name) dài quá \(limit) ký tự", "\(name) is longer than \(limit) characters"))
        }
        if document.codeNumber.isEmpty { errors.append(error("Code/CodeNumber", "Thiếu số văn bản", "CodeNumber is required")) }
        if document.subject.trimmingCharacters(in: .whitespaces).isEmpty { errors.append(error("Subject", "Thiếu trích yếu", "Subject is required")) }
        if document.promulgationDate > today {
            errors.append(
                error("PromulgationInfo/PromulgationDate", "Ngày ban hành không được ở tương lai", "PromulgationDate must not be in the future")
            )
        }
        for (index, place) in document.toPlaces.enumerated() where place.count > 150 {
            errors.append(error("ToPlaces/Place[\(index)]", "Nơi nhận dài quá 150 ký tự", "Place is longer than 150 characters"))
        }
        if !(0...4).contains(document.priority) { errors.append(error("OtherInfo/Priority", "Độ khẩn phải từ 0 đến 4", "Priority must be 0–4")) }
        if !(0...2).contains(document.steeringType) {
            errors.append(error("SteeringType", "Loại chỉ đạo phải từ 0 đến 2", "SteeringType must be 0–2"))
        }
        if !(0...3).contains(document.business.docType) {
            errors.append(error("TraceHeaderList/Bussiness/BussinessDocType", "Loại nghiệp vụ phải từ 0 đến 3", "BussinessDocType must be 0–3"))
        }
        if ![0, 1].contains(document.business.paper) {
            errors.append(error("TraceHeaderList/Bussiness/Paper", "Paper là 0 hoặc 1", "Paper must be 0 or 1"))
        }
        for (field, text) in texts(of: document) {
            if let bad = XMLText.firstForbidden(in: text) {
                errors.append(
                    error(
                        field,
                        "\(field) chứa ký tự không được phép trong XML (\(XMLText.code(bad)))",
                        "\(field) holds a character XML does not allow (\(XMLText.code(bad)))"
                    )
                )
            }
        }
        var contentIds = Set<String>()
        for (index, attachment) in document.attachments.enumerated() {
            if attachment.name.count > 500 || attachment.name.isEmpty {
                errors.append(
                    error(
                        "edXMLManifest/Reference[\(index)]/AttachmentName",
                        "Tên tệp đính kèm phải có 1–500 ký tự",
                        "AttachmentName must be 1–500 characters"
                    )
                )
            }
            if !contentIds.insert(attachment.contentId).inserted || !attachment.contentId.hasPrefix("cid:") {
                errors.append(
                    error(
                        "edXMLManifest/Reference[\(index)]/ContentId",
                        "ContentId phải dạng cid:… và không trùng",
                        "ContentId must be cid:… and unique"
                    )
                )
            }
        }
        return errors
    }

    /// Every text a document carries, by field path.
    static func texts(of document: EdXMLDocument) -> [(String, String)] {
        var texts: [(String, String)] = [
            ("Subject", document.subject), ("Content", document.content), ("Code/CodeNumber", document.codeNumber),
            ("Code/CodeNotation", document.codeNotation),
            ("PromulgationInfo/Place", document.place), ("DocumentType/TypeName", document.typeName),
            ("SignerInfo/Competence", document.signerCompetence),
            ("SignerInfo/Position", document.signerPosition), ("SignerInfo/FullName", document.signerFullName),
            ("OtherInfo/SphereOfPromulgation", document.sphereOfPromulgation), ("OtherInfo/TyperNotation", document.typerNotation),
            ("Bussiness/BussinessDocReason", document.business.reason), ("Bussiness/StaffInfo/Department", document.business.department),
            ("Bussiness/StaffInfo/Staff", document.business.staff), ("Bussiness/StaffInfo/Email", document.business.email),
            ("Bussiness/StaffInfo/Mobile", document.business.mobile),
        ]
        for (path, org) in [("From", document.from)] + document.to.enumerated().map({ ("To[\($0.offset)]", $0.element) }) {
            texts += [
                ("\(path)/OrganId", org.organId), ("\(path)/OrganName", org.organName), ("\(path)/OrganizationInCharge", org.organizationInCharge),
                ("\(path)/OrganAdd", org.organAdd), ("\(path)/Email", org.email), ("\(path)/Telephone", org.telephone), ("\(path)/Fax", org.fax),
                ("\(path)/Website", org.website),
            ]
        }
        texts += document.toPlaces.enumerated().map { ("ToPlaces/Place[\($0.offset)]", $0.element) }
        texts += document.appendixes.enumerated().map { ("OtherInfo/Appendixes/Appendix[\($0.offset)]", $0.element) }
        for (index, attachment) in document.attachments.enumerated() {
            texts += [
                ("edXMLManifest/Reference[\(index)]/AttachmentName", attachment.name),
                ("edXMLManifest/Reference[\(index)]/Description", attachment.description),
                ("edXMLManifest/Reference[\(index)]/ContentType", attachment.contentType),
            ]
        }
        return texts
    }

    public static func validate(_ status: EdXMLStatus) -> [ValidationError] {
        var errors: [ValidationError] = []
        if (try? AgencyIdentifier(status.from.organId)) == nil {
            errors.append(error("From/OrganId", "Mã định danh không hợp lệ", "Invalid OrganId"))
        }
        if status.description.count > 500 {
            errors.append(error("Description", "Mô tả dài quá 500 ký tự", "Description is longer than 500 characters"))
        }
        if status.responseFor.documentId.isEmpty { errors.append(error("ResponseFor/DocumentId", "Thiếu DocumentId", "DocumentId is required")) }
        return errors
    }
}
