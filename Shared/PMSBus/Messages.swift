import Foundation

/// `pms/v1/tick/<domain>/<job_id>`: the scheduler asks a domain service to run a job.
public struct TickMessage: Codable, Sendable, Equatable {
    public var runID: UUID
    public var jobID: String
    public var scheduledFor: Date
    public var trigger: RunTrigger
    public var attempt: Int
    public var requestedBy: String?
    public var params: [String: JSONValue]?

    public init(runID: UUID, jobID: String, scheduledFor: Date, trigger: RunTrigger, attempt: Int = 1,
                requestedBy: String? = nil, params: [String: JSONValue]? = nil) {
        self.runID = runID; self.jobID = jobID; self.scheduledFor = scheduledFor; self.trigger = trigger
        self.attempt = attempt; self.requestedBy = requestedBy; self.params = params
    }

    enum CodingKeys: String, CodingKey {
        case runID = "run_id", jobID = "job_id", scheduledFor = "scheduled_for", trigger, attempt
        case requestedBy = "requested_by", params
    }
}

/// `pms/v1/trigger/<job_id>`: anyone asks for a manual run. An empty payload is a valid request.
public struct TriggerRequest: Codable, Sendable, Equatable {
    public var requestedBy: String?
    public var params: [String: JSONValue]?

    public init(requestedBy: String? = nil, params: [String: JSONValue]? = nil) {
        self.requestedBy = requestedBy; self.params = params
    }

    enum CodingKeys: String, CodingKey { case requestedBy = "requested_by", params }
}

/// The counts a run reports; `note` explains a quiet success such as "rule disabled".
public struct RunResult: Codable, Sendable, Equatable {
    public var checked: Int
    public var created: Int
    public var updated: Int
    public var resolved: Int
    public var notified: Int
    public var skipped: Int
    public var unrouted: Int?
    public var note: String?
    public var details: [String: JSONValue]?

    public init(checked: Int = 0, created: Int = 0, updated: Int = 0, resolved: Int = 0, notified: Int = 0,
                skipped: Int = 0, unrouted: Int? = nil, note: String? = nil, details: [String: JSONValue]? = nil) {
        self.checked = checked; self.created = created; self.updated = updated; self.resolved = resolved
        self.notified = notified; self.skipped = skipped; self.unrouted = unrouted; self.note = note; self.details = details
    }
}

/// `pms/v1/run/<job_id>/<event>`: what happened to a run.
public struct RunEvent: Codable, Sendable, Equatable {
    public var runID: UUID
    public var jobID: String
    public var domain: Domain
    public var instance: String
    public var trigger: RunTrigger
    public var at: Date
    public var durationMS: Double?
    public var result: RunResult?
    public var error: String?

    public init(runID: UUID, jobID: String, domain: Domain, instance: String, trigger: RunTrigger, at: Date,
                durationMS: Double? = nil, result: RunResult? = nil, error: String? = nil) {
        self.runID = runID; self.jobID = jobID; self.domain = domain; self.instance = instance; self.trigger = trigger
        self.at = at; self.durationMS = durationMS; self.result = result; self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case runID = "run_id", jobID = "job_id", domain, instance, trigger, at, durationMS = "duration_ms", result, error
    }
}

/// `pms/v1/alert/<level>/<domain>/<rule_code>`: an alert was raised or its level rose.
public struct AlertMessage: Codable, Sendable, Equatable {
    public var alertID: Int64
    public var alertNo: String
    public var ruleCode: String
    public var level: AlertLevel
    public var projectID: Int64?
    public var targetType: String
    public var targetID: Int64
    public var title: String
    public var content: String
    public var triggeredAt: Date
    public var dedupKey: String
    public var event: AlertEventKind

    enum CodingKeys: String, CodingKey {
        case alertID = "alert_id", alertNo = "alert_no", ruleCode = "rule_code", level, projectID = "project_id"
        case targetType = "target_type", targetID = "target_id", title, content, triggeredAt = "triggered_at"
        case dedupKey = "dedup_key", event
    }
}

/// `pms/v1/inbox/<user_id>`: one in-app notification.
public struct InboxMessage: Codable, Sendable, Equatable {
    public var notificationID: Int64
    public var userID: Int64
    public var notificationType: String
    public var title: String
    public var content: String?
    public var linkURL: String?
    public var priority: String
    public var sourceType: String?
    public var sourceID: Int64?
    public var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case notificationID = "notification_id", userID = "user_id", notificationType = "notification_type", title
        case content, linkURL = "link_url", priority, sourceType = "source_type", sourceID = "source_id"
        case createdAt = "created_at"
    }
}

/// `pms/v1/service/<name>/<instance>` (retained): a service is online, or its last will says offline.
public struct ServiceStatusMessage: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable { case online, offline }
    public var status: Status
    public var service: String
    public var instance: String
    public var version: String
    public var startedAt: Date

    public init(status: Status, service: String, instance: String, version: String, startedAt: Date) {
        self.status = status; self.service = service; self.instance = instance; self.version = version
        self.startedAt = startedAt
    }

    enum CodingKeys: String, CodingKey { case status, service, instance, version, startedAt = "started_at" }
}

/// `pms/v1/errors/<service>`: something was rejected, and why.
public struct ErrorEventMessage: Codable, Sendable, Equatable {
    public var service: String
    public var instance: String
    public var topic: String?
    public var reason: String
    public var payloadExcerpt: String?
    public var at: Date

    public init(service: String, instance: String, topic: String?, reason: String, payloadExcerpt: String?, at: Date) {
        self.service = service; self.instance = instance; self.topic = topic; self.reason = reason
        self.payloadExcerpt = payloadExcerpt; self.at = at
    }

    enum CodingKeys: String, CodingKey {
        case service, instance, topic, reason, payloadExcerpt = "payload_excerpt", at
    }
}
