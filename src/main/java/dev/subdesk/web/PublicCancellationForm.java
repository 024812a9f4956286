package dev.subdesk.web;

import dev.subdesk.shared.EmailAddresses;
import dev.subdesk.intake.PublicCancellationRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What the "Cancel contracts here" page asks, and nothing more (R-DE-2): ordinary or extraordinary (with a
 * reason), who is asking, which contract, when, and where the confirmation goes.
 */
record PublicCancellationForm(@Nullable String kind, @Nullable String reason, @Nullable String name,
		@Nullable String email, @Nullable String orderNumber, @Nullable String timing,
		@Nullable String confirmationEmail) {

	/** The form control each error message is about (the first of a group of radio buttons). */
	private static final Map<String, String> FIELD_OF = Map.of("cancel.error.kind", "kind-ordinary",
			"cancel.error.reason", "reason", "cancel.error.name", "name", "cancel.error.email", "email",
			"cancel.error.order", "orderNumber", "cancel.error.timing", "timing-earliest",
			"cancel.error.confirmationEmail", "confirmationEmail");

	/**
	 * The fields that {@code errors} are about, by control id, each with its message key, in the order of the
	 * errors; a message about no single field (too long, too many requests) has none.
	 */
	static Map<String, String> invalidFields(List<String> errors) {
		Map<String, String> fields = new LinkedHashMap<>();
		for (String error : errors) {
			String field = FIELD_OF.get(error);
			if (field != null) {
				fields.putIfAbsent(field, error);
			}
		}
		return fields;
	}

	/** An error message of the summary, with the id of the control it is about ({@code null}: none). */
	record ErrorItem(String message, @Nullable String field) {
	}

	/** The error summary's entries, each linking to its field where it has one. */
	static List<ErrorItem> errorItems(List<String> errors) {
		return errors.stream().map(e -> new ErrorItem(e, FIELD_OF.get(e))).toList();
	}

	static PublicCancellationForm empty(@Nullable String orderNumber) {
		return new PublicCancellationForm("ORDINARY", "", "", "", orderNumber == null ? "" : orderNumber, "EARLIEST", "");
	}

	boolean extraordinary() {
		return "EXTRAORDINARY".equals(kind);
	}

	boolean immediately() {
		return extraordinary() || "IMMEDIATELY".equals(timing);
	}

	/** The message keys of the fields that are missing or wrong; empty when the form can be sent. */
	List<String> errors() {
		List<String> errors = new ArrayList<>();
		if (!"ORDINARY".equals(kind) && !"EXTRAORDINARY".equals(kind)) {
			errors.add("cancel.error.kind");
		}
		if (extraordinary() && blank(reason)) {
			errors.add("cancel.error.reason");
		}
		if (blank(name) || !PublicWithdrawalForm.oneLine(name)) {
			errors.add("cancel.error.name");
		}
		if (!email(email)) {
			errors.add("cancel.error.email");
		}
		if (blank(orderNumber) || !PublicWithdrawalForm.oneLine(orderNumber)) {
			errors.add("cancel.error.order");
		}
		if (!"EARLIEST".equals(timing) && !"IMMEDIATELY".equals(timing)) {
			errors.add("cancel.error.timing");
		}
		if (!email(confirmationEmail)) {
			errors.add("cancel.error.confirmationEmail");
		}
		if (length(reason) > 2000 || length(name) > 200 || length(email) > 320 || length(orderNumber) > 40
				|| length(confirmationEmail) > 320) {
			errors.add("cancel.error.tooLong");
		}
		return errors;
	}

	/** The request this form makes, once {@link #errors()} is empty. */
	PublicCancellationRequest request() {
		return new PublicCancellationRequest(text(kind), text(reason), text(name), text(email), text(orderNumber),
				text(timing), text(confirmationEmail));
	}

	String text(@Nullable String value) {
		return value == null ? "" : value.strip();
	}

	private static boolean blank(@Nullable String value) {
		return value == null || value.isBlank();
	}

	private static boolean email(@Nullable String value) {
		return value != null && EmailAddresses.headerSafe(value.strip());
	}

	private static int length(@Nullable String value) {
		return value == null ? 0 : value.length();
	}
}
