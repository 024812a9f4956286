package dev.subdesk.renewals;

/** What one run did: successful renewal charges, declined attempts, expiries, reminders sent. */
public record RunResult(int renewed, int failed, int expired, int remindersSent, int cancellationsTakenEffect) {

	static final RunResult NOTHING = new RunResult(0, 0, 0, 0, 0);

	RunResult plus(RunResult other) {
		return new RunResult(renewed + other.renewed, failed + other.failed, expired + other.expired,
				remindersSent + other.remindersSent, cancellationsTakenEffect + other.cancellationsTakenEffect);
	}
}
