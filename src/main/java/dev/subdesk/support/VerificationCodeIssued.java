package dev.subdesk.support;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A step-up code ({@code codeId}) was issued for an agent to confirm a caller, in the transaction that stores its hash:
 * the code goes to the email on file (a VERIFICATION_CODE notice), valid for {@code validMinutes}, until
 * {@code expiresAt}, and names the one action it opens ({@code opens}). It carries the code itself, so it is an
 * in-process event only: never a {@code events.DomainChange}, never in the event log.
 */
public record VerificationCodeIssued(String codeId, String accountId, String email, String country, String code,
		int validMinutes, Instant expiresAt, Opens opens) {

	/**
	 * What the code opens, in facts the server holds (never text typed by the caller): the action, and its target as
	 * the email names it: the card's brand and last four digits, the new address masked ({@code p***@m***.org}), the refund's amount (minor units,
	 * with the charge's currency) and the day of the charge.
	 */
	public record Opens(SensitiveAction.Kind action, @Nullable String cardBrand, @Nullable String cardLast4,
			@Nullable String newEmail, dev.subdesk.shared.@Nullable Money refund, @Nullable Instant chargedAt) {
	}

	@Override
	public String toString() {
		return "VerificationCodeIssued[codeId=%s, accountId=%s, action=%s]".formatted(codeId, accountId, opens.action());
	}
}
