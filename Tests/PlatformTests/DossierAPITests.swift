import Core
import Dossiers
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Server
import Testing
import Web

@Suite struct DossierAPITests {
    static let applicant = #"{"fullName":"Nguyễn Thị Dân","phone":"0912345678","citizenId":"075190000123"}"#

    @Test func submitAttachActAndLookUp() async throws {
        try await TestEnvironment.withApp { client, platform, _ in
            let citizen = try await client.token(DemoData.citizen.phone)
            let created = try await client.submitDossier(
                #"{"procedureCode":"1.001612","agencyIdentifier":"000.46.50.H19","applicant":\#(Self.applicant)}"#,
                token: citizen,
                platform: platform
            )
            #expect(created.status == .created, "\(created.text)")
            let code = try #require(created.object?["code"] as? String)
            #expect(created.headers[.location] == "/api/v1/dossiers/\(code)")
            #expect(created.object?["nationalStatus"] as? Int == 1)
            let pdf = "%PDF-1.4\n%%EOF\n"
            let attached = try await client.execute(
                uri: "/api/v1/dossiers/\(code)/attachments?document=Gi%E1%BA%A5y%20%C4%91%E1%BB%81%20ngh%E1%BB%8B&name=don.pdf",
                method: .post,
                headers: [.authorization: "Bearer \(citizen)", .contentType: "application/pdf"],
                body: ByteBuffer(string: pdf)
            )
            #expect(attached.status == .created, "\(attached.text)")
            let fileID = try #require((try JSONSerialization.jsonObject(with: Data(buffer: attached.body)) as? [String: Any])?["id"] as? Int)
            let notAFile = try await client.execute(
                uri: "/api/v1/dossiers/\(code)/attachments?document=X&name=virus.pdf",
                method: .post,
                headers: [.authorization: "Bearer \(citizen)"],
                body: ByteBuffer(string: "MZ this is an exe")
            )
            #expect(notAFile.status == .unprocessableContent)
            let download = try await client.execute(
                uri: "/api/v1/dossiers/\(code)/attachments/\(fileID)",
                method: .get,
                headers: [.authorization: "Bearer \(citizen)"]
            )
            #expect(download.status == .ok && download.headers[.contentType] == "application/pdf" && String(buffer: download.body) == pdf)
            #expect(download.headers[.contentDisposition]?.hasPrefix("attachment;") == true)
            // The commune's counter receives it; the citizen cannot.
            let selfReceive = try await client.json("/api/v1/dossiers/\(code)/actions/receive", method: .post, token: citizen)
            #expect(selfReceive.status == .forbidden)
            let counter = try await client.token("motcua.bienhoa")
            let received = try await client.json("/api/v1/dossiers/\(code)/actions/receive", method: .post, token: counter)
            #expect(received.status == .ok)
            #expect(try received.decoded(Dossier.self).status == .received)
            let illegal = try await client.json("/api/v1/dossiers/\(code)/actions/return_result", method: .post, token: counter)
            #expect(illegal.status == .conflict)
            #expect(try illegal.decoded(Problem.self).detailEn.contains("Allowed: assign"))
            let noReason = try await client.json("/api/v1/dossiers/\(code)/actions/request_supplement", method: .post, token: counter, body: "{}")
            #expect(noReason.status == .unprocessableContent)
            let unknown = try await client.json("/api/v1/dossiers/\(code)/actions/teleport", method: .post, token: counter)
            #expect(unknown.status == .unprocessableContent)
            // Detail for the owner lists history and allowed actions; strangers get 404.
            let detail = try await client.json("/api/v1/dossiers/\(code)", token: citizen).decoded(DossierDetail.self)
            #expect(detail.events.count == 2)
            #expect(detail.allowedActions == [.withdraw])
            // received: its fee may be paid, nothing more
            let abilities = detail.abilities
            #expect(!abilities.attachPapers && !abilities.attachResult && abilities.pay && !abilities.rate, "\(abilities)")
            let stranger = try await client.token("chuyenvien.sxd")
            #expect(try await client.json("/api/v1/dossiers/\(code)", token: stranger).status == .notFound)
            #expect(try await client.json("/api/v1/dossiers/\(code)/attachments/\(fileID)", token: stranger).status == .notFound)
            // Queues.
            let mine = try await client.json("/api/v1/dossiers", token: citizen)
            #expect(try mine.decoded(Page<Dossier>.self).items.first?.code == code)
            let queue = try await client.json("/api/v1/dossiers?status=received", token: counter)
            #expect(try queue.decoded(Page<Dossier>.self).items.count == 1)
            #expect(try await client.json("/api/v1/dossiers?status=bogus", token: counter).status == .unprocessableContent)
            // Public lookup, throttled after repeated misses.
            let found = try await client.json("/api/v1/dossiers/lookup?code=\(code)&phone=0912345678")
            #expect(found.status == .ok && found.object?["statusName"] as? String == "Đã tiếp nhận" && found.object?["applicant"] == nil)
            for _ in 0..<10 { _ = try await client.json("/api/v1/dossiers/lookup?code=\(code)&phone=0900000000") }
            let throttled = try await client.json("/api/v1/dossiers/lookup?code=\(code)&phone=0912345678")
            #expect(throttled.status == .tooManyRequests && throttled.headers[.retryAfter] != nil)
        }
    }

