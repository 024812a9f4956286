package dev.subdesk.console;

import dev.subdesk.cancellation.KeyRevocation;
import dev.subdesk.cancellation.ReceiptSigningKey;
import dev.subdesk.cancellation.Receipts;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.staff.PasswordRetriesUsedUp;
import dev.subdesk.staff.StaffAccounts;
import dev.subdesk.support.AuditTrail;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.security.Principal;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * The ADMINs' receipt signing keys page: every key with its state, a button that makes a new key current (a
 * rotation), and one per key that revokes it (a key believed leaked; the current one is replaced first). Both are
 * audited with the reason given (docs/OPERATIONS.md, "Rotating and revoking the receipt signing key").
 * <p>
 * Either takes the ADMIN's own password typed on the form ({@link StaffAccounts#confirmPassword}: counted for this
 * session alone, never held by the sign-in's locks), and a revocation the key's id typed again: a session left open or
 * stolen is not enough to withdraw every receipt's proof. A refusal for the password changes nothing and is audited as
 * {@code ACTION_REFUSED}; the page shows it again with the error ({@code 400}), except the one that uses up the
 * session's wrong passwords, which signs the session out and leads to the sign-in page.
 */
@Controller
class ReceiptKeysController {

	private static final String PAGE = "redirect:/console/receipt-keys";

	private static final String TARGET = "receipt-keys";

	/** A rotation as typed: the reason, and the ADMIN's own password. */
	record RotateForm(@Nullable String reason, @Nullable String password) {
	}

	/** A revocation as typed: the reason, the ADMIN's own password, and the key's id typed again. */
	record RevokeForm(@Nullable String reason, @Nullable String password, @Nullable String confirmKeyId) {
	}

	private final Receipts receipts;
	private final StaffAccounts staff;
	private final AuditTrail audit;
	private final AgentLog log;

	ReceiptKeysController(Receipts receipts, StaffAccounts staff, AuditTrail audit, AgentLog log) {
		this.receipts = receipts;
		this.staff = staff;
		this.audit = audit;
		this.log = log;
	}

	@GetMapping("/console/receipt-keys")
	String list(Model model) {
		model.addAttribute("keys", receipts.signingKeys());
		return "console/receipt-keys";
	}

	@PostMapping("/console/receipt-keys/rotate")
	String rotate(RotateForm form, Principal admin, HttpServletRequest request, HttpServletResponse response,
			Model model, RedirectAttributes redirect) {
		String reason = reasonOf(form.reason());
		try {
			staff.confirmPassword(admin.getName(), form.password(), ConsoleSecurity.sessionId(request),
					request.getRemoteAddr(), "make a new receipt key current");
		}
		catch (SubdeskException e) {
			return refused(admin, "RECEIPT_KEY_ROTATED", TARGET, reason, e, request, response, model);
		}
		ReceiptSigningKey key = log.inOneTransaction(() -> {
			ReceiptSigningKey made = receipts.rotate();
			audit.record(admin.getName(), AgentLog.CHANNEL, "RECEIPT_KEY_ROTATED", made.keyId(),
					"new current receipt signing key", null, reason);
			return made;
		});
		redirect.addFlashAttribute("message", "Receipt key " + key.keyId() + " is the current signing key.");
		return PAGE;
	}

	@PostMapping("/console/receipt-keys/{keyId}/revoke")
	String revoke(@PathVariable String keyId, RevokeForm form, Principal admin, HttpServletRequest request,
			HttpServletResponse response, Model model, RedirectAttributes redirect) {
		String reason = reasonOf(form.reason());
		if (form.confirmKeyId() == null || !form.confirmKeyId().strip().equals(keyId)) {
			// a mis-click, not an attempt: no password is checked and nothing is audited
			response.setStatus(400);
			model.addAttribute("error", "Type the key id " + keyId + " to revoke it; nothing was revoked.");
			return list(model);
		}
		try {
			staff.confirmPassword(admin.getName(), form.password(), ConsoleSecurity.sessionId(request),
					request.getRemoteAddr(), "revoke a receipt key");
		}
		catch (SubdeskException e) {
			boolean known = receipts.signingKeys().stream().anyMatch(k -> k.keyId().equals(keyId));
			return refused(admin, "RECEIPT_KEY_REVOKED", known ? keyId : TARGET, reason, e, request, response, model);
		}
		try {
			KeyRevocation revoked = log.inOneTransaction(() -> {
				KeyRevocation r = receipts.revoke(keyId);
				audit.record(admin.getName(), AgentLog.CHANNEL, "RECEIPT_KEY_REVOKED", keyId, "revoked from "
						+ r.revokedAt() + (r.rotatedTo() == null ? "" : "; replaced by " + r.rotatedTo()), null,
						reason);
				return r;
			});
			redirect.addFlashAttribute("message", "Receipt key " + keyId + " is revoked from " + revoked.revokedAt()
					+ (revoked.rotatedTo() == null ? "." : "; receipts are now signed with " + revoked.rotatedTo() + "."));
		}
		catch (SubdeskException e) {
			redirect.addFlashAttribute("error", e.getMessage() + ".");
		}
		return PAGE;
	}

	/**
	 * The page again with the password's refusal; the attempt audited as refused, nothing else done. When the
	 * session's wrong passwords are used up, the session is signed out instead and the browser sent to the sign-in page.
	 */
	private String refused(Principal admin, String action, String target, String reason, SubdeskException refusal,
			HttpServletRequest request, HttpServletResponse response, Model model) {
		String why = log.passwordRefused(admin.getName(), action, target, refusal, reason);
		if (refusal instanceof PasswordRetriesUsedUp) {
			return ConsoleSecurity.signOutForPasswordRetries(request, response);
		}
		response.setStatus(refusal.status());
		model.addAttribute("error", "Your password: " + why + ".");
		return list(model);
	}

	private static String reasonOf(@Nullable String reason) {
		return reason == null || reason.isBlank() ? "receipt keys" : reason.strip();
	}
}
