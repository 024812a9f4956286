package dev.subdesk.cancellation;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The module's business meters ({@code /actuator/prometheus}): {@code subdesk.cancellations} by channel and mode,
 * and the retention offers shown (made, the first time a quote shows one) and accepted. Each is counted once its
 * transaction has committed, so a rolled-back request counts nothing. Counts are per node: sum them across nodes.
 */
@Component
class CancellationMeters {

	private final MeterRegistry registry;
	private final Counter offersShown;
	private final Counter offersAccepted;

	CancellationMeters(MeterRegistry registry) {
		this.registry = registry;
		for (CancellationChannel channel : CancellationChannel.values()) {
			for (Cancellation.Mode mode : Cancellation.Mode.values()) {
				cancellations(channel, mode);
			}
		}
		this.offersShown = Counter.builder("subdesk.offers.shown")
			.description("Retention offers made: shown in a quote for the first time")
			.register(registry);
		this.offersAccepted = Counter.builder("subdesk.offers.accepted")
			.description("Retention offers the customer accepted")
			.register(registry);
	}

	void cancelled(CancellationChannel channel, Cancellation.Mode mode) {
		afterCommit(() -> cancellations(channel, mode).increment());
	}

	void offerShown() {
		afterCommit(offersShown::increment);
	}

	void offerAccepted() {
		afterCommit(offersAccepted::increment);
	}

	private Counter cancellations(CancellationChannel channel, Cancellation.Mode mode) {
		return Counter.builder("subdesk.cancellations")
			.description("Cancellations made, by the channel that asked and the mode asked for")
			.tag("channel", channel.name())
			.tag("mode", mode.name())
			.register(registry);
	}

	private static void afterCommit(Runnable count) {
		if (!TransactionSynchronizationManager.isSynchronizationActive()) {
			count.run();
			return;
		}
		TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
			@Override
			public void afterCommit() {
				count.run();
			}
		});
	}
}