    @Test func creationRejectsBadInputAndWritesNothing() async throws {
        try await TestEnvironment.withApp { client, platform, _ in
            let citizen = try await client.token(DemoData.citizen.phone)
            let counter = try await client.token("motcua.ttpvhcc")
            let cases: [(String, String, HTTPResponse.Status)] = [
                (citizen, #"{"procedureCode":"9.999999","applicant":\#(Self.applicant)}"#, .unprocessableContent),
                (citizen, #"{"procedureCode":"1.001612","applicant":\#(Self.applicant)}"#, .unprocessableContent),  // no commune chosen
                // information only
                (citizen, #"{"procedureCode":"2.000815","agencyIdentifier":"000.46.50.H19","applicant":\#(Self.applicant)}"#, .conflict),
                (citizen, #"{"procedureCode":"2.000488","applicant":{"fullName":"","phone":"12"}}"#, .unprocessableContent),
                (citizen, #"{"procedureCode":"2.000488","applicant":\#(Self.applicant),"secret":1}"#, .unprocessableContent),
                // not its commune
                (counter, #"{"procedureCode":"1.001612","agencyIdentifier":"000.46.50.H19","applicant":\#(Self.applicant)}"#, .forbidden),
                (counter, #"{"procedureCode":"2.000488","applicant":\#(Self.applicant),"channel":2}"#, .unprocessableContent),
            ]
            for (token, body, status) in cases {
                let response = try await client.json("/api/v1/dossiers", method: .post, token: token, body: body)
                #expect(response.status == status, "\(body): \(response.text)")
            }
            // A citizen's submission without the required documents is refused naming each one, as the page's form does.
            let bare = try await client.json(
                "/api/v1/dossiers",
                method: .post,
                token: citizen,
                body: #"{"procedureCode":"2.000488","applicant":\#(Self.applicant)}"#
            )
            #expect(bare.status == .unprocessableContent)
            #expect((bare.object?["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } == ["documents[0]", "documents[1]"])
            let officer = try await client.token("chuyenvien.sxd")
            #expect(
                try await client.json(
                    "/api/v1/dossiers",
                    method: .post,
                    token: officer,
                    body: #"{"procedureCode":"2.000488","applicant":\#(Self.applicant)}"#
                ).status == .forbidden
            )
            #expect(try await rowCount("dossiers", platform.database) == 0)
            #expect(try await rowCount("dossier_sequences", platform.database) == 0)
            // The provincial service center receives a department's procedure at the counter.
            let ok = try await client.json(
                "/api/v1/dossiers",
                method: .post,
                token: counter,
                body: #"{"procedureCode":"2.000488","applicant":\#(Self.applicant)}"#
            )
            #expect(ok.status == .created)
            #expect(ok.object?["receivingAgency"] as? String == "000.00.15.H19" && ok.object?["implementingAgency"] as? String == "000.00.04.H19")
            #expect(ok.object?["status"] as? String == "received" && ok.object?["dueAt"] != nil)
        }
    }
}
