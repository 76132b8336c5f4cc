import Model
import Testing

@Suite struct ScopeTests {
    @Test func parsesLists() throws {
        #expect(try Scope.parseList("read") == [.read])
        #expect(try Scope.parseList("read,trade") == [.read, .trade])
        #expect(try Scope.parseList("TRADE read") == [.read, .trade])
    }

    @Test func rejectsUnknownScopesByName() {
        do {
            _ = try Scope.parseList("read,admin")
            Issue.record("accepted")
        } catch {
            #expect(error.description == "unknown scope 'admin': use read, trade, alerts")
        }
        #expect(throws: ScopeError.self) { try Scope.parseList("") }
    }
}
