// Reading key files and key directories from disk, at start and on each SIGHUP.
import Glibc

package enum KeyFiles {
    /// Larger files are not keys (an RSA 16384-bit PEM is about 13 KB).
    static let maximumBytes = 1 << 20

    /// The files of a key directory that SigningKeys reads: `active`, `*.pem` and `*.key`, not
    /// hidden (editors' temporary files, Kubernetes' `..data`), followed through symbolic links
    /// (a mounted secret's files are links). Subdirectories and other names are not opened.
    package static func directory(_ path: String) throws(SettingsError) -> [KeyFile] {
        guard let handle = opendir(path) else {
            throw SettingsError("AUTHD_SIGNING_KEYS_DIR: cannot read \(path): \(String(cString: strerror(errno)))")
        }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            guard !name.hasPrefix("."), name == SigningKeys.activeFileName || name.hasSuffix(".pem") || name.hasSuffix(".key") else { continue }
            names.append(name)
        }
        closedir(handle)
        var files: [KeyFile] = []
        for name in names {
            let filePath = path + "/" + name
            var info = stat()
            guard stat(filePath, &info) == 0 else { throw SettingsError("\(filePath): \(String(cString: strerror(errno)))") }
            guard info.st_mode & S_IFMT == S_IFREG else { continue }
            files.append(KeyFile(name: name, contents: try read(filePath)))
        }
        return files
    }

    /// A whole file, refused past `maximumBytes`. Errors name the file, never its content.
    package static func read(_ path: String) throws(SettingsError) -> [UInt8] {
        guard let file = fopen(path, "rb") else { throw SettingsError("cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            bytes.append(contentsOf: chunk[..<count])
            guard bytes.count <= maximumBytes else { throw SettingsError("\(path): larger than \(maximumBytes) bytes, not a key") }
            if count < chunk.count { break }
        }
        guard ferror(file) == 0 else { throw SettingsError("cannot read \(path)") }
        return bytes
    }
}

extension SigningKeys {
    /// The keys `settings` name: AUTHD_SIGNING_KEYS_DIR, read now; else the one key, with
    /// AUTHD_SIGNING_KEY_FILE read again when `rereadFile` (on SIGHUP: a replaced file is picked up).
    package static func load(_ settings: Settings, rereadFile: Bool) throws(SettingsError) -> SigningKeys {
        if let directory = settings.signingKeysDirectory {
            return try SigningKeys.directory(KeyFiles.directory(directory), algorithm: settings.algorithm, path: directory)
        }
        var material = settings.signingKey
        if rereadFile, let path = settings.signingKeyFile {
            material = withoutTrailingNewlines(try KeyFiles.read(path))
        }
        guard !material.isEmpty else {
            throw SettingsError("a signing key is required: set AUTHD_SIGNING_KEY, AUTHD_SIGNING_KEY_FILE or AUTHD_SIGNING_KEYS_DIR")
        }
        return try SigningKeys.single(material, algorithm: settings.algorithm)
    }
}
