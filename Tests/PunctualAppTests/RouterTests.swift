import FastCGI
import Testing

@testable import PunctualApp

/// The route table and the JSON errors every route shares.
@Suite struct RouterTests {
    let router = Router(routes: [
        Route("/a") { _ in FastCGIResponse(status: 200, body: Array("a".utf8)) },
        Route("/b") { _ in FastCGIResponse(status: 201, body: Array("bb".utf8)) },
    ])

    func request(_ method: String, _ path: String, bodyTooLarge: Bool = false) -> FastCGIRequest {
        FastCGIRequest(params: ["REQUEST_METHOD": method, "DOCUMENT_URI": path], bodyExceededLimit: bodyTooLarge)
    }

    @Test func eachPathReachesItsOwnHandler() async {
        #expect(await router.respond(to: request("GET", "/a")).body == Array("a".utf8))
        #expect(await router.respond(to: request("GET", "/b")).status == 201)
    }

    @Test func anUnknownPathIs404() async {
        let response = await router.respond(to: request("GET", "/c"))
        #expect(response.status == 404)
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"error":"not found"}"#)
    }

    @Test func headHasTheHeadersOfGetAndNoBody() async {
        let response = await router.respond(to: request("HEAD", "/b"))
        #expect(response.status == 201)
        #expect(response.body.isEmpty)
        #expect(response.headers.contains { $0.name == "Content-Length" && $0.value == "2" })
    }

    @Test func anotherMethodIs405WithAllow() async {
        let response = await router.respond(to: request("POST", "/a"))
        #expect(response.status == 405)
        #expect(response.headers.contains { $0.name == "Allow" && $0.value == "GET, HEAD" })
    }

    @Test func aBodyOverTheLimitIs413() async {
        #expect(await router.respond(to: request("GET", "/a", bodyTooLarge: true)).status == 413)
    }
}
