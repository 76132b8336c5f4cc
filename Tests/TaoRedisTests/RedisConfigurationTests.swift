import TaoRedis
import Testing

@Suite struct RedisConfigurationTests {
    @Test func parsesEveryPart() throws {
        let config = try RedisConfiguration(url: "redis://user:p%40ss@cache.local:6380/4")
        #expect(config.host == "cache.local")
        #expect(config.port == 6380)
        #expect(config.username == "user")
        #expect(config.password == "p@ss")
        #expect(config.database == 4)
        #expect(config.redactedURL == "redis://user:***@cache.local:6380/4")
        #expect(!"\(config)".contains("p@ss"))
    }

    @Test func passwordOnlyAndDefaults() throws {
        let config = try RedisConfiguration(url: "redis://:secret@localhost")
        #expect(config.username == nil)
        #expect(config.password == "secret")
        #expect(config.port == 6379)
        #expect(config.database == 0)
    }

    @Test(arguments: [
        ("http://localhost", "scheme"),
        ("redis://", "no host"),
        ("redis://localhost/abc", "database number"),
        ("redis://localhost:70000", "out of range"),
    ])
    func rejectsBadURLs(url: String, reason: String) {
        do {
            _ = try RedisConfiguration(url: url)
            Issue.record("\(url) was accepted")
        } catch {
            #expect(error.description.contains(reason), "\(error)")
        }
    }

    @Test func errorsNeverEchoThePassword() {
        do {
            _ = try RedisConfiguration(url: "redis://:hunter2@localhost/notanumber")
            Issue.record("accepted")
        } catch {
            #expect(!error.description.contains("hunter2"))
        }
    }
}
