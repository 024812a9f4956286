package dev.subdesk.support;

import java.util.Objects;

/**
 * The one action, on its one target, a step-up code opens ({@link StepUpCodes}): the agent chooses it when sending the
 * code, the email to the address on file names it, and the confirmed code allows that action on that target only,
 * once. Another action, or the same action on another target, needs its own code.
 */
public sealed interface SensitiveAction {

	/** The action's stable name: kept with the code and named in its email and in the audit trail. */
	Kind kind();

	enum Kind {
		CLOSE_ACCOUNT, REMOVE_CARD, CHANGE_EMAIL, REFUND
	}

	/** Closing the account (everything Acme bills is cancelled, personal data erased). */
	record CloseAccount() implements SensitiveAction {
		@Override
		public Kind kind() {
			return Kind.CLOSE_ACCOUNT;
		}
	}

	/** Removing one card of the account. */
	record RemoveCard(String paymentMethodId) implements SensitiveAction {
		public RemoveCard {
			Objects.requireNonNull(paymentMethodId);
		}

		@Override
		public Kind kind() {
			return Kind.REMOVE_CARD;
		}
	}

	/**
	 * Changing the account's email to this address; it also needs the code sent to the new address
	 * ({@link StepUpCodes#sendToNewAddress}).
	 */
	record ChangeEmail(String email) implements SensitiveAction {
		public ChangeEmail {
			Objects.requireNonNull(email);
		}

		@Override
		public Kind kind() {
			return Kind.CHANGE_EMAIL;
		}
	}

	/** Asking for a refund outside the policy of this amount (the charge's minor units) of this charge. */
	record Refund(String chargeId, long amount) implements SensitiveAction {
		public Refund {
			Objects.requireNonNull(chargeId);
			if (amount <= 0) {
				throw new IllegalArgumentException("A refund's amount is above zero");
			}
		}

		@Override
		public Kind kind() {
			return Kind.REFUND;
		}
	}
}
