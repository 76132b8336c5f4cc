import TaoConfiguration
import Testing

@Suite struct SettingsSourceTests {
    @Test func parsesDotEnvFiles() throws {
        let file = try EnvironmentFile(path: ".env", contents: """
            # comment
            TAOSTREAM_A=plain value # trailing comment
            export TAOSTREAM_B="quoted # not a comment"
            TAOSTREAM_C='single'

            TAOSTREAM_D=
            """)
        #expect(file.entries["TAOSTREAM_A"]?.value == "plain value")
        #expect(file.entries["TAOSTREAM_B"]?.value == "quoted # not a comment")
        #expect(file.entries["TAOSTREAM_C"]?.value == "single")
        #expect(file.entries["TAOSTREAM_A"]?.line == 2)
        #expect(file.entries["TAOSTREAM_D"]?.value == "")
    }

    @Test func badLinesAreReportedWithTheirNumber() {
        do {
            _ = try EnvironmentFile(path: "/etc/taostream.env", contents: "A=1\nthis is not a setting\n")
            Issue.record("accepted")
        } catch {
            #expect(error.origin == .file(path: "/etc/taostream.env", line: 2))
        }
        #expect(throws: ConfigurationError.self) { try EnvironmentFile(path: ".env", contents: "A=\"unterminated\n") }
        #expect(throws: ConfigurationError.self) { try EnvironmentFile(path: ".env", contents: "BAD-NAME=1\n") }
    }

    @Test func flagBeatsEnvironmentBeatsFileBeatsDefault() throws {
        let file = try EnvironmentFile(path: ".env", contents: "TAOSTREAM_X=file\nTAOSTREAM_Y=file\nTAOSTREAM_Z=file\n")
        let source = SettingsSource(environment: ["TAOSTREAM_X": "env", "TAOSTREAM_Y": "env"], file: file)
        #expect(source.string("TAOSTREAM_X", flag: "flag", default: "default") == "flag")
        #expect(source.string("TAOSTREAM_Y", default: "default") == "env")
        #expect(source.string("TAOSTREAM_Z", default: "default") == "file")
        #expect(source.string("TAOSTREAM_W", default: "default") == "default")
    }

    @Test func integersAreRangeChecked() throws {
        let source = SettingsSource(environment: ["TAOSTREAM_HTTP_PORT": "99999", "TAOSTREAM_N": "abc"], file: nil)
        do {
            _ = try source.integer("TAOSTREAM_HTTP_PORT", default: 8080, range: 1...65535)
            Issue.record("accepted")
        } catch {
            #expect(error.description == "TAOSTREAM_HTTP_PORT (from the environment): 99999 is out of range. Use a number from 1 to 65535.")
        }
        #expect(throws: ConfigurationError.self) { try source.integer("TAOSTREAM_N", default: 1, range: 0...10) }
        #expect(try source.integer("TAOSTREAM_HTTP_PORT", flag: 9000, default: 8080, range: 1...65535) == 9000)
        #expect(try source.integer("TAOSTREAM_UNSET", default: 7, range: 0...10) == 7)
    }

    @Test func durationsAndBooleans() throws {
        let source = SettingsSource(environment: ["A": "250ms", "B": "2m", "C": "1.5", "D": "soon", "E": "yes", "F": "maybe"], file: nil)
        #expect(try source.duration("A", default: .zero, range: .zero ... .seconds(3600)) == .milliseconds(250))
        #expect(try source.duration("B", default: .zero, range: .zero ... .seconds(3600)) == .seconds(120))
        #expect(try source.duration("C", default: .zero, range: .zero ... .seconds(3600)) == .milliseconds(1500))
        #expect(throws: ConfigurationError.self) { try source.duration("D", default: .zero, range: .zero ... .seconds(1)) }
        #expect(throws: ConfigurationError.self) { try source.duration("B", default: .zero, range: .zero ... .seconds(1)) }
        #expect(try source.boolean("E", default: false))
        #expect(throws: ConfigurationError.self) { try source.boolean("F", default: false) }
    }

    @Test func secretsAreRedacted() {
        let source = SettingsSource(environment: ["TAOSTREAM_DATURA_API_KEY": "dk-123456"], file: nil)
        let secret = source.secret("TAOSTREAM_DATURA_API_KEY")
        #expect(secret?.revealed == "dk-123456")
        #expect("\(secret!)" == "<redacted>")
        #expect(String(reflecting: secret!) == "<redacted>")
        #expect(!"\([secret!])".contains("dk-123456"))
    }

    @Test func logLevels() throws {
        #expect(try SettingsSource(environment: ["TAOSTREAM_LOG_LEVEL": "DEBUG"], file: nil).logLevel() == .debug)
        #expect(throws: ConfigurationError.self) { try SettingsSource(environment: ["TAOSTREAM_LOG_LEVEL": "loud"], file: nil).logLevel() }
    }
}
