/// The release this binary is, for `taostream --version` (raise it with each release: the
/// protocol's version lives in web-client-spec/asyncapi.yaml).
enum TaoStreamVersion {
    static let current = "0.6.0"
}
