import Foundation
import TaoConfiguration

/// Where the `trade` command finds tweets (Datura) and a sentiment score (Chutes, an
/// OpenAI-compatible LLM API). Keys are secrets: never logged, never sent anywhere else.
public struct SentimentSettings: Sendable {
    public var daturaURL: URL
    public var daturaKey: Secret?
    public var chutesURL: URL
    public var chutesKey: Secret?
    public var model: String
    public var tweetCount: Int
    /// `{netuid}` is replaced by the subnet's number.
    public var queryTemplate: String
    public var timeout: Duration

    public init(daturaURL: URL = URL(string: "https://apis.datura.ai")!, daturaKey: Secret? = nil,
                chutesURL: URL = URL(string: "https://llm.chutes.ai")!, chutesKey: Secret? = nil,
                model: String = "unsloth/Llama-3.3-70B-Instruct", tweetCount: Int = 20,
                queryTemplate: String = "Bittensor netuid {netuid}", timeout: Duration = .seconds(30)) {
        self.daturaURL = daturaURL
        self.daturaKey = daturaKey
        self.chutesURL = chutesURL
        self.chutesKey = chutesKey
        self.model = model
        self.tweetCount = tweetCount
        self.queryTemplate = queryTemplate
        self.timeout = timeout
    }

    public init(_ source: SettingsSource) throws {
        func url(_ key: String, _ fallback: String) throws -> URL {
            let text = source.string(key, default: fallback)
            guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https" else {
                throw ConfigurationError(setting: key, origin: source.lookup(key)?.origin, problem: "'\(text)' is not an http(s) URL", fix: "e.g. \(fallback)")
            }
            return url
        }
        self.init(
            daturaURL: try url("TAOSTREAM_DATURA_URL", "https://apis.datura.ai"), daturaKey: source.secret("TAOSTREAM_DATURA_KEY"),
            chutesURL: try url("TAOSTREAM_CHUTES_URL", "https://llm.chutes.ai"), chutesKey: source.secret("TAOSTREAM_CHUTES_KEY"),
            model: source.string("TAOSTREAM_CHUTES_MODEL", default: "unsloth/Llama-3.3-70B-Instruct"),
            tweetCount: try source.integer("TAOSTREAM_TRADE_TWEETS", default: 20, range: 1...100),
            queryTemplate: source.string("TAOSTREAM_TRADE_QUERY", default: "Bittensor netuid {netuid}")
        )
    }
}
