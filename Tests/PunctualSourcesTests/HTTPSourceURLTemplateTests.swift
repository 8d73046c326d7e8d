import PunctualHTTPSource
import Testing

@Suite struct HTTPSourceURLTemplateTests {
    @Test func everyPlaceholderIsReplacedByTheKeyPercentEncoded() throws {
        let template = try URLTemplate("https://api.example.com/quotes/{key}?of={key}")
        #expect(
            template.url(for: "EUR/USD é") == "https://api.example.com/quotes/EUR%2FUSD%20%C3%A9?of=EUR%2FUSD%20%C3%A9"
        )
    }

    @Test func aURLWithoutAPlaceholderIsTheSameForEveryKey() throws {
        let template = try URLTemplate("http://localhost:8080/value")
        #expect(template.url(for: "a") == "http://localhost:8080/value")
    }

    @Test func theTargetNamesTheHostAndPortConnectedTo() throws {
        #expect(try URLTemplate("http://localhost:8080/{key}").target == "localhost:8080")
        #expect(try URLTemplate("https://api.example.com/{key}").target == "api.example.com:443")
        #expect(try URLTemplate("HTTP://example.com?q={key}").target == "example.com:80")
    }

    @Test(arguments: [
        ("ftp://example.com/{key}", "must start with http:// or https://"),
        ("example.com/{key}", "must start with http:// or https://"),
        ("http:///{key}", "has no host"),
        ("http://{key}.example.com/", "not its host"),
        ("http://example.com:{key}/", "not its host"),
        ("http://exa mple.com/{key}", "not a valid URL"),
    ])
    func aURLThatCannotWorkIsRefusedWithAClearMessage(url: String, message: String) {
        let error = #expect(throws: URLTemplate.Invalid.self) { try HTTPSource.validate(urlTemplate: url) }
        #expect(error?.description.contains(message) == true, "\(String(describing: error))")
    }
}
