package dev.subdesk.web;

import dev.subdesk.shared.EmailAddresses;
import dev.subdesk.intake.PublicWithdrawalRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** What the "Withdraw from contract here" page asks, and nothing more (R-EU-5): name, contract and email. */
record PublicWithdrawalForm(@Nullable String name, @Nullable String email, @Nullable String orderNumber) {

	static PublicWithdrawalForm empty(@Nullable String orderNumber) {
		return new PublicWithdrawalForm("", "", orderNumber == null ? "" : orderNumber);
	}

	/** The message keys of the fields that are missing or wrong; empty when the form can be sent. */
	List<String> errors() {
		List<String> errors = new ArrayList<>();
		if (text(name).isEmpty() || !oneLine(name)) {
			errors.add("withdraw.error.name");
		}
		if (!EmailAddresses.headerSafe(text(email))) {
			errors.add("withdraw.error.email");
		}
		if (text(orderNumber).isEmpty() || !oneLine(orderNumber)) {
			errors.add("withdraw.error.order");
		}
		if (text(name).length() > 200 || text(email).length() > 320 || text(orderNumber).length() > 40) {
			errors.add("withdraw.error.tooLong");
		}
		return errors;
	}

	/** The request this form makes, once {@link #errors()} is empty. */
	PublicWithdrawalRequest request() {
		return new PublicWithdrawalRequest(text(name), text(email), text(orderNumber));
	}

	/**
	 * Whether a field meant as one line is one: no line break or other control character, which would let a stranger
	 * write lines of their own into the case an agent reads (a text input never sends one; only a forged post does).
	 */
	static boolean oneLine(@Nullable String value) {
		return value == null || !CONTROLS.matcher(value).find();
	}

	private static final Pattern CONTROLS = Pattern.compile("[\\p{Cc}\\u2028\\u2029]");

	static String text(@Nullable String value) {
		return value == null ? "" : value.strip();
	}
}
