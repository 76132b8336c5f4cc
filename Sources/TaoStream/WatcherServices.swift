import ChainWatcher
import Foundation
import DevChain
import Logging
import Model
import SubstrateCore
import StreamServer
import SubstrateKeys
import ServiceLifecycle
import TaoConfiguration
import TaoRedis
import TaoStore

/// The watcher's services from settings: `TAOSTREAM_NETWORK` (finney, test, local, devnet, or
/// comma-separated ws:// / wss:// URLs for failover), `TAOSTREAM_DIVIDEND_KINDS`,
/// `TAOSTREAM_RECONCILE_BLOCKS`, `TAOSTREAM_METADATA_CACHE`; with `TAOSTREAM_COMMANDS`, the executor's
/// `TAOSTREAM_EXECUTOR_NAME` (its consumer name) and `TAOSTREAM_COMMAND_RECLAIM_AFTER`.
struct WatcherServices {
    let services: [any Service]
    let network: String
    let watcher: DividendWatcher

    /// `metrics` is shared with the server's registry when both run in one process; a watcher alone
    /// gets its own `/health` and `/metrics` on TAOSTREAM_WATCHER_HTTP_PORT.
    init(source: SettingsSource, networkFlag: String?, redis: RedisClient, database: Database, layout: RedisLayout,
         metrics: WatcherMetrics = WatcherMetrics(), serveHTTP: Bool, logger: Logger) throws {
        network = source.string("TAOSTREAM_NETWORK", flag: networkFlag, default: "local")
        let preset = NetworkPreset(network)
        var services: [any Service] = []
        var endpoints = preset.endpoints
        if preset == .devnet {
            let (v14, v15) = try RecordedRuntime.metadata()
            let devnet = try DevnetSettings(source, defaultBlockMilliseconds: DevnetSettings.inProcessBlockMilliseconds)
            let chain = try DevChain(configuration: devnet.configuration, metadataV14: v14, metadataV15: v15)
            services.append(ListeningService(DevChainServer(chain: chain, host: devnet.host, port: devnet.port, logger: logger).application,
                                             host: devnet.host, port: devnet.port, portSetting: "TAOSTREAM_DEVNET_PORT"))
            services.append(DevChainBlockProducer(chain: chain, logger: logger))
            endpoints = [devnet.endpoint]
        }
        guard !endpoints.isEmpty, endpoints.allSatisfy({ $0.hasPrefix("ws://") || $0.hasPrefix("wss://") }) else {
            throw ConfigurationError(
                setting: "TAOSTREAM_NETWORK", origin: networkFlag != nil ? .flag("network") : source.lookup("TAOSTREAM_NETWORK")?.origin,
                problem: "'\(network)' is not a network", fix: "use finney, test, local, devnet, or ws:// / wss:// URLs separated by commas"
            )
        }
        let kinds = source.optionalString("TAOSTREAM_DIVIDEND_KINDS").map { text in
            text.split(separator: ",").map { DividendKind(rawValue: $0.trimmingCharacters(in: .whitespaces)) }
        }
        let settings = DividendWatcher.Settings(
            kinds: kinds,
            reconciliationInterval: UInt64(try source.integer("TAOSTREAM_RECONCILE_BLOCKS", default: 100, range: 1...1_000_000)),
            metadataCache: MetadataCache(directory: source.string("TAOSTREAM_METADATA_CACHE", default: MetadataCache.defaultDirectory))
        )
        let client = ChainClient(endpoints: endpoints, logger: logger) { metrics.recordReconnect() }
        let watcher = DividendWatcher(
            client: client, publisher: DividendPublisher(redis: redis, layout: layout),
            history: DividendHistoryStore(database: database), settings: settings, metrics: metrics, logger: logger
        )
        services.append(watcher)
        self.watcher = watcher
        if try source.boolean("TAOSTREAM_COMMANDS", default: false) {
            // Only the watcher loads the coldkey. On the DevChain without a wallet, //Alice signs.
            let signer: Keypair
            if preset == .devnet && source.optionalString("TAOSTREAM_WALLET_NAME") == nil {
                signer = try Keypair(uri: "//Alice")
            } else {
                let wallet = try WalletSettings(source: source, path: nil, name: nil, hotkey: nil)
                signer = try wallet.wallet.coldkey(password: wallet.password?.revealed)
            }
            // A name that survives a restart: the watcher that comes back resumes its own unfinished
            // commands at once; one on another host takes them over after the reclaim delay.
            let executor = CommandExecutor.Settings(
                consumer: source.string("TAOSTREAM_EXECUTOR_NAME", default: "executor-\(ProcessInfo.processInfo.hostName)"),
                reclaimAfter: try source.duration("TAOSTREAM_COMMAND_RECLAIM_AFTER", default: .seconds(60), range: .milliseconds(100)...(.seconds(86_400))),
                metadataCache: settings.metadataCache
            )
            // The executor's XREADGROUP BLOCK holds its connection for up to a second at a time:
            // on a Redis client of its own, it never delays the publisher's or the server's calls.
            let executorRedis = RedisClient(configuration: redis.configuration, logger: Logger(label: "taostream.redis.executor"))
            services.append(CommandExecutor(
                client: ChainClient(endpoints: endpoints, logger: logger) { metrics.recordReconnect() }, redis: executorRedis, layout: layout,
                store: CommandStore(database: database), signer: signer, settings: executor, logger: logger
            ))
            logger.notice("executing stake/unstake commands", metadata: ["coldkey": "\(SS58Address(publicKey: signer.publicKey))"])
        }
        if serveHTTP {
            let host = source.string("TAOSTREAM_WATCHER_HTTP_HOST", default: "127.0.0.1")
            let port = try source.integer("TAOSTREAM_WATCHER_HTTP_PORT", default: 9091, range: 1...65535)
            services.append(ListeningService(WatcherHTTP(watcher: watcher, redis: redis, host: host, port: port, logger: logger).application, host: host, port: port, portSetting: "TAOSTREAM_WATCHER_HTTP_PORT"))
        }
        self.services = services
    }
}
