package dev.subdesk.staff;

import dev.subdesk.shared.CommonErrorCode;
import dev.subdesk.shared.SubdeskException;
import java.util.List;

/**
 * A password typed again in a signed-in session was refused, and that session is to be signed out: its wrong passwords
 * reached {@value StaffAccounts#MAX_REENTRIES} within {@link StaffAccounts#LOCK} ({@link StaffAccounts#confirmPassword}).
 * Like a wrong password, {@code 400 VALIDATION_FAILED} on {@code currentPassword}; the console ends the session too.
 */
public final class PasswordRetriesUsedUp extends SubdeskException {

	private static final long serialVersionUID = 1L;

	PasswordRetriesUsedUp(String message) {
		super(CommonErrorCode.VALIDATION_FAILED, "The request is not valid",
				List.of(new FieldError("currentPassword", message)));
	}
}
