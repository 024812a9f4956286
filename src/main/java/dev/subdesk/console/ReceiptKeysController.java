package dev.subdesk.console;

import dev.subdesk.cancellation.KeyRevocation;
import dev.subdesk.cancellation.ReceiptSigningKey;
import dev.subdesk.cancellation.Receipts;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.support.AuditTrail;
import java.security.Principal;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * The ADMINs' receipt signing keys page: every key with its state, a button that makes a new key current (a
 * rotation), and one per key that revokes it (a key believed leaked; the current one is replaced first). Both are
 * audited with the reason given (docs/OPERATIONS.md, "Rotating and revoking the receipt signing key").
 */
@Controller
class ReceiptKeysController {

	private static final String PAGE = "redirect:/console/receipt-keys";

	private final Receipts receipts;
	private final AuditTrail audit;
	private final AgentLog log;

	ReceiptKeysController(Receipts receipts, AuditTrail audit, AgentLog log) {
		this.receipts = receipts;
		this.audit = audit;
		this.log = log;
	}

	@GetMapping("/console/receipt-keys")
	String list(Model model) {
		model.addAttribute("keys", receipts.signingKeys());
		return "console/receipt-keys";
	}

	@PostMapping("/console/receipt-keys/rotate")
	String rotate(@RequestParam(required = false) @Nullable String reason, Principal admin,
			RedirectAttributes redirect) {
		ReceiptSigningKey key = log.inOneTransaction(() -> {
			ReceiptSigningKey made = receipts.rotate();
			audit.record(admin.getName(), AgentLog.CHANNEL, "RECEIPT_KEY_ROTATED", made.keyId(),
					"new current receipt signing key", null, reasonOf(reason));
			return made;
		});
		redirect.addFlashAttribute("message", "Receipt key " + key.keyId() + " is the current signing key.");
		return PAGE;
	}

	@PostMapping("/console/receipt-keys/{keyId}/revoke")
	String revoke(@PathVariable String keyId, @RequestParam(required = false) @Nullable String reason, Principal admin,
			RedirectAttributes redirect) {
		try {
			KeyRevocation revoked = log.inOneTransaction(() -> {
				KeyRevocation r = receipts.revoke(keyId);
				audit.record(admin.getName(), AgentLog.CHANNEL, "RECEIPT_KEY_REVOKED", keyId, "revoked from "
						+ r.revokedAt() + (r.rotatedTo() == null ? "" : "; replaced by " + r.rotatedTo()), null,
						reasonOf(reason));
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

	private static String reasonOf(@Nullable String reason) {
		return reason == null || reason.isBlank() ? "receipt keys" : reason.strip();
	}
}
