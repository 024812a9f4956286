package dev.subdesk.console;

import dev.subdesk.support.AuditTrail;
import dev.subdesk.support.Support;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/** Records what an agent saw or did: an audit entry always, and a note in the case when there is one. */
@Component
class AgentLog {

	static final String CHANNEL = "AGENT";

	private final AuditTrail audit;
	private final Support support;

	AgentLog(AuditTrail audit, Support support) {
		this.audit = audit;
		this.support = support;
	}

	/** A view of personal data: audited, not noted in the case. */
	void viewed(String agent, String what, String target, @Nullable String caseNumber) {
		audit.record(agent, CHANNEL, what, target, null, caseNumber, "caller on the line");
	}

	@Transactional
	void acted(String agent, String action, String accountId, String detail, @Nullable String caseNumber,
			String reason) {
		audit.record(agent, CHANNEL, action, accountId, detail, caseNumber, reason);
		if (caseNumber != null) {
			support.action(caseNumber, agent, action + ": " + detail);
		}
	}
}
