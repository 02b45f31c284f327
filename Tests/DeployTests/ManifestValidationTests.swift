import Foundation
import PMSTestSupport
import XCTest

/// The compose file, the Kubernetes manifests and the Dockerfile, checked offline: against their schemas
/// (check-jsonschema's vendored compose-spec, kubernetes-validate for a pinned Kubernetes version),
/// hadolint, and the cross-file facts a user would trip over (env names the executables read, files
/// that exist, probes and resources). The validators live in .build-venv (scripts/install-python-tools.sh).
final class ManifestValidationTests: XCTestCase {
    /// The Kubernetes version the manifests are checked against (kubernetes-validate's bundled schemas).
    static let kubernetesVersion = "1.31.0"
    static let executables = ["pms-scheduler", "pms-shortage", "pms-progress", "pms-receivables", "pms-issues",
                              "pms-production", "pms-cost", "pms-notifications", "pms-metrics", "pmsctl"]
    static let services = executables.filter { $0 != "pmsctl" }
    static let domains = ["shortage", "progress", "receivables", "issues", "production", "cost", "notifications"]

    func testComposeFileMatchesComposeSpec() throws {
        let result = try Tools.run("check-jsonschema", ["--builtin-schema", "vendor.compose-spec",
                                                        DeployFiles.path("docker-compose.yml")])
        XCTAssertEqual(result.status, 0, "docker-compose.yml does not match the compose spec:\n\(result.output)")
    }

    func testKubernetesManifestsMatchTheirSchemas() throws {
        let files = try Self.k8sManifests()
        XCTAssertFalse(files.isEmpty)
        let result = try Tools.run("kubernetes-validate", ["-k", Self.kubernetesVersion, "--strict"] + files)
        XCTAssertEqual(result.status, 0, "kubernetes-validate \(Self.kubernetesVersion) failed:\n\(result.output)")
        XCTAssertTrue(result.output.contains("passed"), result.output)
        // kustomization.yaml must list every manifest, so `kubectl apply -k` applies them all.
        let kustomization = try Tools.yaml(DeployFiles.path("k8s/kustomization.yaml"))[0]
        let listed = Set(kustomization["resources"] as? [String] ?? [])
        XCTAssertEqual(listed, Set(files.map { ($0 as NSString).lastPathComponent }))
    }

