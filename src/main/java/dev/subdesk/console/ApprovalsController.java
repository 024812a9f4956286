package dev.subdesk.console;

import dev.subdesk.shared.Formats;
import dev.subdesk.shared.Money;
import dev.subdesk.support.RefundApproval;
import dev.subdesk.support.RefundApprovals;
import java.security.Principal;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * The supervisors' page of refunds outside the policy waiting for a decision ({@code /console/approvals}, for
 * SUPERVISOR and ADMIN only, see {@link ConsoleSecurity}). Only an approval moves money.
 */
@Controller
class ApprovalsController {

	/** A request as the supervisor sees it. */
	record ApprovalRow(String id, String accountId, String chargeId, String amount, String reason,
			@Nullable String caseNumber, String requestedBy, String requestedAt) {

		static ApprovalRow of(RefundApproval a) {
			return new ApprovalRow(a.id(), a.accountId(), a.chargeId(), Formats.money(Money.of(a.amount(), a.currency())),
					a.reason(), a.caseNumber(), a.requestedBy(), Formats.dateTime(a.requestedAt()));
		}
	}

	static final int MAX_NOTE = 500;

	record DecisionForm(@Nullable String note) {
	}

	private final RefundApprovals approvals;

	ApprovalsController(RefundApprovals approvals) {
		this.approvals = approvals;
	}

	@GetMapping("/console/approvals")
	String pending(Model model) {
		model.addAttribute("approvals", approvals.pending().stream().map(ApprovalRow::of).toList());
		return "console/approvals";
	}

	@PostMapping("/console/approvals/{id}/approve")
	String approve(@PathVariable String id, DecisionForm form, Principal supervisor, RedirectAttributes redirect) {
		String note = AccountController.blankToNull(form.note());
		if (note != null && note.length() > MAX_NOTE) {
			redirect.addFlashAttribute("message", "Not approved: keep the note to at most " + MAX_NOTE + " characters.");
			return "redirect:/console/approvals";
		}
		RefundApproval done = approvals.approve(id, supervisor.getName(), note);
		redirect.addFlashAttribute("message", "Approved: %s refunded (refund %s).".formatted(
				Formats.money(Money.of(done.amount(), done.currency())), done.refundId()));
		return "redirect:/console/approvals";
	}

	@PostMapping("/console/approvals/{id}/reject")
	String reject(@PathVariable String id, DecisionForm form, Principal supervisor, RedirectAttributes redirect) {
		String note = AccountController.blankToNull(form.note());
		if (note == null || note.length() > MAX_NOTE) {
			redirect.addFlashAttribute("message", "Not rejected: give the reason (at most " + MAX_NOTE + " characters).");
			return "redirect:/console/approvals";
		}
		approvals.reject(id, supervisor.getName(), note);
		redirect.addFlashAttribute("message", "Rejected: no money was moved.");
		return "redirect:/console/approvals";
	}
}
