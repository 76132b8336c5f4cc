import TaoStore
import Testing

@Suite struct DatabaseConfigurationTests {
    @Test func parsesAndRedacts() throws {
        let config = try DatabaseConfiguration(url: "postgresql://app:pa%3Ass@db.internal:6543/taodb?sslmode=require")
        #expect(config.host == "db.internal")
        #expect(config.port == 6543)
        #expect(config.username == "app")
        #expect(config.password == "pa:ss")
        #expect(config.database == "taodb")
        #expect(config.tls == .require)
        #expect(config.redactedURL == "postgres://app:***@db.internal:6543/taodb?sslmode=require")
    }

    @Test(arguments: ["mysql://a@b/c", "postgres://host/db", "postgres://u@host/", "postgres://u@h/d?sslmode=maybe"])
    func rejects(url: String) {
        #expect(throws: StoreError.self) { try DatabaseConfiguration(url: url) }
    }

    @Test func errorsHideThePassword() {
        do {
            _ = try DatabaseConfiguration(url: "postgres://u:topsecret@h/")
            Issue.record("accepted")
        } catch {
            #expect(!error.description.contains("topsecret"))
        }
    }
}
