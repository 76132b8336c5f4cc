/// Base58 with the Bitcoin alphabet, as SS58 uses it.
public enum Base58 {
    static let alphabet = Array("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".utf8)
    static let values: [Int8] = {
        var table = [Int8](repeating: -1, count: 128)
        for (index, character) in alphabet.enumerated() { table[Int(character)] = Int8(index) }
        return table
    }()

    public static func encode(_ bytes: [UInt8]) -> String {
        let zeros = bytes.prefix { $0 == 0 }.count
        // Base-58 digits, least significant first.
        var digits: [UInt8] = []
        digits.reserveCapacity(bytes.count * 138 / 100 + 1)
        for byte in bytes[zeros...] {
            var carry = Int(byte)
            for index in digits.indices {
                carry += Int(digits[index]) << 8
                digits[index] = UInt8(carry % 58)
                carry /= 58
            }
            while carry > 0 {
                digits.append(UInt8(carry % 58))
                carry /= 58
            }
        }
        var out = [UInt8](repeating: alphabet[0], count: zeros)
        out.append(contentsOf: digits.reversed().map { alphabet[Int($0)] })
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of `text`, or the first character that is not Base58 and where it is.
    public static func decode(_ text: String) -> Result<[UInt8], SS58Error> {
        var bytes: [UInt8] = []
        var zeros = 0
        var leading = true
        for (position, scalar) in text.unicodeScalars.enumerated() {
            guard scalar.isASCII, case let digit = values[Int(scalar.value)], digit >= 0 else {
                return .failure(.badBase58(character: Character(scalar), position: position + 1))
            }
            if leading, digit == 0 {
                zeros += 1
                continue
            }
            leading = false
            var carry = Int(digit)
            for index in bytes.indices {
                carry += Int(bytes[index]) * 58
                bytes[index] = UInt8(carry & 0xff)
                carry >>= 8
            }
            while carry > 0 {
                bytes.append(UInt8(carry & 0xff))
                carry >>= 8
            }
        }
        return .success([UInt8](repeating: 0, count: zeros) + bytes.reversed())
    }
}
