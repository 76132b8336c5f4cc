import SubstrateCore

/// Decimal token amounts from clients ("0.5" TAO or alpha), read exactly into the smallest unit.
enum DecimalAmount {
    static func units(_ text: String) throws(AmountError) -> UInt64 {
        try TokenAmount(decimal: text).units
    }
}