    func testDockerfileLintsClean() throws {
        let result = try Tools.run("hadolint", ["--no-color", DeployFiles.path("Dockerfile")])
        XCTAssertEqual(result.status, 0, "hadolint:\n\(result.output)")
        let text = try String(contentsOfFile: DeployFiles.path("Dockerfile"), encoding: .utf8)
        let froms = text.split(separator: "\n").filter { $0.hasPrefix("FROM ") }
        XCTAssertEqual(froms.count, 2, "a builder and a runtime stage")
        for from in froms {
            let image = from.split(separator: " ")[1]
            XCTAssertTrue(image.contains(":") && !image.hasSuffix(":latest"), "unpinned base image: \(from)")
        }
        XCTAssertTrue(froms[0].contains("swift:") && froms[1].contains("debian:bookworm-slim"), "\(froms)")
        XCTAssertTrue(text.contains("--static-swift-stdlib"))
        XCTAssertTrue(text.contains("libmosquitto1 libpq5"))
        XCTAssertNotNil(text.range(of: #"\nUSER [1-9][0-9]*"#, options: .regularExpression), "non-root USER")
        XCTAssertTrue(text.contains("\nHEALTHCHECK "))
        XCTAssertTrue(text.contains("pms-services_PMSMigrations.resources"), "the migrations bundle must ship")
        for exe in Self.executables { XCTAssertTrue(text.contains(" \(exe) ") || text.contains(" \(exe);"), "\(exe) not copied") }
        // Everything COPYed from the context must pass deploy/Dockerfile.dockerignore.
        let ignore = try String(contentsOfFile: DeployFiles.path("Dockerfile.dockerignore"), encoding: .utf8)
        for kept in ["!Package.swift", "!Shared/", "!Services/", "!Tests/", "!deploy/healthcheck.sh"] {
            XCTAssertTrue(ignore.contains(kept), "dockerignore drops \(kept)")
        }
    }

    func testComposeServicesAreWiredLikeTheExecutablesExpect() throws {
        let compose = try Tools.yaml(DeployFiles.path("docker-compose.yml"))[0]
        let services = try XCTUnwrap(compose["services"] as? [String: Any])
        let readNames = try Self.environmentNamesReadByCode()
        let acl = try String(contentsOfFile: DeployFiles.path("mosquitto/acl"), encoding: .utf8)
        for name in Self.services + ["mosquitto", "postgres", "migrate", "prometheus", "grafana"] {
            XCTAssertNotNil(services[name], "compose lacks \(name)")
        }
        for (name, value) in services {
            let service = try XCTUnwrap(value as? [String: Any])
            XCTAssertTrue(service["image"] != nil || service["build"] != nil, "\(name) has neither image nor build")
            guard let command = service["command"] as? [String], let exe = command.first,
                  Self.executables.contains(exe) else { continue }
            XCTAssertNotNil(service["build"], "\(name) must build deploy/Dockerfile")
            let env = try XCTUnwrap(service["environment"] as? [String: Any], "\(name) has no environment")
            for key in env.keys {
                XCTAssertTrue(readNames.contains(key), "\(name): \(key) is read by no executable nor the health check")
            }
            // Its broker account is the one the ACL and make-passwords.sh know.
            let mqtt = try XCTUnwrap(env["PMS_MQTT_URL"] as? String, "\(name) has no PMS_MQTT_URL")
            XCTAssertTrue(mqtt.hasPrefix("mqtt://\(exe):"), "\(name) logs in as another account: \(mqtt)")
            XCTAssertTrue(acl.contains("\nuser \(exe)\n"), "the ACL has no account \(exe)")
            XCTAssertNotNil(env["PMS_DATABASE_URL"], "\(name) has no PMS_DATABASE_URL")
            if name != "migrate" && name != "seed" {
                let dependsOn = service["depends_on"] as? [String: [String: String]]
                XCTAssertEqual(dependsOn?["migrate"]?["condition"], "service_completed_successfully", name)
            }
        }
        XCTAssertEqual((services["migrate"] as? [String: Any])?["command"] as? [String], ["pmsctl", "migrate"])
        // HTTP ports: env, published port and health check agree; Prometheus scrapes that name and port.
        let scheduler = try XCTUnwrap((services["pms-scheduler"] as? [String: Any])?["environment"] as? [String: Any])
        XCTAssertEqual(scheduler["PMS_SCHEDULER_HTTP_PORT"] as? String, "8080")
        XCTAssertEqual(scheduler["PMS_HEALTH_PORT"] as? String, "8080")
        let metrics = try XCTUnwrap((services["pms-metrics"] as? [String: Any])?["environment"] as? [String: Any])
        XCTAssertEqual(metrics["PMS_METRICS_HTTP_PORT"] as? String, "9464")
        let prometheus = try String(contentsOfFile: DeployFiles.path("prometheus/prometheus.yml"), encoding: .utf8)
        XCTAssertTrue(prometheus.contains("pms-metrics:9464"), "prometheus.yml does not scrape pms-metrics:9464")
    }

    func testComposeMountsFilesThatExist() throws {
        let compose = try Tools.yaml(DeployFiles.path("docker-compose.yml"))[0]
        let services = try XCTUnwrap(compose["services"] as? [String: Any])
        var checked = 0
        for (name, value) in services {
            for volume in (value as? [String: Any])?["volumes"] as? [String] ?? [] {
                let source = String(volume.split(separator: ":")[0])
                guard source.hasPrefix("./") else { continue }
                checked += 1
                if source == "./mosquitto/passwords" {
                    // Generated from secrets, never committed: its generator must be there.
                    XCTAssertTrue(FileManager.default.isExecutableFile(atPath: DeployFiles.path("mosquitto/make-passwords.sh")))
                    continue
                }
                XCTAssertTrue(FileManager.default.fileExists(atPath: DeployFiles.path(String(source.dropFirst(2)))),
                              "\(name) mounts \(source), which does not exist")
            }
        }
        XCTAssertEqual(checked, 7, "mosquitto 3, prometheus 2, grafana 2")
        XCTAssertTrue(FileManager.default.fileExists(atPath: DeployFiles.path("env.example")))
    }

    func testEveryDeploymentHasProbesResourcesAndItsSecrets() throws {
        var documents: [[String: Any]] = []
        for file in try Self.k8sManifests() { documents += try Tools.yaml(file) }
        let byKind = Dictionary(grouping: documents) { $0["kind"] as? String ?? "" }
        let secretKeys = Set(((byKind["Secret"]?.first?["stringData"]) as? [String: String] ?? [:]).keys)
        let configKeys = Set(((byKind["ConfigMap"]?.first?["data"]) as? [String: String] ?? [:]).keys)
        let readNames = try Self.environmentNamesReadByCode()
        var deployments: [String: [String: Any]] = [:]
        for deployment in byKind["Deployment"] ?? [] {
            let name = try XCTUnwrap((deployment["metadata"] as? [String: Any])?["name"] as? String)
            deployments[name] = deployment
            let spec = try XCTUnwrap(deployment["spec"] as? [String: Any])
            let pod = try XCTUnwrap((spec["template"] as? [String: Any])?["spec"] as? [String: Any])
            let container = try XCTUnwrap((pod["containers"] as? [[String: Any]])?.first)
            XCTAssertNotNil(container["livenessProbe"], "\(name) has no liveness probe")
            XCTAssertNotNil(container["readinessProbe"], "\(name) has no readiness probe")
            let resources = container["resources"] as? [String: [String: Any]]
            for part in ["requests", "limits"] {
                XCTAssertNotNil(resources?[part]?["memory"], "\(name) has no memory \(part)")
                XCTAssertNotNil(resources?[part]?["cpu"], "\(name) has no cpu \(part)")
            }
            XCTAssertEqual(container["command"] as? [String], ["/usr/local/bin/\(name)"], "\(name) runs another executable")
            for entry in container["env"] as? [[String: Any]] ?? [] {
                let key = entry["name"] as? String ?? ""
                XCTAssertTrue(readNames.contains(key), "\(name): \(key) is read by no executable")
                let ref = ((entry["valueFrom"] as? [String: Any])?["secretKeyRef"] as? [String: Any])?["key"] as? String
                if let ref { XCTAssertTrue(secretKeys.contains(ref), "\(name) needs secret key \(ref)") }
            }
            for key in configKeys { XCTAssertTrue(readNames.contains(key), "ConfigMap key \(key) is read by no executable") }
        }
        XCTAssertEqual(Set(deployments.keys), Set(Self.services))
        for domain in Self.domains { XCTAssertEqual(deployments["pms-\(domain)"]?["spec"].flatMap { ($0 as? [String: Any])?["replicas"] as? Int }, 2, domain) }
        XCTAssertEqual((deployments["pms-scheduler"]?["spec"] as? [String: Any])?["replicas"] as? Int, 2)
        // The HTTP Services select a Deployment and target its named port.
        let serviceNames = (byKind["Service"] ?? []).compactMap { ($0["metadata"] as? [String: Any])?["name"] as? String }
        XCTAssertEqual(Set(serviceNames), ["pms-scheduler", "pms-metrics"])
        for service in byKind["Service"] ?? [] {
            let selector = (service["spec"] as? [String: Any])?["selector"] as? [String: String]
            XCTAssertNotNil(selector?["app.kubernetes.io/name"].flatMap { deployments[$0] }, "Service selects nothing: \(service)")
        }
        XCTAssertEqual(byKind["Job"]?.count, 1, "the migrate Job")
    }

    /// The image's health check (deploy/healthcheck.sh) against real listeners: HTTP status, then the
    /// broker-connection test the domain services use.
    func testHealthCheckScript() throws {
        let script = DeployFiles.path("healthcheck.sh")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("health-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("ok\n".utf8).write(to: directory.appendingPathComponent("health"))
        let httpPort = try freeLoopbackPort()
        let http = try Tools.background("/usr/bin/env", ["python3", "-m", "http.server", "--bind", "127.0.0.1",
                                                         "--directory", directory.path, "\(httpPort)"])
        defer { http.terminate(); http.waitUntilExit() }
        XCTAssertTrue(waitUntil(timeout: 10) { isLoopbackPortOpen(httpPort) }, "python3 http.server did not start")
        let healthy = try runCommand("/bin/bash", [script], environment: ["PMS_HEALTH_PORT": "\(httpPort)"])
        XCTAssertEqual(healthy.status, 0, healthy.output)
        let missing = try runCommand("/bin/bash", [script], environment: ["PMS_HEALTH_PORT": "\(httpPort)", "PMS_HEALTH_PATH": "/nope"])
        XCTAssertEqual(missing.status, 1, missing.output)

        let broker = try MosquittoTestServer.start()
        defer { try? broker.stop() }
        let url = "mqtt://pms-shortage:secret@127.0.0.1:\(broker.port)"
        let alone = try runCommand("/bin/bash", [script], environment: ["PMS_MQTT_URL": url])
        XCTAssertEqual(alone.status, 1, "no client connected yet: \(alone.output)")
        let client = try Tools.background("/usr/bin/env", ["mosquitto_sub", "-h", "127.0.0.1", "-p", "\(broker.port)", "-t", "x"])
        defer { client.terminate(); client.waitUntilExit() }
        XCTAssertTrue(waitUntil(timeout: 10) {
            (try? runCommand("/bin/bash", [script], environment: ["PMS_MQTT_URL": url]).status) == 0
        }, "health check does not see the established broker connection")
    }

    // MARK: - helpers

    static func k8sManifests() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: DeployFiles.path("k8s"))
            .filter { $0.hasSuffix(".yaml") && $0 != "kustomization.yaml" }.sorted()
            .map { DeployFiles.path("k8s/\($0)") }
    }

    /// Every PMS_* name that appears in the executables' sources or the health check: an env var set
    /// in a manifest but found nowhere there is a typo or a stale setting.
    static func environmentNamesReadByCode() throws -> Set<String> {
        var names: Set<String> = []
        let root = DeployFiles.repositoryRoot
        var texts = [try String(contentsOfFile: DeployFiles.path("healthcheck.sh"), encoding: .utf8)]
        for folder in ["Services", "Shared/PMSCore"] {
            let enumerator = FileManager.default.enumerator(at: root.appendingPathComponent(folder), includingPropertiesForKeys: nil)
            while let url = enumerator?.nextObject() as? URL {
                if url.pathExtension == "swift" { texts.append(try String(contentsOf: url, encoding: .utf8)) }
            }
        }
        let pattern = try NSRegularExpression(pattern: "\"(PMS_[A-Z0-9_]+)\"|\\b(PMS_HEALTH_[A-Z]+)\\b")
        for text in texts {
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                for group in 1...2 {
                    if let range = Range(match.range(at: group), in: text) { names.insert(String(text[range])) }
                }
            }
        }
        return names
    }
}

