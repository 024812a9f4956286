package dev.subdesk.web;

import dev.subdesk.shared.EmailAddresses;
import dev.subdesk.intake.PublicWithdrawalRequest;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** What the "Withdraw from contract here" page asks, and nothing more (R-EU-5): name, contract and email. */
record PublicWithdrawalForm(@Nullable String name, @Nullable String email, @Nullable String orderNumber) {

	static PublicWithdrawalForm empty(@Nullable String orderNumber) {
		return new PublicWithdrawalForm("", "", orderNumber == null ? "" : orderNumber);
	}

	/** The message keys of the fields that are missing or wrong; empty when the form can be sent. */
	List<String> errors() {
		List<String> errors = new ArrayList<>();
		if (text(name).isEmpty()) {
			errors.add("withdraw.error.name");
		}
		if (!EmailAddresses.headerSafe(text(email))) {
			errors.add("withdraw.error.email");
		}
		if (text(orderNumber).isEmpty()) {
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

	static String text(@Nullable String value) {
		return value == null ? "" : value.strip();
	}
}
