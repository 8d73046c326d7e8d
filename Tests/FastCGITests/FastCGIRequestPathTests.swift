import FastCGI
import Testing

/// The path from the parameters each front-end sends for `GET /retrieve-data?x=1`
/// (the table in shared/LIBFCGI.md).
@Suite struct FastCGIRequestPathTests {
    static let frontEnds: [(name: String, params: CGIParams)] = [
        (
            "nginx",
            [
                "REQUEST_URI": "/retrieve-data?x=1", "SCRIPT_NAME": "/retrieve-data",
                "DOCUMENT_URI": "/retrieve-data", "QUERY_STRING": "x=1",
            ]
        ),
        ("Apache mod_proxy_fcgi", ["REQUEST_URI": "/retrieve-data?x=1", "SCRIPT_NAME": "/retrieve-data"]),
        ("lighttpd mod_fastcgi", ["REQUEST_URI": "/retrieve-data?x=1", "SCRIPT_NAME": "/retrieve-data"]),
        (
            "Caddy",
            [
                "REQUEST_URI": "/retrieve-data?x=1", "SCRIPT_NAME": "", "PATH_INFO": "/retrieve-data",
                "DOCUMENT_URI": "",
            ]
        ),
        ("h2o", ["REQUEST_URI": "/retrieve-data?x=1", "SCRIPT_NAME": "", "PATH_INFO": "/retrieve-data"]),
        ("only REQUEST_URI", ["REQUEST_URI": "/retrieve-data?x=1"]),
        ("only REQUEST_URI, no query", ["REQUEST_URI": "/retrieve-data"]),
        (
            "empty DOCUMENT_URI and SCRIPT_NAME",
            ["REQUEST_URI": "/retrieve-data?", "DOCUMENT_URI": "", "SCRIPT_NAME": ""]
        ),
    ]

    @Test(arguments: frontEnds)
    func thePathComesFromWhicheverParametersTheFrontEndSends(frontEnd: (name: String, params: CGIParams)) {
        #expect(FastCGIRequest(params: frontEnd.params).path == "/retrieve-data", "\(frontEnd.name)")
    }

    @Test func scriptNameAndPathInfoAreJoined() {
        let request = FastCGIRequest(params: ["SCRIPT_NAME": "/app", "PATH_INFO": "/retrieve-data"])
        #expect(request.path == "/app/retrieve-data")
    }

    @Test func documentURIWinsOverTheOthers() {
        let request = FastCGIRequest(params: [
            "DOCUMENT_URI": "/a", "SCRIPT_NAME": "/b", "PATH_INFO": "/c", "REQUEST_URI": "/d?x",
        ])
        #expect(request.path == "/a")
    }

    @Test func noPathParameterAtAllIsAnEmptyPath() {
        #expect(FastCGIRequest(params: ["REQUEST_METHOD": "GET"]).path == "")
    }
}
