package dev.subdesk.support;

import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/** Seals the committed audit entries into the hash chain shortly after they commit ({@link AuditTrail#seal}). */
@Component
class AuditSealer {

	private final AuditTrail audit;

	AuditSealer(AuditTrail audit) {
		this.audit = audit;
	}

	@Scheduled(fixedDelayString = "${subdesk.audit.seal-interval:PT0.2S}")
	void seal() {
		while (audit.seal() > 0) {
			// a full batch may leave more behind
		}
		audit.logHeadIfDue();
	}
}
