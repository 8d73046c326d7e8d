import Foundation
import PunctualTestSupport
import Testing

/// `deploy/nginx-site.conf`, the production site, rendered into a scratch folder (its
/// sockets, port, cache and log paths replaced) inside a minimal main configuration, as
/// Debian's nginx.conf includes a site inside `http { }`.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct ProductionNginxSiteTests {
    static let nginx =
        ["/usr/sbin/nginx", "/usr/bin/nginx"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "nginx"

    /// Writes nginx.conf into `directory`; returns nginx's arguments.
    static func render(directory: String, port: UInt16) throws -> [String] {
        let site = try renderDeployFile(
            "nginx-site.conf",
            replacing: [
                ("/run/punctual/punctual-1.sock", directory + "/punctual-1.sock"),
                ("/run/punctual/punctual-2.sock", directory + "/punctual-2.sock"),
                ("    listen 80;\n    listen [::]:80;\n", "    listen 127.0.0.1:\(port);\n"),
                ("/var/cache/nginx/punctual", directory + "/cache"),
                ("/var/log/nginx/", directory + "/"),
            ]
        )
        try write(site, to: directory + "/punctual-site.conf")
        try FileManager.default.copyItem(atPath: "/etc/nginx/fastcgi_params", toPath: directory + "/fastcgi_params")
        let temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map {
            "\($0)_temp_path \(directory)/temp/\($0);"
        }
        try FileManager.default.createDirectory(atPath: directory + "/temp", withIntermediateDirectories: true)
        try write(
            """
            \(runningAsRoot ? "user root;" : "")
            worker_processes 1;
            pid \(directory)/nginx.pid;
            error_log stderr warn;
            daemon off;
            events { worker_connections 1024; }
            http {
                \(temp.joined(separator: "\n    "))
                include \(directory)/punctual-site.conf;
            }
            """,
            to: directory + "/nginx.conf"
        )
        return ["-p", directory, "-c", directory + "/nginx.conf", "-e", "stderr"]
    }

    @Test func theSitePassesNginxT() async throws {
        try await withTemporaryDirectory { directory in
            let arguments = try Self.render(directory: directory, port: try freeLoopbackPort())
            let check = try ChildProcess(Self.nginx, arguments + ["-t"], logPath: directory + "/nginx-t.log")
            #expect(await eventually({ !check.isRunning }))
            #expect(check.exitStatus == 0, "nginx -t:\n\(check.log)")
        }
    }

    @Test func oneInstanceDownIsServedByTheOtherAndAllDownStillAnswersJSON() async throws {
        try await withTemporaryDirectory { directory in
            let port = try freeLoopbackPort()
            let options = ["--delay", "0.05", "--timeout", "2"]
            let first = try await startPunctual(
                options,
                socketPath: directory + "/punctual-1.sock",
                logPath: directory + "/punctual-1.log"
            )
            defer { first.kill() }
            let second = try await startPunctual(
                options,
                socketPath: directory + "/punctual-2.sock",
                logPath: directory + "/punctual-2.log"
            )
            defer { second.kill() }
            let nginx = try ProcessGroup(
                Self.nginx,
                try Self.render(directory: directory, port: port),
                logPath: directory + "/nginx.log"
            )
            defer { nginx.kill() }
            guard await eventually({ canConnect(port: port) }) else { throw TestFailure("nginx:\n\(nginx.log)") }
            func get(_ path: String) async throws -> HTTPReply {
                try await offPool { try HTTPClient.request(port: port, path: path) }
            }
            func statusPID() async throws -> Int? {
                let body = try await get("/status").body
                return (try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["pid"] as? Int
            }

            // Both up: fresh answers, nginx keeps a copy of the default key's.
            let fresh = try await get("/retrieve-data")
            #expect(fresh.status == 200, "\(fresh)\n\(nginx.log)")
            #expect(try RecipeAnswer(fresh).cache == false)
            #expect(fresh.headers["x-nginx-cache"] == "MISS", "\(fresh)")
            #expect([Int(first.pid), Int(second.pid)].contains(try await statusPID()))
            let stranger = try await offPool { try OtherLoopbackClient.get(port: port, path: "/status") }
            #expect(stranger.status == 403 && stranger.body.contains(#""error""#), "from 127.0.0.2: \(stranger)")
            let notFound = try await get("/nowhere")
            #expect(notFound.status == 404 && notFound.headers["content-type"] == "application/json", "\(notFound)")

            // One down: every request is answered by the other.
            #expect(await first.stop() == 0)
            for number in 0..<6 {
                let reply = try await get("/retrieve-data?key=k\(number)")
                #expect(reply.status == 200, "\(reply)\n\(nginx.log)")
                #expect(try RecipeAnswer(reply).cache == false)
            }
            #expect(try await statusPID() == Int(second.pid))

            // All down: nginx's copy for what it has seen, nginx's JSON 502 for the rest.
            #expect(await second.stop() == 0)
            let cached = try await get("/retrieve-data")
            #expect(cached.status == 200, "\(cached)\n\(nginx.log)")
            #expect(cached.headers["content-type"] == "application/json")
            #expect(cached.body == fresh.body, "nginx's copy of the last answer")
            #expect(["HIT", "STALE", "UPDATING"].contains(cached.headers["x-nginx-cache"] ?? ""), "\(cached)")
            for path in ["/retrieve-data?key=never-seen", "/status"] {
                let reply = try await get(path)
                #expect(reply.status == 502, "\(reply)")
                #expect(reply.headers["content-type"] == "application/json", "\(reply)")
                let json = try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: String]
                #expect(json?["error"] != nil, "\(reply.body)")
            }

            #expect(await nginx.stop(), "nginx stops on SIGTERM:\n\(nginx.log)")
        }
    }
}
