import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The original service's sentiment flow: recent tweets about a subnet from Datura, scored from
/// -100 to +100 by an LLM through Chutes.
struct SentimentScorer: Sendable {
    let settings: SentimentSettings

    enum Failure: Error, CustomStringConvertible {
        case notConfigured(String)
        case unreachable(service: String, reason: String)
        case badAnswer(service: String, reason: String)

        var description: String {
            switch self {
            case .notConfigured(let what): "\(what) is not configured on this server"
            case .unreachable(let service, let reason): "\(service) could not be reached: \(reason)"
            case .badAnswer(let service, let reason): "\(service) answered something unusable: \(reason)"
            }
        }

        var code: String {
            switch self {
            case .notConfigured: "not_configured"
            case .unreachable(let service, _): "\(service.lowercased())_unreachable"
            case .badAnswer(let service, _): "\(service.lowercased())_bad_answer"
            }
        }
    }

    func score(netuid: UInt16) async throws(Failure) -> (score: Int, tweets: Int) {
        let tweets = try await searchTweets(netuid: netuid)
        guard !tweets.isEmpty else { return (0, 0) }
        return (try await rate(tweets, netuid: netuid), tweets.count)
    }

    private func post(_ url: URL, authorization: String, body: [String: Any], service: String) async throws(Failure) -> Any {
        var request = URLRequest(url: url, timeoutInterval: Double(settings.timeout.components.seconds))
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(authorization, forHTTPHeaderField: "Authorization")
        do { request.httpBody = try JSONSerialization.data(withJSONObject: body) } catch { throw .badAnswer(service: service, reason: "request") }
        let data: Data
        let response: URLResponse
        do { (data, response) = try await URLSession.shared.data(for: request) } catch {
            throw .unreachable(service: service, reason: (error as NSError).localizedDescription)
        }
        guard let http = response as? HTTPURLResponse, (200..<300).contains(http.statusCode) else {
            throw .unreachable(service: service, reason: "HTTP \((response as? HTTPURLResponse)?.statusCode ?? 0)")
        }
        do { return try JSONSerialization.jsonObject(with: data) } catch {
            throw .badAnswer(service: service, reason: "not JSON")
        }
    }

    /// `POST {datura}/twitter` with `Authorization: <key>` and `{query, sort, count}`: a list of tweets.
    func searchTweets(netuid: UInt16) async throws(Failure) -> [String] {
        guard let key = settings.daturaKey else { throw .notConfigured("the Datura API key (TAOSTREAM_DATURA_KEY)") }
        let query = settings.queryTemplate.replacingOccurrences(of: "{netuid}", with: String(netuid))
        let answer = try await post(settings.daturaURL.appendingPathComponent("twitter"), authorization: key.revealed,
                                    body: ["query": query, "sort": "Top", "count": settings.tweetCount], service: "Datura")
        guard let tweets = answer as? [[String: Any]] else { throw .badAnswer(service: "Datura", reason: "not a list of tweets") }
        return tweets.compactMap { $0["text"] as? String }.filter { !$0.isEmpty }
    }

    /// OpenAI-compatible `POST {chutes}/v1/chat/completions`; the reply must hold one integer in [-100, 100].
    func rate(_ tweets: [String], netuid: UInt16) async throws(Failure) -> Int {
        guard let key = settings.chutesKey else { throw .notConfigured("the Chutes API key (TAOSTREAM_CHUTES_KEY)") }
        let prompt = tweets.prefix(settings.tweetCount).enumerated().map { "\($0 + 1). \($1)" }.joined(separator: "\n")
        let answer = try await post(settings.chutesURL.appendingPathComponent("v1/chat/completions"), authorization: "Bearer \(key.revealed)", body: [
            "model": settings.model, "stream": false, "temperature": 0, "max_tokens": 16,
            "messages": [
                ["role": "system", "content": "You rate the sentiment of tweets about Bittensor subnet \(netuid). Answer with one integer from -100 (very negative) to 100 (very positive) and nothing else."],
                ["role": "user", "content": prompt],
            ],
        ], service: "Chutes")
        guard let object = answer as? [String: Any], let choices = object["choices"] as? [[String: Any]],
              let message = choices.first?["message"] as? [String: Any], let content = message["content"] as? String
        else { throw .badAnswer(service: "Chutes", reason: "no choices[0].message.content") }
        guard let score = Self.parseScore(content) else { throw .badAnswer(service: "Chutes", reason: "no score from -100 to 100 in '\(content.prefix(80))'") }
        return score
    }

    /// The one integer in the reply, if it is in range: "42", "Score: -17", "+5." — not "between 1 and 100".
    static func parseScore(_ text: String) -> Int? {
        let numbers = text.matches(of: /[-+]?\d+/).compactMap { Int($0.output) }
        guard numbers.count == 1, let score = numbers.first, (-100...100).contains(score) else { return nil }
        return score
    }
}
