import EtcdAPI
import Foundation
import Yams

/// Cilium's `clustermesh-remote-users` ConfigMap content (`users: [{name: …, role: remote}]`),
/// re-read whenever the file changes.
struct UsersFile {
    let path: String
    private var lastStamp: String?

    init(path: String) {
        self.path = path
    }

    struct Document: Decodable {
        struct User: Decodable {
            var name: String
            var role: String
        }
        var users: [User]?
    }

    static func parse(_ text: String) throws -> [(name: String, role: Role)] {
        let doc = try YAMLDecoder().decode(Document.self, from: text)
        return try (doc.users ?? []).map { u in
            guard let role = Role(rawValue: u.role), role != .root else {
                throw ValidationError("users file: user \(u.name) has unsupported role \(u.role) (remote or local)")
            }
            return (u.name, role)
        }
    }

    /// Reloads into `directory` when the file's modification time or size changed.
    /// Returns the new user names when it reloaded.
    mutating func reloadIfChanged(into directory: UserDirectory) throws -> [String]? {
        let attrs = try FileManager.default.attributesOfItem(atPath: path)
        let stamp = "\(attrs[.modificationDate] ?? "")|\(attrs[.size] ?? "")|\(attrs[.systemFileNumber] ?? "")"
        guard stamp != lastStamp else { return nil }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let users = try Self.parse(text)
        directory.replaceFileUsers(users)
        lastStamp = stamp
        return users.map(\.name)
    }
}

import ArgumentParser
