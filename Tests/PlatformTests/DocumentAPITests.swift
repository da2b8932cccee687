import Core
import DocumentExchange
import Documents
import Dossiers
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Server
import Testing

/// The document and task API over HTTP, with the roles that use it.
@Suite struct DocumentAPITests {
    @Test func documentJourneyOverHTTP() async throws {
        try await TestEnvironment.withApp { client, platform, _ in
            try await DocumentTests.certificates(platform)
            let officer = try await client.token("chuyenvien.sxd")
            let leader = try await client.token("lanhdao.sxd")
            let clerk = try await client.token("vanthu.sxd")
            let draftBody =
                #"{"typeCode":"QD","subject":"Quyết định phê duyệt quy hoạch","recipients":[{"organId":"000.00.06.H19"}],"signer":"lanhdao.sxd","signerPosition":"Giám đốc"}"#
            let citizen = try await client.token(DemoData.citizen.phone)
            #expect(try await client.json("/api/v1/documents/outgoing", method: .post, token: citizen, body: draftBody).status == .forbidden)
            #expect(
                try await client.json(
                    "/api/v1/documents/outgoing",
                    method: .post,
                    token: officer,
                    body: #"{"typeCode":"XX","subject":"a","recipients":[],"signer":"lanhdao.sxd"}"#
                ).status == .unprocessableContent
            )
            let draft = try await client.json("/api/v1/documents/outgoing", method: .post, token: officer, body: draftBody)
            #expect(draft.status == .created, "\(draft.text)")
            let id = try draft.decoded(OfficialDocument.self).id
            let upload = try await client.execute(
                uri: "/api/v1/documents/\(id)/files?name=qd.pdf",
                method: .post,
                headers: [.authorization: "Bearer \(officer)", .contentType: "application/octet-stream"],
                body: ByteBuffer(bytes: DocumentTests.pdf)
            )
            #expect(upload.status == .created, "\(upload.text)")
            #expect(try await client.json("/api/v1/documents/outgoing/\(id)/actions/submit", method: .post, token: officer).status == .ok)
            #expect(
                try await client.json("/api/v1/documents/outgoing/\(id)/actions/assign", method: .post, token: leader).status == .unprocessableContent
            )
            #expect(
                try await client.json("/api/v1/documents/outgoing/\(id)/actions/approve", method: .post, token: leader, body: #"{"note":"Đồng ý"}"#)
                    .status == .ok
            )
            let issued = try await client.json("/api/v1/documents/outgoing/\(id)/issue", method: .post, token: clerk)
            #expect(issued.status == .ok, "\(issued.text)")
            let issuedDocument = try issued.decoded(OfficialDocument.self)
            #expect(issuedDocument.codeNotation == "QĐ-SXD" && issuedDocument.codeNumber == "01")
            // The recipient's clerk registers it, the leader assigns, the officer finishes.
            let nnmtClerk = try await client.token("vanthu.nnmt")
            let nnmtLeader = try await client.token("lanhdao.nnmt")
            let nnmtOfficer = try await client.token("chuyenvien.nnmt")
            let pending = try await client.json("/api/v1/documents/incoming/pending", token: nnmtClerk)
            let message = try #require((pending.object?["items"] as? [[String: Any]])?.first?["id"] as? Int)
            let registered = try await client.json(
                "/api/v1/documents/incoming",
                method: .post,
                token: nnmtClerk,
                body: #"{"exchangeMessageId":\#(message)}"#
            )
            #expect(registered.status == .created, "\(registered.text)")
            let incoming = try registered.decoded(OfficialDocument.self).id
            let assigned = try await client.json(
                "/api/v1/documents/incoming/\(incoming)/actions/assign",
                method: .post,
                token: nnmtLeader,
                body: #"{"lead":{"user":"chuyenvien.nnmt"},"deadlineDays":3,"note":"Xử lý"}"#
            )
            #expect(assigned.status == .ok, "\(assigned.text)")
            #expect(try await client.json("/api/v1/documents/incoming/\(incoming)/actions/complete", method: .post, token: nnmtOfficer).status == .ok)
            try await DocumentTests.deliver(ExchangeStore.statusTopic, platform)
            let seen = try await client.json("/api/v1/documents/\(id)", token: clerk)
            let deliveries = try #require(try seen.decoded(OfficialDocument.self).deliveries)
            #expect(deliveries.first?.statuses == ["00", "01", "03", "04", "06"], "\(deliveries)")
            // Others do not see it; search and registers work.
            #expect(try await client.json("/api/v1/documents/\(incoming)", token: clerk).status == .notFound)
            #expect(try await client.json("/api/v1/documents/incoming", token: citizen).status == .forbidden)
            let found = try await client.json("/api/v1/documents/search?q=quyet%20dinh%20phe%20duyet", token: nnmtLeader)
            #expect(try found.decoded(Page<OfficialDocument>.self).items.count == 1, "\(found.text)")
            let csv = try await client.json("/api/v1/documents/registers/incoming?format=csv", token: nnmtClerk)
            #expect(csv.status == .ok && csv.text.contains("01/QĐ-SXD"))
            let statistics = try await client.json("/api/v1/statistics/documents", token: nnmtLeader)
            #expect((statistics.object?["total"] as? [String: Any])?["receivedElectronic"] as? Int == 1, "\(statistics.text)")
        }
    }

    @Test func tasksOverHTTP() async throws {
        try await TestEnvironment.withApp { client, _, _ in
            let province = try await client.token("lanhdao.ubnd")
            let owner = try await client.token("lanhdao.nnmt")
            let created = try await client.json(
                "/api/v1/tasks",
                method: .post,
                token: province,
                body: #"{"ownerAgency":"000.00.06.H19","title":"Báo cáo chuyển đổi số","deadlineDays":5}"#
            )
            #expect(created.status == .created, "\(created.text)")
            let id = try #require(created.object?["id"] as? Int)
            #expect(
                try await client.json(
                    "/api/v1/tasks",
                    method: .post,
                    token: owner,
                    body: #"{"ownerAgency":"000.00.06.H19","title":"X","deadline":"2001-01-01"}"#
                ).status == .unprocessableContent
            )
            let report = try await client.json(
                "/api/v1/tasks/\(id)/actions/report",
                method: .post,
                token: owner,
                body: #"{"progress":60,"note":"Đang làm"}"#
            )
            #expect(report.object?["progress"] as? Int == 60, "\(report.text)")
            #expect(try await client.json("/api/v1/tasks/\(id)/actions/fly", method: .post, token: owner).status == .unprocessableContent)
            let owned = try await client.json("/api/v1/tasks?scope=owned&filter=open", token: owner)
            #expect((owned.object?["items"] as? [[String: Any]])?.count == 1)
            #expect(try await client.json("/api/v1/tasks?scope=province", token: owner).status == .forbidden)
            #expect(try await client.json("/api/v1/tasks/\(id)", token: try await client.token("chuyenvien.bienhoa")).status == .notFound)
        }
    }
}