/// The validators of .build-venv, installed on first use by scripts/install-python-tools.sh.
private enum Tools {
    static let venv = DeployFiles.repositoryRoot.appendingPathComponent(".build-venv/bin")
    private static let installed: Result<Void, Error> = {
        let tools = ["check-jsonschema", "kubernetes-validate", "hadolint", "python"]
        if tools.allSatisfy({ FileManager.default.isExecutableFile(atPath: venv.appendingPathComponent($0).path) }) {
            return .success(())
        }
        let script = DeployFiles.repositoryRoot.appendingPathComponent("scripts/install-python-tools.sh").path
        do {
            let result = try runCommand("/bin/bash", [script])
            guard result.status == 0 else {
                return .failure(TestServerError("""
                    scripts/install-python-tools.sh failed (it needs python3 with venv, Debian: apt-get install \
                    python3-venv, and PyPI; `make deps` runs it):
                    \(result.output)
                    """))
            }
            return .success(())
        } catch {
            return .failure(error)
        }
    }()

    static func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try installed.get()
        return try runCommand(venv.appendingPathComponent(tool).path, arguments)
    }

    /// The YAML documents of a file, through PyYAML of the venv (safe_load_all, merge keys resolved).
    static func yaml(_ path: String) throws -> [[String: Any]] {
        let program = "import json,sys,yaml; print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1], encoding='utf-8')))))"
        let result = try run("python", ["-c", program, path])
        guard result.status == 0 else { throw TestServerError("cannot parse \(path):\n\(result.output)") }
        let documents = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [Any] ?? []
        return documents.compactMap { $0 as? [String: Any] }
    }

    static func background(_ executable: String, _ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }
}
