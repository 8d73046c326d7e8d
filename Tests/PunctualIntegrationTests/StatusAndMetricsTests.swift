import Foundation
import PunctualTestSupport
import Testing

/// `/status` and `/metrics` after a known sequence of answers, through nginx.
@Suite(.serialized, .timeLimit(.minutes(2))) struct StatusAndMetricsTests {
    @Test func statusAndMetricsCountFreshStaleAndErrorAnswers() async throws {
        try await withTemporaryDirectory { directory in
            // Fresh for key a, then every later run fails: stale (error) for a, 502 for b.
            let script = try writeScript(
                directory + "/once",
                """
                if [ -e "\(directory)/ran" ]; then exit 1; fi
                touch "\(directory)/ran"
                printf '1'
                """
            )
            try await PunctualFixture.with([
                "--source", "command", "--command", script, "--timeout", "5", "--retry-after", "0",
            ]) { fixture in
                #expect(try await fixture.get("/retrieve-data?key=a").status == 200)
                #expect(try await fixture.get("/retrieve-data?key=a").body == #"{"message":1,"cache":true}"#)
                #expect(try await fixture.get("/retrieve-data?key=b").status == 502)
                #expect(try await fixture.get("/nowhere").status == 404)

                let status = try await fixture.get("/status")
                #expect(status.status == 200)
                #expect(status.headers["content-type"] == "application/json")
                let json = try #require(
                    try JSONSerialization.jsonObject(with: Data(status.body.utf8)) as? [String: Any]
                )
                let requests = try #require(json["requests"] as? [String: Any])
                #expect(requests["fresh"] as? Int == 1)
                #expect((requests["stale"] as? [String: Int])?["error"] == 1)
                #expect((requests["errors"] as? [String: Int])?["502"] == 1)
                #expect((requests["errors"] as? [String: Int])?["404"] == 1)
                let retrievals = try #require(json["retrievals"] as? [String: Any])
                #expect(retrievals["started"] as? Int == 3)
                #expect(retrievals["succeeded"] as? Int == 1)
                #expect(retrievals["failed"] as? Int == 2)
                let worker = try await fixture.workerPID()
                #expect(json["pid"] as? Int == Int(worker), "the supervised worker answers")

                let metrics = try await fixture.get("/metrics")
                #expect(metrics.status == 200)
                let lines = Set(metrics.body.split(separator: "\n").map(String.init))
                #expect(lines.contains(#"punctual_requests_total{outcome="fresh"} 1"#))
                #expect(lines.contains(#"punctual_requests_total{outcome="stale",reason="error"} 1"#))
                #expect(lines.contains(#"punctual_requests_total{outcome="error",status="502"} 1"#))
                #expect(lines.contains("punctual_retrievals_started_total 3"))
                #expect(
                    lines.contains(#"punctual_requests_total{outcome="hit"} 0"#),
                    "a stale answer is never counted as a hit"
                )
            }
        }
    }
}