/// Submitting a dossier with its files in one multipart request.
@Suite struct MultipartSubmissionTests {
    @Test func dossierAndFilesInOneRequest() async throws {
        try await TestEnvironment.withApp { client, platform, _ in
            let citizen = try await client.token(DemoData.citizen.phone)
            let boundary = "cqs-boundary"
            var body = Data()
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"dossier\"\r\nContent-Type: application/json\r\n\r\n".utf8))
            body.append(
                Data(
                    #"{"procedureCode":"1.004227","agencyIdentifier":"000.46.50.H19","applicant":{"fullName":"Nguyễn Thị Dân","phone":"0912345678"}}"#
                        .utf8
                )
            )
            for document in try await requiredFiles(platform, "1.004227") {
                body.append(
                    Data(
                        "\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"\(document.documentName)\"; filename=\"don.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
                            .utf8
                    )
                )
                body.append(document.data)
            }
            body.append(Data("\r\n--\(boundary)--\r\n".utf8))
            let created = try await client.execute(
                uri: "/api/v1/dossiers",
                method: .post,
                headers: [.authorization: "Bearer \(citizen)", .contentType: "multipart/form-data; boundary=\(boundary)"],
                body: ByteBuffer(bytes: body)
            )
            #expect(created.status == .created, "\(created.text)")
            let code = try created.decoded(Dossier.self).code
            let detail = try await client.json("/api/v1/dossiers/\(code)", token: citizen).decoded(DossierDetail.self)
            #expect(detail.attachments.first?.documentName == "Đơn đăng ký biến động đất đai", "\(detail.attachments)")
            // A file that is not a document type is refused and nothing is created.
            let bad = body.replacingOccurrences(of: DossierStoreTests.pdf, with: Data("MZ not a pdf".utf8))
            let refused = try await client.execute(
                uri: "/api/v1/dossiers",
                method: .post,
                headers: [.authorization: "Bearer \(citizen)", .contentType: "multipart/form-data; boundary=\(boundary)"],
                body: ByteBuffer(bytes: bad)
            )
            #expect(refused.status == .unprocessableContent)
            let mine = try await client.json("/api/v1/dossiers", token: citizen)
            #expect(try mine.decoded(Page<Dossier>.self).items.count == 1)
        }
    }
}

extension Data {
    func replacingOccurrences(of target: Data, with replacement: Data) -> Data {
        guard let range = self.range(of: target) else { return self }
        var copy = self
        copy.replaceSubrange(range, with: replacement)
        return copy
    }
}
