package dev.subdesk.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subdesk.testing.ModuleTest;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.support.TransactionTemplate;

/** The module boots with the clock alone: events appended in a transaction, numbered per subject. */
@ModuleTest(extraIncludes = "clock")
class EventLogModuleTests {

	@Autowired
	EventLog log;

	@Autowired
	TransactionTemplate transactions;

	@Test
	void eventsOfASubjectAreNumberedInOrderAndOnlyInsideATransaction() {
		transactions.executeWithoutResult(tx -> {
			log.append(EventType.DEVICE_ACTIVATED, "dev_module", "acct_module", Map.of("id", "dev_module"));
			log.append(EventType.DEVICE_DEACTIVATED, "dev_module", "acct_module", Map.of("id", "dev_module"));
		});
		assertThat(log.ofSubject("dev_module")).extracting(RecordedEvent::sequence).containsExactly(1L, 2L);
		assertThatThrownBy(() -> log.append(EventType.DEVICE_ACTIVATED, "dev_module", null, Map.of()))
			.isInstanceOf(org.springframework.transaction.IllegalTransactionStateException.class);
	}
}
